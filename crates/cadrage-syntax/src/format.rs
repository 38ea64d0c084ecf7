//! The formatter: one canonical layout for cadrage files.
//!
//! - one statement per line, two spaces of indentation per block;
//! - the values of the facts of a block aligned in one column (so are the
//!   docs of a dimension's values and the facts of a test's `given`s);
//! - one blank line between top-level items (consecutive `use` lines stay
//!   together); inside a block, a blank line of the source is kept (at most
//!   one), none after `{` or before `}`;
//! - single spaces between words, `[a, b]`, `(cond)`, `a + b`, `a | b`;
//! - comments stay where they were: a comment on its own line stays on its
//!   own line before the same statement, an end-of-line comment stays at the
//!   end of its statement's line;
//! - strings are kept exactly as written, including the `"""` form and its
//!   lines.
//!
//! A file with syntax errors is not formatted: [`format`] returns the errors
//! and the caller keeps the text as it is, so nothing is ever lost.
//!
//! The layout comes from the syntax tree (which statement is in which
//! block); the text of each statement is re-spaced from its own tokens, so
//! formatting never changes what a file means.

use crate::Span;
use crate::ast::{
    Conclusion, Item, Model, PhaseStmt, PlanStmt, Rule, RulesetStmt, Scenario, ScenarioStmt, SourceFile, SyntaxError,
    TestStmt,
};

/// Why a text was not formatted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// The syntax errors of the text; formatting them away could lose text.
    pub errors: Vec<SyntaxError>,
}

/// Formats a whole file. Returns the syntax errors instead when it has any.
pub fn format(text: &str) -> Result<String, FormatError> {
    let file = crate::parse(text);
    format_parsed(text, &file)
}

/// Formats a file already parsed (`file` must be `parse(text)`).
pub fn format_parsed(text: &str, file: &SourceFile) -> Result<String, FormatError> {
    if !file.errors.is_empty() {
        return Err(FormatError { errors: file.errors.clone() });
    }
    let items: Vec<Node> = file.items.iter().map(|i| item(text, i)).collect();
    let mut p = Printer { text, comments: comments(text), next: 0, out: String::new(), last_end: 0 };
    p.top(&items);
    Ok(p.out)
}

// ------------------------------------------------------------------ layout tree

/// A statement laid out: a line, a fact (aligned), or a block.
#[derive(Debug)]
enum Node {
    /// The text in pieces between which a long line may break.
    Line {
        span: Span,
        chunks: Vec<String>,
    },
    Fact {
        span: Span,
        key: String,
        value: String,
    },
    Block {
        span: Span,
        header: String,
        open: Span,
        close: Span,
        children: Vec<Node>,
        is_use: bool,
    },
}

impl Node {
    fn span(&self) -> Span {
        match self {
            Node::Line { span, .. } | Node::Fact { span, .. } | Node::Block { span, .. } => *span,
        }
    }
    fn is_use(&self) -> bool {
        matches!(self, Node::Block { is_use: true, .. })
    }
}

fn slice(text: &str, span: Span) -> &str {
    text.get(span.start as usize..span.end as usize).unwrap_or("")
}

fn line(text: &str, span: Span) -> Node {
    Node::Line { span: trimmed(text, span), chunks: chunks(slice(text, span)) }
}

/// `span` without the whitespace and comments the grammar lets trail it.
fn trimmed(text: &str, span: Span) -> Span {
    let s = slice(text, span);
    let end = tokens(s).last().map_or(0, |t| {
        let w = t.text();
        (w.as_ptr() as usize - s.as_ptr() as usize) + w.len()
    });
    Span { start: span.start, end: span.start + u32::try_from(end).unwrap_or(0) }
}

fn header(text: &str, start: u32, open: Span) -> String {
    let h = respace(slice(text, Span { start, end: open.start }));
    if h.is_empty() { "{".to_string() } else { format!("{h} {{") }
}

fn block(text: &str, span: Span, open: Span, close: Option<Span>, children: Vec<Node>) -> Node {
    let close = close.unwrap_or(Span::at(span.end as usize));
    Node::Block { span, header: header(text, span.start, open), open, close, children, is_use: false }
}

fn item(text: &str, it: &Item) -> Node {
    match it {
        Item::Use(u) => {
            // A `use` is a line, marked so that consecutive ones stay together.
            let span = trimmed(text, u.span);
            let header = respace(slice(text, span));
            Node::Block { span, header, open: span, close: span, children: Vec::new(), is_use: true }
        }
        Item::Scenario(s) => scenario(text, s),
        Item::Plan(p) => {
            let children = p
                .body
                .iter()
                .map(|s| match s {
                    PlanStmt::Fact(f) => fact(text, f.span, f.key.as_str(), f.value.span(), None),
                    PlanStmt::Scenario(s) => scenario(text, s),
                    PlanStmt::Phase(ph) => {
                        let children = ph
                            .body
                            .iter()
                            .map(|s| match s {
                                PhaseStmt::Fact(f) => fact(text, f.span, f.key.as_str(), f.value.span(), None),
                                PhaseStmt::Scenario(s) => scenario(text, s),
                            })
                            .collect();
                        block(text, ph.span, ph.braces.open, ph.braces.close, children)
                    }
                })
                .collect();
            block(text, p.span, p.braces.open, p.braces.close, children)
        }
        Item::Ruleset(r) => {
            let children = r.body.iter().map(|s| ruleset_stmt(text, s)).collect();
            block(text, r.span, r.braces.open, r.braces.close, children)
        }
    }
}

fn scenario(text: &str, s: &Scenario) -> Node {
    let children = s
        .body
        .iter()
        .map(|st| match st {
            ScenarioStmt::Fact(f) => fact(text, f.span, f.key.as_str(), f.value.span(), None),
            ScenarioStmt::Allow(a) => line(text, a.span),
        })
        .collect();
    block(text, s.span, s.braces.open, s.braces.close, children)
}

/// A fact: `key` then its value, aligned with the other facts of the block.
fn fact(text: &str, span: Span, key: &str, value: Span, prefix: Option<&str>) -> Node {
    let key = match prefix {
        Some(p) => format!("{p} {key}"),
        None => key.to_string(),
    };
    Node::Fact { span: trimmed(text, span), key, value: respace(slice(text, value)) }
}

fn ruleset_stmt(text: &str, s: &RulesetStmt) -> Node {
    match s {
        RulesetStmt::Version(k, v) | RulesetStmt::Description(k, v) => line(text, k.span.cover(v.span)),
        RulesetStmt::Model(m) => model(text, m),
        RulesetStmt::Dimension(d) => match d.braces {
            Some(b) => {
                let children = d
                    .values
                    .iter()
                    .map(|v| match &v.doc {
                        Some(doc) => Node::Fact {
                            span: trimmed(text, v.span),
                            key: v.name.text.to_string(),
                            value: slice(text, doc.span).to_string(),
                        },
                        None => line(text, v.span),
                    })
                    .collect();
                block(text, d.span, b.open, b.close, children)
            }
            None => line(text, d.span),
        },
        RulesetStmt::Rule(r) => rule(text, r),
        RulesetStmt::Override(o) => {
            let children = o.attributes.iter().map(|a| line(text, a.span)).collect();
            block(text, o.span, o.braces.open, o.braces.close, children)
        }
        RulesetStmt::Drop(d) => line(text, d.span),
        RulesetStmt::Test(t) => {
            let children = t
                .body
                .iter()
                .map(|st| match st {
                    TestStmt::Given(k, f) => {
                        fact(text, k.span.cover(f.span), f.key.as_str(), f.value.span(), Some("given"))
                    }
                    TestStmt::Expect(e) => line(text, e.span()),
                })
                .collect();
            block(text, t.span, t.braces.open, t.braces.close, children)
        }
    }
}

fn model(text: &str, m: &Model) -> Node {
    match m.braces {
        Some(b) => {
            let mut children: Vec<Node> = Vec::new();
            // `summary "..."` and `see "..."`: the keyword stands right before the string.
            for (kw, s) in [("summary", &m.summary), ("see", &m.see)] {
                if let Some(s) = s {
                    let start = keyword_before(text, s.span.start, kw);
                    children.push(Node::Line {
                        span: Span { start, end: s.span.end },
                        chunks: vec![format!("{kw} {}", slice(text, s.span))],
                    });
                }
            }
            children.sort_by_key(|n| n.span().start);
            block(text, m.span, b.open, b.close, children)
        }
        None => line(text, m.span),
    }
}

/// Where the keyword `kw` that stands before `pos` starts (whitespace and
/// comments may sit between them).
fn keyword_before(text: &str, pos: u32, kw: &str) -> u32 {
    let before = text.get(..pos as usize).unwrap_or("");
    before.rfind(kw).map_or(pos, |i| u32::try_from(i).unwrap_or(pos))
}

fn rule(text: &str, r: &Rule) -> Node {
    let mut children: Vec<Node> = Vec::new();
    if let Some(c) = &r.when {
        let span = c.span();
        let start = keyword_before(text, span.start, "when");
        let mut pieces = chunks(slice(text, span));
        match pieces.first_mut() {
            Some(first) => first.insert_str(0, "when "),
            None => pieces.push("when".into()),
        }
        children.push(Node::Line { span: Span { start, end: span.end }, chunks: pieces });
    }
    if let Some(c) = &r.conclusion {
        let end = match c {
            Conclusion::Expect(_, choice) => choice.span.end,
            Conclusion::Require(k, dims) => dims.last().map_or(k.span.end, |d| d.span().end),
            Conclusion::Deny(k) => k.span.end,
        };
        children.push(line(text, Span { start: c.keyword().span.start, end }));
    }
    children.extend(r.attributes.iter().map(|a| line(text, a.span)));
    children.sort_by_key(|n| n.span().start);
    block(text, r.span, r.braces.open, r.braces.close, children)
}

// ------------------------------------------------------------------ tokens

#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Word(&'a str),
    Str(&'a str),
    Punct(&'a str),
}

impl<'a> Tok<'a> {
    fn text(&self) -> &'a str {
        match self {
            Tok::Word(w) | Tok::Str(w) | Tok::Punct(w) => w,
        }
    }
}

/// Splits statement text into words, strings (as written) and punctuation;
/// comments are left out (the printer places them).
fn tokens(s: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'"' => {
                let end = string_end(s, i);
                out.push(Tok::Str(s.get(i..end).unwrap_or("")));
                i = end;
            }
            b'[' | b']' | b'(' | b')' | b',' | b'+' | b'|' | b'{' | b'}' => {
                out.push(Tok::Punct(s.get(i..i + 1).unwrap_or("")));
                i += 1;
            }
            _ => {
                let start = i;
                while bytes.get(i).is_some_and(|&c| {
                    !matches!(
                        c,
                        b' ' | b'\t'
                            | b'\r'
                            | b'\n'
                            | b'#'
                            | b'"'
                            | b'['
                            | b']'
                            | b'('
                            | b')'
                            | b','
                            | b'+'
                            | b'|'
                            | b'{'
                            | b'}'
                    )
                }) {
                    i += 1;
                }
                out.push(Tok::Word(s.get(start..i).unwrap_or("")));
            }
        }
    }
    out
}

/// The end (exclusive) of the string starting at `start` (a `"`).
fn string_end(s: &str, start: usize) -> usize {
    let bytes = s.as_bytes();
    if s.get(start..).is_some_and(|r| r.starts_with("\"\"\"")) {
        let mut i = start + 3;
        while i < bytes.len() {
            if bytes.get(i) == Some(&b'\\') {
                i += 2;
            } else if s.get(i..).is_some_and(|r| r.starts_with("\"\"\"")) {
                return i + 3;
            } else {
                i += 1;
            }
        }
        return bytes.len();
    }
    let mut i = start + 1;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// A statement's text with canonical spacing.
fn respace(s: &str) -> String {
    chunks(s).join(" ")
}

/// A statement's text with canonical spacing, in pieces: a long line breaks
/// before `and`, `or`, `|`, `by` and `until`, and after a comma, outside
/// brackets and parentheses.
fn chunks(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev: Option<&Tok<'_>> = None;
    let toks = tokens(s);
    let mut brackets = 0usize;
    for t in &toks {
        let break_before = brackets == 0
            && (matches!(t, Tok::Word("and" | "or" | "by" | "until") | Tok::Punct("|"))
                || matches!(prev, Some(Tok::Punct(","))));
        match t {
            Tok::Punct("[" | "(") => brackets += 1,
            Tok::Punct("]" | ")") => brackets = brackets.saturating_sub(1),
            _ => {}
        }
        if break_before && !current.is_empty() {
            out.push(std::mem::take(&mut current));
            prev = None;
        }
        let out = &mut current;
        let space =
            !matches!((prev, t), (None, _) | (Some(Tok::Punct("[" | "(")), _) | (_, Tok::Punct("]" | ")" | ",")));
        if space {
            out.push(' ');
        }
        out.push_str(t.text());
        prev = Some(t);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

// ------------------------------------------------------------------ comments

#[derive(Debug)]
struct Comment {
    span: Span,
    /// Nothing but whitespace before it on its line.
    own_line: bool,
}

/// Every comment of the text, outside strings.
fn comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => i = string_end(text, i),
            b'#' => {
                let start = i;
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                let line_start = text.get(..start).and_then(|t| t.rfind('\n')).map_or(0, |n| n + 1);
                let own_line = text.get(line_start..start).is_some_and(|t| t.trim().is_empty());
                let end = start + text.get(start..i).map_or(0, |c| c.trim_end().len());
                out.push(Comment { span: Span::new(start, end), own_line });
            }
            _ => i += 1,
        }
    }
    out
}

// ------------------------------------------------------------------ printing

/// Lines longer than this break at the places [`chunks`] allows.
pub const MAX_WIDTH: usize = 100;

struct Printer<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    /// The first comment not printed yet.
    next: usize,
    out: String,
    /// Where the last thing printed ended in the source.
    last_end: u32,
}

impl Printer<'_> {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    /// A blank line in the source between the last thing printed and `pos`.
    fn blank_before(&self, pos: u32) -> bool {
        let between = self.text.get(self.last_end as usize..pos as usize).unwrap_or("");
        between.split('\n').skip(1).collect::<Vec<_>>().iter().rev().skip(1).any(|l| l.trim().is_empty())
    }

    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Prints the comments that stand before `pos` on their own lines.
    fn comments_before(&mut self, pos: u32, depth: usize, first_in_block: bool) {
        let mut first = first_in_block;
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= pos {
                break;
            }
            let span = c.span;
            if !first && self.blank_before(span.start) {
                self.blank_line();
            }
            self.indent(depth);
            self.out.push_str(slice(self.text, span));
            self.out.push('\n');
            self.next += 1;
            self.last_end = span.end;
            first = false;
        }
    }

    /// Ends the current line, with the end-of-line comment that follows
    /// `end` on the same source line, if any.
    fn end_line(&mut self, end: u32) {
        if let Some(c) = self.comments.get(self.next) {
            let between = self.text.get(end as usize..c.span.start as usize).unwrap_or("\n");
            // Only whitespace between: a comment after later code on the
            // same line belongs to that code.
            if !c.own_line && c.span.start >= end && between.trim().is_empty() && !between.contains('\n') {
                self.out.push_str("  ");
                self.out.push_str(slice(self.text, c.span));
                self.next += 1;
            }
        }
        self.out.push('\n');
        self.last_end = self.last_end.max(end);
    }

    fn top(&mut self, items: &[Node]) {
        let mut prev_use = false;
        for (i, node) in items.iter().enumerate() {
            let start = node.span().start;
            let first_thing = self.comments.get(self.next).map_or(start, |c| c.span.start.min(start));
            if i > 0 && (!(prev_use && node.is_use()) || self.blank_before(first_thing)) {
                self.blank_line();
            }
            let printed = self.next;
            self.comments_before(start, 0, true);
            if self.next > printed && self.blank_before(start) {
                self.blank_line();
            }
            self.node(node, 0);
            prev_use = node.is_use();
        }
        // Comments after the last item.
        let end = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        if let Some(c) = self.comments.get(self.next) {
            if !items.is_empty() && self.blank_before(c.span.start) {
                self.blank_line();
            }
        }
        self.comments_before(end, 0, true);
    }

    fn node(&mut self, node: &Node, depth: usize) {
        self.node_aligned(node, depth, 0);
    }

    fn node_aligned(&mut self, node: &Node, depth: usize, key_width: usize) {
        match node {
            Node::Line { span, chunks } => {
                self.indent(depth);
                let mut column = depth * 2;
                for (i, chunk) in chunks.iter().enumerate() {
                    let width = chunk.lines().next().map_or(0, |l| l.chars().count());
                    if i > 0 && column + 1 + width > MAX_WIDTH {
                        self.out.push('\n');
                        self.indent(depth + 1);
                        column = (depth + 1) * 2;
                    } else if i > 0 {
                        self.out.push(' ');
                        column += 1;
                    }
                    self.out.push_str(chunk);
                    column += width;
                }
                self.end_line(span.end);
            }
            Node::Fact { span, key, value } => {
                self.indent(depth);
                self.out.push_str(key);
                let pad = key_width.saturating_sub(key.chars().count()) + 1;
                for _ in 0..pad {
                    self.out.push(' ');
                }
                self.out.push_str(value);
                self.end_line(span.end);
            }
            Node::Block { header, open, close, children, is_use, .. } => {
                self.indent(depth);
                self.out.push_str(header);
                if *is_use {
                    self.end_line(close.end);
                    return;
                }
                let has_inner_comment = self.comments.get(self.next).is_some_and(|c| c.span.start < close.start);
                if children.is_empty() && !has_inner_comment {
                    self.out.push('}');
                    self.end_line(close.end);
                    return;
                }
                self.end_line(open.end);
                let width = children
                    .iter()
                    .filter_map(|c| match c {
                        Node::Fact { key, .. } => Some(key.chars().count()),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(0);
                for (i, child) in children.iter().enumerate() {
                    let start = child.span().start;
                    if i > 0
                        && self.blank_before(self.comments.get(self.next).map_or(start, |c| c.span.start.min(start)))
                    {
                        self.blank_line();
                    }
                    self.comments_before(start, depth + 1, i == 0);
                    if i > 0 && self.blank_before(start) && !self.out.ends_with("\n\n") {
                        // A blank line between a comment and its statement.
                        self.blank_line();
                    }
                    self.node_aligned(child, depth + 1, width);
                }
                self.comments_before(close.start, depth + 1, false);
                self.indent(depth);
                self.out.push('}');
                self.end_line(close.end);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        match format(s) {
            Ok(f) => f,
            Err(e) => panic!("syntax errors: {:?}", e.errors),
        }
    }

    #[test]
    fn respacing() {
        assert_eq!(respace("when  purpose in[a,b ]and not(x is y)"), "when purpose in [a, b] and not (x is y)");
        assert_eq!(respace("expect a+b|c"), "expect a + b | c");
        assert_eq!(respace("allow m.r \"x  y\"  until 2027-06-30"), "allow m.r \"x  y\" until 2027-06-30");
    }

    #[test]
    fn one_statement_per_line_aligned_facts() {
        let out = fmt(
            "use management\nscenario s \"T\" { purpose announce audience company,own_team model community+socio_collaborative }\n",
        );
        assert_eq!(
            out,
            "use management\n\nscenario s \"T\" {\n  purpose  announce\n  audience company, own_team\n  model    community + socio_collaborative\n}\n"
        );
    }

    #[test]
    fn comments_stay_where_they_were() {
        let src = "# head\n\nuse management # why\n\n# about s\nscenario s {\n  # inside\n  purpose announce  # trailing\n\n  model community\n  # last\n}\n# end\n";
        let out = fmt(src);
        assert_eq!(
            out,
            "# head\n\nuse management  # why\n\n# about s\nscenario s {\n  # inside\n  purpose announce  # trailing\n\n  model   community\n  # last\n}\n# end\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn long_strings_are_kept_as_written() {
        let src = "ruleset r {\n  description \"\"\"\n    two\n      lines # not a comment\n  \"\"\"\n}\n";
        let out = fmt(src);
        assert!(out.contains("description \"\"\"\n    two\n      lines # not a comment\n  \"\"\""), "{out}");
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn syntax_errors_are_returned_not_formatted() {
        let e = format("scenario s { purpose }\nscenario {").err().map(|e| e.errors.len());
        assert!(e.is_some_and(|n| n > 0));
    }

    #[test]
    fn empty_blocks_and_consecutive_uses() {
        assert_eq!(fmt("use a\nuse b\nscenario s{}"), "use a\nuse b\n\nscenario s {}\n");
    }
}
