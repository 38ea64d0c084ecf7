//! Source texts and locations in them.

use std::sync::{Arc, OnceLock};

use cadrage_syntax::{CharPosition, LineIndex, Span, Utf16Position};

/// One source text: a file on disk, an open editor buffer, or an embedded ruleset.
#[derive(Debug)]
pub struct Source {
    /// How the file is named in output: the path as given (with `/`), or `builtin:NAME`.
    pub name: String,
    pub text: Arc<str>,
    line_index: OnceLock<LineIndex>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Arc<Source> {
        Arc::new(Source { name: name.into(), text: text.into(), line_index: OnceLock::new() })
    }

    pub fn line_index(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// Is this an embedded ruleset (`builtin:NAME`)?
    pub fn is_builtin(&self) -> bool {
        self.name.starts_with(BUILTIN_PREFIX)
    }
}

pub const BUILTIN_PREFIX: &str = "builtin:";

/// A span in a given source: where a finding points, where a rule is defined.
#[derive(Clone, Debug)]
pub struct Loc {
    pub source: Arc<Source>,
    pub span: Span,
}

impl Loc {
    pub fn new(source: &Arc<Source>, span: Span) -> Loc {
        Loc { source: Arc::clone(source), span }
    }

    pub fn text(&self) -> &str {
        self.span.text(&self.source.text)
    }

    pub fn start(&self) -> CharPosition {
        self.source.line_index().char_position(self.span.start as usize)
    }

    pub fn end(&self) -> CharPosition {
        self.source.line_index().char_position(self.span.end as usize)
    }

    pub fn utf16_start(&self) -> Utf16Position {
        self.source.line_index().utf16_position(self.span.start as usize)
    }

    pub fn utf16_end(&self) -> Utf16Position {
        self.source.line_index().utf16_position(self.span.end as usize)
    }

    pub fn same_file(&self, other: &Loc) -> bool {
        Arc::ptr_eq(&self.source, &other.source)
    }
}

impl PartialEq for Loc {
    fn eq(&self, other: &Loc) -> bool {
        self.span == other.span && (Arc::ptr_eq(&self.source, &other.source) || self.source.name == other.source.name)
    }
}
impl Eq for Loc {}

/// Snippets carry the file's name, so a rendered finding says where it is.
impl miette::SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}
