//! The cadrage language's syntax: the pest grammar (`grammar/cadrage.pest`),
//! a syntax tree with byte spans, error recovery, and position conversions.
//!
//! Parsing never fails: [`parse`] returns a tree *and* the syntax errors,
//! so that one error never hides the rest of a file. This crate knows
//! nothing of rulesets' meaning, rendering or editors.

pub mod ast;
mod convert;
mod fast;
pub mod format;
pub mod incremental;
mod recovery;
mod span;
pub mod strings;
#[doc(hidden)]
pub mod testing;

use pest::Parser as _;
use pest_derive::Parser;

pub use ast::SourceFile;
pub use span::{CharPosition, LineIndex, LineStarts, Span, Utf16Position};

#[derive(Parser)]
#[grammar = "../../grammar/cadrage.pest"]
pub(crate) struct CadrageParser;

/// The keywords of the language; they cannot be names.
pub const KEYWORDS: &[&str] = &[
    "use",
    "ruleset",
    "extends",
    "model",
    "dimension",
    "many",
    "text",
    "rule",
    "when",
    "expect",
    "require",
    "deny",
    "severity",
    "message",
    "why",
    "see",
    "priority",
    "test",
    "given",
    "findings",
    "none",
    "scenario",
    "plan",
    "phase",
    "allow",
    "and",
    "or",
    "not",
    "is",
    "in",
    "present",
    "missing",
    "version",
    "description",
    "summary",
    "override",
    "drop",
    "by",
    "until",
];

/// Is `s` a valid name (`[a-z_][a-z0-9_]*`, not a keyword)?
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !KEYWORDS.contains(&s)
}

/// Parses a whole file. Never fails: errors are in [`SourceFile::errors`].
///
/// A well-formed plan file is read by a hand-written one-pass reader (the
/// fast path, `fast.rs`); anything else, and anything that reader does not
/// expect, by the pest grammar, which recovers from errors and explains
/// them. Both give the same tree where both apply (`tests/fast_props.rs`).
pub fn parse(text: &str) -> SourceFile {
    match fast::parse(text, 0) {
        Some(items) => SourceFile { items, errors: Vec::new() },
        None => parse_with_pest(text),
    }
}

/// The fast path alone: the tree of a well-formed plan file, or `None` when
/// the file needs the pest grammar (see [`parse`]). For tests and benchmarks.
#[doc(hidden)]
pub fn parse_fast_path(text: &str) -> Option<SourceFile> {
    fast::parse(text, 0).map(|items| SourceFile { items, errors: Vec::new() })
}

/// The pest grammar alone, without the fast path. For tests and benchmarks.
#[doc(hidden)]
pub fn parse_with_pest(text: &str) -> SourceFile {
    match CadrageParser::parse(Rule::file, text) {
        Ok(pairs) => {
            let mut conv = convert::Converter::new(text, 0);
            let items = conv.file(pairs);
            let mut errors = conv.errors;
            errors.sort_by_key(|e| (e.span.start, e.span.end));
            SourceFile { items, errors }
        }
        // Only a resource limit (nesting deep enough to exhaust the stack)
        // stops the whole-file rule; read the file item by item instead.
        Err(_) => parse_item_by_item(text),
    }
}

/// The slow path: one top-level item at a time, skipping an item that
/// cannot be read to the next `use`, `ruleset`, `scenario` or `plan`.
fn parse_item_by_item(text: &str) -> SourceFile {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut pos = skip_trivia(text, 0);
    while pos < text.len() {
        let rest = text.get(pos..).unwrap_or("");
        match CadrageParser::parse(Rule::probe_top, rest) {
            Ok(pairs) => {
                let end = pairs.clone().next().map(|p| p.as_span().end()).unwrap_or(0);
                let mut conv = convert::Converter::new(text, pos);
                for p in pairs {
                    conv.top(p, &mut items);
                }
                errors.append(&mut conv.errors);
                if end == 0 {
                    pos = next_top_keyword(text, pos + 1);
                } else {
                    pos = skip_trivia(text, pos + end);
                }
            }
            Err(e) => {
                let limit = matches!(&e.variant, pest::error::ErrorVariant::CustomError { message } if message.contains("limit"));
                let next = next_top_keyword(text, pos + 1);
                let span = Span::new(pos, trim_end(text, pos, next));
                if limit {
                    errors.push(ast::SyntaxError {
                        span,
                        message: "this item nests too deeply to be read".into(),
                        help: Some("use fewer nested parentheses".into()),
                    });
                } else {
                    errors.push(recovery::explain(text, span, recovery::Context::Top));
                }
                pos = next;
            }
        }
    }
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    SourceFile { items, errors }
}

/// Skips blanks and comments.
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while let Some(&b) = bytes.get(pos) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => {
                while bytes.get(pos).is_some_and(|&b| b != b'\n') {
                    pos += 1;
                }
            }
            _ => break,
        }
    }
    pos
}

fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let s = text.get(start..end).unwrap_or("");
    start + s.trim_end().len()
}

/// The offset of the next `use`, `ruleset`, `scenario` or `plan` that
/// stands as a word outside strings and comments, or the end of the text.
fn next_top_keyword(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while let Some(&b) = bytes.get(i) {
        match b {
            b'#' => {
                while bytes.get(i).is_some_and(|&b| b != b'\n') {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += 1;
                    match c {
                        b'\\' => i += 1,
                        b'"' | b'\n' => break,
                        _ => {}
                    }
                }
            }
            b if is_word(b) => {
                let start = i;
                while bytes.get(i).is_some_and(|&b| is_word(b)) {
                    i += 1;
                }
                let before_ok = start == 0 || bytes.get(start - 1).is_none_or(|&b| !is_word(b));
                if before_ok && matches!(text.get(start..i), Some("use" | "ruleset" | "scenario" | "plan")) {
                    return start;
                }
            }
            _ => i += 1,
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Item;

    #[test]
    fn keywords_are_the_grammars() {
        // Every keyword is refused as a name by the grammar.
        for kw in KEYWORDS {
            assert!(CadrageParser::parse(Rule::name, kw).is_err(), "{kw} parsed as a name");
            assert!(!is_name(kw));
        }
        assert!(is_name("model_x"));
        assert!(CadrageParser::parse(Rule::name, "model_x").is_ok());
    }

    #[test]
    fn a_deeply_nested_condition_is_an_error_not_a_crash() {
        let depth = 50_000;
        let text = format!(
            "ruleset r {{ rule x {{ when {}a is b{} deny }} }}\nscenario s {{ a b }}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let file = parse(&text);
        assert!(!file.errors.is_empty());
        assert!(file.items.iter().any(|i| matches!(i, Item::Scenario(s) if s.name.as_str() == "s")));
    }
}
