//! Three-valued evaluation of compiled conditions (LANGUAGE.md section 4).

use cadrage_syntax::Span;
use cadrage_syntax::ast::{self, FactValue};

use crate::context::{CCond, CTest, Context, DimId};
use crate::valueset::ValueSet;

/// Kleene's three values: an atom over a missing fact is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tri {
    False,
    True,
    Unknown,
}

impl Tri {
    pub fn as_str(self) -> &'static str {
        match self {
            Tri::True => "true",
            Tri::False => "false",
            Tri::Unknown => "unknown",
        }
    }
}

/// The value of a stated fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    Values(ValueSet),
    /// Shared by every scenario that inherits the fact.
    Text(std::sync::Arc<str>),
    /// Stated, but with a value that is not known: atoms over it are unknown.
    Unknown,
}

/// A fact as a scenario sees it: stated by itself or inherited.
#[derive(Clone, Debug)]
pub struct FactRef<'a> {
    pub slot: Slot,
    pub fact: &'a ast::Fact,
    /// Stated by the scenario itself (not inherited from its plan or phase).
    pub own: bool,
}

pub type Facts<'a> = [Option<FactRef<'a>>];

pub fn eval(c: &CCond, facts: &Facts<'_>) -> Tri {
    match c {
        CCond::Atom { dim, test, .. } => eval_atom(*dim, test, facts),
        CCond::Not(x) => match eval(x, facts) {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        },
        CCond::And(xs) => {
            let mut r = Tri::True;
            for x in xs {
                match eval(x, facts) {
                    Tri::False => return Tri::False,
                    Tri::Unknown => r = Tri::Unknown,
                    Tri::True => {}
                }
            }
            r
        }
        CCond::Or(xs) => {
            let mut r = Tri::False;
            for x in xs {
                match eval(x, facts) {
                    Tri::True => return Tri::True,
                    Tri::Unknown => r = Tri::Unknown,
                    Tri::False => {}
                }
            }
            r
        }
    }
}

pub fn eval_atom(dim: DimId, test: &CTest, facts: &Facts<'_>) -> Tri {
    match (facts.get(dim).and_then(Option::as_ref), test) {
        (None, CTest::Missing) | (Some(_), CTest::Present) => Tri::True,
        (None, CTest::Present) | (Some(_), CTest::Missing) => Tri::False,
        (None, CTest::AnyOf(_)) => Tri::Unknown,
        (Some(f), CTest::AnyOf(set)) => match &f.slot {
            Slot::Values(v) => {
                if v.intersects(set) {
                    Tri::True
                } else {
                    Tri::False
                }
            }
            Slot::Text(_) | Slot::Unknown => Tri::Unknown,
        },
    }
}

/// The atoms that make `c` have the value `want`, in condition order, each
/// with the value it has (an atom under `not` counts by being false): for a
/// rule that fired, the reasons it fired.
pub fn reasons<'c>(c: &'c CCond, facts: &Facts<'_>, want: bool, out: &mut Vec<(&'c CCond, bool)>) {
    let wanted = if want { Tri::True } else { Tri::False };
    match c {
        CCond::Atom { dim, test, .. } => {
            if eval_atom(*dim, test, facts) == wanted {
                out.push((c, want));
            }
        }
        CCond::Not(x) => reasons(x, facts, !want, out),
        CCond::And(xs) | CCond::Or(xs) => {
            for x in xs {
                if eval(x, facts) == wanted {
                    reasons(x, facts, want, out);
                }
            }
        }
    }
}

/// Where to point for a fired rule: the value of the first fact, in the
/// condition's order, whose atom made it true and that the scenario states
/// itself, with that atom and its value. `None` when every such fact is
/// inherited.
pub fn deny_span<'c>(ctx: &Context, c: &'c CCond, facts: &Facts<'_>) -> Option<(Span, &'c crate::source::Loc, bool)> {
    let mut atoms = Vec::new();
    reasons(c, facts, true, &mut atoms);
    for (atom, value) in atoms {
        let CCond::Atom { dim, test, loc } = atom else { continue };
        let Some(f) = facts.get(*dim).and_then(Option::as_ref) else { continue };
        if !f.own {
            continue;
        }
        if let CTest::AnyOf(set) = test {
            if value {
                if let Some(span) = matching_value_span(ctx, *dim, f.fact, set) {
                    return Some((span, loc, value));
                }
            }
        }
        return Some((f.fact.value.span(), loc, value));
    }
    None
}

/// The span of the first stated value of `fact` that is in `set`.
fn matching_value_span(ctx: &Context, dim: DimId, fact: &ast::Fact, set: &ValueSet) -> Option<Span> {
    let d = ctx.dims.get(dim)?;
    let names = match &fact.value {
        FactValue::Names(n) | FactValue::Models(n) => n,
        FactValue::Text(_) => return None,
    };
    names.iter().find(|n| d.value_index(&n.text).is_some_and(|i| set.contains(i))).map(|n| n.span)
}
