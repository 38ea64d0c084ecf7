//! Running the `test` blocks of rulesets (LANGUAGE.md section 2).
//!
//! A test's `given` facts are judged as a scenario's own facts against the
//! ruleset alone, with the ruleset's own severities (a project that turns a
//! rule off does not change what the ruleset's tests mean). A test passes
//! when every `expect` of it holds.

use std::sync::Arc;

use smol_str::SmolStr;

use crate::check::judge_facts;
use crate::context::Context;
use crate::finding::{Code, EngineCode, Finding, RulePath};
use crate::model::{Ruleset, TestDef, TestExpectDef};
use crate::project::Project;
use crate::source::Loc;

/// One test run against one ruleset.
#[derive(Debug, Clone)]
pub struct TestRun {
    /// The ruleset the test ran against.
    pub ruleset: SmolStr,
    pub test: Arc<TestDef>,
    /// Paths of the rules that fired, sorted, without duplicates.
    pub fired: Vec<RulePath>,
    /// The expected model: `None` when no `expect` rule fired, empty when
    /// the deciding rules disagree.
    pub model: Option<Vec<Vec<SmolStr>>>,
    /// The `expect`s that did not hold; empty when the test passed.
    pub failures: Vec<TestFailure>,
}

impl TestRun {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Inherited from a base ruleset (not declared by the one it ran against).
    pub fn inherited(&self) -> bool {
        self.test.origin != self.ruleset
    }
}

/// An `expect` of a test that did not hold.
#[derive(Debug, Clone)]
pub enum TestFailure {
    /// `expect findings ...`: the rules that fire differ.
    Findings { loc: Loc, expected: Vec<RulePath>, actual: Vec<RulePath> },
    /// `expect model ...`: the classification differs.
    Model { loc: Loc, expected: Vec<Vec<SmolStr>>, actual: Option<Vec<Vec<SmolStr>>> },
    /// The test names something unknown (reported where it is named), so
    /// it was not run.
    Invalid { loc: Loc, problems: Vec<String> },
}

impl TestFailure {
    pub fn loc(&self) -> &Loc {
        match self {
            TestFailure::Findings { loc, .. } | TestFailure::Model { loc, .. } | TestFailure::Invalid { loc, .. } => {
                loc
            }
        }
    }

    /// One sentence saying what differed.
    pub fn describe(&self) -> String {
        match self {
            TestFailure::Findings { expected, actual, .. } => {
                let missing: Vec<&RulePath> = expected.iter().filter(|p| !actual.contains(p)).collect();
                let extra: Vec<&RulePath> = actual.iter().filter(|p| !expected.contains(p)).collect();
                let mut parts = Vec::new();
                if !missing.is_empty() {
                    parts.push(format!("{} did not fire", paths_phrase(&missing)));
                }
                if !extra.is_empty() {
                    parts.push(format!("{} fired unexpectedly", paths_phrase(&extra)));
                }
                parts.join("; ")
            }
            TestFailure::Model { expected, actual, .. } => {
                format!("expected model {}, got {}", models_phrase(Some(expected)), models_phrase(actual.as_ref()))
            }
            TestFailure::Invalid { problems, .. } => {
                format!("not run: {}", problems.join("; "))
            }
        }
    }
}

fn paths_phrase(paths: &[&RulePath]) -> String {
    paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
}

/// `a + b | c`, `none` when no rule decides, `a conflict` when they disagree.
pub fn models_phrase(alts: Option<&Vec<Vec<SmolStr>>>) -> String {
    match alts {
        None => "none (no `expect` rule fires)".into(),
        Some(a) if a.is_empty() => "none (the deciding rules conflict)".into(),
        Some(a) => format!("`{}`", models_text(a)),
    }
}

/// `a + b | c`, as written in a ruleset.
pub fn models_text(alts: &[Vec<SmolStr>]) -> String {
    alts.iter().map(|s| s.join(" + ")).collect::<Vec<_>>().join(" | ")
}

/// The context a ruleset's tests run in: the ruleset alone, with its own
/// severities.
pub fn test_context(rs: &Arc<Ruleset>) -> Context {
    Context::build(std::slice::from_ref(rs), &|_| None)
}

/// Runs one test against a ruleset's context.
pub fn run_test(project: &Project, rs: &Ruleset, ctx: &Context, test: &Arc<TestDef>) -> TestRun {
    let source = &test.loc.source;
    let (_, given_errors) = crate::check::resolve_givens(project, ctx, source, &test.givens);
    if !test.valid || !given_errors.is_empty() {
        let mut problems: Vec<String> = given_errors.iter().map(|f| f.message.clone()).collect();
        if !test.valid {
            problems.push("an `expect` names an unknown rule or model".into());
        }
        let failures = vec![TestFailure::Invalid { loc: test.loc.clone(), problems }];
        return TestRun { ruleset: rs.name.clone(), test: Arc::clone(test), fired: Vec::new(), model: None, failures };
    }
    let judged = judge_facts(project, ctx, source, &test.name, test.loc.span, test.span_loc.span, &test.givens);
    let mut fired: Vec<RulePath> = judged
        .rule_findings
        .iter()
        .filter_map(|f| match &f.code {
            Code::Rule(p) => Some(p.clone()),
            Code::Engine(_) => None,
        })
        .collect();
    fired.sort();
    fired.dedup();
    let model: Option<Vec<Vec<SmolStr>>> = judged.expected.as_ref().map(|alts| {
        let mut v: Vec<Vec<SmolStr>> = alts.iter().map(|a| ctx.models_names(a)).collect();
        v.sort();
        v
    });
    let mut failures = Vec::new();
    for e in &test.expects {
        match e {
            TestExpectDef::NoFindings(loc) => {
                if !fired.is_empty() {
                    failures.push(TestFailure::Findings {
                        loc: loc.clone(),
                        expected: Vec::new(),
                        actual: fired.clone(),
                    });
                }
            }
            TestExpectDef::Findings(paths, loc) => {
                let mut expected = paths.clone();
                expected.sort();
                expected.dedup();
                if expected != fired {
                    failures.push(TestFailure::Findings { loc: loc.clone(), expected, actual: fired.clone() });
                }
            }
            TestExpectDef::Model(alts, loc) => {
                let mut expected: Vec<Vec<SmolStr>> = alts.clone();
                for a in &mut expected {
                    a.sort();
                }
                expected.sort();
                if model.as_ref() != Some(&expected) {
                    failures.push(TestFailure::Model { loc: loc.clone(), expected, actual: model.clone() });
                }
            }
        }
    }
    TestRun { ruleset: rs.name.clone(), test: Arc::clone(test), fired, model, failures }
}

/// Runs the tests of a ruleset: its own, and with `inherited` those of the
/// rulesets it extends too (run against it).
pub fn run_tests(project: &Project, rs: &Arc<Ruleset>, inherited: bool) -> Vec<TestRun> {
    let ctx = test_context(rs);
    rs.tests.iter().filter(|t| inherited || t.origin == rs.name).map(|t| run_test(project, rs, &ctx, t)).collect()
}

/// The `test-failed` finding of a failed run, on the test's name, with
/// every `expect` that did not hold as a related location.
pub fn failure_finding(run: &TestRun) -> Option<Finding> {
    // A test that could not run has its unknown names reported already.
    if run.failures.iter().any(|f| matches!(f, TestFailure::Invalid { .. })) {
        return None;
    }
    let first = run.failures.first()?;
    let mut message = format!("test `{}` failed: {}", run.test.name, first.describe());
    if run.inherited() {
        message = format!("inherited {message} (run against `{}`)", run.ruleset);
    }
    let mut f = Finding::engine(EngineCode::TestFailed, run.test.loc.clone(), message)
        .with_label(format!("{} of {} expectations failed", run.failures.len(), run.test.expects.len()))
        .with_help("fix the rules or the test's expectations; `cadrage test` shows every difference");
    for failure in &run.failures {
        f = f.with_related(trimmed(failure.loc()), failure.describe());
    }
    Some(f)
}

/// The location without the white space that ends it.
fn trimmed(loc: &Loc) -> Loc {
    let text = loc.text();
    let cut = text.len() - text.trim_end().len();
    let span = cadrage_syntax::Span::new(loc.span.start as usize, (loc.span.end as usize).saturating_sub(cut));
    Loc::new(&loc.source, span)
}
