//! The static checks of a ruleset (LANGUAGE.md section 5): conflicts, dead
//! rules, gaps and unused values, each with a witness where there is one.
//!
//! Conditions are turned into unions of cubes over the finite dimensions
//! (see [`super::cubes`]), never enumerated combination by combination.

use std::sync::Arc;

use smol_str::SmolStr;

use super::cubes::{Set, Space, TooLarge, VarKind, first_of_difference, intersect, subtract};
use super::witness::Witness;
use crate::context::{CConclusion, CCond, CTest, Context, MODEL};
use crate::finding::{EngineCode, Finding};
use crate::model::Ruleset;
use crate::testing::test_context;
use crate::valueset::ValueSet;

/// At most this many gap findings per ruleset (the last one says how many
/// more there are).
pub const MAX_GAPS: usize = 5;

/// The static findings of a ruleset, about its own rules, models and values
/// (inherited ones are reported in the ruleset that declares them, except
/// for conflicts and gaps that the extension creates).
pub fn check_ruleset(rs: &Arc<Ruleset>) -> Vec<Finding> {
    let ctx = test_context(rs);
    let Some(space) = Space::new(&ctx) else { return Vec::new() };
    let mut out = Vec::new();
    // A ruleset too large to analyse in bounded time gets fewer findings,
    // never a wrong one.
    let _ = rules_checks(rs, &ctx, &space, &mut out);
    let _ = gaps(rs, &ctx, &space, &mut out);
    unused(rs, &ctx, &mut out);
    out
}

fn own(rs: &Ruleset, ctx: &Context, i: usize) -> bool {
    ctx.rules.get(i).is_some_and(|r| r.def.path.ruleset == rs.name)
}

fn expect_alts(ctx: &Context, i: usize) -> Option<&[ValueSet]> {
    match &ctx.rules.get(i)?.conclusion {
        CConclusion::Expect(a) => Some(a),
        _ => None,
    }
}

fn witness(ctx: &Context, space: &Space, set: &Set) -> Option<Witness> {
    set.first().map(|c| Witness::from_point(ctx, space, &space.point(c)))
}

fn rules_checks(rs: &Ruleset, ctx: &Context, space: &Space, out: &mut Vec<Finding>) -> Result<(), TooLarge> {
    let mut fires: Vec<Set> = Vec::with_capacity(ctx.rules.len());
    for r in &ctx.rules {
        fires.push(space.tri(&r.cond)?.0);
    }
    // Dead: never true.
    for (i, r) in ctx.rules.iter().enumerate() {
        if own(rs, ctx, i) && fires.get(i).is_some_and(Vec::is_empty) {
            out.push(
                Finding::engine(
                    EngineCode::DeadRule,
                    r.def.loc.clone(),
                    format!("rule `{}` can never fire: its condition is never true", r.def.path),
                )
                .with_help("an atom on a fact that is not stated is unknown, and values of one dimension exclude each other; check the condition"),
            );
        }
    }
    // Where the `expect` rules of a priority above each level fire.
    let expects: Vec<usize> = (0..ctx.rules.len()).filter(|&i| expect_alts(ctx, i).is_some()).collect();
    let mut levels: Vec<u32> = expects.iter().filter_map(|&i| ctx.rules.get(i)).map(|r| r.def.priority).collect();
    levels.sort_unstable();
    levels.dedup();
    let mut above: Vec<(u32, Set)> = Vec::new();
    for &p in &levels {
        let mut s: Set = Vec::new();
        for &i in &expects {
            if ctx.rules.get(i).is_some_and(|r| r.def.priority > p) {
                s.extend(fires.get(i).cloned().unwrap_or_default());
            }
        }
        above.push((p, s));
    }
    let above_of = |p: u32| above.iter().find(|(q, _)| *q == p).map(|(_, s)| s);
    let empty: Set = Vec::new();

    // Dead: always beaten by a higher priority.
    for &i in &expects {
        let (Some(r), Some(f)) = (ctx.rules.get(i), fires.get(i)) else { continue };
        if !own(rs, ctx, i) || f.is_empty() {
            continue;
        }
        let higher = above_of(r.def.priority).unwrap_or(&empty);
        if higher.is_empty() {
            continue;
        }
        // One combination where it fires and no higher rule does is enough;
        // a search that runs out of budget reports nothing.
        match first_of_difference(f, higher, 1, GAP_BUDGET) {
            Ok((rest, _)) if rest.is_empty() => {}
            _ => continue,
        }
        let beaters: Vec<usize> = expects
            .iter()
            .copied()
            .filter(|&j| {
                ctx.rules.get(j).is_some_and(|h| h.def.priority > r.def.priority)
                    && fires.get(j).is_some_and(|hf| intersect(f, hf).is_ok_and(|x| !x.is_empty()))
            })
            .collect();
        let mut finding = Finding::engine(
            EngineCode::DeadRule,
            r.def.loc.clone(),
            format!("rule `{}` never decides: a rule of higher priority fires whenever it does", r.def.path),
        )
        .with_help("lower the other rule's priority, narrow its condition, or remove this rule");
        for j in beaters {
            if let Some(h) = ctx.rules.get(j) {
                finding = finding
                    .with_related(h.def.loc.clone(), format!("`{}` (priority {}) wins", h.def.path, h.def.priority));
            }
        }
        out.push(finding.with_witness(witness(ctx, space, f)));
    }

    // Conflicts: two `expect` rules of one priority, no common alternative.
    for (n, &i) in expects.iter().enumerate() {
        for &j in expects.iter().skip(n + 1) {
            let (Some(a), Some(b)) = (ctx.rules.get(i), ctx.rules.get(j)) else { continue };
            if a.def.priority != b.def.priority || !(own(rs, ctx, i) || own(rs, ctx, j)) {
                continue;
            }
            let (Some(aa), Some(ba)) = (expect_alts(ctx, i), expect_alts(ctx, j)) else { continue };
            if aa.iter().any(|x| ba.iter().any(|y| x.same(y))) {
                continue;
            }
            let (Some(fa), Some(fb)) = (fires.get(i), fires.get(j)) else { continue };
            let Ok(both) = intersect(fa, fb) else { continue };
            if both.is_empty() {
                continue;
            }
            let higher = above_of(a.def.priority).unwrap_or(&empty);
            let open = if higher.is_empty() {
                both
            } else {
                match first_of_difference(&both, higher, 1, PAIR_BUDGET) {
                    Ok((rest, _)) => rest,
                    Err(TooLarge) => continue,
                }
            };
            let Some(w) = witness(ctx, space, &open) else { continue };
            let names = |alts: &[ValueSet]| {
                alts.iter().map(|s| ctx.models_names(s).join(" + ")).collect::<Vec<_>>().join(" or ")
            };
            let at = if own(rs, ctx, j) { b } else { a };
            let other = if own(rs, ctx, j) { a } else { b };
            let f = Finding::engine(
                EngineCode::Conflict,
                at.def.loc.clone(),
                format!(
                    "`{}` and `{}` both fire on {} and expect different models ({} vs {})",
                    a.def.path,
                    b.def.path,
                    w.describe(),
                    names(aa),
                    names(ba)
                ),
            )
            .with_help("give one of them a higher `priority`, or narrow a condition so that they cannot both fire")
            .with_related(other.def.loc.clone(), "the other rule");
            out.push(f.with_witness(Some(w)));
        }
    }
    Ok(())
}

/// The dimensions named in the conditions of `expect` rules (not `model`).
pub fn classified_dims(ctx: &Context) -> Vec<usize> {
    let mut dims: Vec<usize> = Vec::new();
    for r in &ctx.rules {
        if matches!(r.conclusion, CConclusion::Expect(_)) {
            atoms(&r.cond, &mut |dim, _| {
                if dim != MODEL && !dims.contains(&dim) {
                    dims.push(dim);
                }
            });
        }
    }
    dims.sort_unstable();
    dims
}

fn atoms(c: &CCond, f: &mut dyn FnMut(usize, &CTest)) {
    match c {
        CCond::Atom { dim, test, .. } => f(*dim, test),
        CCond::Not(x) => atoms(x, f),
        CCond::And(xs) | CCond::Or(xs) => {
            for x in xs {
                atoms(x, f);
            }
        }
    }
}

/// Combinations of the classified dimensions (each stated, `many` ones with
/// one value) where no `expect` rule fires. `None`: nothing is classified.
pub fn gap_set(ctx: &Context, space: &Space) -> Result<Option<Set>, TooLarge> {
    match gap_parts(ctx, space)? {
        Some((universe, fires)) => Ok(Some(subtract(&universe, &fires)?)),
        None => Ok(None),
    }
}

/// Steps of the depth-first gap search before it gives up.
pub const GAP_BUDGET: usize = 20_000;

/// Steps of the search for a witness of one pair of rules (there can be
/// tens of thousands of pairs).
pub const PAIR_BUDGET: usize = 500;

/// The classified combinations, and where the `expect` rules fire.
fn gap_parts(ctx: &Context, space: &Space) -> Result<Option<(Set, Set)>, TooLarge> {
    let dims = classified_dims(ctx);
    if dims.is_empty() {
        return Ok(None);
    }
    let mut universe: Set = vec![space.full()];
    for &d in &dims {
        let vars = space.dim_vars.get(d).cloned().unwrap_or_default();
        let mut choices: Set = Vec::new();
        for &v in &vars {
            match space.vars.get(v).map(|x| x.kind) {
                Some(VarKind::ManyBit(_)) => {
                    // Exactly this value of the `many` dimension.
                    let mut c = space.full();
                    for &u in &vars {
                        if let Some(m) = c.get_mut(u) {
                            *m = if u == v { 0b10 } else { 0b01 };
                        }
                    }
                    choices.push(c);
                }
                _ => choices.extend(space.stated(d)),
            }
        }
        universe = intersect(&universe, &choices)?;
    }
    let mut fires: Set = Vec::new();
    for r in &ctx.rules {
        if matches!(r.conclusion, CConclusion::Expect(_)) {
            fires.extend(space.tri(&r.cond)?.0);
        }
    }
    Ok(Some((universe, fires)))
}

fn gaps(rs: &Ruleset, ctx: &Context, space: &Space, out: &mut Vec<Finding>) -> Result<(), TooLarge> {
    let Some((universe, fires)) = gap_parts(ctx, space)? else { return Ok(()) };
    let (gap, more) = super::cubes::first_of_difference(&universe, &fires, MAX_GAPS, GAP_BUDGET)?;
    let dims = classified_dims(ctx);
    for (n, cube) in gap.iter().take(MAX_GAPS).enumerate() {
        // The gap's cube on the classified dimensions, in words.
        let mut parts: Vec<String> = Vec::new();
        for &d in &dims {
            let Some(cd) = ctx.dims.get(d) else { continue };
            let vars = space.dim_vars.get(d).cloned().unwrap_or_default();
            let mut names: Vec<SmolStr> = Vec::new();
            let mut all = true;
            for &v in &vars {
                let (Some(var), Some(&mask)) = (space.vars.get(v), cube.get(v)) else { continue };
                match var.kind {
                    VarKind::Single(k) => {
                        all = mask & ((1u64 << k) - 1) == (1u64 << k) - 1;
                        names.extend(super::cubes::names_of(ctx, var, mask));
                    }
                    VarKind::ManyBit(_) if mask == 0b10 => names.extend(super::cubes::names_of(ctx, var, mask)),
                    VarKind::Text => {}
                    VarKind::ManyBit(_) => {}
                }
            }
            if cd.is_many() {
                all = false;
            }
            if all || names.is_empty() {
                continue;
            }
            parts.push(match names.as_slice() {
                [one] => format!("{} is {one}", cd.name),
                many => format!("{} in [{}]", cd.name, many.join(", ")),
            });
        }
        let when = if parts.is_empty() {
            "on any value of the classified dimensions".to_string()
        } else {
            format!("when {}", parts.join(" and "))
        };
        let mut f = Finding::engine(EngineCode::Gap, rs.loc.clone(), format!("no `expect` rule of `{}` fires {when}", rs.name))
            .with_help("scenarios with these facts get no expected model; add an `expect` rule for them, or a test that records it");
        if n + 1 == gap.len() && more {
            f = f.with_label("and more gaps");
        }
        out.push(f.with_witness(Some(Witness::from_point(ctx, space, &space.point(cube)))));
    }
    Ok(())
}

/// Models that no rule expects or names, and enumerated dimensions whose
/// values no rule reads. A rule that names one value of a dimension
/// distinguishes every value of it (those it names from the others), so a
/// value counts as used when its dimension is read by value.
fn unused(rs: &Ruleset, ctx: &Context, out: &mut Vec<Finding>) {
    let mut models = ValueSet::empty();
    let mut read: Vec<bool> = vec![false; ctx.dims.len()];
    for r in &ctx.rules {
        atoms(&r.cond, &mut |dim, test| {
            if let CTest::AnyOf(s) = test {
                if let Some(u) = read.get_mut(dim) {
                    *u = true;
                }
                if dim == MODEL {
                    for i in s.iter() {
                        models.insert(i);
                    }
                }
            }
        });
        if let CConclusion::Expect(alts) = &r.conclusion {
            for a in alts {
                for i in a.iter() {
                    models.insert(i);
                }
            }
        }
    }
    for (dim, d) in ctx.dims.iter().enumerate() {
        if dim == MODEL {
            for (i, v) in d.values.iter().enumerate() {
                if v.model.as_ref().is_some_and(|m| m.origin == rs.name) && !models.contains(i) {
                    out.push(
                        Finding::engine(
                            EngineCode::UnusedValue,
                            v.loc.clone(),
                            format!("no rule expects or names model `{}`", v.name),
                        )
                        .with_help(
                            "no scenario is ever told to choose it: write an `expect` rule for it, or remove it",
                        ),
                    );
                }
            }
            continue;
        }
        if d.kind == cadrage_syntax::ast::DimensionKind::Text || read.get(dim).copied().unwrap_or(true) {
            continue;
        }
        let Some(def) = d.def.as_ref() else { continue };
        let own_values: Vec<&str> =
            def.values.iter().filter(|v| v.origin == rs.name).map(|v| v.name.as_str()).collect();
        if own_values.is_empty() {
            continue;
        }
        let what = if def.origin == rs.name {
            String::new()
        } else {
            format!(
                " (its values {} come from `{}`)",
                own_values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
                rs.name
            )
        };
        let loc = if def.origin == rs.name {
            def.loc.clone()
        } else {
            def.values.iter().find(|v| v.origin == rs.name).map(|v| v.loc.clone()).unwrap_or_else(|| def.loc.clone())
        };
        out.push(
            Finding::engine(EngineCode::UnusedValue, loc, format!("no rule reads the values of dimension `{}`{what}", d.name))
                .with_help("scenarios may state it, but its value changes nothing: write a rule that names its values, or remove it"),
        );
    }
}
