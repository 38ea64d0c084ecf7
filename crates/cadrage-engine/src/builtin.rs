//! The rulesets shipped in the binary.

/// `(name, text)` of every embedded ruleset, from `rulesets/`.
pub const BUILTIN_RULESETS: &[(&str, &str)] = &[
    ("management", include_str!("../../../rulesets/management.cadrage")),
    ("expertise", include_str!("../../../rulesets/expertise.cadrage")),
];
