//! Every place a name is written: for references, rename and semantic
//! tokens.
//!
//! Occurrences are found in the syntax trees of the workspace's files (open
//! buffers over the disk) by name and kind: a dimension by its name, a value
//! by its dimension and name, a model by its name, a rule by its path.

use cadrage_syntax::Span;
use cadrage_syntax::ast::{
    AtomTest, Conclusion, Condition, DimRef, Fact, FactValue, Item, ModelChoice, PhaseStmt, PlanStmt, RulesetStmt,
    Scenario, ScenarioStmt, SourceFile, TestExpect, TestStmt,
};

/// What a name is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Symbol {
    Dimension(String),
    Value {
        dim: String,
        value: String,
    },
    Model(String),
    /// `ruleset.rule`, as written.
    Rule {
        ruleset: String,
        rule: String,
    },
    Scenario(String),
    Ruleset(String),
}

/// One written name: where, what, and whether it declares it.
#[derive(Clone, Debug)]
pub struct Occurrence {
    pub span: Span,
    pub symbol: Symbol,
    pub declaration: bool,
}

struct Walk {
    out: Vec<Occurrence>,
    /// The ruleset being walked, for rule declarations.
    ruleset: String,
}

impl Walk {
    fn push(&mut self, span: Span, symbol: Symbol, declaration: bool) {
        self.out.push(Occurrence { span, symbol, declaration });
    }

    fn fact(&mut self, f: &Fact) {
        match &f.key {
            DimRef::Model(_) => {}
            DimRef::Dim(n) => self.push(n.span, Symbol::Dimension(n.as_str().into()), false),
        }
        match &f.value {
            FactValue::Models(names) => {
                for n in names {
                    self.push(n.span, Symbol::Model(n.as_str().into()), false);
                }
            }
            FactValue::Names(names) => {
                for n in names {
                    let value = Symbol::Value { dim: f.key.as_str().into(), value: n.as_str().into() };
                    self.push(n.span, value, false);
                }
            }
            FactValue::Text(_) => {}
        }
    }

    fn choice(&mut self, c: &ModelChoice) {
        for n in c.alternatives.iter().flatten() {
            self.push(n.span, Symbol::Model(n.as_str().into()), false);
        }
    }

    fn condition(&mut self, c: &Condition) {
        match c {
            Condition::Or(cs, _) | Condition::And(cs, _) => cs.iter().for_each(|c| self.condition(c)),
            Condition::Not(c, _) | Condition::Paren(c, _) => self.condition(c),
            Condition::Atom(a) => {
                let dim = a.dim.as_str().to_string();
                if let DimRef::Dim(n) = &a.dim {
                    self.push(n.span, Symbol::Dimension(dim.clone()), false);
                }
                let names = match &a.test {
                    AtomTest::Is(n) => std::slice::from_ref(n),
                    AtomTest::In(ns) => ns.as_slice(),
                    AtomTest::Present | AtomTest::Missing => &[],
                };
                for n in names {
                    let symbol = if dim == "model" {
                        Symbol::Model(n.as_str().into())
                    } else {
                        Symbol::Value { dim: dim.clone(), value: n.as_str().into() }
                    };
                    self.push(n.span, symbol, false);
                }
            }
        }
    }

    fn scenario(&mut self, s: &Scenario) {
        self.push(s.name.span, Symbol::Scenario(s.name.as_str().into()), true);
        for st in &s.body {
            match st {
                ScenarioStmt::Fact(f) => self.fact(f),
                ScenarioStmt::Allow(a) => self.push(
                    a.path.span,
                    Symbol::Rule { ruleset: a.path.ruleset.as_str().into(), rule: a.path.rule.as_str().into() },
                    false,
                ),
            }
        }
    }

    fn ruleset_stmt(&mut self, st: &RulesetStmt) {
        match st {
            RulesetStmt::Model(m) => self.push(m.name.span, Symbol::Model(m.name.as_str().into()), true),
            RulesetStmt::Dimension(d) => {
                self.push(d.name.span, Symbol::Dimension(d.name.as_str().into()), true);
                for v in &d.values {
                    let value = Symbol::Value { dim: d.name.as_str().into(), value: v.name.as_str().into() };
                    self.push(v.name.span, value, true);
                }
            }
            RulesetStmt::Rule(r) => {
                let rule = Symbol::Rule { ruleset: self.ruleset.clone(), rule: r.name.as_str().into() };
                self.push(r.name.span, rule, true);
                if let Some(c) = &r.when {
                    self.condition(c);
                }
                match &r.conclusion {
                    Some(Conclusion::Expect(_, c)) => self.choice(c),
                    Some(Conclusion::Require(_, dims)) => {
                        for d in dims {
                            if let DimRef::Dim(n) = d {
                                self.push(n.span, Symbol::Dimension(n.as_str().into()), false);
                            }
                        }
                    }
                    Some(Conclusion::Deny(_)) | None => {}
                }
            }
            RulesetStmt::Override(o) => {
                let rule = Symbol::Rule { ruleset: self.ruleset.clone(), rule: o.name.as_str().into() };
                self.push(o.name.span, rule, false);
            }
            RulesetStmt::Drop(d) => {
                let rule = Symbol::Rule { ruleset: self.ruleset.clone(), rule: d.name.as_str().into() };
                self.push(d.name.span, rule, false);
            }
            RulesetStmt::Test(t) => {
                for st in &t.body {
                    match st {
                        TestStmt::Given(_, f) => self.fact(f),
                        TestStmt::Expect(TestExpect::Findings(paths, _)) => {
                            for p in paths {
                                let rule =
                                    Symbol::Rule { ruleset: p.ruleset.as_str().into(), rule: p.rule.as_str().into() };
                                self.push(p.span, rule, false);
                            }
                        }
                        TestStmt::Expect(TestExpect::Model(c, _)) => self.choice(c),
                        TestStmt::Expect(TestExpect::NoFindings(_)) => {}
                    }
                }
            }
            RulesetStmt::Version(..) | RulesetStmt::Description(..) => {}
        }
    }
}

/// Every name written in a file, in source order.
pub fn occurrences(file: &SourceFile) -> Vec<Occurrence> {
    let mut w = Walk { out: Vec::new(), ruleset: String::new() };
    for item in &file.items {
        match item {
            Item::Use(u) => {
                for n in &u.names {
                    w.push(n.span, Symbol::Ruleset(n.as_str().into()), false);
                }
            }
            Item::Scenario(s) => w.scenario(s),
            Item::Plan(p) => {
                for st in &p.body {
                    match st {
                        PlanStmt::Fact(f) => w.fact(f),
                        PlanStmt::Scenario(s) => w.scenario(s),
                        PlanStmt::Phase(ph) => {
                            for st in &ph.body {
                                match st {
                                    PhaseStmt::Fact(f) => w.fact(f),
                                    PhaseStmt::Scenario(s) => w.scenario(s),
                                }
                            }
                        }
                    }
                }
            }
            Item::Ruleset(r) => {
                w.push(r.name.span, Symbol::Ruleset(r.name.as_str().into()), true);
                if let Some(base) = &r.extends {
                    w.push(base.span, Symbol::Ruleset(base.as_str().into()), false);
                }
                w.ruleset = r.name.as_str().into();
                for st in &r.body {
                    w.ruleset_stmt(st);
                }
            }
        }
    }
    w.out.sort_by_key(|o| o.span.start);
    w.out
}

/// The name at an offset, if any.
pub fn at(file: &SourceFile, offset: usize) -> Option<Occurrence> {
    occurrences(file).into_iter().find(|o| o.span.touches(offset))
}

/// Do two symbols name the same thing? A rule written `ext.rule` in an
/// extension is matched by its bare name within the same ruleset family
/// only when the paths are equal; values match by dimension and name.
pub fn same(a: &Symbol, b: &Symbol) -> bool {
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_declarations_and_uses() {
        let text = "ruleset r { model m dimension d { x y } rule k { when d is x and model is m expect m } }\nuse r\nscenario s { d x model m allow r.k \"why\" }\n";
        let file = cadrage_syntax::parse(text);
        let occ = occurrences(&file);
        let of = |s: &Symbol| occ.iter().filter(|o| &o.symbol == s).count();
        assert_eq!(of(&Symbol::Model("m".into())), 4);
        assert_eq!(of(&Symbol::Value { dim: "d".into(), value: "x".into() }), 3);
        assert_eq!(of(&Symbol::Dimension("d".into())), 3);
        assert_eq!(of(&Symbol::Rule { ruleset: "r".into(), rule: "k".into() }), 2);
        assert!(occ.iter().any(|o| o.declaration && o.symbol == Symbol::Model("m".into())));
    }
}
