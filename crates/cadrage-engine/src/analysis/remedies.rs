//! What would make it right: for a finding of a rule in a scenario, the
//! smallest changes of its facts or chosen model that clear it, found by
//! search over the finite dimensions and checked by re-evaluating the
//! scenario with the change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cadrage_syntax::ast;
use smol_str::SmolStr;

use crate::check::insertion_in_block;
use crate::context::{CConclusion, Context, DimId, MODEL};
use crate::eval::{FactRef, Slot, Tri, eval};
use crate::finding::Fix;
use crate::source::{Loc, Source};
use crate::valueset::ValueSet;

/// At most this many remedies per finding.
pub const MAX_REMEDIES: usize = 3;

/// One change of one fact that clears a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remedy {
    /// "choose community", "if `led_by` were `manager` this would pass".
    /// Shared, like `values` and `new_findings`, with every scenario whose
    /// facts call for the same remedy (only `fix` is each scenario's own).
    pub title: Arc<str>,
    /// The dimension changed (`model` for the model).
    pub dim: SmolStr,
    /// The values it would have; `None` for a text fact to state.
    pub values: Option<Arc<[SmolStr]>>,
    /// Other rule findings the change would bring (the best remedies bring none).
    pub new_findings: Arc<[String]>,
    /// The change as a text edit of the scenario.
    pub fix: Fix,
}

/// The indices of the rules that give a finding on these facts (as the
/// check does: a `deny` that fires, a `require` that fires with a fact
/// missing, an `expect` of the deciding priority whose alternatives do not
/// hold the chosen model).
pub fn rules_with_findings(ctx: &Context, facts: &[Option<FactRef<'_>>]) -> Vec<usize> {
    findings_of(ctx, facts, &fired(ctx, facts))
}

/// Which rules fire on these facts (a rule turned off never does).
fn fired(ctx: &Context, facts: &[Option<FactRef<'_>>]) -> Vec<bool> {
    ctx.rules.iter().map(|r| r.severity.is_some() && eval(&r.cond, facts) == Tri::True).collect()
}

/// [`rules_with_findings`], given which rules fire (`fired`, by rule index).
fn findings_of(ctx: &Context, facts: &[Option<FactRef<'_>>], fired: &[bool]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut fired_expect: Vec<usize> = Vec::new();
    for (i, r) in ctx.rules.iter().enumerate() {
        if !fired.get(i).copied().unwrap_or(false) {
            continue;
        }
        match &r.conclusion {
            CConclusion::Deny => out.push(i),
            CConclusion::Require(dims) => {
                if dims.iter().any(|d| facts.get(*d).is_none_or(Option::is_none)) {
                    out.push(i);
                }
            }
            CConclusion::Expect(_) => fired_expect.push(i),
        }
    }
    let chosen = match facts.get(MODEL).and_then(Option::as_ref) {
        Some(FactRef { slot: Slot::Values(v), .. }) => Some(v.clone()),
        _ => None,
    };
    let top = fired_expect.iter().filter_map(|&i| ctx.rules.get(i)).map(|r| r.def.priority).max();
    if let Some(chosen) = chosen {
        for &i in &fired_expect {
            let Some(r) = ctx.rules.get(i) else { continue };
            if Some(r.def.priority) != top {
                continue;
            }
            if let CConclusion::Expect(alts) = &r.conclusion {
                if !alts.iter().any(|a| a.same(&chosen)) {
                    out.push(i);
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// Does rule `rule` give a finding on these facts? [`findings_of`] for one
/// rule, without building the list: most changes tried leave the finding.
fn has_finding(ctx: &Context, facts: &[Option<FactRef<'_>>], fired: &[bool], rule: usize) -> bool {
    let Some(r) = ctx.rules.get(rule) else { return false };
    if !fired.get(rule).copied().unwrap_or(false) {
        return false;
    }
    match &r.conclusion {
        CConclusion::Deny => true,
        CConclusion::Require(dims) => dims.iter().any(|d| facts.get(*d).is_none_or(Option::is_none)),
        CConclusion::Expect(alts) => {
            let Some(FactRef { slot: Slot::Values(chosen), .. }) = facts.get(MODEL).and_then(Option::as_ref) else {
                return false;
            };
            let top = ctx
                .rules
                .iter()
                .zip(fired)
                .filter(|(x, f)| **f && matches!(x.conclusion, CConclusion::Expect(_)))
                .map(|(x, _)| x.def.priority)
                .max();
            Some(r.def.priority) == top && !alts.iter().any(|a| a.same(chosen))
        }
    }
}

/// Where the scenario is, to write the edits.
pub(crate) struct Place<'a> {
    pub source: &'a Arc<Source>,
    pub scenario: &'a ast::Scenario,
}

/// The remedies of the finding of rule `rule` on these facts, best first:
/// a change of model for an `expect`, stating the missing facts of a
/// `require`, then single changes of a fact's value that clear it, those
/// that bring no other finding first.
///
/// The search depends only on the rule and on the facts as conditions see
/// them, so it is remembered per context ([`Memo`]): scenarios with the
/// same facts share it, and only the edits are written for each.
pub(crate) fn remedies(ctx: &Context, facts: &[Option<FactRef<'_>>], rule: usize, place: &Place<'_>) -> Vec<Remedy> {
    let plan = ctx.remedy_memo.get_or_search(rule, facts, || search(ctx, facts, rule));
    plan.iter()
        .map(|p| Remedy {
            title: p.title.clone(),
            dim: p.dim_name.clone(),
            values: p.values.clone(),
            new_findings: p.new_findings.clone(),
            fix: edit(ctx, facts, p.dim, &p.text, place),
        })
        .collect()
}

/// One change that clears a finding, and the other rules' findings it
/// brings; with what its remedy says, the same for every scenario (only
/// the edit depends on where the scenario states its facts).
#[derive(Debug)]
pub(crate) struct Planned {
    new: Vec<usize>,
    title: Arc<str>,
    dim_name: SmolStr,
    values: Option<Arc<[SmolStr]>>,
    new_findings: Arc<[String]>,
    /// The dimension the edit changes, and the text it writes.
    dim: DimId,
    text: String,
}

impl Planned {
    fn new(ctx: &Context, rule: usize, change: Change, new: Vec<usize>) -> Option<Planned> {
        let new_findings: Arc<[String]> =
            new.iter().filter_map(|&i| Some(ctx.rules.get(i)?.def.path.to_string())).collect();
        let (title, dim, dim_name, values, text) = match change {
            Change::Model(a) => {
                let CConclusion::Expect(alts) = &ctx.rules.get(rule)?.conclusion else { return None };
                let names = ctx.models_names(alts.get(a)?);
                let text = names.join(" + ");
                (["choose ", &text].concat(), MODEL, SmolStr::new_static("model"), Some(names), text)
            }
            Change::State(dim) => {
                let d = ctx.dims.get(dim)?;
                (format!("state `{}`", d.name), dim, d.name.clone(), None, "\"...\"".to_string())
            }
            Change::Value(dim, i) => {
                let d = ctx.dims.get(dim)?;
                let v = d.values.get(i)?;
                let title = ["if `", &d.name, "` were `", &v.name, "` this would pass"].concat();
                (title, dim, d.name.clone(), Some(vec![v.name.clone()]), v.name.to_string())
            }
        };
        Some(Planned { new, title: title.into(), dim_name, values: values.map(Arc::from), new_findings, dim, text })
    }
}

#[derive(Debug, Clone, Copy)]
enum Change {
    /// Choose the rule's alternative at this index.
    Model(usize),
    /// State this missing text fact.
    State(DimId),
    /// Give this dimension the value at this index.
    Value(DimId, usize),
}

/// The search of [`remedies`]: which changes clear the finding, best first.
fn search(ctx: &Context, facts: &[Option<FactRef<'_>>], rule: usize) -> Vec<Planned> {
    let fired_before = fired(ctx, facts);
    let before = findings_of(ctx, facts, &fired_before);
    let Some(r) = ctx.rules.get(rule) else { return Vec::new() };
    // Any stated fact serves as the syntax of a changed one (spans are not read).
    let Some(template) = facts.iter().flatten().next().map(|f| f.fact) else { return Vec::new() };

    // One scratch copy of the facts and of which rules fire: each change is
    // made in place, judged, and undone.
    let scratch = std::cell::RefCell::new((facts.to_vec(), fired_before.clone()));
    let try_change = |dim: DimId, slot: Slot| -> Option<Vec<usize>> {
        let mut guard = scratch.borrow_mut();
        let (changed, fired_after) = &mut *guard;
        let cell = changed.get_mut(dim)?;
        let fact = cell.as_ref().map(|f| f.fact).unwrap_or(template);
        let old = cell.replace(FactRef { slot, fact, own: true });
        // Only the rules that read the changed fact can change their minds.
        for (r, f) in ctx.rules.iter().zip(fired_after.iter_mut()) {
            if r.reads.contains(dim) {
                *f = r.severity.is_some() && eval(&r.cond, changed) == Tri::True;
            }
        }
        let after = if has_finding(ctx, changed, fired_after, rule) {
            None
        } else {
            Some(findings_of(ctx, changed, fired_after))
        };
        if let Some(cell) = changed.get_mut(dim) {
            *cell = old;
        }
        for ((r, f), b) in ctx.rules.iter().zip(fired_after.iter_mut()).zip(&fired_before) {
            if r.reads.contains(dim) {
                *f = *b;
            }
        }
        Some(after?.into_iter().filter(|i| !before.contains(i)).collect())
    };

    // The model or the missing fact first, whatever they bring: they are
    // what the rule asks for.
    let mut direct: Vec<Planned> = Vec::new();
    match &r.conclusion {
        CConclusion::Expect(alts) => {
            for (a, alt) in alts.iter().enumerate() {
                if let Some(new) = try_change(MODEL, Slot::Values(alt.clone())) {
                    direct.extend(Planned::new(ctx, rule, Change::Model(a), new));
                }
            }
        }
        CConclusion::Require(dims) => {
            let missing: Vec<DimId> =
                dims.iter().copied().filter(|d| facts.get(*d).is_none_or(Option::is_none)).collect();
            if let [dim] = missing.as_slice() {
                if ctx.dims.get(*dim).is_some_and(|d| d.kind == ast::DimensionKind::Text) {
                    if let Some(new) = try_change(*dim, Slot::Text(Arc::from(""))) {
                        direct.extend(Planned::new(ctx, rule, Change::State(*dim), new));
                    }
                }
            }
        }
        CConclusion::Deny => {}
    }
    // Single changes that clear the finding: (dimension, value, the other
    // findings they bring), kept only for the best few.
    let mut singles: Vec<(DimId, usize, Vec<usize>)> = Vec::new();
    if direct.is_empty() || !direct.iter().any(|p| p.new.is_empty()) {
        // Single changes of an enumerated fact, in dimension order.
        // A fact no rule reads, and no `require` asks for, changes no finding.
        let mut relevant = ValueSet::empty();
        for r in &ctx.rules {
            r.reads.iter().for_each(|d| relevant.insert(d));
            if let CConclusion::Require(dims) = &r.conclusion {
                dims.iter().for_each(|d| relevant.insert(*d));
            }
        }
        for (dim, d) in ctx.dims.iter().enumerate() {
            if dim == MODEL || d.kind == ast::DimensionKind::Text || !relevant.contains(dim) {
                continue;
            }
            let current = facts.get(dim).and_then(Option::as_ref).map(|f| f.slot.clone());
            for i in 0..d.values.len() {
                let set = ValueSet::empty().with(i);
                if matches!(&current, Some(Slot::Values(c)) if c.same(&set)) {
                    continue;
                }
                if let Some(new) = try_change(dim, Slot::Values(set)) {
                    singles.push((dim, i, new));
                }
            }
        }
    }
    // Then single changes, those that bring no other finding first (stable: dimension order).
    singles.sort_by_key(|(_, _, new)| new.len());
    let room = MAX_REMEDIES.saturating_sub(direct.len());
    for (dim, i, new) in singles.into_iter().take(room) {
        direct.extend(Planned::new(ctx, rule, Change::Value(dim, i), new));
    }
    direct.truncate(MAX_REMEDIES);
    direct
}

/// A fact as conditions see it: missing, stated with a value no atom can
/// test (a text, or an unknown value), or a set of values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Seen {
    Missing,
    Opaque,
    Values(ValueSet),
}

type MemoKey = (usize, Box<[Seen]>);

/// The remedies' searches of one context, by rule and by the facts as
/// conditions see them. Bounded: emptied when it reaches [`Memo::CAPACITY`]
/// entries, so that a long-lived context (the language server's) cannot grow
/// without end.
#[derive(Debug, Default)]
pub(crate) struct Memo(Mutex<HashMap<MemoKey, Arc<[Planned]>, foldhash::fast::RandomState>>);

impl Memo {
    const CAPACITY: usize = 16_384;

    fn get_or_search(
        &self,
        rule: usize,
        facts: &[Option<FactRef<'_>>],
        search: impl FnOnce() -> Vec<Planned>,
    ) -> Arc<[Planned]> {
        let seen = facts
            .iter()
            .map(|f| match f.as_ref().map(|f| &f.slot) {
                None => Seen::Missing,
                Some(Slot::Text(_) | Slot::Unknown) => Seen::Opaque,
                Some(Slot::Values(v)) => Seen::Values(v.clone()),
            })
            .collect();
        let key = (rule, seen);
        // A poisoned lock only means another thread panicked while holding
        // it; the map is still a valid memo.
        if let Some(plan) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Arc::clone(plan);
        }
        // Searched without the lock: two threads may both search the same
        // facts once, and agree.
        let plan: Arc<[Planned]> = search().into();
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::CAPACITY {
            map.clear();
        }
        map.insert(key, Arc::clone(&plan));
        plan
    }
}

/// The text edit that gives `dim` the value `text`: the scenario's own fact
/// is replaced, an inherited or missing one is added to the scenario.
fn edit(ctx: &Context, facts: &[Option<FactRef<'_>>], dim: DimId, text: &str, place: &Place<'_>) -> Fix {
    let name = ctx.dims.get(dim).map(|d| d.name.clone()).unwrap_or_default();
    match facts.get(dim).and_then(Option::as_ref) {
        Some(f) if f.own => Fix {
            title: ["set `", &name, "` to ", text].concat(),
            replacement: text.to_string(),
            loc: Loc::new(place.source, f.fact.value.span()),
        },
        _ => {
            let statement = [&name, " ", text].concat();
            let (at, insert) = insertion_in_block(&place.source.text, place.scenario, &statement);
            Fix {
                title: ["add `", &statement, "`"].concat(),
                replacement: insert,
                loc: Loc::new(place.source, cadrage_syntax::Span::new(at, at)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memo_searches_each_rule_and_facts_once_and_stays_bounded() {
        let memo = Memo::default();
        let searches = std::cell::Cell::new(0);
        let search = || {
            searches.set(searches.get() + 1);
            vec![Planned {
                new: vec![3],
                title: "t".into(),
                dim_name: "d".into(),
                values: None,
                new_findings: Arc::from([]),
                dim: 1,
                text: "x".into(),
            }]
        };
        let a = memo.get_or_search(0, &[None], search);
        let b = memo.get_or_search(0, &[None], search);
        assert_eq!(searches.get(), 1);
        assert!(Arc::ptr_eq(&a, &b));
        memo.get_or_search(1, &[None], search);
        memo.get_or_search(0, &[None, None], search);
        assert_eq!(searches.get(), 3);
        for rule in 0..Memo::CAPACITY + 10 {
            memo.get_or_search(rule + 2, &[], Vec::new);
        }
        let len = memo.0.lock().map(|m| m.len()).unwrap_or(usize::MAX);
        assert!(len <= Memo::CAPACITY, "{len}");
    }
}
