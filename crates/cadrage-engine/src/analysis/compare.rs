//! Whether two versions of a ruleset judge every combination of facts the
//! same way, with a witness where they do not.

use std::sync::Arc;

use super::cubes::{Space, subtract};
use super::witness::Witness;
use crate::context::{CConclusion, Context};
use crate::model::Ruleset;
use crate::testing::test_context;

/// One way two versions differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What differs, in words.
    pub what: String,
    /// Facts on which it shows, when it shows on facts.
    pub witness: Option<Witness>,
}

fn shape(ctx: &Context) -> Vec<(String, Vec<String>)> {
    ctx.dims.iter().map(|d| (d.name.to_string(), d.values.iter().map(|v| v.name.to_string()).collect())).collect()
}

fn conclusion_text(ctx: &Context, c: &CConclusion) -> String {
    match c {
        CConclusion::Expect(alts) => {
            format!("expect {}", alts.iter().map(|a| ctx.models_names(a).join(" + ")).collect::<Vec<_>>().join(" | "))
        }
        CConclusion::Require(ds) => format!(
            "require {}",
            ds.iter().filter_map(|d| ctx.dims.get(*d)).map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
        CConclusion::Deny => "deny".into(),
    }
}

/// The differences between two versions of a ruleset over all fact
/// combinations; empty when they are equivalent. Rules are compared by
/// path: where each fires (as sets of combinations), what it concludes,
/// its severity and priority.
pub fn compare(old: &Arc<Ruleset>, new: &Arc<Ruleset>) -> Vec<Difference> {
    let (a, b) = (test_context(old), test_context(new));
    let mut out = Vec::new();
    let (sa, sb) = (shape(&a), shape(&b));
    if sa != sb {
        for (name, values) in &sb {
            match sa.iter().find(|(n, _)| n == name) {
                None => out.push(Difference { what: format!("dimension `{name}` is new"), witness: None }),
                Some((_, old_values)) => {
                    for v in values.iter().filter(|v| !old_values.contains(v)) {
                        out.push(Difference { what: format!("`{name}` has a new value `{v}`"), witness: None });
                    }
                    for v in old_values.iter().filter(|v| !values.contains(v)) {
                        out.push(Difference { what: format!("`{name}` lost its value `{v}`"), witness: None });
                    }
                }
            }
        }
        for (name, _) in sa.iter().filter(|(n, _)| !sb.iter().any(|(m, _)| m == n)) {
            out.push(Difference { what: format!("dimension `{name}` is gone"), witness: None });
        }
        // Rules over different dimensions cannot share a space of facts.
        return out;
    }
    let Some(space) = Space::new(&b) else { return out };
    for rb in &b.rules {
        let Some(ra) = a.rules.iter().find(|r| r.def.path == rb.def.path) else {
            let witness = space
                .tri(&rb.cond)
                .ok()
                .and_then(|(t, _)| t.first().map(|c| Witness::from_point(&b, &space, &space.point(c))));
            out.push(Difference { what: format!("rule `{}` is new", rb.def.path), witness });
            continue;
        };
        let (ca, cb) = (conclusion_text(&a, &ra.conclusion), conclusion_text(&b, &rb.conclusion));
        if ca != cb {
            out.push(Difference {
                what: format!("rule `{}` now concludes `{cb}` (was `{ca}`)", rb.def.path),
                witness: None,
            });
        }
        if ra.def.severity != rb.def.severity {
            out.push(Difference {
                what: format!(
                    "rule `{}` is now {} (was {})",
                    rb.def.path,
                    rb.def.severity.as_str(),
                    ra.def.severity.as_str()
                ),
                witness: None,
            });
        }
        if ra.def.priority != rb.def.priority {
            out.push(Difference {
                what: format!("rule `{}` now has priority {} (was {})", rb.def.path, rb.def.priority, ra.def.priority),
                witness: None,
            });
        }
        let (Ok((ta, _)), Ok((tb, _))) = (space.tri(&ra.cond), space.tri(&rb.cond)) else { continue };
        for (only, label) in [(subtract(&tb, &ta), "now"), (subtract(&ta, &tb), "no longer")] {
            if let Ok(only) = only {
                if let Some(c) = only.first() {
                    let w = Witness::from_point(&b, &space, &space.point(c));
                    out.push(Difference {
                        what: format!("rule `{}` {label} fires on {}", rb.def.path, w.describe()),
                        witness: Some(w),
                    });
                }
            }
        }
    }
    for ra in a.rules.iter().filter(|ra| !b.rules.iter().any(|rb| rb.def.path == ra.def.path)) {
        let witness = space
            .tri(&ra.cond)
            .ok()
            .and_then(|(t, _)| t.first().map(|c| Witness::from_point(&a, &space, &space.point(c))));
        out.push(Difference { what: format!("rule `{}` is gone", ra.def.path), witness });
    }
    out
}
