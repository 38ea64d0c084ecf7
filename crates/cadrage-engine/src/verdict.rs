//! What the rules conclude about a scenario's facts, remembered.
//!
//! Which rules fire, which facts a `require` misses, which `expect` rules
//! decide and whether they agree, and the remedies' searches: all of it
//! depends only on the facts as conditions see them (each dimension
//! missing, opaque, or a set of values; see [`Seen`]), not on where a
//! scenario states them, how it spells them or what it is called. A corpus
//! has few such combinations (5,778 among the 100,000 scenarios of the
//! benchmark corpus), so each worker thread keeps the verdicts it has
//! reached for its current context, and a scenario whose facts it has seen
//! before is judged by a lookup; only what quotes the scenario (messages,
//! spans, edits) is written for each.
//!
//! The cache is per thread, so that looking up takes no lock and touches
//! no counter another thread writes, and is emptied when the thread moves
//! to another context (identified by [`Context::id`], never reused) or
//! another choice of remedies, or when it grows past [`CAPACITY`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::analysis::remedies::{self, Planned};
use crate::context::{CConclusion, Context, DimId, MODEL};
use crate::eval::{FactRef, Slot, Tri, eval};
use crate::valueset::ValueSet;

/// A fact as conditions see it: missing, stated with a value no atom can
/// test (a text, or a value that is not known), or a set of values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Seen {
    Missing,
    Opaque,
    Values(ValueSet),
}

impl Seen {
    pub(crate) fn of(f: Option<&FactRef<'_>>) -> Seen {
        match f.map(|f| &f.slot) {
            None => Seen::Missing,
            Some(Slot::Text(_) | Slot::Unknown) => Seen::Opaque,
            Some(Slot::Values(v)) => Seen::Values(v.clone()),
        }
    }
}

/// A rule finding that does not depend on the model: a `require` with
/// facts missing, or a `deny` that fires.
#[derive(Debug)]
pub(crate) enum Fired {
    Require { rule: usize, missing: SmallVec<[DimId; 2]> },
    Deny { rule: usize },
}

/// What the rules conclude on some facts.
#[derive(Debug)]
pub(crate) struct Verdict {
    /// Each rule's value, in rule order.
    pub results: Vec<Tri>,
    /// The `require` and `deny` findings, in rule order.
    pub fired: SmallVec<[Fired; 2]>,
    /// The fired `expect` rules of the highest priority, and the others.
    pub deciding: SmallVec<[usize; 2]>,
    pub overridden: SmallVec<[usize; 2]>,
    /// The alternatives the deciding rules agree on (`None`: no `expect`
    /// rule fired; empty: they disagree).
    pub expected: Option<SmallVec<[ValueSet; 2]>>,
    /// The deciding rules whose alternatives do not hold the chosen model.
    pub unmet: SmallVec<[usize; 2]>,
    /// The remedies' searches of the rules with a finding (when asked for).
    pub plans: SmallVec<[(usize, Arc<[Planned]>); 2]>,
}

impl Verdict {
    /// Several deciding rules, and no alternative they all accept.
    pub fn conflict(&self) -> bool {
        self.deciding.len() > 1 && self.expected.as_ref().is_some_and(|e| e.is_empty())
    }

    /// The remedies' search for the finding of `rule`.
    pub fn plans_of(&self, rule: usize) -> &[Planned] {
        self.plans.iter().find(|(r, _)| *r == rule).map_or(&[], |(_, p)| p)
    }
}

/// Verdicts kept per thread, at most.
const CAPACITY: usize = 16_384;

struct Cache {
    context: u64,
    remedies: bool,
    verdicts: HashMap<Box<[u64]>, Rc<Verdict>, foldhash::fast::FixedState>,
}

/// The facts as conditions see them ([`Seen`]), a word per dimension:
/// 0 missing, 1 opaque, else the set of values shifted left by two with
/// bit 1 set. `None` when a set does not fit (a dimension of more than 62
/// values, which no real ruleset has): such facts are judged afresh.
fn packed(facts: &[Option<FactRef<'_>>]) -> Option<SmallVec<[u64; 16]>> {
    facts
        .iter()
        .map(|f| match f.as_ref().map(|f| &f.slot) {
            None => Some(0),
            Some(Slot::Text(_) | Slot::Unknown) => Some(1),
            Some(Slot::Values(ValueSet::Small(w))) if w.leading_zeros() >= 2 => Some(w << 2 | 2),
            Some(Slot::Values(_)) => None,
        })
        .collect()
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache {
        context: u64::MAX,
        remedies: false,
        verdicts: HashMap::default(),
    });
}

/// The verdict of `ctx`'s rules on these facts (one per dimension of
/// `ctx`), with the remedies' searches if `remedies`.
pub(crate) fn of(ctx: &Context, facts: &[Option<FactRef<'_>>], remedies: bool) -> Rc<Verdict> {
    let Some(key) = packed(facts) else { return Rc::new(judge(ctx, facts, remedies)) };
    let found = CACHE.with_borrow_mut(|cache| {
        if cache.context != ctx.id() || cache.remedies != remedies {
            cache.verdicts.clear();
            cache.context = ctx.id();
            cache.remedies = remedies;
        }
        cache.verdicts.get(key.as_slice()).cloned()
    });
    if let Some(v) = found {
        return v;
    }
    let verdict = Rc::new(judge(ctx, facts, remedies));
    CACHE.with_borrow_mut(|cache| {
        if cache.verdicts.len() >= CAPACITY {
            cache.verdicts.clear();
        }
        cache.verdicts.insert(Box::from(key.as_slice()), Rc::clone(&verdict));
    });
    verdict
}

/// The verdict, reached without the cache.
fn judge(ctx: &Context, facts: &[Option<FactRef<'_>>], remedies: bool) -> Verdict {
    let results: Vec<Tri> = ctx.rules.iter().map(|r| eval(&r.cond, facts)).collect();
    let mut fired: SmallVec<[Fired; 2]> = SmallVec::new();
    let mut fired_expect: SmallVec<[usize; 4]> = SmallVec::new();
    for (i, (rule, t)) in ctx.rules.iter().zip(&results).enumerate() {
        if *t != Tri::True {
            continue;
        }
        match &rule.conclusion {
            CConclusion::Expect(_) => fired_expect.push(i),
            CConclusion::Require(dims) => {
                let missing: SmallVec<[DimId; 2]> =
                    dims.iter().copied().filter(|d| facts.get(*d).is_none_or(Option::is_none)).collect();
                if !missing.is_empty() {
                    fired.push(Fired::Require { rule: i, missing });
                }
            }
            CConclusion::Deny => fired.push(Fired::Deny { rule: i }),
        }
    }

    // Only the highest priority among the fired `expect` rules counts.
    let top = fired_expect.iter().filter_map(|&i| ctx.rules.get(i)).map(|r| r.def.priority).max();
    let (deciding, overridden): (SmallVec<[usize; 2]>, SmallVec<[usize; 2]>) =
        fired_expect.iter().copied().partition(|&i| ctx.rules.get(i).is_some_and(|r| Some(r.def.priority) == top));
    let mut expected = None;
    let mut unmet: SmallVec<[usize; 2]> = SmallVec::new();
    if let Some(&first) = deciding.first() {
        let mut agreed: SmallVec<[ValueSet; 2]> = alternatives(ctx, first).iter().cloned().collect();
        for &i in deciding.iter().skip(1) {
            let alts = alternatives(ctx, i);
            agreed.retain(|a| alts.iter().any(|b| b.same(a)));
        }
        if let Some(FactRef { slot: Slot::Values(chosen), .. }) = facts.get(MODEL).and_then(Option::as_ref) {
            unmet =
                deciding.iter().copied().filter(|&i| !alternatives(ctx, i).iter().any(|a| a.same(chosen))).collect();
        }
        expected = Some(agreed);
    }

    let mut plans = SmallVec::new();
    if remedies {
        let rules = fired.iter().map(|f| match f {
            Fired::Require { rule, .. } | Fired::Deny { rule } => *rule,
        });
        for rule in rules.chain(unmet.iter().copied()) {
            plans.push((rule, remedies::plans(ctx, facts, rule)));
        }
    }
    Verdict { results, fired, deciding, overridden, expected, unmet, plans }
}

/// The alternatives of an `expect` rule (none for another rule).
pub(crate) fn alternatives(ctx: &Context, rule: usize) -> &[ValueSet] {
    match ctx.rules.get(rule).map(|r| &r.conclusion) {
        Some(CConclusion::Expect(alts)) => alts,
        _ => &[],
    }
}
