//! The syntax tree of one cadrage file.
//!
//! Every node carries the byte range it was read from. Nothing here knows
//! what a dimension or a rule *means*: that is the engine's business.

use smol_str::SmolStr;

use crate::Span;

/// A whole file: its items in source order and the syntax errors met on the way.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceFile {
    pub items: Vec<Item>,
    pub errors: Vec<SyntaxError>,
}

/// A syntax error, already worded for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Use(UseDecl),
    Ruleset(Ruleset),
    Scenario(Scenario),
    Plan(Plan),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span,
            Item::Ruleset(r) => r.span,
            Item::Scenario(s) => s.span,
            Item::Plan(p) => p.span,
        }
    }
}

/// A name as written (`[a-z_][a-z0-9_]*`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    pub text: SmolStr,
    pub span: Span,
}

impl Name {
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A string literal, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
    /// Written in the `"""` form.
    pub long: bool,
}

/// A keyword occurrence, kept for its position (hover, folding, formatting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keyword {
    pub span: Span,
}

/// `ruleset.rule`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulePath {
    pub ruleset: Name,
    pub rule: Name,
    pub span: Span,
}

impl RulePath {
    pub fn to_path_string(&self) -> String {
        format!("{}.{}", self.ruleset.text, self.rule.text)
    }
}

/// The braces of a block. `close` is `None` when the `}` is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Braces {
    pub open: Span,
    pub close: Option<Span>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UseDecl {
    pub span: Span,
    pub names: Vec<Name>,
}

// ---------------------------------------------------------------- rulesets

#[derive(Clone, Debug, PartialEq)]
pub struct Ruleset {
    pub span: Span,
    pub name: Name,
    pub title: Option<StrLit>,
    pub extends: Option<Name>,
    pub braces: Braces,
    pub body: Vec<RulesetStmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RulesetStmt {
    Version(Keyword, StrLit),
    Description(Keyword, StrLit),
    Model(Model),
    Dimension(Dimension),
    Rule(Rule),
    Override(Override),
    Drop(Drop),
    Test(Test),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub span: Span,
    pub name: Name,
    pub title: Option<StrLit>,
    pub braces: Option<Braces>,
    pub summary: Option<StrLit>,
    pub see: Option<StrLit>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DimensionKind {
    /// One value.
    One,
    /// `many`: several values.
    Many,
    /// `text`: free text, no domain.
    Text,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dimension {
    pub span: Span,
    pub name: Name,
    pub kind: DimensionKind,
    /// Where `many` or `text` is written.
    pub kind_span: Option<Span>,
    pub title: Option<StrLit>,
    pub braces: Option<Braces>,
    pub values: Vec<ValueDecl>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValueDecl {
    pub span: Span,
    pub name: Name,
    pub doc: Option<StrLit>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub span: Span,
    pub name: Name,
    pub title: Option<StrLit>,
    pub braces: Braces,
    pub when: Option<Condition>,
    pub conclusion: Option<Conclusion>,
    pub attributes: Vec<Attribute>,
}

/// A condition: `or` of `and` of `not` of atoms.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    Or(Vec<Condition>, Span),
    And(Vec<Condition>, Span),
    Not(Box<Condition>, Span),
    /// `( COND )`, kept so that spans and formatting stay faithful.
    Paren(Box<Condition>, Span),
    Atom(Atom),
}

impl Condition {
    pub fn span(&self) -> Span {
        match self {
            Condition::Or(_, s) | Condition::And(_, s) | Condition::Not(_, s) | Condition::Paren(_, s) => *s,
            Condition::Atom(a) => a.span,
        }
    }
}

/// The name of a fact in a condition or a `require`: a dimension, or `model`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DimRef {
    Model(Span),
    Dim(Name),
}

impl DimRef {
    pub fn as_str(&self) -> &str {
        match self {
            DimRef::Model(_) => "model",
            DimRef::Dim(n) => n.as_str(),
        }
    }
    pub fn span(&self) -> Span {
        match self {
            DimRef::Model(s) => *s,
            DimRef::Dim(n) => n.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Atom {
    pub span: Span,
    pub dim: DimRef,
    pub test: AtomTest,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AtomTest {
    Is(Name),
    In(Vec<Name>),
    Present,
    Missing,
}

/// `a + b | c`: alternatives of model sets.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelChoice {
    pub span: Span,
    pub alternatives: Vec<Vec<Name>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Conclusion {
    Expect(Keyword, ModelChoice),
    Require(Keyword, Vec<DimRef>),
    Deny(Keyword),
}

impl Conclusion {
    pub fn keyword(&self) -> Keyword {
        match self {
            Conclusion::Expect(k, _) | Conclusion::Require(k, _) | Conclusion::Deny(k) => *k,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SeverityLevel {
    Hint,
    Info,
    Warning,
    Error,
}

impl SeverityLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            SeverityLevel::Error => "error",
            SeverityLevel::Warning => "warning",
            SeverityLevel::Info => "info",
            SeverityLevel::Hint => "hint",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum AttributeValue {
    Severity(SeverityLevel, Span),
    Message(StrLit),
    Why(StrLit),
    See(StrLit),
    Priority(u32, Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub span: Span,
    pub keyword: Keyword,
    pub value: AttributeValue,
}

impl Attribute {
    /// The attribute's keyword, as written.
    pub fn keyword_str(&self) -> &'static str {
        match self.value {
            AttributeValue::Severity(..) => "severity",
            AttributeValue::Message(_) => "message",
            AttributeValue::Why(_) => "why",
            AttributeValue::See(_) => "see",
            AttributeValue::Priority(..) => "priority",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    pub span: Span,
    pub name: Name,
    pub braces: Braces,
    pub attributes: Vec<Attribute>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Drop {
    pub span: Span,
    pub name: Name,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    pub span: Span,
    pub name: StrLit,
    pub braces: Braces,
    /// `given` facts and `expect`s, in source order.
    pub body: Vec<TestStmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestStmt {
    Given(Keyword, Fact),
    Expect(TestExpect),
}

impl Test {
    pub fn givens(&self) -> impl Iterator<Item = &Fact> {
        self.body.iter().filter_map(|s| match s {
            TestStmt::Given(_, f) => Some(f),
            TestStmt::Expect(_) => None,
        })
    }
    pub fn expects(&self) -> impl Iterator<Item = &TestExpect> {
        self.body.iter().filter_map(|s| match s {
            TestStmt::Expect(e) => Some(e),
            TestStmt::Given(..) => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestExpect {
    /// `expect findings none`
    NoFindings(Span),
    /// `expect findings a.b, c.d`
    Findings(Vec<RulePath>, Span),
    /// `expect model a + b | c`
    Model(ModelChoice, Span),
}

impl TestExpect {
    pub fn span(&self) -> Span {
        match self {
            TestExpect::NoFindings(s) | TestExpect::Findings(_, s) | TestExpect::Model(_, s) => *s,
        }
    }
}

// ---------------------------------------------------------------- scenarios and plans

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub span: Span,
    pub name: Name,
    pub title: Option<StrLit>,
    pub braces: Braces,
    /// Facts and allows, in source order.
    pub body: Vec<ScenarioStmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioStmt {
    Fact(Fact),
    Allow(Allow),
}

impl Scenario {
    pub fn facts(&self) -> impl Iterator<Item = &Fact> {
        self.body.iter().filter_map(|s| match s {
            ScenarioStmt::Fact(f) => Some(f),
            ScenarioStmt::Allow(_) => None,
        })
    }
    pub fn allows(&self) -> impl Iterator<Item = &Allow> {
        self.body.iter().filter_map(|s| match s {
            ScenarioStmt::Allow(a) => Some(a),
            ScenarioStmt::Fact(_) => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub span: Span,
    pub name: Name,
    pub title: Option<StrLit>,
    pub braces: Braces,
    /// Default facts, phases and scenarios, in source order.
    pub body: Vec<PlanStmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PlanStmt {
    Fact(Fact),
    Phase(Phase),
    Scenario(Scenario),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    pub span: Span,
    pub name: Name,
    pub title: Option<StrLit>,
    pub braces: Braces,
    /// Default facts and scenarios, in source order.
    pub body: Vec<PhaseStmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PhaseStmt {
    Fact(Fact),
    Scenario(Scenario),
}

impl Plan {
    pub fn facts(&self) -> impl Iterator<Item = &Fact> {
        self.body.iter().filter_map(|s| match s {
            PlanStmt::Fact(f) => Some(f),
            _ => None,
        })
    }
}

impl Phase {
    pub fn facts(&self) -> impl Iterator<Item = &Fact> {
        self.body.iter().filter_map(|s| match s {
            PhaseStmt::Fact(f) => Some(f),
            PhaseStmt::Scenario(_) => None,
        })
    }
}

/// The key of a fact: a dimension, or `model`.
pub type FactKey = DimRef;

#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub span: Span,
    pub key: FactKey,
    pub value: FactValue,
}

/// The names of a fact's value: most facts state one, held without an
/// allocation of its own (four or five per scenario were, made and freed).
pub type Names = smallvec::SmallVec<[Name; 1]>;

#[derive(Clone, Debug, PartialEq)]
pub enum FactValue {
    /// `audience own_team, partners` (one name or several, comma-separated).
    Names(Names),
    /// `model a + b`
    Models(Names),
    /// `kpi "..."`
    Text(StrLit),
}

impl FactValue {
    /// The range of the value(s), from the first to the last.
    pub fn span(&self) -> Span {
        match self {
            FactValue::Names(v) | FactValue::Models(v) => match (v.first(), v.last()) {
                (Some(a), Some(b)) => a.span.cover(b.span),
                _ => Span::default(),
            },
            FactValue::Text(s) => s.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Allow {
    pub span: Span,
    pub path: RulePath,
    pub reason: Option<StrLit>,
    pub by: Option<StrLit>,
    pub until: Option<DateLit>,
}

/// `YYYY-MM-DD`, checked to be a real calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateLit {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub span: Span,
}

impl DateLit {
    /// Days can be compared as `(year, month, day)`.
    pub fn key(&self) -> (u16, u8, u8) {
        (self.year, self.month, self.day)
    }
}

impl std::fmt::Display for DateLit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}
