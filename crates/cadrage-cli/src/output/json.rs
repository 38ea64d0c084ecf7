//! `--format json`: one document, as docs/cli.md describes.

use cadrage_engine::source::Loc;
use cadrage_engine::{FileReport, Finding};
use serde::Serialize;

use super::{Rendered, Renderer};

pub struct Json;

// Findings are written by hand: through serde, escaping every key and
// building every nested object cost more than the check itself on a large
// corpus. The shape is docs/cli.md's; `tests/formats.rs` and the corpus
// snapshots hold it, and strings still go through serde_json whenever they
// need escaping, so the bytes are the ones serde wrote.

/// A JSON string: as is when nothing in it needs escaping.
fn string(buf: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *buf, s);
    }
}

fn opt_string(buf: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(buf, s),
        None => buf.extend_from_slice(b"null"),
    }
}

fn strings<'a>(buf: &mut Vec<u8>, items: impl IntoIterator<Item = &'a str>) {
    buf.push(b'[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        string(buf, s);
    }
    buf.push(b']');
}

fn uint(buf: &mut Vec<u8>, n: u32) {
    buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn position(buf: &mut Vec<u8>, line: u32, column: u32, offset: u32) {
    buf.extend_from_slice(b"{\"line\":");
    uint(buf, line);
    buf.extend_from_slice(b",\"column\":");
    uint(buf, column);
    buf.extend_from_slice(b",\"offset\":");
    uint(buf, offset);
    buf.push(b'}');
}

/// `{"start":{...},"end":{...}}`: 1-based lines, columns in Unicode scalar values.
fn span(buf: &mut Vec<u8>, loc: &Loc) {
    let (s, e) = (loc.start(), loc.end());
    buf.extend_from_slice(b"{\"start\":");
    position(buf, s.line, s.column, loc.span.start);
    buf.extend_from_slice(b",\"end\":");
    position(buf, e.line, e.column, loc.span.end);
    buf.push(b'}');
}

fn fix(buf: &mut Vec<u8>, title: &str, replacement: &str, loc: &Loc) {
    buf.extend_from_slice(b"{\"title\":");
    string(buf, title);
    buf.extend_from_slice(b",\"replacement\":");
    string(buf, replacement);
    buf.extend_from_slice(b",\"span\":");
    span(buf, loc);
    buf.push(b'}');
}

/// One finding; `file_json` is the report's file name, already a JSON string.
fn finding(buf: &mut Vec<u8>, f: &Finding, file: &str, file_json: &str) {
    buf.extend_from_slice(b"{\"file\":");
    if f.loc.source.name == file {
        buf.extend_from_slice(file_json.as_bytes());
    } else {
        string(buf, &f.loc.source.name);
    }
    buf.extend_from_slice(b",\"scenario\":");
    opt_string(buf, f.scenario.as_deref());
    buf.extend_from_slice(b",\"code\":");
    string(buf, &code_string(&f.code));
    buf.extend_from_slice(b",\"severity\":");
    string(buf, f.severity.as_str());
    buf.extend_from_slice(b",\"message\":");
    string(buf, &f.message);
    buf.extend_from_slice(b",\"help\":");
    opt_string(buf, f.help.as_deref());
    buf.extend_from_slice(b",\"span\":");
    span(buf, &f.loc);
    buf.extend_from_slice(b",\"related\":[");
    for (i, r) in f.related.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"file\":");
        string(buf, &r.loc.source.name);
        buf.extend_from_slice(b",\"span\":");
        span(buf, &r.loc);
        buf.extend_from_slice(b",\"message\":");
        string(buf, &r.message);
        buf.push(b'}');
    }
    buf.extend_from_slice(b"],\"fix\":");
    match &f.fix {
        Some(x) => fix(buf, &x.title, &x.replacement, &x.loc),
        None => buf.extend_from_slice(b"null"),
    }
    // Changes of the scenario that clear a rule's finding (issue 4).
    if !f.remedies.is_empty() {
        buf.extend_from_slice(b",\"remedies\":[");
        for (i, r) in f.remedies.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            buf.extend_from_slice(b"{\"title\":");
            string(buf, &r.title);
            buf.extend_from_slice(b",\"dimension\":");
            string(buf, &r.dim);
            buf.extend_from_slice(b",\"values\":");
            match &r.values {
                Some(v) => strings(buf, v.iter().map(|x| x.as_str())),
                None => buf.extend_from_slice(b"null"),
            }
            buf.extend_from_slice(b",\"new_findings\":");
            strings(buf, r.new_findings.iter().map(String::as_str));
            buf.extend_from_slice(b",\"fix\":");
            fix(buf, &r.fix.title, &r.fix.replacement, &r.fix.loc);
            buf.push(b'}');
        }
        buf.push(b']');
    }
    // Facts on which a static finding of a ruleset shows.
    if let Some(w) = &f.witness {
        buf.extend_from_slice(b",\"witness\":[");
        for (i, x) in w.facts.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            buf.extend_from_slice(b"{\"dimension\":");
            string(buf, &x.dim);
            buf.extend_from_slice(b",\"values\":");
            match &x.value {
                cadrage_engine::analysis::WitnessValue::Values(v) => strings(buf, v.iter().map(|s| s.as_str())),
                // Any text.
                cadrage_engine::analysis::WitnessValue::Text => buf.extend_from_slice(b"null"),
            }
            buf.push(b'}');
        }
        buf.push(b']');
    }
    buf.push(b'}');
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
        let file_json = serde_json::to_string(file).unwrap_or_default();
        let mut buf = Vec::with_capacity(report.findings.len() * 1024);
        for f in &report.findings {
            if !buf.is_empty() {
                buf.push(b',');
            }
            finding(&mut buf, f, file, &file_json);
        }
        r.findings = into_string(buf);
        let mut buf = Vec::with_capacity(report.classifications.len() * (file_json.len() + 96));
        for c in &report.classifications {
            if !buf.is_empty() {
                buf.push(b',');
            }
            buf.extend_from_slice(b"{\"file\":");
            buf.extend_from_slice(file_json.as_bytes());
            buf.extend_from_slice(b",\"scenario\":");
            let _ = serde_json::to_writer(&mut buf, c.scenario.as_str());
            buf.extend_from_slice(b",\"expected\":");
            let expected: Option<Vec<Vec<&str>>> =
                c.expected.as_ref().map(|alts| alts.iter().map(|a| a.iter().map(|m| m.as_str()).collect()).collect());
            let _ = serde_json::to_writer(&mut buf, &expected);
            buf.extend_from_slice(b",\"chosen\":");
            let chosen: Option<Vec<&str>> = c.chosen.as_ref().map(|v| v.iter().map(|m| m.as_str()).collect());
            let _ = serde_json::to_writer(&mut buf, &chosen);
            buf.push(b'}');
        }
        r.classifications = into_string(buf);
        let mut buf = Vec::new();
        for a in &report.allowed {
            list_item(
                &mut buf,
                &AllowedJ {
                    file,
                    scenario: a.finding.scenario.as_deref(),
                    code: code_string(&a.finding.code),
                    reason: a.reason.as_deref(),
                    by: a.by.as_deref(),
                    until: a.until.as_deref(),
                },
            );
        }
        r.allowed = into_string(buf);
        r
    }
}

/// Appends `value` to a comma-separated list of JSON objects.
fn list_item<T: Serialize>(buf: &mut Vec<u8>, value: &T) {
    if !buf.is_empty() {
        buf.push(b',');
    }
    // Serializing plain structs into memory cannot fail.
    let _ = serde_json::to_writer(&mut *buf, value);
}

/// serde_json writes UTF-8 only.
fn into_string(buf: Vec<u8>) -> String {
    String::from_utf8(buf).unwrap_or_default()
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

/// Assembles the document from every file's parts, in order.
/// Writes the whole document, as docs/cli.md describes, straight to `out`:
/// at 100,000 scenarios it is about 50 MB, and building it in one string
/// first doubled the peak memory of `cadrage check --format json`.
pub fn write_document(out: &mut impl std::io::Write, files: usize, parts: &[Rendered]) -> std::io::Result<()> {
    let scenarios: usize = parts.iter().map(|p| p.scenarios).sum();
    let mut counts = cadrage_engine::Counts::default();
    let mut allowed = 0;
    for p in parts {
        counts.merge(p.counts);
        allowed += p.allowed_count;
    }
    write!(out, "{{\"version\":1,\"files\":{files},\"scenarios\":{scenarios},\"findings\":[")?;
    join(out, parts.iter().map(|p| p.findings.as_str()))?;
    out.write_all(b"],\"classifications\":[")?;
    join(out, parts.iter().map(|p| p.classifications.as_str()))?;
    out.write_all(b"],\"allowed\":[")?;
    join(out, parts.iter().map(|p| p.allowed.as_str()))?;
    writeln!(
        out,
        "],\"summary\":{{\"error\":{},\"warning\":{},\"info\":{},\"hint\":{},\"allowed\":{allowed}}}}}",
        counts.error, counts.warning, counts.info, counts.hint
    )
}

fn join<'a>(out: &mut impl std::io::Write, pieces: impl Iterator<Item = &'a str>) -> std::io::Result<()> {
    let mut first = true;
    for p in pieces.filter(|p| !p.is_empty()) {
        if !first {
            out.write_all(b",")?;
        }
        out.write_all(p.as_bytes())?;
        first = false;
    }
    Ok(())
}
