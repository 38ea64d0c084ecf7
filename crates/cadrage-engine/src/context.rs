//! What a file is checked against: the rulesets it uses, merged and
//! compiled to dimension and value indices, with the project's severities.
//!
//! Built once per ruleset (or set of rulesets) and shared by every file
//! that uses it.

use std::collections::HashMap as StdHashMap;
use std::sync::Arc;

use cadrage_syntax::ast::DimensionKind;
use smol_str::SmolStr;

use crate::finding::{RulePath, Severity};
use crate::model::*;
use crate::source::Loc;
use crate::valueset::ValueSet;

/// Names are looked up for every fact of every scenario; the keys are the
/// ruleset's own names, not input an attacker chooses, so a fast hash does.
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::RandomState>;

pub type DimId = usize;

/// `model` is dimension 0 of every context.
pub const MODEL: DimId = 0;

#[derive(Debug)]
pub struct Context {
    /// The rulesets, after dropping those that another one extends.
    pub rulesets: Vec<Arc<Ruleset>>,
    pub dims: Vec<CDim>,
    dim_index: HashMap<SmolStr, DimId>,
    pub rules: Vec<CRule>,
    rule_index: HashMap<RulePath, usize>,
    /// Where the rulesets disagree (the same name declared twice).
    pub clashes: Vec<String>,
    /// The remedies' searches done so far on this context.
    pub(crate) remedy_memo: crate::analysis::remedies::Memo,
}

#[derive(Debug)]
pub struct CDim {
    pub name: SmolStr,
    pub kind: DimensionKind,
    pub values: Vec<CValue>,
    index: HashMap<SmolStr, usize>,
    /// `None` for `model`.
    pub def: Option<Arc<DimensionDef>>,
}

impl CDim {
    pub fn value_index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn value_names(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|v| v.name.as_str())
    }

    pub fn is_many(&self) -> bool {
        self.kind == DimensionKind::Many
    }
}

#[derive(Debug, Clone)]
pub struct CValue {
    pub name: SmolStr,
    /// A value's description, or a model's title.
    pub doc: Option<String>,
    pub loc: Loc,
    /// For models: the model.
    pub model: Option<Arc<ModelDef>>,
}

impl CValue {
    /// A model by its title, a value by its name.
    pub fn display(&self) -> &str {
        match &self.model {
            Some(m) => m.display(),
            None => &self.name,
        }
    }
}

#[derive(Debug)]
pub struct CRule {
    pub def: Arc<RuleDef>,
    pub cond: CCond,
    pub conclusion: CConclusion,
    /// `None` when the project turned the rule off.
    pub severity: Option<Severity>,
    /// The dimensions the condition reads (a change of any other fact
    /// cannot change its value).
    pub reads: ValueSet,
}

#[derive(Debug, Clone)]
pub enum CCond {
    Atom { dim: DimId, test: CTest, loc: Loc },
    Not(Box<CCond>),
    And(Vec<CCond>),
    Or(Vec<CCond>),
}

#[derive(Debug, Clone)]
pub enum CTest {
    AnyOf(ValueSet),
    Present,
    Missing,
}

#[derive(Debug, Clone)]
pub enum CConclusion {
    /// Alternatives: sets of model indices.
    Expect(Vec<ValueSet>),
    Require(Vec<DimId>),
    Deny,
}

/// The severity the project gives a rule: `None` to keep the ruleset's,
/// `Some(None)` for "off".
pub type SeverityOf<'a> = &'a dyn Fn(&RulePath) -> Option<Option<Severity>>;

impl Context {
    pub fn build(used: &[Arc<Ruleset>], severity_of: SeverityOf<'_>) -> Context {
        // A ruleset that another used one extends adds nothing: drop it.
        let rulesets: Vec<Arc<Ruleset>> = used
            .iter()
            .enumerate()
            .filter(|(i, r)| {
                !used.iter().any(|o| o.extends_ruleset(&r.name)) && !used.iter().take(*i).any(|o| o.name == r.name)
            })
            .map(|(_, r)| Arc::clone(r))
            .collect();
        let mut clashes = Vec::new();

        let mut models: Vec<Arc<ModelDef>> = Vec::new();
        let mut dims: Vec<(Arc<DimensionDef>, Vec<ValueDef>)> = Vec::new();
        let mut rules: Vec<Arc<RuleDef>> = Vec::new();
        for rs in &rulesets {
            for m in &rs.models {
                match models.iter().find(|x| x.name == m.name) {
                    Some(x) if x.origin != m.origin => clashes.push(format!(
                        "model `{}` is declared by both `{}` and `{}`; the first is used",
                        m.name, x.origin, m.origin
                    )),
                    Some(_) => {}
                    None => models.push(Arc::clone(m)),
                }
            }
            for d in &rs.dimensions {
                match dims.iter_mut().find(|(x, _)| x.name == d.name) {
                    Some((x, _)) if x.origin != d.origin || x.kind != d.kind => clashes.push(format!(
                        "dimension `{}` is declared by both `{}` and `{}`; the first is used",
                        d.name, x.origin, d.origin
                    )),
                    Some((_, values)) => {
                        for v in &d.values {
                            if !values.iter().any(|x| x.name == v.name) {
                                values.push(v.clone());
                            }
                        }
                    }
                    None => dims.push((Arc::clone(d), d.values.clone())),
                }
            }
            for r in &rs.rules {
                if !rules.iter().any(|x| x.path == r.path) {
                    rules.push(Arc::clone(r));
                }
            }
        }

        let model_dim = CDim {
            name: SmolStr::new("model"),
            kind: DimensionKind::Many,
            index: models.iter().enumerate().map(|(i, m)| (m.name.clone(), i)).collect(),
            values: models
                .iter()
                .map(|m| CValue {
                    name: m.name.clone(),
                    doc: m.title.clone(),
                    loc: m.loc.clone(),
                    model: Some(Arc::clone(m)),
                })
                .collect(),
            def: None,
        };
        let mut cdims = vec![model_dim];
        for (d, values) in dims {
            cdims.push(CDim {
                name: d.name.clone(),
                kind: d.kind,
                index: values.iter().enumerate().map(|(i, v)| (v.name.clone(), i)).collect(),
                values: values
                    .iter()
                    .map(|v| CValue { name: v.name.clone(), doc: v.doc.clone(), loc: v.loc.clone(), model: None })
                    .collect(),
                def: Some(d),
            });
        }
        let dim_index: HashMap<SmolStr, DimId> = cdims.iter().enumerate().map(|(i, d)| (d.name.clone(), i)).collect();

        let mut ctx = Context {
            rulesets,
            dims: cdims,
            dim_index,
            rules: Vec::new(),
            rule_index: HashMap::default(),
            clashes,
            remedy_memo: Default::default(),
        };
        for r in rules {
            if !r.valid {
                continue;
            }
            let (Some(cond), Some(conclusion)) = (ctx.compile_cond(&r.when), ctx.compile_conclusion(&r.conclusion))
            else {
                continue;
            };
            let severity = match severity_of(&r.path) {
                Some(s) => s,
                None => Some(r.severity),
            };
            ctx.rule_index.insert(r.path.clone(), ctx.rules.len());
            let mut reads = ValueSet::empty();
            cond_reads(&cond, &mut reads);
            ctx.rules.push(CRule { def: r, cond, conclusion, severity, reads });
        }
        ctx
    }

    pub fn dim(&self, name: &str) -> Option<DimId> {
        self.dim_index.get(name).copied()
    }

    pub fn dim_names(&self) -> impl Iterator<Item = &str> {
        self.dims.iter().map(|d| d.name.as_str())
    }

    pub fn model_dim(&self) -> Option<&CDim> {
        self.dims.get(MODEL)
    }

    pub fn rule_by_path(&self, path: &RulePath) -> Option<&CRule> {
        self.rule_index.get(path).and_then(|&i| self.rules.get(i))
    }

    pub fn rule_index(&self, path: &RulePath) -> Option<usize> {
        self.rule_index.get(path).copied()
    }

    /// The rule a path names, as written in an `allow` or a test: either the
    /// path where the rule was defined, or `RULESET.rule` for a used ruleset
    /// that has the rule (own or inherited).
    pub fn resolve_rule_path(&self, ruleset: &str, rule: &str) -> Option<RulePath> {
        let direct = RulePath { ruleset: SmolStr::new(ruleset), rule: SmolStr::new(rule) };
        if self.rule_index.contains_key(&direct) {
            return Some(direct);
        }
        for rs in &self.rulesets {
            if rs.name == ruleset || rs.extends_ruleset(ruleset) {
                if let Some(r) = rs.rule(rule) {
                    if self.rule_index.contains_key(&r.path) {
                        return Some(r.path.clone());
                    }
                }
            }
        }
        None
    }

    /// Every path a user may write for a rule: for suggestions.
    pub fn rule_path_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.rules.iter().map(|r| r.def.path.to_string()).collect();
        for rs in &self.rulesets {
            for r in &rs.rules {
                if r.path.ruleset != rs.name {
                    names.push(format!("{}.{}", rs.name, r.name()));
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    fn values_of(&self, dim: DimId, names: &[SmolStr]) -> Option<ValueSet> {
        let d = self.dims.get(dim)?;
        let mut set = ValueSet::empty();
        for n in names {
            set.insert(d.value_index(n)?);
        }
        Some(set)
    }

    fn compile_cond(&self, c: &Cond) -> Option<CCond> {
        Some(match c {
            Cond::Atom(a) => {
                let dim = self.dim(&a.dim)?;
                let test = match &a.test {
                    AtomTestDef::AnyOf(vs) => CTest::AnyOf(self.values_of(dim, vs)?),
                    AtomTestDef::Present => CTest::Present,
                    AtomTestDef::Missing => CTest::Missing,
                };
                CCond::Atom { dim, test, loc: a.loc.clone() }
            }
            Cond::Not(x) => CCond::Not(Box::new(self.compile_cond(x)?)),
            Cond::And(xs) => CCond::And(xs.iter().map(|x| self.compile_cond(x)).collect::<Option<_>>()?),
            Cond::Or(xs) => CCond::Or(xs.iter().map(|x| self.compile_cond(x)).collect::<Option<_>>()?),
        })
    }

    fn compile_conclusion(&self, c: &ConclusionDef) -> Option<CConclusion> {
        Some(match c {
            ConclusionDef::Expect(alts) => {
                CConclusion::Expect(alts.iter().map(|a| self.values_of(MODEL, a)).collect::<Option<_>>()?)
            }
            ConclusionDef::Require(dims) => {
                CConclusion::Require(dims.iter().map(|d| self.dim(d)).collect::<Option<_>>()?)
            }
            ConclusionDef::Deny => CConclusion::Deny,
        })
    }

    /// A set of models by title, joined with ` + `. In the middle of a
    /// sentence, each title loses its capital (see [`crate::check::mid_sentence`]).
    pub fn models_display(&self, set: &ValueSet, mid_sentence: bool) -> String {
        let Some(d) = self.model_dim() else { return String::new() };
        let titles = set.iter().filter_map(|i| d.values.get(i)).map(|v| v.display());
        let shown: Vec<String> = titles
            .enumerate()
            .map(|(i, t)| if mid_sentence || i > 0 { crate::check::mid_sentence(t) } else { t.to_string() })
            .collect();
        shown.join(" + ")
    }

    /// A set of models by name, joined with ` + `.
    pub fn models_names(&self, set: &ValueSet) -> Vec<SmolStr> {
        let Some(d) = self.model_dim() else { return Vec::new() };
        set.iter().filter_map(|i| d.values.get(i)).map(|v| v.name.clone()).collect()
    }
}

/// Adds the dimensions `c` reads to `out`.
fn cond_reads(c: &CCond, out: &mut ValueSet) {
    match c {
        CCond::Atom { dim, .. } => out.insert(*dim),
        CCond::Not(x) => cond_reads(x, out),
        CCond::And(xs) | CCond::Or(xs) => xs.iter().for_each(|x| cond_reads(x, out)),
    }
}
