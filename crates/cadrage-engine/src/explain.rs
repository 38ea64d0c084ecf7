//! What `cadrage explain` shows of a scenario: each atom of each rule with
//! its value on the scenario's facts.

use crate::context::{CCond, CTest, Context};
use crate::eval::{Slot, Tri};

/// One atom of a condition, its text as written and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtomValue {
    pub text: String,
    pub value: Tri,
}

/// The value of an atom given the slot of its dimension (`None`: not stated).
pub fn atom_value(test: &CTest, slot: Option<&Slot>) -> Tri {
    match (slot, test) {
        (None, CTest::Missing) | (Some(_), CTest::Present) => Tri::True,
        (None, CTest::Present) | (Some(_), CTest::Missing) => Tri::False,
        (None, CTest::AnyOf(_)) => Tri::Unknown,
        (Some(Slot::Values(v)), CTest::AnyOf(set)) => {
            if v.intersects(set) {
                Tri::True
            } else {
                Tri::False
            }
        }
        (Some(Slot::Text(_) | Slot::Unknown), CTest::AnyOf(_)) => Tri::Unknown,
    }
}

/// Every atom of `cond` in order, with its value; `slot_of(dim)` gives a
/// dimension's stated value.
pub fn atoms<'a>(_ctx: &Context, cond: &CCond, slot_of: &dyn Fn(usize) -> Option<&'a Slot>) -> Vec<AtomValue> {
    let mut out = Vec::new();
    walk(cond, slot_of, false, &mut out);
    out
}

/// An atom under `not` is shown negated, with the negated value.
fn walk<'a>(c: &CCond, slot_of: &dyn Fn(usize) -> Option<&'a Slot>, negated: bool, out: &mut Vec<AtomValue>) {
    match c {
        CCond::Atom { dim, test, loc } => {
            let text = loc.text().split_whitespace().collect::<Vec<_>>().join(" ");
            let value = atom_value(test, slot_of(*dim));
            if negated {
                let value = match value {
                    Tri::True => Tri::False,
                    Tri::False => Tri::True,
                    Tri::Unknown => Tri::Unknown,
                };
                out.push(AtomValue { text: format!("not {text}"), value });
            } else {
                out.push(AtomValue { text, value });
            }
        }
        CCond::Not(x) => walk(x, slot_of, !negated, out),
        CCond::And(xs) | CCond::Or(xs) => {
            for x in xs {
                walk(x, slot_of, negated, out);
            }
        }
    }
}
