//! Source texts and locations in them.

use std::sync::{Arc, OnceLock};

use cadrage_syntax::{CharPosition, LineIndex, LineStarts, Span, Utf16Position};

/// One source text: a file on disk, an open editor buffer, or an embedded ruleset.
pub struct Source {
    /// How the file is named in output: the path as given (with `/`), or `builtin:NAME`.
    pub name: String,
    pub text: Arc<str>,
    line_index: OnceLock<LineIndex>,
    /// Enough for lines and columns in scalar values, and cheaper to build.
    line_starts: OnceLock<LineStarts>,
    /// Does the text hold a `\r` (see `read_span`)?
    has_cr: OnceLock<bool>,
}

/// A source is its name and text; its indexes are built when first asked
/// for, so they would make two equal sources print differently.
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").field("name", &self.name).field("text", &self.text).finish_non_exhaustive()
    }
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Arc<Source> {
        Arc::new(Source {
            name: name.into(),
            text: text.into(),
            line_index: OnceLock::new(),
            line_starts: OnceLock::new(),
            has_cr: OnceLock::new(),
        })
    }

    /// 1-based line and column in Unicode scalar values (JSON, SARIF, terminals).
    pub fn char_position(&self, offset: usize) -> CharPosition {
        self.line_starts().char_position(&self.text, offset)
    }

    /// The positions of a span's start and end, as `char_position` gives them.
    pub fn char_span(&self, span: Span) -> (CharPosition, CharPosition) {
        self.line_starts().char_span(&self.text, span.start as usize, span.end as usize)
    }

    fn line_starts(&self) -> &LineStarts {
        self.line_starts.get_or_init(|| LineStarts::new(&self.text))
    }

    pub fn line_index(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// Where miette can start reading for `context` lines before `offset`:
    /// the start of one line more than that before its line, and the number of
    /// lines before that point; `(0, 0)` near the top of the text or when
    /// the text holds a `\r`.
    fn context_start(&self, offset: usize, context: usize) -> (usize, usize) {
        let has_cr = *self.has_cr.get_or_init(|| memchr::memchr(b'\r', self.text.as_bytes()).is_some());
        if has_cr || offset > self.text.len() {
            return (0, 0);
        }
        let line = self.char_position(offset).line.saturating_sub(1) as usize;
        // One line more than the context: miette looks at the line break
        // before an empty span at a line's start.
        let Some(first) = line.checked_sub(context + 1) else { return (0, 0) };
        match self.line_starts().line_start(first) {
            Some(start) => (start, first),
            None => (0, 0),
        }
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
        self.source.char_position(self.span.start as usize)
    }

    pub fn end(&self) -> CharPosition {
        self.source.char_position(self.span.end as usize)
    }

    /// `(start(), end())`, the end found from the start when it can be.
    pub fn positions(&self) -> (CharPosition, CharPosition) {
        self.source.char_span(self.span)
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
        // miette reads the text from its start to find the lines around the
        // span: once per finding, quadratic in a file with many findings
        // (three quarters of `cadrage check` on a large corpus). It is given
        // the text from the start of the first context line instead, found
        // with the line index, and its answer is moved back into place. The
        // answer is the same: its scan keeps no state across a line start
        // but the counts of lines before, which are added back. miette also
        // breaks lines at a lone `\r`, which the line index does not: such
        // a file is read from its start, as before.
        let (base, lines_before) = self.context_start(span.offset(), context_lines_before);
        let window = self.text.get(base..).unwrap_or_default();
        let shifted = miette::SourceSpan::new((span.offset() - base).into(), span.len());
        let inner = window.read_span(&shifted, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            miette::SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + lines_before,
            inner.column(),
            inner.line_count() + lines_before,
        )))
    }
}

#[cfg(test)]
mod tests {
    use miette::SourceCode as _;

    use super::*;

    /// The windowed read gives what miette's whole-text read gives, for
    /// every span, context and kind of line break.
    #[test]
    fn read_span_is_miettes_own() {
        let texts = [
            "scenario é {\n  kpi \"🚀 x\"\n\n  purpose a\n}\n# end\nlast",
            "a\nb\nc\nd\ne\nf\n",
            "one\r\ntwo\r\nthree\rfour\n",
            "",
            "\n\n\n",
        ];
        for text in texts {
            let source = Source::new("f.cadrage", text);
            // Spans inside the text, as findings' are (miette itself panics
            // on some spans past the end).
            for offset in 0..=text.len() {
                for len in [0, 1, 3, 12].into_iter().filter(|l| offset + l <= text.len()) {
                    for context in 0..4 {
                        let span = miette::SourceSpan::new(offset.into(), len);
                        let ours = source.read_span(&span, context, context);
                        let theirs = text.read_span(&span, context, context);
                        match (ours, theirs) {
                            (Ok(a), Ok(b)) => {
                                let what = format!("{text:?} at {offset}+{len}, {context} lines");
                                assert_eq!(a.data(), b.data(), "{what}");
                                assert_eq!(a.span(), b.span(), "{what}");
                                assert_eq!(a.line(), b.line(), "{what}");
                                assert_eq!(a.column(), b.column(), "{what}");
                                assert_eq!(a.line_count(), b.line_count(), "{what}");
                                assert_eq!(a.name(), Some("f.cadrage"));
                            }
                            (Err(_), Err(_)) => {}
                            (a, b) => panic!("{text:?} at {offset}+{len}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
                        }
                    }
                }
            }
        }
    }
}
