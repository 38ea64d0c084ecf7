//! From ruleset syntax to resolved rulesets: `extends` (with cycle
//! detection), inherited and new models, dimensions and values, rules,
//! `override rule`, `drop rule`, and the check of every name they use.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use cadrage_syntax::ast::{self, AttributeValue, Condition, DimRef, DimensionKind, RulesetStmt};
use smol_str::SmolStr;

use crate::finding::{EngineCode, Finding, Fix, RulePath, Severity};
use crate::model::*;
use crate::source::{Loc, Source};
use crate::suggest::{did_you_mean, list_and};

/// A ruleset as written, with the source it was read from.
#[derive(Clone)]
pub struct RulesetInput {
    pub source: Arc<Source>,
    pub syntax: ast::Ruleset,
}

/// Rulesets that can be named by `extends` from outside the layer being resolved.
pub type Outer<'a> = &'a dyn Fn(&str) -> Option<Arc<Ruleset>>;

/// Resolves rulesets that may extend each other or rulesets of `outer`.
/// Returns them by name (a name declared twice keeps the first) and the
/// findings met on the way.
pub fn resolve_layer(inputs: &[RulesetInput], outer: Outer<'_>) -> (HashMap<SmolStr, Arc<Ruleset>>, Vec<Finding>) {
    let mut r = LayerResolver {
        inputs: HashMap::new(),
        outer,
        done: HashMap::new(),
        visiting: Vec::new(),
        in_cycle: HashSet::new(),
        findings: Vec::new(),
    };
    for (i, input) in inputs.iter().enumerate() {
        let name = input.syntax.name.text.clone();
        if let Some(first) = r.inputs.get(&name).and_then(|&f| inputs.get(f)) {
            r.findings.push(
                Finding::engine(
                    EngineCode::DuplicateName,
                    Loc::new(&input.source, input.syntax.name.span),
                    format!("ruleset `{name}` is declared twice"),
                )
                .with_related(Loc::new(&first.source, first.syntax.name.span), "first declared here")
                .with_help("rename one of them: only the first is used"),
            );
            continue;
        }
        r.inputs.insert(name, i);
    }
    let order: Vec<SmolStr> = inputs.iter().map(|i| i.syntax.name.text.clone()).collect();
    for name in &order {
        r.resolve(inputs, name);
    }
    (r.done, r.findings)
}

struct LayerResolver<'a> {
    inputs: HashMap<SmolStr, usize>,
    outer: Outer<'a>,
    done: HashMap<SmolStr, Arc<Ruleset>>,
    visiting: Vec<SmolStr>,
    in_cycle: HashSet<SmolStr>,
    findings: Vec<Finding>,
}

impl LayerResolver<'_> {
    fn resolve(&mut self, inputs: &[RulesetInput], name: &str) -> Option<Arc<Ruleset>> {
        if let Some(r) = self.done.get(name) {
            return Some(Arc::clone(r));
        }
        let &index = self.inputs.get(name)?;
        let input = inputs.get(index)?;
        if let Some(pos) = self.visiting.iter().position(|v| v == name) {
            let cycle: Vec<SmolStr> = self.visiting.get(pos..).unwrap_or_default().to_vec();
            self.report_cycle(inputs, &cycle);
            return None;
        }
        self.visiting.push(SmolStr::new(name));
        let base = match &input.syntax.extends {
            None => None,
            Some(b) if self.inputs.contains_key(b.as_str()) => self.resolve(inputs, b.as_str()),
            Some(b) => match (self.outer)(b.as_str()) {
                Some(r) => Some(r),
                None => {
                    let mut known: Vec<SmolStr> = self.inputs.keys().cloned().collect();
                    known.sort();
                    let suggestion = did_you_mean(b.as_str(), known.iter().map(|k| k.as_str()))
                        .filter(|s| *s != name)
                        .map(str::to_owned);
                    let loc = Loc::new(&input.source, b.span);
                    self.findings.push(unknown_name_finding(
                        EngineCode::UnknownRuleset,
                        loc,
                        format!(
                            "ruleset `{}` extends `{b}`, which is not a known ruleset",
                            input.syntax.name.text,
                            b = b.text
                        ),
                        suggestion,
                    ));
                    None
                }
            },
        };
        self.visiting.pop();
        let base = if self.in_cycle.contains(name) { None } else { base };
        let (ruleset, mut findings) = build(input, base.as_deref());
        self.findings.append(&mut findings);
        let ruleset = Arc::new(ruleset);
        self.done.insert(SmolStr::new(name), Arc::clone(&ruleset));
        Some(ruleset)
    }

    fn report_cycle(&mut self, inputs: &[RulesetInput], cycle: &[SmolStr]) {
        let mut path: Vec<&str> = cycle.iter().map(|s| s.as_str()).collect();
        if let Some(first) = cycle.first() {
            path.push(first);
        }
        let chain = path.join(" → ");
        for member in cycle {
            if !self.in_cycle.insert(member.clone()) {
                continue;
            }
            let Some(input) = self.inputs.get(member).and_then(|&i| inputs.get(i)) else { continue };
            let Some(ext) = &input.syntax.extends else { continue };
            self.findings.push(
                Finding::engine(
                    EngineCode::ExtendsCycle,
                    Loc::new(&input.source, ext.span),
                    format!("ruleset `{member}` extends itself: {chain}"),
                )
                .with_help("a ruleset cannot inherit from itself; remove one `extends` of the cycle"),
            );
        }
    }
}

/// The "did you mean" form of an unknown-name finding: help and fix.
pub(crate) fn unknown_name_finding(code: EngineCode, loc: Loc, message: String, suggestion: Option<String>) -> Finding {
    match suggestion {
        Some(s) => {
            let fix = Fix { title: format!("replace with `{s}`"), replacement: s.clone(), loc: loc.clone() };
            Finding::engine(code, loc, message).with_help(format!("did you mean `{s}`?")).with_fix(Some(fix))
        }
        None => Finding::engine(code, loc, message),
    }
}

/// Builds one ruleset on top of its (already resolved) base.
fn build(input: &RulesetInput, base: Option<&Ruleset>) -> (Ruleset, Vec<Finding>) {
    let src = &input.source;
    let syn = &input.syntax;
    let name = syn.name.text.clone();
    let mut b = Builder { src, name: name.clone(), findings: Vec::new(), models: Vec::new(), dimensions: Vec::new() };

    let mut ancestors = Vec::new();
    if let Some(base) = base {
        ancestors.push(base.name.clone());
        ancestors.extend(base.ancestors.iter().cloned());
        b.models = base.models.clone();
        b.dimensions = base.dimensions.clone();
    }
    let mut version = None;
    let mut description = None;
    let mut own_models: HashMap<SmolStr, Span> = HashMap::new();
    let mut own_dims: HashMap<SmolStr, Span> = HashMap::new();

    // First the declarations, so that rules can name what is declared after them.
    for stmt in &syn.body {
        match stmt {
            RulesetStmt::Version(kw, s) => b.once(&mut version, kw, "version", s),
            RulesetStmt::Description(kw, s) => b.once(&mut description, kw, "description", s),
            RulesetStmt::Model(m) => {
                if let Some(first) = own_models.get(&m.name.text) {
                    b.duplicate(m.name.span, format!("model `{}` is declared twice", m.name.text), *first);
                    continue;
                }
                if let Some(inherited) = b.models.iter().find(|x| x.name == m.name.text) {
                    let f = Finding::engine(
                        EngineCode::DuplicateName,
                        Loc::new(src, m.name.span),
                        format!("model `{}` is already inherited from `{}`", m.name.text, inherited.origin),
                    )
                    .with_related(inherited.loc.clone(), "declared here");
                    b.findings.push(f);
                    continue;
                }
                own_models.insert(m.name.text.clone(), m.name.span);
                b.models.push(Arc::new(ModelDef {
                    name: m.name.text.clone(),
                    title: m.title.as_ref().map(|t| t.value.clone()),
                    summary: m.summary.as_ref().map(|t| t.value.clone()),
                    see: m.see.as_ref().map(|t| t.value.clone()),
                    loc: Loc::new(src, m.name.span),
                    origin: name.clone(),
                }));
            }
            RulesetStmt::Dimension(d) => {
                if let Some(first) = own_dims.get(&d.name.text) {
                    b.duplicate(d.name.span, format!("dimension `{}` is declared twice", d.name.text), *first);
                    continue;
                }
                own_dims.insert(d.name.text.clone(), d.name.span);
                b.dimension(d);
            }
            _ => {}
        }
    }

    let mut rules: Vec<Arc<RuleDef>> = base.map(|b| b.rules.clone()).unwrap_or_default();
    let inherited_rules: HashSet<SmolStr> = rules.iter().map(|r| SmolStr::new(r.name())).collect();
    let mut own_rules: HashMap<SmolStr, Span> = HashMap::new();
    let mut tests: Vec<Arc<TestDef>> = base.map(|b| b.tests.clone()).unwrap_or_default();
    let mut own_tests: HashMap<String, Span> = HashMap::new();
    let mut touched: HashMap<SmolStr, Span> = HashMap::new();

    for stmt in &syn.body {
        match stmt {
            RulesetStmt::Rule(r) => {
                if let Some(first) = own_rules.get(&r.name.text) {
                    b.duplicate(r.name.span, format!("rule `{}` is declared twice", r.name.text), *first);
                    continue;
                }
                if let Some(inherited) = rules.iter().find(|x| x.name() == r.name.text) {
                    let f = Finding::engine(
                        EngineCode::DuplicateName,
                        Loc::new(src, r.name.span),
                        format!("rule `{}` is already inherited from `{}`", r.name.text, inherited.path.ruleset),
                    )
                    .with_related(inherited.loc.clone(), "declared here")
                    .with_help(format!(
                        "write `override rule {0} {{ ... }}` to change its attributes, or `drop rule {0}` to remove it",
                        r.name.text
                    ));
                    b.findings.push(f);
                    continue;
                }
                own_rules.insert(r.name.text.clone(), r.name.span);
                if let Some(rule) = b.rule(r) {
                    rules.push(Arc::new(rule));
                }
            }
            RulesetStmt::Override(o) => {
                if let Some(first) = touched.get(&o.name.text) {
                    b.duplicate(o.name.span, format!("rule `{}` is overridden or dropped twice", o.name.text), *first);
                    continue;
                }
                touched.insert(o.name.text.clone(), o.name.span);
                match rules.iter().position(|x| x.name() == o.name.text && inherited_rules.contains(x.name())) {
                    Some(i) => {
                        if let Some(old) = rules.get(i) {
                            let new = b.apply_override(old, o);
                            if let Some(slot) = rules.get_mut(i) {
                                *slot = Arc::new(new);
                            }
                        }
                    }
                    None => b.unknown_inherited_rule(&o.name, "override", base, &own_rules),
                }
            }
            RulesetStmt::Drop(d) => {
                if let Some(first) = touched.get(&d.name.text) {
                    b.duplicate(d.name.span, format!("rule `{}` is overridden or dropped twice", d.name.text), *first);
                    continue;
                }
                touched.insert(d.name.text.clone(), d.name.span);
                match rules.iter().position(|x| x.name() == d.name.text && inherited_rules.contains(x.name())) {
                    Some(i) => {
                        rules.remove(i);
                        // The base's tests that expect the dropped rule no longer hold.
                    }
                    None => b.unknown_inherited_rule(&d.name, "drop", base, &own_rules),
                }
            }
            _ => {}
        }
    }
    // Tests name rules: read them once every rule is known.
    for stmt in &syn.body {
        if let RulesetStmt::Test(t) = stmt {
            if let Some(first) = own_tests.get(&t.name.value) {
                b.duplicate(t.name.span, format!("test \"{}\" is declared twice", t.name.value), *first);
                continue;
            }
            own_tests.insert(t.name.value.clone(), t.name.span);
            tests.push(Arc::new(b.test(t, &rules)));
        }
    }
    let ruleset = Ruleset {
        name: name.clone(),
        title: syn.title.as_ref().map(|t| t.value.clone()),
        version,
        description,
        loc: Loc::new(src, syn.name.span),
        span_loc: Loc::new(src, syn.span),
        extends: syn.extends.as_ref().map(|e| e.text.clone()),
        ancestors,
        models: b.models,
        dimensions: b.dimensions,
        rules,
        tests,
    };
    (ruleset, b.findings)
}

type Span = cadrage_syntax::Span;

struct Builder<'a> {
    src: &'a Arc<Source>,
    name: SmolStr,
    findings: Vec<Finding>,
    models: Vec<Arc<ModelDef>>,
    dimensions: Vec<Arc<DimensionDef>>,
}

impl Builder<'_> {
    fn loc(&self, span: Span) -> Loc {
        Loc::new(self.src, span)
    }

    fn duplicate(&mut self, span: Span, message: String, first: Span) {
        let f = Finding::engine(EngineCode::DuplicateName, self.loc(span), message)
            .with_related(self.loc(first), "first declared here");
        self.findings.push(f);
    }

    fn once(&mut self, slot: &mut Option<String>, kw: &ast::Keyword, word: &str, s: &ast::StrLit) {
        if slot.is_some() {
            self.findings.push(Finding::engine(
                EngineCode::DuplicateFact,
                self.loc(kw.span),
                format!("`{word}` is given twice in ruleset `{}`", self.name),
            ));
        } else {
            *slot = Some(s.value.clone());
        }
    }

    fn dimension(&mut self, d: &ast::Dimension) {
        let values_of = |this: &Self, existing: &[ValueDef]| -> (Vec<ValueDef>, Vec<Finding>) {
            let mut values: Vec<ValueDef> = existing.to_vec();
            let mut findings = Vec::new();
            for v in &d.values {
                if let Some(prev) = values.iter().find(|x| x.name == v.name.text) {
                    findings.push(
                        Finding::engine(
                            EngineCode::DuplicateName,
                            this.loc(v.name.span),
                            format!("value `{}` of dimension `{}` is declared twice", v.name.text, d.name.text),
                        )
                        .with_related(prev.loc.clone(), "first declared here"),
                    );
                    continue;
                }
                values.push(ValueDef {
                    name: v.name.text.clone(),
                    doc: v.doc.as_ref().map(|s| s.value.clone()),
                    loc: this.loc(v.name.span),
                    origin: this.name.clone(),
                });
            }
            (values, findings)
        };
        if let Some(i) = self.dimensions.iter().position(|x| x.name == d.name.text) {
            // An inherited dimension: this ruleset adds values to it.
            let Some(inherited) = self.dimensions.get(i).cloned() else { return };
            if d.kind_span.is_some() && d.kind != inherited.kind || inherited.kind == DimensionKind::Text {
                let f = Finding::engine(
                    EngineCode::DuplicateName,
                    self.loc(d.name.span),
                    format!(
                        "dimension `{}` is inherited from `{}`: it can only gain values here",
                        d.name.text, inherited.origin
                    ),
                )
                .with_related(inherited.loc.clone(), "declared here")
                .with_help("write `dimension NAME { NEW_VALUE ... }` without `many` or `text`");
                self.findings.push(f);
                return;
            }
            let (values, mut findings) = values_of(self, &inherited.values);
            self.findings.append(&mut findings);
            let merged = DimensionDef {
                name: inherited.name.clone(),
                kind: inherited.kind,
                title: inherited.title.clone(),
                values,
                loc: inherited.loc.clone(),
                origin: inherited.origin.clone(),
            };
            if let Some(slot) = self.dimensions.get_mut(i) {
                *slot = Arc::new(merged);
            }
            return;
        }
        let (values, mut findings) = values_of(self, &[]);
        self.findings.append(&mut findings);
        if d.kind != DimensionKind::Text && values.is_empty() && d.braces.is_some_and(|b| b.close.is_some()) {
            self.findings.push(
                Finding::engine(
                    EngineCode::UnknownValue,
                    self.loc(d.name.span),
                    format!("dimension `{}` has no values", d.name.text),
                )
                .with_help("list its values in the block, one name per line, each with an optional description"),
            );
        } else if d.kind != DimensionKind::Text && d.braces.is_none() {
            self.findings.push(
                Finding::engine(
                    EngineCode::UnknownValue,
                    self.loc(d.name.span),
                    format!("dimension `{}` has no values", d.name.text),
                )
                .with_help(format!(
                    "list its values in a block (`dimension {0} {{ a \"...\" b \"...\" }}`), or write `dimension {0} text` for free text",
                    d.name.text
                )),
            );
        }
        self.dimensions.push(Arc::new(DimensionDef {
            name: d.name.text.clone(),
            kind: d.kind,
            title: d.title.as_ref().map(|t| t.value.clone()),
            values,
            loc: self.loc(d.name.span),
            origin: self.name.clone(),
        }));
    }

    fn dim_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.dimensions.iter().map(|d| d.name.as_str()).collect();
        v.push("model");
        v
    }

    /// Checks a dimension reference; `None` (and a finding) when unknown.
    fn dim_ref(&mut self, r: &DimRef) -> Option<(SmolStr, Option<Arc<DimensionDef>>)> {
        match r {
            DimRef::Model(_) => Some((SmolStr::new("model"), None)),
            DimRef::Dim(n) => match self.dimensions.iter().find(|d| d.name == n.text) {
                Some(d) => Some((n.text.clone(), Some(Arc::clone(d)))),
                None => {
                    let names = self.dim_names();
                    let suggestion = did_you_mean(n.as_str(), names.iter().copied()).map(str::to_owned);
                    let mut f = unknown_name_finding(
                        EngineCode::UnknownDimension,
                        self.loc(n.span),
                        format!("`{}` is not a dimension of ruleset `{}`", n.text, self.name),
                        suggestion.clone(),
                    );
                    if suggestion.is_none() {
                        f = f.with_help(format!("the dimensions are {}", list_and(&names)));
                    }
                    self.findings.push(f);
                    None
                }
            },
        }
    }

    /// Checks a value of a dimension (or a model when `dim` is `None`).
    fn value(&mut self, dim_name: &str, dim: Option<&DimensionDef>, v: &ast::Name) -> bool {
        match dim {
            None => {
                if self.models.iter().any(|m| m.name == v.text) {
                    return true;
                }
                let names: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
                let suggestion = did_you_mean(v.as_str(), names.iter().copied()).map(str::to_owned);
                let mut f = unknown_name_finding(
                    EngineCode::UnknownModel,
                    self.loc(v.span),
                    format!("`{}` is not a model of ruleset `{}`", v.text, self.name),
                    suggestion.clone(),
                );
                if suggestion.is_none() {
                    f = f.with_help(format!("the models are {}", list_and(&names)));
                }
                self.findings.push(f);
                false
            }
            Some(d) => {
                if d.value(&v.text).is_some() {
                    return true;
                }
                let names: Vec<&str> = d.values.iter().map(|x| x.name.as_str()).collect();
                let suggestion = did_you_mean(v.as_str(), names.iter().copied()).map(str::to_owned);
                let mut f = unknown_name_finding(
                    EngineCode::UnknownValue,
                    self.loc(v.span),
                    format!("`{}` is not a value of `{dim_name}`", v.text),
                    suggestion.clone(),
                );
                if suggestion.is_none() {
                    f = f.with_help(format!("its values are {}", list_and(&names)));
                }
                self.findings.push(f);
                false
            }
        }
    }

    fn condition(&mut self, c: &Condition, valid: &mut bool) -> Cond {
        match c {
            Condition::Or(parts, _) => Cond::Or(parts.iter().map(|p| self.condition(p, valid)).collect()),
            Condition::And(parts, _) => Cond::And(parts.iter().map(|p| self.condition(p, valid)).collect()),
            Condition::Not(inner, _) => Cond::Not(Box::new(self.condition(inner, valid))),
            Condition::Paren(inner, _) => self.condition(inner, valid),
            Condition::Atom(a) => {
                let loc = self.loc(a.span);
                let Some((dim, def)) = self.dim_ref(&a.dim) else {
                    *valid = false;
                    return Cond::Atom(AtomDef { dim: SmolStr::new(a.dim.as_str()), test: AtomTestDef::Present, loc });
                };
                let names: Vec<&ast::Name> = match &a.test {
                    ast::AtomTest::Is(v) => vec![v],
                    ast::AtomTest::In(vs) => vs.iter().collect(),
                    ast::AtomTest::Present => {
                        return Cond::Atom(AtomDef { dim, test: AtomTestDef::Present, loc });
                    }
                    ast::AtomTest::Missing => {
                        return Cond::Atom(AtomDef { dim, test: AtomTestDef::Missing, loc });
                    }
                };
                if def.as_ref().is_some_and(|d| d.kind == DimensionKind::Text) {
                    self.findings.push(
                        Finding::engine(
                            EngineCode::UnknownValue,
                            self.loc(a.span),
                            format!("`{dim}` is a text dimension: it has no values to compare"),
                        )
                        .with_help(format!("test it with `{dim} is present` or `{dim} is missing`")),
                    );
                    *valid = false;
                    return Cond::Atom(AtomDef { dim, test: AtomTestDef::Present, loc });
                }
                let mut values = Vec::new();
                for n in names {
                    if self.value(&dim, def.as_deref(), n) {
                        values.push(n.text.clone());
                    } else {
                        *valid = false;
                    }
                }
                Cond::Atom(AtomDef { dim, test: AtomTestDef::AnyOf(values), loc })
            }
        }
    }

    fn model_choice(&mut self, mc: &ast::ModelChoice, valid: &mut bool) -> Vec<Vec<SmolStr>> {
        let mut alternatives: Vec<Vec<SmolStr>> = Vec::new();
        for alt in &mc.alternatives {
            let mut set: Vec<SmolStr> = Vec::new();
            for m in alt {
                if self.value("model", None, m) {
                    set.push(m.text.clone());
                } else {
                    *valid = false;
                }
            }
            set.sort();
            set.dedup();
            if !alternatives.contains(&set) {
                alternatives.push(set);
            }
        }
        alternatives
    }

    fn rule(&mut self, r: &ast::Rule) -> Option<RuleDef> {
        let mut valid = true;
        let when = match &r.when {
            Some(c) => self.condition(c, &mut valid),
            None => {
                valid = false;
                Cond::And(Vec::new())
            }
        };
        let conclusion = match &r.conclusion {
            Some(ast::Conclusion::Expect(_, mc)) => ConclusionDef::Expect(self.model_choice(mc, &mut valid)),
            Some(ast::Conclusion::Require(_, dims)) => {
                let mut out = Vec::new();
                for d in dims {
                    match self.dim_ref(d) {
                        Some((name, _)) => out.push(name),
                        None => valid = false,
                    }
                }
                ConclusionDef::Require(out)
            }
            Some(ast::Conclusion::Deny(_)) => ConclusionDef::Deny,
            None => {
                valid = false;
                ConclusionDef::Deny
            }
        };
        let default_severity =
            if matches!(conclusion, ConclusionDef::Expect(_)) { Severity::Error } else { Severity::Warning };
        let mut rule = RuleDef {
            path: RulePath { ruleset: self.name.clone(), rule: r.name.text.clone() },
            title: r.title.as_ref().map(|t| t.value.clone()),
            when,
            conclusion,
            severity: default_severity,
            message: None,
            why: None,
            see: None,
            priority: 0,
            loc: self.loc(r.name.span),
            span_loc: self.loc(r.span),
            overridden_at: None,
            valid,
        };
        for a in &r.attributes {
            self.attribute(&mut rule, a);
        }
        Some(rule)
    }

    fn attribute(&mut self, rule: &mut RuleDef, a: &ast::Attribute) {
        match &a.value {
            AttributeValue::Severity(s, _) => rule.severity = *s,
            AttributeValue::Message(s) => rule.message = Some(self.template(s)),
            AttributeValue::Why(s) => rule.why = Some(s.value.as_str().into()),
            AttributeValue::See(s) => rule.see = Some(s.value.as_str().into()),
            AttributeValue::Priority(p, _) => rule.priority = *p,
        }
    }

    fn apply_override(&mut self, old: &RuleDef, o: &ast::Override) -> RuleDef {
        let mut new = old.clone();
        new.overridden_at = Some(self.loc(o.name.span));
        for a in &o.attributes {
            self.attribute(&mut new, a);
        }
        new
    }

    fn unknown_inherited_rule(
        &mut self,
        name: &ast::Name,
        verb: &str,
        base: Option<&Ruleset>,
        own: &HashMap<SmolStr, Span>,
    ) {
        let loc = self.loc(name.span);
        let f = match base {
            None => Finding::engine(
                EngineCode::UnknownRule,
                loc,
                format!("ruleset `{}` extends no ruleset: it has no rule `{}` to {verb}", self.name, name.text),
            )
            .with_help("`override rule` and `drop rule` apply to the rules of the ruleset named by `extends`"),
            Some(_) if own.contains_key(&name.text) => Finding::engine(
                EngineCode::UnknownRule,
                loc,
                format!("rule `{}` is declared in this ruleset, not inherited", name.text),
            )
            .with_help(format!("change the rule itself instead of writing `{verb} rule`")),
            Some(base) => {
                let names: Vec<&str> = base.rules.iter().map(|r| r.name()).collect();
                let suggestion = did_you_mean(name.as_str(), names).map(str::to_owned);
                unknown_name_finding(
                    EngineCode::UnknownRule,
                    loc,
                    format!("ruleset `{}` inherits no rule `{}`", self.name, name.text),
                    suggestion,
                )
            }
        };
        self.findings.push(f);
    }

    /// Reads `{placeholders}` in a message; `{{` and `}}` stand for braces.
    fn template(&mut self, s: &ast::StrLit) -> Template {
        let text = &s.value;
        // Offsets inside the literal are exact only when it holds no escape.
        let raw = s.span.text(&self.src.text);
        let exact = raw.len() == text.len() + 2;
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = text.as_str();
        let mut consumed = 0usize;
        while let Some(i) = rest.find(['{', '}']) {
            lit.push_str(rest.get(..i).unwrap_or(""));
            let after = rest.get(i..).unwrap_or("");
            if after.starts_with("{{") || after.starts_with("}}") {
                lit.push(if after.starts_with('{') { '{' } else { '}' });
                rest = after.get(2..).unwrap_or("");
                consumed += i + 2;
                continue;
            }
            if after.starts_with('}') {
                lit.push('}');
                rest = after.get(1..).unwrap_or("");
                consumed += i + 1;
                continue;
            }
            let Some(close) = after.find('}') else {
                lit.push_str(after);
                rest = "";
                break;
            };
            let key = after.get(1..close).unwrap_or("").trim();
            let piece = match key {
                "model" => Some(Piece::Model),
                "expected" => Some(Piece::Expected),
                "scenario" => Some(Piece::Scenario),
                k if self.dimensions.iter().any(|d| d.name == k) => Some(Piece::Dim(SmolStr::new(k))),
                _ => None,
            };
            match piece {
                Some(p) => {
                    if !lit.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut lit)));
                    }
                    pieces.push(p);
                }
                None => {
                    let start = s.span.start as usize + 1 + consumed + i;
                    let span = if exact { Span::new(start, start + close + 1) } else { s.span };
                    let mut names = self.dim_names();
                    names.extend(["expected", "scenario"]);
                    let suggestion = did_you_mean(key, names).map(str::to_owned);
                    let mut f = Finding::engine(
                        EngineCode::UnknownDimension,
                        self.loc(span),
                        format!(
                            "the message refers to `{{{key}}}`, which is not a dimension of ruleset `{}`",
                            self.name
                        ),
                    );
                    f = match suggestion {
                        Some(sug) => f.with_help(format!(
                            "did you mean `{{{sug}}}`? A message can name a dimension, `{{model}}`, `{{expected}}` or `{{scenario}}`"
                        )),
                        None => f.with_help(
                            "a message can name a dimension, `{model}`, `{expected}` or `{scenario}`; write `{{` for a brace",
                        ),
                    };
                    self.findings.push(f);
                    lit.push_str(after.get(..=close).unwrap_or(""));
                }
            }
            rest = after.get(close + 1..).unwrap_or("");
            consumed += i + close + 1;
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            pieces.push(Piece::Text(lit));
        }
        Template { pieces }
    }

    fn test(&mut self, t: &ast::Test, rules: &[Arc<RuleDef>]) -> TestDef {
        let mut expects = Vec::new();
        let mut all_valid = true;
        for e in t.expects() {
            match e {
                ast::TestExpect::NoFindings(s) => expects.push(TestExpectDef::NoFindings(self.loc(*s))),
                ast::TestExpect::Findings(paths, s) => {
                    let mut resolved = Vec::new();
                    for p in paths {
                        match self.test_rule_path(p, rules) {
                            Some(path) => resolved.push(path),
                            None => all_valid = false,
                        }
                    }
                    expects.push(TestExpectDef::Findings(resolved, self.loc(*s)));
                }
                ast::TestExpect::Model(mc, s) => {
                    let mut valid = true;
                    let alts = self.model_choice(mc, &mut valid);
                    all_valid &= valid;
                    expects.push(TestExpectDef::Model(alts, self.loc(*s)));
                }
            }
        }
        TestDef {
            name: t.name.value.clone(),
            loc: self.loc(t.name.span),
            span_loc: self.loc(t.span),
            origin: self.name.clone(),
            givens: t.givens().cloned().collect(),
            expects,
            valid: all_valid,
        }
    }

    /// A rule path in a test names a rule of this ruleset: `this.rule` (own
    /// or inherited) or the rule's own path (`base.rule`).
    fn test_rule_path(&mut self, p: &ast::RulePath, rules: &[Arc<RuleDef>]) -> Option<RulePath> {
        let found = rules.iter().find(|r| {
            (p.ruleset.text == self.name && r.name() == p.rule.text)
                || (r.path.ruleset == p.ruleset.text && r.path.rule == p.rule.text)
        });
        if let Some(r) = found {
            return Some(r.path.clone());
        }
        let candidates: Vec<String> = rules.iter().map(|r| r.path.to_string()).collect();
        let wanted = p.to_path_string();
        let suggestion = did_you_mean(&wanted, candidates.iter().map(String::as_str)).map(str::to_owned);
        let f = unknown_name_finding(
            EngineCode::UnknownRule,
            self.loc(p.span),
            format!("ruleset `{}` has no rule `{wanted}`", self.name),
            suggestion,
        );
        self.findings.push(f);
        None
    }
}
