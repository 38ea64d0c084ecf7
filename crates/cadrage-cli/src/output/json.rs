//! `--format json`: one document, as docs/cli.md describes.

use cadrage_engine::source::Loc;
use cadrage_engine::{FileReport, Finding};
use std::io::Write as _;

use serde::Serialize;

use super::{Rendered, Renderer};

pub struct Json;

// Findings are written by hand: through serde, escaping every key and
// building every nested object cost more than the check itself on a large
// corpus. The shape is docs/cli.md's; `tests/formats.rs` and the corpus
// snapshots hold it, and strings are escaped exactly as serde_json escapes
// them (a property test below holds the two equal), so the bytes are the
// ones serde would write.

/// A JSON string: as is when nothing in it needs escaping.
fn string(buf: &mut String, s: &str) {
    // Without an early exit the test vectorises: most strings are short and clean.
    buf.push('"');
    if !s.bytes().fold(false, |bad, b| bad | (b < 0x20) | (b == b'"') | (b == b'\\')) {
        buf.push_str(s);
    } else {
        escaped(buf, s);
    }
    buf.push('"');
}

/// The inside of a JSON string, escaped as serde_json escapes it (a
/// property test holds them equal): the output is built as a `String`, so
/// it needs no UTF-8 check when it is handed on (that check was 1 % of a
/// large run).
fn escaped(buf: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c < ' ' || c == '"' || c == '\\') {
        let (clean, tail) = rest.split_at(i);
        buf.push_str(clean);
        let mut chars = tail.chars();
        match chars.next() {
            Some('"') => buf.push_str("\\\""),
            Some('\\') => buf.push_str("\\\\"),
            Some('\n') => buf.push_str("\\n"),
            Some('\r') => buf.push_str("\\r"),
            Some('\t') => buf.push_str("\\t"),
            Some('\u{8}') => buf.push_str("\\b"),
            Some('\u{c}') => buf.push_str("\\f"),
            Some(c) => {
                let _ = std::fmt::Write::write_fmt(buf, format_args!("\\u{:04x}", u32::from(c)));
            }
            None => {}
        }
        rest = chars.as_str();
    }
    buf.push_str(rest);
}

fn opt_string(buf: &mut String, s: Option<&str>) {
    match s {
        Some(s) => string(buf, s),
        None => buf.push_str("null"),
    }
}

/// `[a,b,...]`, each item written by `each`.
fn list<T>(buf: &mut String, items: impl IntoIterator<Item = T>, mut each: impl FnMut(&mut String, T)) {
    buf.push('[');
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        each(buf, x);
    }
    buf.push(']');
}

fn strings<'a>(buf: &mut String, items: impl IntoIterator<Item = &'a str>) {
    list(buf, items, string);
}

fn uint(buf: &mut String, n: u32) {
    buf.push_str(itoa::Buffer::new().format(n));
}

fn position(buf: &mut String, line: u32, column: u32, offset: u32) {
    buf.push_str("{\"line\":");
    uint(buf, line);
    buf.push_str(",\"column\":");
    uint(buf, column);
    buf.push_str(",\"offset\":");
    uint(buf, offset);
    buf.push('}');
}

/// `{"start":{...},"end":{...}}`: 1-based lines, columns in Unicode scalar values.
fn span(buf: &mut String, loc: &Loc) {
    let (s, e) = loc.positions();
    buf.push_str("{\"start\":");
    position(buf, s.line, s.column, loc.span.start);
    buf.push_str(",\"end\":");
    position(buf, e.line, e.column, loc.span.end);
    buf.push('}');
}

fn fix(buf: &mut String, title: &str, replacement: &str, loc: &Loc) {
    buf.push_str("{\"title\":");
    string(buf, title);
    buf.push_str(",\"replacement\":");
    string(buf, replacement);
    buf.push_str(",\"span\":");
    span(buf, loc);
    buf.push('}');
}

/// One finding; `file_json` is the report's file name, already a JSON string.
fn finding(buf: &mut String, f: &Finding, file: &str, file_json: &str) {
    match &f.code {
        // A rule's code, help and related locations are the same in all its
        // findings: rendered once per thread, and reused while they are.
        cadrage_engine::Code::Rule(path) => RULE_PARTS.with_borrow_mut(|parts| {
            let p = parts.entry(path.clone()).or_insert_with(|| RuleParts::of(f));
            if !p.fits(f) {
                *p = RuleParts::of(f);
            }
            finding_with(buf, f, file, file_json, p);
        }),
        cadrage_engine::Code::Engine(_) => finding_with(buf, f, file, file_json, &RuleParts::of(f)),
    }
}

/// A finding's `code`, `help` and `related`, rendered (each with its
/// leading comma and key), and what they were rendered from.
struct RuleParts {
    help_of: Option<std::sync::Arc<str>>,
    related_of: Vec<(std::sync::Arc<cadrage_engine::Source>, cadrage_syntax::Span, std::sync::Arc<str>)>,
    code: String,
    help: String,
    related: String,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    /// By rule: a run has few rules, and each worker thread its own copy.
    static RULE_PARTS: std::cell::RefCell<
        std::collections::HashMap<cadrage_engine::RulePath, RuleParts, foldhash::fast::FixedState>,
    > = std::cell::RefCell::new(std::collections::HashMap::default());
}

impl RuleParts {
    fn of(f: &Finding) -> RuleParts {
        let mut code = String::from(",\"code\":");
        string(&mut code, &code_string(&f.code));
        let mut help = String::from(",\"help\":");
        opt_string(&mut help, f.help.as_deref());
        let mut related = String::from(",\"related\":");
        list(&mut related, &f.related, |buf, r| {
            buf.push_str("{\"file\":");
            string(buf, &r.loc.source.name);
            buf.push_str(",\"span\":");
            span(buf, &r.loc);
            buf.push_str(",\"message\":");
            string(buf, &r.message);
            buf.push('}');
        });
        RuleParts {
            help_of: f.help.clone(),
            // The sources are kept alive here, so that a pointer seen again is the same source.
            related_of: f.related.iter().map(|r| (r.loc.source.clone(), r.loc.span, r.message.clone())).collect(),
            code,
            help,
            related,
        }
    }

    /// Were these parts rendered from what `f` holds?
    fn fits(&self, f: &Finding) -> bool {
        self.help_of == f.help
            && self.related_of.len() == f.related.len()
            && self.related_of.iter().zip(&f.related).all(|((source, span, message), r)| {
                std::sync::Arc::ptr_eq(source, &r.loc.source) && *span == r.loc.span && *message == r.message
            })
    }
}

fn finding_with(buf: &mut String, f: &Finding, file: &str, file_json: &str, parts: &RuleParts) {
    buf.push_str("{\"file\":");
    if f.loc.source.name == file {
        buf.push_str(file_json);
    } else {
        string(buf, &f.loc.source.name);
    }
    buf.push_str(",\"scenario\":");
    opt_string(buf, f.scenario.as_deref());
    buf.push_str(&parts.code);
    buf.push_str(",\"severity\":");
    string(buf, f.severity.as_str());
    buf.push_str(",\"message\":");
    string(buf, &f.message);
    buf.push_str(&parts.help);
    buf.push_str(",\"span\":");
    span(buf, &f.loc);
    buf.push_str(&parts.related);
    buf.push_str(",\"fix\":");
    match &f.fix {
        Some(x) => fix(buf, &x.title, &x.replacement, &x.loc),
        None => buf.push_str("null"),
    }
    // Changes of the scenario that clear a rule's finding (issue 4).
    if !f.remedies.is_empty() {
        buf.push_str(",\"remedies\":");
        list(buf, &f.remedies, |buf, r| {
            buf.push_str("{\"title\":");
            string(buf, &r.title);
            buf.push_str(",\"dimension\":");
            string(buf, &r.dim);
            buf.push_str(",\"values\":");
            match &r.values {
                Some(v) => strings(buf, v.iter().map(|x| x.as_str())),
                None => buf.push_str("null"),
            }
            buf.push_str(",\"new_findings\":");
            strings(buf, r.new_findings.iter().map(String::as_str));
            buf.push_str(",\"fix\":");
            fix(buf, &r.fix.title, &r.fix.replacement, &r.fix.loc);
            buf.push('}');
        });
    }
    // Facts on which a static finding of a ruleset shows.
    if let Some(w) = &f.witness {
        buf.push_str(",\"witness\":");
        list(buf, &w.facts, |buf, x| {
            buf.push_str("{\"dimension\":");
            string(buf, &x.dim);
            buf.push_str(",\"values\":");
            match &x.value {
                cadrage_engine::analysis::WitnessValue::Values(v) => strings(buf, v.iter().map(|s| s.as_str())),
                // Any text.
                cadrage_engine::analysis::WitnessValue::Text => buf.push_str("null"),
            }
            buf.push('}');
        });
    }
    buf.push('}');
}

#[derive(Serialize)]
struct AllowedJ<'a> {
    file: &'a str,
    scenario: Option<&'a str>,
    code: String,
    reason: Option<&'a str>,
    by: Option<&'a str>,
    until: Option<&'a str>,
}

impl Renderer for Json {
    fn render(&self, report: &FileReport) -> Rendered {
        let mut r = Rendered::of(report);
        // Each list is written into one buffer per file: serializing into a
        // fresh string per object cost as much as the check's evaluation.
        let file = report.source.name.as_str();
        // The file's name is the same in every finding and classification: escaped once.
        let mut file_json = String::new();
        string(&mut file_json, file);
        // Written into a buffer kept by the thread (a file's findings are
        // ~70 KB: growing a fresh one copied them over and over), which is
        // then handed out, shrunk in place, and replaced by one as large.
        r.findings = SCRATCH.with_borrow_mut(|buf| {
            buf.clear();
            for f in &report.findings {
                buf.push(',');
                finding(buf, f, file, &file_json);
            }
            let mut out = std::mem::replace(buf, String::with_capacity(buf.capacity()));
            out.shrink_to_fit();
            out
        });
        let mut buf = String::with_capacity(report.classifications.len() * (file_json.len() + 160));
        for c in &report.classifications {
            buf.push_str(",{\"file\":");
            buf.push_str(&file_json);
            buf.push_str(",\"scenario\":");
            string(&mut buf, &c.scenario);
            buf.push_str(",\"expected\":");
            match &c.expected {
                Some(alts) => list(&mut buf, alts, |buf, a| strings(buf, a.iter().map(|m| m.as_str()))),
                None => buf.push_str("null"),
            }
            buf.push_str(",\"chosen\":");
            match &c.chosen {
                Some(v) => strings(&mut buf, v.iter().map(|m| m.as_str())),
                None => buf.push_str("null"),
            }
            buf.push('}');
        }
        r.classifications = buf;
        for a in &report.allowed {
            let allowed = AllowedJ {
                file,
                scenario: a.finding.scenario.as_deref(),
                code: code_string(&a.finding.code),
                reason: a.reason.as_deref(),
                by: a.by.as_deref(),
                until: a.until.as_deref(),
            };
            // Serializing a plain struct to a string cannot fail.
            if let Ok(json) = serde_json::to_string(&allowed) {
                r.allowed.push(',');
                r.allowed.push_str(&json);
            }
        }
        r
    }
}

/// `ruleset.rule` or `cadrage::name`, without the formatting machinery.
fn code_string(code: &cadrage_engine::Code) -> String {
    match code {
        cadrage_engine::Code::Rule(p) => {
            let mut s = String::with_capacity(p.ruleset.len() + 1 + p.rule.len());
            s.push_str(&p.ruleset);
            s.push('.');
            s.push_str(&p.rule);
            s
        }
        cadrage_engine::Code::Engine(c) => ["cadrage::", c.name()].concat(),
    }
}

/// The JSON document, written as files are checked.
///
/// The findings, most of the document, go to the output as each file's
/// come, so they are never held; the two other lists (classifications,
/// allowed findings) wait for the findings to end: in memory up to `limit`
/// bytes each, then in a temporary file, so that memory stays bounded
/// however large the corpus (a check of a million scenarios writes about
/// 700 MB of JSON). The counts only the end of the run knows
/// (`"scenarios"`, `"summary"`) close the document (docs/cli.md).
pub struct Document<W: std::io::Write> {
    out: super::Output<W>,
    any_finding: bool,
    scenarios: usize,
    counts: cadrage_engine::Counts,
    allowed_count: usize,
    classifications: super::spool::Spool,
    allowed: super::spool::Spool,
}

/// Why a document could not be written whole.
#[derive(Debug)]
pub enum DocumentError {
    /// Writing the output (a closed pipe, a full disk).
    Output(std::io::Error),
    /// A temporary file that could not be written or read back.
    Spool(std::io::Error),
}

impl<W: std::io::Write> Document<W> {
    /// Starts the document on `out` with what is known before any file is checked.
    pub fn start(out: W, files: usize, limit: usize) -> Document<W> {
        let mut doc = Document {
            out: super::Output::new(out),
            any_finding: false,
            scenarios: 0,
            counts: cadrage_engine::Counts::default(),
            allowed_count: 0,
            classifications: super::spool::Spool::new(limit),
            allowed: super::spool::Spool::new(limit),
        };
        doc.emit(format!("{{\"version\":1,\"files\":{files},\"findings\":[").as_bytes());
        doc
    }

    fn emit(&mut self, bytes: &[u8]) {
        // `Output` keeps a write's error for `finish`.
        let _ = self.out.write_all(bytes);
    }

    /// Adds one file's parts, in the order of the files.
    pub fn add(&mut self, r: Rendered) -> Result<(), DocumentError> {
        self.scenarios += r.scenarios;
        self.counts.merge(r.counts);
        self.allowed_count += r.allowed_count;
        // Each list part comes with a comma before each object: the first
        // of the document's goes; each part is then one write, not a comma
        // and a part (two system calls per file).
        if !r.findings.is_empty() {
            let skip = usize::from(!self.any_finding);
            self.emit(r.findings.as_bytes().get(skip..).unwrap_or_default());
            self.any_finding = true;
        }
        self.classifications.push(r.classifications).map_err(DocumentError::Spool)?;
        self.allowed.push(r.allowed).map_err(DocumentError::Spool)
    }

    /// Writes the rest of the document, as docs/cli.md describes, and
    /// flushes it; returns the output.
    pub fn finish(mut self) -> Result<W, DocumentError> {
        self.emit(b"],\"classifications\":[");
        let Document { mut out, scenarios, counts, allowed_count, classifications, allowed, .. } = self;
        // Each list's first comma goes.
        classifications.copy_to(&mut out, 1).map_err(DocumentError::Spool)?;
        let _ = out.write_all(b"],\"allowed\":[");
        allowed.copy_to(&mut out, 1).map_err(DocumentError::Spool)?;
        let _ = writeln!(
            out,
            "],\"scenarios\":{scenarios},\"summary\":{{\"error\":{},\"warning\":{},\"info\":{},\"hint\":{},\"allowed\":{allowed_count}}}}}",
            counts.error, counts.warning, counts.info, counts.hint
        );
        out.finish().map_err(DocumentError::Output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(findings: &str, classifications: &str) -> Rendered {
        Rendered {
            findings: findings.into(),
            classifications: classifications.into(),
            scenarios: 1,
            ..Rendered::default()
        }
    }

    fn document(limit: usize) -> String {
        let mut doc = Document::start(Vec::new(), 4, limit);
        for r in [
            part("", ",{\"c\":0}"),
            part(",{\"a\":1}", ",{\"c\":\"é\"}"),
            part("", ",{\"c\":2}"),
            part(",{\"a\":2},{\"a\":3}", ""),
            part("", ""),
        ] {
            doc.add(r).unwrap_or_else(|e| panic!("{e:?}"));
        }
        let out = doc.finish().unwrap_or_else(|e| panic!("{e:?}"));
        String::from_utf8(out).unwrap_or_default()
    }

    /// The same rule path from two projects (two rulesets of one name) with
    /// different texts: each finding shows its own, not the first one cached.
    #[test]
    fn a_rules_cached_parts_are_used_only_while_they_are_the_same() {
        let source = cadrage_engine::Source::new("p.cadrage", "scenario s {}\n");
        let rules = cadrage_engine::Source::new("r.cadrage", "ruleset local\nrule r {}\n");
        let loc = |src: &std::sync::Arc<cadrage_engine::Source>, at: usize| {
            Loc::new(src, cadrage_syntax::Span::new(at, at + 1))
        };
        let rule = |help: &str, related_at: usize| {
            let mut f = Finding::engine(cadrage_engine::EngineCode::Io, loc(&source, 0), "m");
            f.code = cadrage_engine::Code::Rule(cadrage_engine::RulePath { ruleset: "local".into(), rule: "r".into() });
            f.help = Some(help.into());
            f.related =
                vec![cadrage_engine::Related { loc: loc(&rules, related_at), message: "rule defined here".into() }];
            f
        };
        let render = |f: &Finding| {
            let mut buf = String::new();
            finding(&mut buf, f, "p.cadrage", "\"p.cadrage\"");
            serde_json::from_str::<serde_json::Value>(&buf).unwrap_or_default()
        };
        let (a, b, c) = (rule("first", 0), rule("second\nline", 0), rule("second\nline", 14));
        for _ in 0..2 {
            for (f, help, line) in
                [(&a, "first", 1), (&b, "second\nline", 1), (&c, "second\nline", 2), (&a, "first", 1)]
            {
                let v = render(f);
                assert_eq!(v["code"], "local.r");
                assert_eq!(v["help"], help);
                assert_eq!(v["related"][0]["span"]["start"]["line"], line, "{v}");
                assert_eq!(v["related"][0]["file"], "r.cadrage");
            }
        }
    }

    #[test]
    fn a_spilled_document_is_the_same_as_one_in_memory() {
        let in_memory = document(usize::MAX);
        assert_eq!(
            in_memory,
            "{\"version\":1,\"files\":4,\"findings\":[{\"a\":1},{\"a\":2},{\"a\":3}],\
             \"classifications\":[{\"c\":0},{\"c\":\"é\"},{\"c\":2}],\"allowed\":[],\
             \"scenarios\":5,\"summary\":{\"error\":0,\"warning\":0,\"info\":0,\"hint\":0,\"allowed\":0}}\n"
        );
        // Spilled from the first part, and after some parts in memory.
        assert_eq!(document(0), in_memory);
        assert_eq!(document(9), in_memory);
    }

    proptest::proptest! {
        /// Strings are written as serde_json writes them, escapes included.
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(s in "(\\PC|[\\x00-\\x1f\"\\\\\\x7f]|é|🚀){0,24}") {
            let mut buf = String::new();
            string(&mut buf, &s);
            proptest::prop_assert_eq!(buf, serde_json::to_string(&s).unwrap_or_default());
        }
    }
}
