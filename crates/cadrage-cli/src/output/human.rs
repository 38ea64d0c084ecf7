//! Human output: each finding as miette renders it (snippet, labelled span,
//! help, the rule's location), then the allowed findings, then a summary.

use std::fmt;
use std::rc::Rc;

use cadrage_engine::{Counts, FileReport, Finding};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use owo_colors::OwoColorize;

use super::{Rendered, Renderer};

pub struct Human {
    /// Wraps each finding's message and help to the width.
    handler: GraphicalReportHandler,
    /// The same without wrapping, given the message and help already laid
    /// out as `handler` lays them out ([`laid_out`]): the same text, without
    /// wrapping the same help (a rule's `why`) again for every finding of
    /// the rule. Wrapping was half of the work of the human output.
    unwrapped: GraphicalReportHandler,
    /// Where miette wraps: its width less two columns.
    room: usize,
    /// The display widths of the message's first indent (`  × `), by
    /// severity, and of its other lines' (`  │ `).
    message_indents: [usize; 3],
    message_rest: usize,
    color: bool,
}

/// The help's indents in miette's graphical handler (`render_footer`).
const HELP_INDENT: usize = "  help: ".len();
const HELP_REST: usize = "        ".len();

impl Human {
    pub fn new(color: bool, width: usize) -> Human {
        let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let c = &theme.characters;
        let indent = |icon: &str| textwrap::core::display_width(&format!("  {icon} "));
        let message_indents = [indent(&c.error), indent(&c.warning), indent(&c.advice)];
        let message_rest = indent(&c.vbar.to_string());
        let handler =
            GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false).with_context_lines(1);
        let unwrapped = handler.clone().with_wrap_lines(false);
        Human { handler, unwrapped, room: width.saturating_sub(2), message_indents, message_rest, color }
    }

    /// One finding, as `handler` renders it.
    fn finding(&self, out: &mut String, f: &Finding) {
        let help = help_of(f);
        // Rendering into a String cannot fail.
        let _ = match self.laid_out(f, help.as_deref()) {
            Some((message, help)) => {
                self.unwrapped.render_report(out, &Compact { finding: f, message: Some(message), help })
            }
            None => self.handler.render_report(out, &Compact { finding: f, message: None, help: help.map(Rc::from) }),
        };
    }

    /// The finding's message and help laid out for `unwrapped`, if they can be.
    fn laid_out(&self, f: &Finding, help: Option<&str>) -> Option<(Rc<str>, Option<Rc<str>>)> {
        let first = match f.severity() {
            Some(miette::Severity::Error) | None => self.message_indents[0],
            Some(miette::Severity::Warning) => self.message_indents[1],
            Some(miette::Severity::Advice) => self.message_indents[2],
        };
        let message = cached_layout(&f.message, self.room, first, self.message_rest)?;
        let help = match help {
            None => None,
            Some(h) => Some(cached_layout(h, self.room, HELP_INDENT, HELP_REST)?),
        };
        Some((message, help))
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
            self.finding(&mut r.findings, f);
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

thread_local! {
    /// Texts laid out, by room and indents, then by text: a run has few
    /// different messages and helps (a rule's `why` and its fix), each
    /// worker thread its own copy.
    static LAID_OUT: std::cell::RefCell<Layouts> = std::cell::RefCell::new(Layouts::default());
}

type Layouts = std::collections::HashMap<
    [usize; 3],
    std::collections::HashMap<String, Option<Rc<str>>, foldhash::fast::FixedState>,
    foldhash::fast::FixedState,
>;

/// [`laid_out`], remembered.
fn cached_layout(text: &str, room: usize, first: usize, rest: usize) -> Option<Rc<str>> {
    LAID_OUT.with_borrow_mut(|cache| {
        let texts = cache.entry([room, first, rest]).or_default();
        if let Some(done) = texts.get(text) {
            return done.clone();
        }
        if texts.len() >= 4096 {
            texts.clear();
        }
        let done: Option<Rc<str>> = laid_out(text, room, first, rest).map(Rc::from);
        texts.insert(text.to_string(), done.clone());
        done
    })
}

/// `text` wrapped as miette wraps a message or a help (textwrap with
/// miette's options: `room` columns, indents of these display widths,
/// textwrap's defaults otherwise), without the indents, which the
/// unwrapping handler adds back line by line. `None` when that handler
/// would not give the same text: a blank line (it trims the indent of
/// those) or a control character (an escape has no width); miette then
/// wraps the finding itself.
fn laid_out(text: &str, room: usize, first: usize, rest: usize) -> Option<String> {
    if text.contains(|c: char| c.is_control() && c != '\n') {
        return None;
    }
    let (first, rest) = (" ".repeat(first), " ".repeat(rest));
    let opts = textwrap::Options::new(room).initial_indent(&first).subsequent_indent(&rest);
    let mut out = String::with_capacity(text.len());
    for (i, line) in textwrap::wrap(text, opts).iter().enumerate() {
        let line = line.strip_prefix(if i == 0 { first.as_str() } else { rest.as_str() })?;
        if line.trim().is_empty() {
            return None;
        }
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
    }
    Some(out)
}

/// The help under a finding: its own, then places in other files (the
/// rule a finding comes from), one line each.
fn help_of(f: &Finding) -> Option<String> {
    let mut text = f.help().map(|h| h.to_string()).unwrap_or_default();
    for r in f.related.iter().filter(|r| !r.loc.same_file(&f.loc)) {
        let pos = r.loc.start();
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!("{}: {}:{}:{}", r.message, r.loc.source.name, pos.line, pos.column));
    }
    if text.is_empty() { None } else { Some(text) }
}

/// A finding as the terminal shows it: places in other files (the rule a
/// finding comes from) are one line each under the help, not a snippet.
struct Compact<'a> {
    finding: &'a Finding,
    /// The message laid out for the unwrapping handler (its own otherwise).
    message: Option<Rc<str>>,
    /// [`help_of`] the finding, or the same laid out for the unwrapping handler.
    help: Option<Rc<str>>,
}

impl fmt::Debug for Compact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.finding, f)
    }
}

impl fmt::Display for Compact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(m) => f.write_str(m),
            None => fmt::Display::fmt(self.finding, f),
        }
    }
}

impl std::error::Error for Compact<'_> {}

impl Diagnostic for Compact<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.finding.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.finding.severity()
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.finding.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.finding.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.finding.labels()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display + 'b>)
    }
}

#[cfg(test)]
mod tests {
    use cadrage_engine::{EngineCode, Loc, Project, Severity, Source};
    use proptest::prelude::*;

    use super::*;

    /// The finding as miette lays it out itself (the wrapping handler, every
    /// time): what the human output was before it laid texts out.
    fn wrapped_by_miette(human: &Human, f: &Finding) -> String {
        let mut out = String::new();
        let compact = Compact { finding: f, message: None, help: help_of(f).map(Rc::from) };
        let _ = human.handler.render_report(&mut out, &compact);
        out
    }

    fn ours(human: &Human, f: &Finding) -> String {
        let mut out = String::new();
        human.finding(&mut out, f);
        out
    }

    /// Every finding of the examples and of the test corpus, at widths from
    /// narrow to wide, with and without colours.
    #[test]
    fn findings_are_printed_as_miette_wraps_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["examples", "tests/corpus", "tests/projects"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let Ok(entry) = entry else { continue };
                if entry.path().extension().is_some_and(|e| e == "cadrage") {
                    files.push(entry.into_path());
                }
            }
        }
        assert!(files.len() > 20, "{} files", files.len());
        let project = Project::embedded();
        let opts = cadrage_engine::CheckOptions::on((2026, 11, 22));
        let mut findings = Vec::new();
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let source = Source::new(path.display().to_string(), text);
            findings.extend(project.check(&source, None, &opts).findings);
        }
        assert!(findings.len() > 100, "{} findings", findings.len());
        let mut laid_out_by_us = 0;
        for width in [30, 60, 80, 100, 140] {
            for color in [false, true] {
                let human = Human::new(color, width);
                for f in &findings {
                    assert_eq!(ours(&human, f), wrapped_by_miette(&human, f), "width {width}, colour {color}: {f:?}");
                    if human.laid_out(f, help_of(f).as_deref()).is_some() {
                        laid_out_by_us += 1;
                    }
                }
            }
        }
        // Most findings take the quick way (else this test would test little).
        assert!(laid_out_by_us > findings.len() * 10 * 9 / 10, "{laid_out_by_us} of {}", findings.len() * 10);
    }

    fn finding(message: String, help: Option<String>, severity: Severity, related: bool) -> Finding {
        let source = Source::new("plan.cadrage", "scenario été_1 \"Équipe\" {\n  purpose daily_work\n}\n");
        let rules = Source::new("rules.cadrage", "ruleset r {\n  rule x {}\n}\n");
        let mut f =
            Finding::engine(EngineCode::Classified, Loc::new(&source, cadrage_syntax::Span::new(9, 16)), message)
                .with_help_opt(help);
        f.severity = severity;
        if related {
            f = f.with_related(Loc::new(&rules, cadrage_syntax::Span::new(19, 20)), "rule defined here");
        }
        f
    }

    /// Words of every kind wrapping meets: short and longer than a line,
    /// hyphens, wide characters, emoji, runs of blanks, tabs, carriage
    /// returns, empty lines, blanks at the ends.
    fn text() -> impl Strategy<Value = String> {
        "([a-z]{1,9}|[a-z]{15,70}|socio-collaborative|`model`|日本語のテキストです|é|🚀| {1,3}|\n|\t|\r){0,30}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn any_text_is_printed_as_miette_wraps_it(
            message in text(),
            help in proptest::option::of(text()),
            width in 8usize..140,
            color: bool,
            severity in prop_oneof![Just(Severity::Error), Just(Severity::Warning), Just(Severity::Info)],
            related: bool,
        ) {
            let human = Human::new(color, width);
            let f = finding(message, help, severity, related);
            prop_assert_eq!(ours(&human, &f), wrapped_by_miette(&human, &f));
        }
    }

    #[test]
    fn a_blank_line_or_a_control_character_is_left_to_miette() {
        assert_eq!(laid_out("one\n\ntwo", 80, 8, 8), None);
        assert_eq!(laid_out("one\ttwo", 80, 8, 8), None);
        assert_eq!(laid_out("one two", 80, 8, 8).as_deref(), Some("one two"));
        assert_eq!(laid_out("one two three", 16, 4, 4).as_deref(), Some("one two\nthree"));
    }
}
