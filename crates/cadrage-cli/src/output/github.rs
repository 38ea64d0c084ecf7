//! `--format github`: GitHub Actions workflow commands, one per finding, so
//! that findings appear as annotations on the pull request's files.
//!
//! ```text
//! ::error file=plans/q3.cadrage,line=7,col=12,endLine=7,endColumn=31,title=management.rule::message
//! ```
//!
//! Errors are `error`, warnings `warning`, infos and hints `notice`.
//! Columns are 1-based and count characters, as in the JSON output.

use cadrage_engine::{FileReport, Finding, Severity};

use super::{Rendered, Renderer};

pub struct Github;

/// Escapes the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`...) of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(f: &Finding) -> String {
    let kind = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "notice",
    };
    let (s, e) = f.loc.positions();
    let mut message = f.message.clone();
    if let Some(help) = f.help.as_deref().filter(|h| !h.is_empty()) {
        message.push_str("\n\n");
        message.push_str(help);
    }
    if let Some(fix) = &f.fix {
        message.push_str(&format!("\n\nfix: {}", fix.title));
    }
    format!(
        "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
        escape_property(&f.loc.source.name),
        s.line,
        s.column,
        e.line,
        e.column,
        escape_property(&f.code.to_string()),
        escape_data(&message)
    )
}

impl Renderer for Github {
    fn render(&self, report: &FileReport) -> Rendered {
        let mut r = Rendered::of(report);
        for f in &report.findings {
            r.findings.push_str(&command(f));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% done\r\nnext: a, b"), "50%25 done%0D%0Anext: a, b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
