//! Witnesses: concrete facts on which a static finding shows, and their
//! rendering as a `test` block to insert into the ruleset.

use smol_str::SmolStr;

use super::cubes::{Cube, Space, VarKind, names_of};
use crate::context::Context;
use crate::finding::Fix;
use crate::model::Ruleset;
use crate::source::Loc;
use cadrage_syntax::Span;

/// A set of facts, as a scenario (or a test's `given`s) would state them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// In the ruleset's dimension order; `model` first when stated.
    pub facts: Vec<WitnessFact>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessFact {
    pub dim: SmolStr,
    pub value: WitnessValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessValue {
    /// Values of an enumerated dimension (several for `many` and `model`).
    Values(Vec<SmolStr>),
    /// Any text of a text dimension.
    Text,
}

impl Witness {
    /// The facts of one combination (a cube reduced to a point).
    pub(crate) fn from_point(ctx: &Context, space: &Space, point: &Cube) -> Witness {
        let mut facts: Vec<WitnessFact> = Vec::new();
        for (dim, vars) in space.dim_vars.iter().enumerate() {
            let Some(d) = ctx.dims.get(dim) else { continue };
            let mut values: Vec<SmolStr> = Vec::new();
            let mut text = false;
            for &v in vars {
                let (Some(var), Some(&mask)) = (space.vars.get(v), point.get(v)) else { continue };
                match var.kind {
                    VarKind::Single(_) => values.extend(names_of(ctx, var, mask)),
                    VarKind::ManyBit(_) if mask == 0b10 => values.extend(names_of(ctx, var, mask)),
                    VarKind::Text => text = mask == 0b10,
                    VarKind::ManyBit(_) => {}
                }
            }
            if text {
                facts.push(WitnessFact { dim: d.name.clone(), value: WitnessValue::Text });
            } else if !values.is_empty() {
                facts.push(WitnessFact { dim: d.name.clone(), value: WitnessValue::Values(values) });
            }
        }
        Witness { facts }
    }

    /// `purpose announce, audience company` (for messages).
    pub fn describe(&self) -> String {
        if self.facts.is_empty() {
            return "no facts at all".into();
        }
        self.facts
            .iter()
            .map(|f| match &f.value {
                WitnessValue::Values(v) if f.dim == "model" => format!("model {}", v.join(" + ")),
                WitnessValue::Values(v) => format!("{} {}", f.dim, v.join(", ")),
                WitnessValue::Text => format!("{} \"...\"", f.dim),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The `given` lines of a test, indented by `indent`.
    pub fn givens(&self, indent: &str) -> String {
        self.lines(indent, "given ")
    }

    /// The fact lines of a scenario, indented by `indent`.
    pub fn scenario_facts(&self, indent: &str) -> String {
        self.lines(indent, "")
    }

    fn lines(&self, indent: &str, keyword: &str) -> String {
        let mut out = String::new();
        for f in &self.facts {
            let value = match &f.value {
                WitnessValue::Values(v) if f.dim == "model" => v.join(" + "),
                WitnessValue::Values(v) => v.join(", "),
                WitnessValue::Text => "\"example\"".into(),
            };
            out.push_str(&format!("{indent}{keyword}{} {value}\n", f.dim));
        }
        out
    }
}

/// A `test` block stating the witness, and where it goes in the ruleset:
/// before the ruleset's closing brace. `expect` is the body's last lines
/// (e.g. `expect model community`), without indentation; none when empty.
pub fn witness_test(rs: &Ruleset, witness: &Witness, name: &str, expect: &[String]) -> Fix {
    let text = rs.span_loc.text();
    let at = match text.rfind('}') {
        Some(i) => rs.span_loc.span.start as usize + i,
        None => rs.span_loc.span.end as usize,
    };
    let before = rs.span_loc.source.text.get(..at).unwrap_or("");
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    // The brace alone on its line: insert above it; else before it, on a new line.
    let brace_alone = before.get(line_start..).is_some_and(|s| s.trim().is_empty());
    let mut block = String::from(if brace_alone { "\n" } else { "\n\n" });
    block.push_str(&format!("  test {} {{\n", cadrage_syntax::strings::quote(name)));
    block.push_str(&witness.givens("    "));
    for e in expect {
        block.push_str(&format!("    {e}\n"));
    }
    block.push_str("  }\n");
    let at = if brace_alone { line_start } else { at };
    Fix {
        title: format!("add test \"{name}\" to `{}`", rs.name),
        replacement: block,
        loc: Loc::new(&rs.span_loc.source, Span::new(at, at)),
    }
}
