//! `--format sarif`: SARIF 2.1.0, one run, for code-scanning dashboards
//! (GitHub code scanning, Azure DevOps, IDE viewers).
//!
//! The run's `columnKind` is `unicodeCodePoints`: columns count Unicode
//! scalar values, as in the JSON output. Every rule of the loaded rulesets
//! and every engine code is listed in `tool.driver.rules`, so a viewer can
//! show the rule's title, rationale and link for each result.

use std::collections::BTreeMap;
use std::sync::Arc;

use cadrage_engine::source::Loc;
use cadrage_engine::{Code, EngineCode, FileReport, Finding, Project, Severity, Source};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Rendered, Renderer, push_json};

pub struct Sarif;

/// Characters escaped in a path turned into a URI reference.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A file's name as a URI reference: relative paths stay relative (viewers
/// resolve them against the repository root), absolute ones become
/// `file://` URIs, embedded rulesets keep their `builtin:` scheme.
pub fn uri(name: &str) -> String {
    if name.starts_with(cadrage_engine::source::BUILTIN_PREFIX) {
        return name.to_string();
    }
    let encoded = utf8_percent_encode(name, PATH).to_string();
    if name.starts_with('/') {
        format!("file://{encoded}")
    } else if name.as_bytes().get(1) == Some(&b':') {
        format!("file:///{encoded}")
    } else {
        encoded
    }
}

pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    char_offset: u32,
    char_length: u32,
}

fn region(loc: &Loc, chars: &mut Chars) -> Region {
    let (s, e) = loc.positions();
    Region {
        start_line: s.line,
        start_column: s.column,
        end_line: e.line,
        end_column: e.column,
        // SARIF counts characters in the run's column kind.
        char_offset: count(chars.before(loc)),
        char_length: loc.text().chars().count().try_into().unwrap_or(u32::MAX),
    }
}

/// Characters before a place, counted on from the last place asked in the
/// same file (back or forth) rather than from the file's start: a file's
/// findings come in order, and counting from the start for each was
/// quadratic in the file's length.
#[derive(Default)]
struct Chars {
    /// By file: the last byte offset asked, and the characters before it.
    at: Vec<(Arc<Source>, usize, usize)>,
}

impl Chars {
    fn before(&mut self, loc: &Loc) -> usize {
        let text = &*loc.source.text;
        let byte = loc.span.start as usize;
        let index = match self.at.iter().position(|(s, _, _)| Arc::ptr_eq(s, &loc.source)) {
            Some(i) => i,
            None => {
                self.at.push((Arc::clone(&loc.source), 0, 0));
                self.at.len() - 1
            }
        };
        let Some((_, last, chars)) = self.at.get_mut(index) else { return 0 };
        // Spans start on character boundaries; a text that does not slice
        // there counts from its start.
        let counted = if byte >= *last {
            text.get(*last..byte).map(|t| *chars + t.chars().count())
        } else {
            text.get(byte..*last).map(|t| *chars - t.chars().count())
        };
        let counted = counted.unwrap_or_else(|| text.get(..byte).map_or(0, |t| t.chars().count()));
        (*last, *chars) = (byte, counted);
        counted
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn physical(loc: &Loc, chars: &mut Chars) -> Value {
    json!({
        "artifactLocation": { "uri": uri(&loc.source.name) },
        "region": region(loc, chars),
    })
}

fn message_text(f: &Finding) -> String {
    match &f.help {
        Some(help) if !help.is_empty() => format!("{}\n\n{}", f.message, help),
        _ => f.message.clone(),
    }
}

fn result(f: &Finding, chars: &mut Chars) -> Value {
    let mut r = json!({
        "ruleId": f.code.to_string(),
        "level": level(f.severity),
        "message": { "text": message_text(f) },
        "locations": [ { "physicalLocation": physical(&f.loc, chars) } ],
    });
    if let Some(obj) = r.as_object_mut() {
        if !f.related.is_empty() {
            let related: Vec<Value> = f
                .related
                .iter()
                .enumerate()
                .map(|(i, rel)| {
                    json!({
                        "id": i,
                        "message": { "text": &*rel.message },
                        "physicalLocation": physical(&rel.loc, chars),
                    })
                })
                .collect();
            obj.insert("relatedLocations".into(), Value::Array(related));
        }
        if let Some(fix) = &f.fix {
            obj.insert(
                "fixes".into(),
                json!([{
                    "description": { "text": fix.title },
                    "artifactChanges": [{
                        "artifactLocation": { "uri": uri(&fix.loc.source.name) },
                        "replacements": [{
                            "deletedRegion": region(&fix.loc, chars),
                            "insertedContent": { "text": fix.replacement },
                        }],
                    }],
                }]),
            );
        }
        if let Some(scenario) = &f.scenario {
            obj.insert("properties".into(), json!({ "scenario": scenario.as_str() }));
        }
    }
    r
}

impl Renderer for Sarif {
    fn render(&self, report: &FileReport) -> Rendered {
        let mut r = Rendered::of(report);
        let mut chars = Chars::default();
        for f in &report.findings {
            push_json(&mut r.findings, &result(f, &mut chars));
        }
        // Silenced findings are results with a suppression, so dashboards
        // can show who accepted what and until when.
        for a in &report.allowed {
            let mut res = result(&a.finding, &mut chars);
            if let Some(obj) = res.as_object_mut() {
                let mut justification = a.reason.clone().unwrap_or_default();
                if let Some(until) = &a.until {
                    justification.push_str(&format!(" (until {until})"));
                }
                let mut suppression =
                    json!({ "kind": "inSource", "status": "accepted", "justification": justification });
                if let (Some(by), Some(s)) = (&a.by, suppression.as_object_mut()) {
                    s.insert("properties".into(), json!({ "by": by }));
                }
                obj.insert("suppressions".into(), json!([suppression]));
            }
            push_json(&mut r.allowed, &res);
        }
        r
    }
}

/// `tool.driver.rules`: every rule of the loaded rulesets (by the path that
/// findings use), then every engine code.
fn rules(projects: &[Arc<Project>]) -> Vec<Value> {
    let mut by_path: BTreeMap<String, Value> = BTreeMap::new();
    for project in projects {
        for ruleset in project.rulesets() {
            for rule in &ruleset.rules {
                let id = rule.path.to_string();
                if by_path.contains_key(&id) {
                    continue;
                }
                let title = rule.title.clone().unwrap_or_else(|| id.clone());
                let mut v = json!({
                    "id": id,
                    "name": rule.path.rule.as_str(),
                    "shortDescription": { "text": title },
                    "defaultConfiguration": { "level": level(rule.severity) },
                    "properties": { "ruleset": rule.path.ruleset.as_str() },
                });
                if let Some(obj) = v.as_object_mut() {
                    if let Some(why) = &rule.why {
                        obj.insert("fullDescription".into(), json!({ "text": &**why }));
                        obj.insert("help".into(), json!({ "text": &**why }));
                    }
                    if let Some(see) = &rule.see {
                        obj.insert("helpUri".into(), json!(&**see));
                    }
                }
                by_path.insert(id, v);
            }
        }
    }
    let mut out: Vec<Value> = by_path.into_values().collect();
    for code in EngineCode::ALL {
        out.push(json!({
            "id": Code::Engine(code).to_string(),
            "name": code.name(),
            "shortDescription": { "text": code.description() },
            "defaultConfiguration": { "level": level(code.default_severity()) },
        }));
    }
    out
}

/// The log up to its results: one run, with the rules. The files'
/// results follow as they come, comma-separated, then [`TAIL`].
pub fn head(projects: &[Arc<Project>]) -> String {
    let tool = json!({ "driver": {
        "name": "cadrage",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": "https://example.org/cadrage",
        "rules": rules(projects),
    }});
    format!(
        "{{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\
         \"runs\":[{{\"tool\":{tool},\"columnKind\":\"unicodeCodePoints\",\"results\":["
    )
}

/// The end of the log, after the results.
pub const TAIL: &str = "]}]}\n";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Counting on from the last place, back or forth, in two files,
        /// gives what counting from the start gives.
        #[test]
        fn characters_before_a_place_are_counted_as_from_the_start(
            text in "(a|é|日本|🚀|\n|\r\n){0,60}",
            places in proptest::collection::vec((any::<bool>(), 0usize..400), 1..30),
        ) {
            let sources = [Source::new("a.cadrage", text.clone()), Source::new("b.cadrage", text.chars().rev().collect::<String>())];
            let mut chars = Chars::default();
            for (second, at) in places {
                let source = &sources[usize::from(second)];
                // A character boundary at or before `at`.
                let byte = (0..=at.min(source.text.len())).rev().find(|&b| source.text.is_char_boundary(b)).unwrap_or(0);
                let loc = Loc::new(source, cadrage_syntax::Span::new(byte, byte));
                let expected = source.text[..byte].chars().count();
                prop_assert_eq!(chars.before(&loc), expected);
            }
        }
    }
}
