//! Between the engine's byte spans and file names and LSP's UTF-16
//! positions and URIs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use cadrage_engine::source::{BUILTIN_PREFIX, Loc};
use cadrage_engine::{Finding, Severity, Source};
use cadrage_syntax::{LineIndex, Span, Utf16Position};
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position,
    Range, Uri,
};

/// Where embedded rulesets are written so that editors can open them.
pub fn builtin_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(find_builtin_dir).clone()
}

fn find_builtin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CADRAGE_CACHE_DIR") {
        return PathBuf::from(dir).join(env!("CARGO_PKG_VERSION"));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("cadrage").join(env!("CARGO_PKG_VERSION"))
}

/// Writes the embedded rulesets once per version, read-only.
pub fn write_builtins() -> std::io::Result<()> {
    let dir = builtin_dir();
    std::fs::create_dir_all(&dir)?;
    for (name, text) in cadrage_engine::builtin::BUILTIN_RULESETS {
        let path = dir.join(format!("{name}.cadrage"));
        if std::fs::read_to_string(&path).is_ok_and(|t| t == *text) {
            continue;
        }
        if path.exists() {
            let mut perms = std::fs::metadata(&path)?.permissions();
            #[allow(
                clippy::permissions_set_readonly_false,
                reason = "rewritten once per version, then read-only again"
            )]
            perms.set_readonly(false);
            std::fs::set_permissions(&path, perms)?;
        }
        std::fs::write(&path, text)?;
        let mut perms = std::fs::metadata(&path)?.permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&path, perms)?;
    }
    Ok(())
}

/// The URI of a source, by its name: a path, or `builtin:NAME`. Remembered:
/// a file's diagnostics name the same few files many times.
pub fn uri_of_name(name: &str) -> Option<Uri> {
    static URIS: OnceLock<Mutex<HashMap<String, Option<Uri>>>> = OnceLock::new();
    let cache = URIS.get_or_init(Mutex::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(u) = cache.get(name) {
        return u.clone();
    }
    if cache.len() > 10_000 {
        cache.clear();
    }
    let uri = make_uri(name);
    cache.insert(name.to_string(), uri.clone());
    uri
}

fn make_uri(name: &str) -> Option<Uri> {
    if let Some(builtin) = name.strip_prefix(BUILTIN_PREFIX) {
        return Uri::from_file_path(builtin_dir().join(format!("{builtin}.cadrage")));
    }
    Uri::from_file_path(Path::new(name))
}

/// The file path of a URI (for `file:` URIs).
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

pub fn position(index: &LineIndex, offset: usize) -> Position {
    let p = index.utf16_position(offset);
    Position { line: p.line, character: p.character }
}

pub fn range(index: &LineIndex, span: Span) -> Range {
    Range { start: position(index, span.start as usize), end: position(index, span.end as usize) }
}

/// The byte offset of an LSP position, clamped into the text.
pub fn offset(index: &LineIndex, pos: Position) -> usize {
    index.offset_of_utf16(Utf16Position { line: pos.line, character: pos.character })
}

/// The byte offset of an LSP position in `text`, as [`offset`] gives it,
/// without a line index: an edit needs one or two positions, and indexing
/// a long text costs more than finding its line.
pub fn offset_in(text: &str, pos: Position) -> usize {
    let Some(line_start) = line_start(text, pos.line) else { return text.len() };
    let rest = text.get(line_start..).unwrap_or("");
    let line = rest.find('\n').map_or(rest, |end| rest.get(..end).unwrap_or(""));
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        let next = units + c.len_utf16() as u32;
        if next > pos.character {
            // At or inside this character: its start (never split a character).
            return line_start + i;
        }
        units = next;
    }
    line_start + line.len()
}

/// Where 0-based line `line` of `text` starts, if the text has it. Counts
/// line breaks a block at a time (vectorized), then finds the one wanted.
fn line_start(text: &str, line: u32) -> Option<usize> {
    let mut left = line as usize;
    if left == 0 {
        return Some(0);
    }
    let mut at = 0;
    for block in text.as_bytes().chunks(4096) {
        let breaks: usize = block.iter().map(|b| usize::from(*b == b'\n')).sum();
        if breaks < left {
            left -= breaks;
            at += block.len();
            continue;
        }
        for (i, b) in block.iter().enumerate() {
            if *b == b'\n' {
                left -= 1;
                if left == 0 {
                    return Some(at + i + 1);
                }
            }
        }
    }
    None
}

/// Moves a diagnostic of `doc` by `lines` lines: its range, its related
/// locations in `doc` and the range of its fix.
pub fn shift_lines(d: &mut Diagnostic, doc: &Uri, lines: i64) {
    let shift = |p: &mut Position| p.line = u32::try_from((i64::from(p.line) + lines).max(0)).unwrap_or(u32::MAX);
    let shift_range = |r: &mut Range| {
        shift(&mut r.start);
        shift(&mut r.end);
    };
    shift_range(&mut d.range);
    for r in d.related_information.iter_mut().flatten() {
        if &r.location.uri == doc {
            shift_range(&mut r.location.range);
        }
    }
    if let Some(range) = d.data.as_mut().and_then(|data| data.get_mut("fix")).and_then(|fix| fix.get_mut("range")) {
        for end in ["start", "end"] {
            if let Some(line) = range.get_mut(end).and_then(|p| p.get_mut("line")) {
                if let Some(n) = line.as_i64() {
                    *line = serde_json::Value::from((n + lines).max(0));
                }
            }
        }
    }
}

pub fn loc_range(loc: &Loc) -> Range {
    range(loc.source.line_index(), loc.span)
}

pub fn location(loc: &Loc) -> Option<Location> {
    Some(Location { uri: uri_of_name(&loc.source.name)?, range: loc_range(loc) })
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// One finding as an LSP diagnostic: code, link, the help as a second
/// paragraph, related locations, and the fix as data for code actions.
pub fn diagnostic(f: &Finding) -> Diagnostic {
    let mut message = f.message.clone();
    if let Some(help) = f.help.as_deref().filter(|h| !h.is_empty()) {
        message.push_str("\n\n");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = f
        .related
        .iter()
        .filter_map(|r| {
            Some(DiagnosticRelatedInformation { location: location(&r.loc)?, message: r.message.to_string() })
        })
        .collect();
    let data = f.fix.as_ref().map(|fix| {
        serde_json::json!({
            "fix": { "title": fix.title, "replacement": fix.replacement, "range": loc_range(&fix.loc) },
        })
    });
    let href = f.url.as_deref().and_then(|u| u.parse::<Uri>().ok());
    Diagnostic {
        range: loc_range(&f.loc),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.code.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("cadrage".into()),
        message,
        related_information: if related.is_empty() { None } else { Some(related) },
        tags: None,
        data,
    }
}

/// A source for an open document, named by its path when it has one.
pub fn source_for(uri: &Uri, text: &str) -> Arc<Source> {
    let name = path_of(uri).map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|| uri.to_string());
    Source::new(name, text)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Finding a position's line gives what the line index gives.
        #[test]
        fn offset_in_equals_the_line_index(
            pieces in prop::collection::vec(prop::sample::select(&["a", "é", "🚀", "\n", "\r\n", " ", "\r", "long line\n"][..]), 0..4000),
            line in 0u32..2000,
            character in 0u32..30,
        ) {
            let text: String = pieces.concat();
            let pos = Position { line, character };
            prop_assert_eq!(offset_in(&text, pos), offset(&LineIndex::new(&text), pos));
        }
    }
}
