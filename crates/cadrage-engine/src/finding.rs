//! Findings: what the engine reports, from rules and from itself.
//!
//! One type for every finding, because rule findings come from data (a
//! ruleset written by a user), not from a fixed list of Rust types. It
//! implements [`miette::Diagnostic`], so any miette handler can render it;
//! the CLI and the language server convert it in one place each.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, SourceCode};
use smol_str::SmolStr;

pub use cadrage_syntax::ast::SeverityLevel as Severity;

use crate::source::{Loc, Source};

/// The findings the engine reports itself, coded `cadrage::NAME`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EngineCode {
    Syntax,
    UnknownRuleset,
    UnknownDimension,
    UnknownValue,
    UnknownModel,
    UnknownRule,
    DuplicateFact,
    TooManyValues,
    DuplicateName,
    MissingReason,
    UnusedAllow,
    ExpiredAllow,
    Conflict,
    Classified,
    ExtendsCycle,
    DeadRule,
    Gap,
    UnusedValue,
    TestFailed,
    Io,
    NoRuleset,
}

impl EngineCode {
    pub const ALL: [EngineCode; 21] = [
        EngineCode::Syntax,
        EngineCode::UnknownRuleset,
        EngineCode::UnknownDimension,
        EngineCode::UnknownValue,
        EngineCode::UnknownModel,
        EngineCode::UnknownRule,
        EngineCode::DuplicateFact,
        EngineCode::TooManyValues,
        EngineCode::DuplicateName,
        EngineCode::MissingReason,
        EngineCode::UnusedAllow,
        EngineCode::ExpiredAllow,
        EngineCode::Conflict,
        EngineCode::Classified,
        EngineCode::ExtendsCycle,
        EngineCode::DeadRule,
        EngineCode::Gap,
        EngineCode::UnusedValue,
        EngineCode::TestFailed,
        EngineCode::Io,
        EngineCode::NoRuleset,
    ];

    /// The name after `cadrage::`.
    pub fn name(self) -> &'static str {
        match self {
            EngineCode::Syntax => "syntax",
            EngineCode::UnknownRuleset => "unknown-ruleset",
            EngineCode::UnknownDimension => "unknown-dimension",
            EngineCode::UnknownValue => "unknown-value",
            EngineCode::UnknownModel => "unknown-model",
            EngineCode::UnknownRule => "unknown-rule",
            EngineCode::DuplicateFact => "duplicate-fact",
            EngineCode::TooManyValues => "too-many-values",
            EngineCode::DuplicateName => "duplicate-name",
            EngineCode::MissingReason => "missing-reason",
            EngineCode::UnusedAllow => "unused-allow",
            EngineCode::ExpiredAllow => "expired-allow",
            EngineCode::Conflict => "conflict",
            EngineCode::Classified => "classified",
            EngineCode::ExtendsCycle => "extends-cycle",
            EngineCode::DeadRule => "dead-rule",
            EngineCode::Gap => "gap",
            EngineCode::UnusedValue => "unused-value",
            EngineCode::TestFailed => "test-failed",
            EngineCode::Io => "io",
            EngineCode::NoRuleset => "no-ruleset",
        }
    }

    /// One line on what the code reports, for rule lists (SARIF, `cadrage rules`).
    pub fn description(self) -> &'static str {
        match self {
            EngineCode::Syntax => "text that does not follow the cadrage syntax",
            EngineCode::UnknownRuleset => "`use` names a ruleset that is not loaded",
            EngineCode::UnknownDimension => "a fact names a dimension that no used ruleset declares",
            EngineCode::UnknownValue => "a fact gives a value outside its dimension's domain",
            EngineCode::UnknownModel => "`model` names a model that no used ruleset declares",
            EngineCode::UnknownRule => "an `allow`, a test or the project file names a rule that is not loaded",
            EngineCode::DuplicateFact => "a fact or a value is stated twice in one block",
            EngineCode::TooManyValues => "a single-valued dimension is given several values",
            EngineCode::DuplicateName => "two scenarios, plans, phases or ruleset items share a name",
            EngineCode::MissingReason => "an `allow` gives no reason",
            EngineCode::UnusedAllow => "an `allow` silences no finding",
            EngineCode::ExpiredAllow => "an `allow` whose `until` date has passed",
            EngineCode::Conflict => "`expect` rules of equal priority call for different models",
            EngineCode::Classified => "the model the rules expect for a scenario that chose none",
            EngineCode::ExtendsCycle => "rulesets extend each other in a cycle",
            EngineCode::DeadRule => "a rule that can never fire or is always overridden",
            EngineCode::Gap => "fact combinations for which no `expect` rule decides a model",
            EngineCode::UnusedValue => "a model or dimension value that no rule mentions",
            EngineCode::TestFailed => "a ruleset's own `test` block does not pass",
            EngineCode::Io => "a file that cannot be read or is not UTF-8 text",
            EngineCode::NoRuleset => "a file without `use` and no default ruleset to check it against",
        }
    }

    pub fn from_name(name: &str) -> Option<EngineCode> {
        EngineCode::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn default_severity(self) -> Severity {
        match self {
            EngineCode::UnusedAllow | EngineCode::ExpiredAllow | EngineCode::DeadRule => Severity::Warning,
            EngineCode::Classified | EngineCode::Gap => Severity::Info,
            EngineCode::UnusedValue => Severity::Hint,
            _ => Severity::Error,
        }
    }
}

/// A finding's code: a rule path (`management.work_is_the_managers_job`) or
/// an engine code (`cadrage::unknown-value`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    Rule(RulePath),
    Engine(EngineCode),
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Rule(p) => write!(f, "{p}"),
            Code::Engine(c) => write!(f, "cadrage::{}", c.name()),
        }
    }
}

impl Code {
    /// The code written out, in pieces: `["ruleset", ".", "rule"]` or
    /// `["cadrage::", "name", ""]`.
    fn pieces(&self) -> [&str; 3] {
        match self {
            Code::Rule(p) => [&p.ruleset, ".", &p.rule],
            Code::Engine(c) => ["cadrage::", c.name(), ""],
        }
    }

    /// Orders codes as their written-out forms (`to_string()`) compare,
    /// without writing them out.
    pub fn cmp_written(&self, other: &Code) -> std::cmp::Ordering {
        fn bytes(c: &Code) -> impl Iterator<Item = u8> + '_ {
            c.pieces().into_iter().flat_map(str::bytes)
        }
        bytes(self).cmp(bytes(other))
    }
}

/// `ruleset.rule`: where a rule was first defined.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RulePath {
    pub ruleset: SmolStr,
    pub rule: SmolStr,
}

impl fmt::Display for RulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.ruleset, self.rule)
    }
}

/// Another place that explains a finding: the rule it comes from, the first
/// of two duplicates...
#[derive(Clone, Debug)]
pub struct Related {
    pub loc: Loc,
    /// Shared: most messages are the same in every finding ("rule defined here").
    pub message: Arc<str>,
}

/// A replacement that resolves a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    /// The text to put in place of `loc` (an empty `loc` inserts).
    pub replacement: String,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// For a rule: its `why` (shared with the rule and its other findings).
    /// For a name that is not known: "did you mean".
    pub help: Option<Arc<str>>,
    pub loc: Loc,
    /// A few words under the underlined text (the condition that matched...).
    pub label: Option<String>,
    /// The scenario the finding is about, if any.
    pub scenario: Option<SmolStr>,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
    /// A page that explains the finding (a rule's `see`), shared.
    pub url: Option<Arc<str>>,
    /// For conflicts, dead rules and gaps: facts on which it shows (an
    /// editor can insert them as a `test`, see `analysis::witness_test`).
    pub witness: Option<Box<crate::analysis::Witness>>,
    /// For a finding of a rule in a scenario: the smallest changes of the
    /// scenario's facts or model that clear it, best first.
    pub remedies: Vec<crate::analysis::Remedy>,
}

impl Finding {
    pub fn engine(code: EngineCode, loc: Loc, message: impl Into<String>) -> Finding {
        Finding {
            code: Code::Engine(code),
            severity: code.default_severity(),
            message: message.into(),
            help: None,
            loc,
            label: None,
            scenario: None,
            related: Vec::new(),
            fix: None,
            url: None,
            witness: None,
            remedies: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Finding {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<Arc<str>>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn with_help_opt(mut self, help: Option<String>) -> Finding {
        self.help = help.map(Arc::from);
        self
    }

    pub fn with_related(mut self, loc: Loc, message: impl Into<Arc<str>>) -> Finding {
        self.related.push(Related { loc, message: message.into() });
        self
    }

    pub fn with_witness(mut self, witness: Option<crate::analysis::Witness>) -> Finding {
        self.witness = witness.map(Box::new);
        self
    }

    pub fn with_fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix;
        self
    }

    pub fn in_scenario(mut self, scenario: Option<&SmolStr>) -> Finding {
        self.scenario = scenario.cloned();
        self
    }

    pub fn engine_code(&self) -> Option<EngineCode> {
        match self.code {
            Code::Engine(c) => Some(c),
            Code::Rule(_) => None,
        }
    }

    pub fn rule_path(&self) -> Option<&RulePath> {
        match &self.code {
            Code::Rule(p) => Some(p),
            Code::Engine(_) => None,
        }
    }

    /// The order findings are printed in: file, then offset, then code.
    /// Orders findings as [`Finding::sort_key`] does, without writing codes out.
    pub fn cmp_sort_key(&self, other: &Finding) -> std::cmp::Ordering {
        let same_file = std::sync::Arc::ptr_eq(&self.loc.source, &other.loc.source);
        let file = if same_file { std::cmp::Ordering::Equal } else { self.loc.source.name.cmp(&other.loc.source.name) };
        file.then(self.loc.span.start.cmp(&other.loc.span.start))
            .then(self.loc.span.end.cmp(&other.loc.span.end))
            .then_with(|| self.code.cmp_written(&other.code))
    }

    pub fn sort_key(&self) -> (&str, u32, u32, String) {
        (&self.loc.source.name, self.loc.span.start, self.loc.span.end, self.code.to_string())
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Finding {}

impl Diagnostic for Finding {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info | Severity::Hint => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        // A "did you mean" help already says what its fix does.
        let fix = self
            .fix
            .as_ref()
            .filter(|f| self.help.as_deref().is_none_or(|h| !h.contains(&format!("`{}`", f.replacement))));
        match (&self.help, fix) {
            (Some(h), Some(f)) => Some(Box::new(format!("{h}\nfix: {}", f.title))),
            (Some(h), None) => Some(Box::new(h)),
            (None, Some(f)) => Some(Box::new(format!("fix: {}", f.title))),
            (None, None) => None,
        }
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url.as_ref().map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&*self.loc.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = self.label.clone();
        let mut labels = vec![LabeledSpan::new_primary_with_span(label, self.loc.span.range())];
        // Related places in the same file are shown as secondary labels.
        for r in self.related.iter().filter(|r| r.loc.same_file(&self.loc)) {
            labels.push(LabeledSpan::new_with_span(Some(r.message.to_string()), r.loc.span.range()));
        }
        Some(Box::new(labels.into_iter()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        let others: Vec<&'a dyn Diagnostic> =
            self.related.iter().filter(|r| !r.loc.same_file(&self.loc)).map(|r| r as &dyn Diagnostic).collect();
        if others.is_empty() { None } else { Some(Box::new(others.into_iter())) }
    }
}

impl fmt::Display for Related {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Related {}

impl Diagnostic for Related {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&*self.loc.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(None, self.loc.span.range()))))
    }
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub hint: usize,
}

impl Counts {
    pub fn add(&mut self, s: Severity) {
        match s {
            Severity::Error => self.error += 1,
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
            Severity::Hint => self.hint += 1,
        }
    }

    pub fn merge(&mut self, other: Counts) {
        self.error += other.error;
        self.warning += other.warning;
        self.info += other.info;
        self.hint += other.hint;
    }

    /// Is there a finding at or above `level`?
    pub fn any_at_or_above(&self, level: Severity) -> bool {
        match level {
            Severity::Error => self.error > 0,
            Severity::Warning => self.error + self.warning > 0,
            Severity::Info => self.error + self.warning + self.info > 0,
            Severity::Hint => self.error + self.warning + self.info + self.hint > 0,
        }
    }
}

/// Keeps `Arc<Source>` out of the way for callers that only have a source.
pub fn loc(source: &Arc<Source>, span: cadrage_syntax::Span) -> Loc {
    Loc::new(source, span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadrage_syntax::Span;

    fn rule(ruleset: &str, rule: &str) -> Code {
        Code::Rule(RulePath { ruleset: ruleset.into(), rule: rule.into() })
    }

    /// Codes and findings order as their written-out sort keys do, codes
    /// that write out alike (`a.b` + `c`, `a` + `b.c`) included.
    #[test]
    fn written_order_without_writing() {
        let mut codes: Vec<Code> = EngineCode::ALL.iter().map(|c| Code::Engine(*c)).collect();
        codes.extend([
            rule("a.b", "c"),
            rule("a", "b.c"),
            rule("a", "b"),
            rule("cadrage", "x"),
            rule("cadrage:", "zz"),
            rule("management", "state_the_purpose"),
            rule("", ""),
        ]);
        for a in &codes {
            for b in &codes {
                assert_eq!(a.cmp_written(b), a.to_string().cmp(&b.to_string()), "{a} {b}");
            }
        }
        let one = Source::new("b.cadrage", "scenario x {}\n");
        let other = Source::new("a.cadrage", "scenario x {}\n");
        let mut findings = Vec::new();
        for source in [&one, &other] {
            for span in [Span::new(0, 8), Span::new(0, 3), Span::new(9, 10)] {
                for code in &codes {
                    let mut f = Finding::engine(EngineCode::Io, Loc::new(source, span), "m");
                    f.code = code.clone();
                    findings.push(f);
                }
            }
        }
        for a in &findings {
            for b in &findings {
                assert_eq!(a.cmp_sort_key(b), a.sort_key().cmp(&b.sort_key()));
            }
        }
    }
}
