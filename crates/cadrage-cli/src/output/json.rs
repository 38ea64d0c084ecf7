//! `--format json`: one document, as docs/cli.md describes.

use cadrage_engine::source::Loc;
use cadrage_engine::{FileReport, Finding};
use serde::Serialize;

use super::{Rendered, Renderer};

pub struct Json;

#[derive(Serialize)]
struct Position {
    line: u32,
    column: u32,
    offset: u32,
}

#[derive(Serialize)]
struct SpanJ {
    start: Position,
    end: Position,
}

fn span(loc: &Loc) -> SpanJ {
    let (s, e) = (loc.start(), loc.end());
    SpanJ {
        start: Position { line: s.line, column: s.column, offset: loc.span.start },
        end: Position { line: e.line, column: e.column, offset: loc.span.end },
    }
}

#[derive(Serialize)]
struct RelatedJ<'a> {
    file: &'a str,
    span: SpanJ,
    message: &'a str,
}

#[derive(Serialize)]
struct FixJ<'a> {
    title: &'a str,
    replacement: &'a str,
    span: SpanJ,
}

#[derive(Serialize)]
struct FindingJ<'a> {
    file: &'a str,
    scenario: Option<&'a str>,
    code: String,
    severity: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    span: SpanJ,
    related: Vec<RelatedJ<'a>>,
    fix: Option<FixJ<'a>>,
    /// Changes of the scenario that clear a rule's finding (issue 4).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    remedies: Vec<RemedyJ<'a>>,
    /// Facts on which a static finding of a ruleset shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    witness: Option<Vec<WitnessFactJ<'a>>>,
}

#[derive(Serialize)]
struct RemedyJ<'a> {
    title: &'a str,
    dimension: &'a str,
    values: Option<Vec<&'a str>>,
    new_findings: &'a [String],
    fix: FixJ<'a>,
}

#[derive(Serialize)]
struct WitnessFactJ<'a> {
    dimension: &'a str,
    /// `null` for a text fact (any text).
    values: Option<Vec<&'a str>>,
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

fn finding(f: &Finding) -> FindingJ<'_> {
    FindingJ {
        file: &f.loc.source.name,
        scenario: f.scenario.as_deref(),
        code: code_string(&f.code),
        severity: f.severity.as_str(),
        message: &f.message,
        help: f.help.as_deref(),
        span: span(&f.loc),
        related: f
            .related
            .iter()
            .map(|r| RelatedJ { file: &r.loc.source.name, span: span(&r.loc), message: &r.message })
            .collect(),
        fix: f.fix.as_ref().map(|x| FixJ { title: &x.title, replacement: &x.replacement, span: span(&x.loc) }),
        remedies: f
            .remedies
            .iter()
            .map(|r| RemedyJ {
                title: &r.title,
                dimension: &r.dim,
                values: r.values.as_ref().map(|v| v.iter().map(|x| x.as_str()).collect()),
                new_findings: &r.new_findings,
                fix: FixJ { title: &r.fix.title, replacement: &r.fix.replacement, span: span(&r.fix.loc) },
            })
            .collect(),
        witness: f.witness.as_ref().map(|w| {
            w.facts
                .iter()
                .map(|x| WitnessFactJ {
                    dimension: &x.dim,
                    values: match &x.value {
                        cadrage_engine::analysis::WitnessValue::Values(v) => {
                            Some(v.iter().map(|s| s.as_str()).collect())
                        }
                        cadrage_engine::analysis::WitnessValue::Text => None,
                    },
                })
                .collect()
        }),
    }
}

impl Renderer for Json {
    fn render(&self, report: &FileReport) -> Rendered {
        let mut r = Rendered::of(report);
        // Each list is written into one buffer per file: serializing into a
        // fresh string per object cost as much as the check's evaluation.
        let mut buf = Vec::with_capacity(report.findings.len() * 1024);
        for f in &report.findings {
            list_item(&mut buf, &finding(f));
        }
        r.findings = into_string(buf);
        let file = report.source.name.as_str();
        // The file's name is the same in every classification: escaped once.
        let file_json = serde_json::to_string(file).unwrap_or_default();
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
