//! Human output: each finding as miette renders it (snippet, labelled span,
//! help, the rule's location), then the allowed findings, then a summary.

use std::fmt;

use cadrage_engine::{Counts, FileReport, Finding};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use owo_colors::OwoColorize;

use super::{Rendered, Renderer};

pub struct Human {
    handler: GraphicalReportHandler,
    color: bool,
}

impl Human {
    pub fn new(color: bool, width: usize) -> Human {
        let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let handler =
            GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false).with_context_lines(1);
        Human { handler, color }
    }

    /// The last line: what was checked and what was found.
    pub fn summary(&self, files: usize, scenarios: usize, counts: Counts, allowed: usize) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut errors = plural(counts.error, "error", "errors");
        let mut warnings = plural(counts.warning, "warning", "warnings");
        if self.color {
            if counts.error > 0 {
                errors = errors.red().bold().to_string();
            }
            if counts.warning > 0 {
                warnings = warnings.yellow().bold().to_string();
            }
        }
        let parts = [errors, warnings, plural(counts.info, "info", "infos"), plural(counts.hint, "hint", "hints")];
        let mut line = format!(
            "checked {} ({}): {}",
            plural(files, "file", "files"),
            plural(scenarios, "scenario", "scenarios"),
            parts.join(", ")
        );
        if allowed > 0 {
            line.push_str(&format!(", {} allowed", allowed));
        }
        line.push('\n');
        line
    }
}

impl Renderer for Human {
    fn render(&self, report: &FileReport) -> Rendered {
        let mut r = Rendered::of(report);
        for f in &report.findings {
            // Rendering into a String cannot fail.
            let _ = self.handler.render_report(&mut r.findings, &Compact(f));
            r.findings.push('\n');
        }
        for a in &report.allowed {
            let pos = a.finding.loc.start();
            let mut line = format!("  {}:{}:{}  {}", a.finding.loc.source.name, pos.line, pos.column, a.finding.code);
            if let Some(s) = &a.finding.scenario {
                line.push_str(&format!(" in `{s}`"));
            }
            if let Some(reason) = &a.reason {
                line.push_str(&format!(": \"{reason}\""));
            }
            let mut who = Vec::new();
            if let Some(by) = &a.by {
                who.push(format!("by {by}"));
            }
            if let Some(until) = &a.until {
                who.push(format!("until {until}"));
            }
            if !who.is_empty() {
                line.push_str(&format!(" ({})", who.join(", ")));
            }
            r.allowed.push_str(&line);
            r.allowed.push('\n');
        }
        r
    }
}

/// A finding as the terminal shows it: places in other files (the rule a
/// finding comes from) are one line each under the help, not a snippet.
struct Compact<'a>(&'a Finding);

impl fmt::Debug for Compact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Compact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0, f)
    }
}

impl std::error::Error for Compact<'_> {}

impl Diagnostic for Compact<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.0.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.0.severity()
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.0.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.0.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.0.labels()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut text = self.0.help().map(|h| h.to_string()).unwrap_or_default();
        for r in self.0.related.iter().filter(|r| !r.loc.same_file(&self.0.loc)) {
            let pos = r.loc.start();
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&format!("{}: {}:{}:{}", r.message, r.loc.source.name, pos.line, pos.column));
        }
        if text.is_empty() { None } else { Some(Box::new(text)) }
    }
}
