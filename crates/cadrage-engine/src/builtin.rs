//! The rulesets shipped in the binary.

use std::sync::{Arc, OnceLock};

use cadrage_syntax::ast::{self, Item};

use crate::source::{BUILTIN_PREFIX, Source};

/// `(name, text)` of every embedded ruleset, from `rulesets/`.
pub const BUILTIN_RULESETS: &[(&str, &str)] = &[
    ("management", include_str!("../../../rulesets/management.cadrage")),
    ("expertise", include_str!("../../../rulesets/expertise.cadrage")),
];

/// An embedded ruleset file, read.
pub(crate) struct Parsed {
    pub name: &'static str,
    pub source: Arc<Source>,
    pub rulesets: Vec<ast::Ruleset>,
}

static PARSED: OnceLock<Vec<Parsed>> = OnceLock::new();

/// The embedded ruleset files, parsed once per process when first needed
/// (pest reads them: two thirds of a project's start-up) and shared by
/// every project built after.
pub(crate) fn parsed() -> &'static [Parsed] {
    PARSED.get_or_init(|| {
        BUILTIN_RULESETS
            .iter()
            .map(|(name, text)| {
                let source = Source::new(format!("{BUILTIN_PREFIX}{name}"), *text);
                let rulesets = cadrage_syntax::parse(text)
                    .items
                    .into_iter()
                    .filter_map(|item| match item {
                        Item::Ruleset(r) => Some(r),
                        _ => None,
                    })
                    .collect();
                Parsed { name, source, rulesets }
            })
            .collect()
    })
}

/// Reads the embedded rulesets now, if no project has yet: a caller with
/// other work before its first project (the CLI finding the files to
/// check) can have this done meanwhile on another thread.
pub fn prepare() {
    parsed();
}
