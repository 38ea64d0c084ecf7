//! `--format junit`: JUnit XML for CI systems that show test reports
//! (GitLab, Jenkins, Azure Pipelines...).
//!
//! One `<testsuite>` per checked file, one `<testcase>` per scenario (named
//! by the scenario, with the file as its class name). A test case fails when
//! the scenario has a finding at or above `--fail-on`; its `<failure>` lists
//! every finding of the scenario. Findings outside any scenario (syntax
//! errors, unknown rulesets...) belong to a test case named `(file)`.

use std::fmt::Write as _;

use cadrage_engine::{FileReport, Finding, Severity};

use super::{Rendered, Renderer};

pub struct Junit {
    /// The lowest severity that fails a test case (`None`: `--fail-on never`).
    pub threshold: Option<Severity>,
}

/// Text safe in XML 1.0 content and attributes: escaped, and without the
/// control characters XML cannot hold.
pub fn xml(s: &str) -> String {
    let clean: String = s.chars().filter(|&c| c >= ' ' || matches!(c, '\t' | '\n' | '\r')).collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

fn line(f: &Finding) -> String {
    let s = f.loc.start();
    format!("{}:{}:{}: {} {}: {}", f.loc.source.name, s.line, s.column, f.severity.as_str(), f.code, f.message)
}

impl Junit {
    fn fails(&self, f: &Finding) -> bool {
        self.threshold.is_some_and(|t| f.severity >= t)
    }

    fn case(&self, out: &mut String, file: &str, name: &str, line_no: u32, findings: &[&Finding]) -> bool {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{line_no}\"",
            xml(name),
            xml(file),
            xml(file)
        );
        if findings.is_empty() {
            out.push_str("/>\n");
            return false;
        }
        out.push_str(">\n");
        let body: Vec<String> = findings.iter().map(|f| line(f)).collect();
        let failing: Vec<&&Finding> = findings.iter().filter(|f| self.fails(f)).collect();
        let failed = match failing.first() {
            Some(first) => {
                let more = match failing.len() {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                };
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}{}\" type=\"{}\">{}</failure>",
                    xml(&first.message),
                    xml(&more),
                    xml(&first.code.to_string()),
                    xml(&body.join("\n"))
                );
                true
            }
            None => {
                let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&body.join("\n")));
                false
            }
        };
        out.push_str("    </testcase>\n");
        failed
    }
}

impl Renderer for Junit {
    fn render(&self, report: &FileReport) -> Rendered {
        let mut r = Rendered::of(report);
        let file = report.source.name.as_str();
        let mut cases = String::new();
        let outside: Vec<&Finding> = report.findings.iter().filter(|f| f.scenario.is_none()).collect();
        if !outside.is_empty() || report.classifications.is_empty() {
            r.cases += 1;
            if self.case(&mut cases, file, "(file)", 1, &outside) {
                r.failed_cases += 1;
            }
        }
        let by_scenario = report.findings_by_scenario();
        for c in &report.classifications {
            let mine = by_scenario.get(c.scenario.as_str()).map(Vec::as_slice).unwrap_or_default();
            r.cases += 1;
            if self.case(&mut cases, file, &c.scenario, c.loc.start().line, mine) {
                r.failed_cases += 1;
            }
        }
        let _ = writeln!(
            r.findings,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            xml(file),
            r.cases,
            r.failed_cases
        );
        r.findings.push_str(&cases);
        r.findings.push_str("  </testsuite>\n");
        r
    }
}

/// The report up to its test suites, with the totals of the run: the
/// files' suites follow, then [`TAIL`].
pub fn head(tests: usize, failures: usize) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"cadrage check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">");
    out
}

/// The end of the report, after the test suites.
pub const TAIL: &str = "</testsuites>\n";

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_markup_and_drops_control_characters() {
        assert_eq!(xml("a <b> & \"c\" 'd'\u{1}é🚀"), "a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;é🚀");
        assert_eq!(xml("line\nnext\ttab"), "line\nnext\ttab");
    }
}
