//! `cadrage test`: runs the `test` blocks of rulesets.

use std::fmt::Write as _;
use std::process::ExitCode;

use cadrage_engine::testing::{self, TestFailure, TestRun, models_phrase};
use owo_colors::OwoColorize;
use serde_json::{Value, json};

use super::{FoundRuleset, rulesets_under, use_color};
use crate::cli::{TestArgs, TestFormat};
use cadrage_workspace::ToolError;

struct Ran {
    file: String,
    run: TestRun,
}

pub fn run(args: &TestArgs) -> Result<ExitCode, ToolError> {
    let found = rulesets_under(&args.paths)?;
    if found.is_empty() {
        let shown: Vec<String> = args.paths.iter().map(|p| super::shown(p)).collect();
        return Err(ToolError::NoRulesets(shown.join(", ")));
    }
    let mut runs: Vec<Ran> = Vec::new();
    for FoundRuleset { file, ruleset, project } in &found {
        for run in testing::run_tests(project, ruleset, true) {
            runs.push(Ran { file: file.clone(), run });
        }
    }
    let failed = runs.iter().filter(|r| !r.run.passed()).count();
    let text = match args.format {
        TestFormat::Human => human(&found, &runs, use_color(args.color)),
        TestFormat::Json => json_output(&found, &runs),
        TestFormat::Junit => junit(&found, &runs),
    };
    super::print(&text)?;
    Ok(if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn line_col(loc: &cadrage_engine::Loc) -> (usize, usize) {
    let p = loc.start();
    (p.line as usize, p.column as usize)
}

/// The lines under a failed test: each failed `expect`, with what was
/// expected (`-`) and what came (`+`).
fn failure_lines(f: &TestFailure) -> Vec<String> {
    let (line, col) = line_col(f.loc());
    match f {
        TestFailure::Findings { expected, actual, .. } => {
            let mut v = vec![format!("expect findings (line {line}, column {col}): {}", f.describe())];
            for p in expected.iter().filter(|p| !actual.contains(p)) {
                v.push(format!("- {p}   expected, did not fire"));
            }
            for p in actual.iter().filter(|p| !expected.contains(p)) {
                v.push(format!("+ {p}   fired, not expected"));
            }
            v
        }
        TestFailure::Model { expected, actual, .. } => vec![
            format!("expect model (line {line}, column {col})"),
            format!("- {}", models_phrase(Some(expected))),
            format!("+ {}", models_phrase(actual.as_ref())),
        ],
        TestFailure::Invalid { .. } => {
            vec![format!("{} (line {line}); `cadrage check` reports where", f.describe())]
        }
    }
}

fn human(found: &[FoundRuleset], runs: &[Ran], color: bool) -> String {
    let mut out = String::new();
    let mut last: Option<(&str, &str)> = None;
    for r in runs {
        let key = (r.file.as_str(), r.run.ruleset.as_str());
        if last != Some(key) {
            let _ = writeln!(
                out,
                "{} {}",
                r.file,
                if color { r.run.ruleset.bold().to_string() } else { r.run.ruleset.to_string() }
            );
            last = Some(key);
        }
        let status = match (r.run.passed(), color) {
            (true, true) => "ok  ".green().to_string(),
            (true, false) => "ok  ".into(),
            (false, true) => "FAIL".red().bold().to_string(),
            (false, false) => "FAIL".into(),
        };
        let from = if r.run.inherited() { format!(" (from {})", r.run.test.origin) } else { String::new() };
        let (line, _) = line_col(&r.run.test.loc);
        let _ = writeln!(out, "  {status} {}{from}  [line {line}]", r.run.test.name);
        for f in &r.run.failures {
            for l in failure_lines(f) {
                let l = if color && l.starts_with('-') {
                    l.red().to_string()
                } else if color && l.starts_with('+') {
                    l.green().to_string()
                } else {
                    l
                };
                let _ = writeln!(out, "         {l}");
            }
        }
    }
    let passed = runs.iter().filter(|r| r.run.passed()).count();
    let failed = runs.len() - passed;
    let verdict = match (failed, color) {
        (0, true) => "ok".green().to_string(),
        (0, false) => "ok".into(),
        (_, true) => "FAILED".red().bold().to_string(),
        (_, false) => "FAILED".into(),
    };
    let rulesets = found.len();
    let _ = writeln!(
        out,
        "test result: {verdict}. {passed} passed, {failed} failed ({rulesets} ruleset{})",
        if rulesets == 1 { "" } else { "s" }
    );
    out
}

fn alts_json(alts: &[Vec<smol_str::SmolStr>]) -> Value {
    Value::Array(alts.iter().map(|a| Value::Array(a.iter().map(|m| Value::String(m.to_string())).collect())).collect())
}

fn json_output(found: &[FoundRuleset], runs: &[Ran]) -> String {
    let tests: Vec<Value> = runs
        .iter()
        .map(|r| {
            let (line, column) = line_col(&r.run.test.loc);
            let failures: Vec<Value> = r
                .run
                .failures
                .iter()
                .map(|f| {
                    let (line, column) = line_col(f.loc());
                    match f {
                        TestFailure::Findings { expected, actual, .. } => json!({
                            "kind": "findings", "line": line, "column": column, "message": f.describe(),
                            "expected": expected.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                            "actual": actual.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                        }),
                        TestFailure::Model { expected, actual, .. } => json!({
                            "kind": "model", "line": line, "column": column, "message": f.describe(),
                            "expected": alts_json(expected), "actual": actual.as_ref().map(|a| alts_json(a)),
                        }),
                        TestFailure::Invalid { problems, .. } => json!({
                            "kind": "invalid", "line": line, "column": column, "message": f.describe(),
                            "problems": problems,
                        }),
                    }
                })
                .collect();
            json!({
                "file": r.file,
                "ruleset": r.run.ruleset.as_str(),
                "test": r.run.test.name,
                "from": r.run.test.origin.as_str(),
                "line": line,
                "column": column,
                "passed": r.run.passed(),
                "fired": r.run.fired.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                "model": r.run.model.as_ref().map(|a| alts_json(a)),
                "failures": failures,
            })
        })
        .collect();
    let passed = runs.iter().filter(|r| r.run.passed()).count();
    let doc = json!({
        "version": 1,
        "rulesets": found.iter().map(|f| json!({"file": f.file, "name": f.ruleset.name.as_str()})).collect::<Vec<_>>(),
        "tests": tests,
        "summary": { "passed": passed, "failed": runs.len() - passed },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Escapes text for XML content and attribute values; drops the control
/// characters XML 1.0 cannot hold.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn junit(found: &[FoundRuleset], runs: &[Ran]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failed_total = runs.iter().filter(|r| !r.run.passed()).count();
    let _ = writeln!(out, "<testsuites name=\"cadrage test\" tests=\"{}\" failures=\"{failed_total}\">", runs.len());
    for f in found {
        let mine: Vec<&Ran> = runs.iter().filter(|r| r.file == f.file && r.run.ruleset == f.ruleset.name).collect();
        let failed = mine.iter().filter(|r| !r.run.passed()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" file=\"{}\">",
            xml_escape(&f.ruleset.name),
            mine.len(),
            xml_escape(&f.file)
        );
        for r in mine {
            let (line, _) = line_col(&r.run.test.loc);
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{line}\"",
                xml_escape(&r.run.test.name),
                xml_escape(&r.run.ruleset),
                xml_escape(&r.file)
            );
            match r.run.failures.first() {
                None => out.push_str("/>\n"),
                Some(first) => {
                    out.push_str(">\n");
                    let body: Vec<String> = r.run.failures.iter().flat_map(failure_lines).collect();
                    let _ = writeln!(
                        out,
                        "      <failure message=\"{}\" type=\"test-failed\">{}</failure>",
                        xml_escape(&first.describe()),
                        xml_escape(&body.join("\n"))
                    );
                    out.push_str("    </testcase>\n");
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::xml_escape;

    #[test]
    fn xml_escape_handles_markup_quotes_and_control_characters() {
        assert_eq!(xml_escape("a<b>&\"c\" 'd'\u{1}é🚀"), "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;é🚀");
    }
}
