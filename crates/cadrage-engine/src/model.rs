//! Resolved rulesets: what a ruleset means once `extends`, `override` and
//! `drop` are applied and every name in it is checked.
//!
//! A resolved ruleset is immutable and shared (`Arc`) by every file that
//! uses it. Inherited parts are shared with the base ruleset.

use std::sync::Arc;

use cadrage_syntax::ast::{self, DimensionKind};
use smol_str::SmolStr;

use crate::finding::{RulePath, Severity};
use crate::source::Loc;

#[derive(Debug)]
pub struct Ruleset {
    pub name: SmolStr,
    pub title: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    /// The name in `ruleset NAME`.
    pub loc: Loc,
    /// The whole `ruleset ... { ... }`.
    pub span_loc: Loc,
    pub extends: Option<SmolStr>,
    /// Every ruleset this one inherits from, nearest first.
    pub ancestors: Vec<SmolStr>,
    pub models: Vec<Arc<ModelDef>>,
    pub dimensions: Vec<Arc<DimensionDef>>,
    pub rules: Vec<Arc<RuleDef>>,
    pub tests: Vec<Arc<TestDef>>,
}

impl Ruleset {
    pub fn model(&self, name: &str) -> Option<&Arc<ModelDef>> {
        self.models.iter().find(|m| m.name == name)
    }

    pub fn dimension(&self, name: &str) -> Option<&Arc<DimensionDef>> {
        self.dimensions.iter().find(|d| d.name == name)
    }

    /// A rule by its bare name (own or inherited).
    pub fn rule(&self, name: &str) -> Option<&Arc<RuleDef>> {
        self.rules.iter().find(|r| r.name() == name)
    }

    pub fn extends_ruleset(&self, other: &str) -> bool {
        self.ancestors.iter().any(|a| a == other)
    }
}

#[derive(Debug)]
pub struct ModelDef {
    pub name: SmolStr,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub see: Option<String>,
    pub loc: Loc,
    /// The ruleset that declared it.
    pub origin: SmolStr,
}

impl ModelDef {
    /// The title, or the name when there is none.
    pub fn display(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug)]
pub struct DimensionDef {
    pub name: SmolStr,
    pub kind: DimensionKind,
    pub title: Option<String>,
    pub values: Vec<ValueDef>,
    pub loc: Loc,
    pub origin: SmolStr,
}

impl DimensionDef {
    pub fn value(&self, name: &str) -> Option<&ValueDef> {
        self.values.iter().find(|v| v.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct ValueDef {
    pub name: SmolStr,
    pub doc: Option<String>,
    pub loc: Loc,
    /// The ruleset that added it (an extending ruleset can add values).
    pub origin: SmolStr,
}

#[derive(Debug, Clone)]
pub struct RuleDef {
    pub path: RulePath,
    pub title: Option<String>,
    pub when: Cond,
    pub conclusion: ConclusionDef,
    pub severity: Severity,
    pub message: Option<Template>,
    /// Shared with every finding of the rule (their `help` and `url`).
    pub why: Option<std::sync::Arc<str>>,
    pub see: Option<std::sync::Arc<str>>,
    pub priority: u32,
    /// The rule's name where it is defined.
    pub loc: Loc,
    /// The whole rule.
    pub span_loc: Loc,
    /// Where an extending ruleset changed it, if one did.
    pub overridden_at: Option<Loc>,
    /// False when the rule names something unknown: it is then never evaluated.
    pub valid: bool,
}

impl RuleDef {
    pub fn name(&self) -> &str {
        &self.path.rule
    }
}

/// A rule's condition, with names checked against its ruleset.
#[derive(Debug, Clone)]
pub enum Cond {
    Atom(AtomDef),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

#[derive(Debug, Clone)]
pub struct AtomDef {
    /// A dimension name, or `model`.
    pub dim: SmolStr,
    pub test: AtomTestDef,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtomTestDef {
    /// `is V` and `in [V, ...]`: true when a stated value is listed.
    AnyOf(Vec<SmolStr>),
    Present,
    Missing,
}

#[derive(Debug, Clone)]
pub enum ConclusionDef {
    /// Alternatives, each a set of models (sorted, no duplicates).
    Expect(Vec<Vec<SmolStr>>),
    Require(Vec<SmolStr>),
    Deny,
}

/// A `message` with its `{placeholders}` read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Dim(SmolStr),
    Model,
    Expected,
    Scenario,
}

#[derive(Debug)]
pub struct TestDef {
    pub name: String,
    /// The test's name string.
    pub loc: Loc,
    pub span_loc: Loc,
    /// The ruleset that declared it.
    pub origin: SmolStr,
    pub givens: Vec<ast::Fact>,
    pub expects: Vec<TestExpectDef>,
    /// False when an `expect` names an unknown rule or model: the test is
    /// then not run (the unknown name is reported).
    pub valid: bool,
}

#[derive(Debug, Clone)]
pub enum TestExpectDef {
    NoFindings(Loc),
    Findings(Vec<RulePath>, Loc),
    Model(Vec<Vec<SmolStr>>, Loc),
}
