//! The cadrage engine: rulesets as data, and the check of scenarios and
//! rollout plans against them.
//!
//! The engine works on texts in memory: callers (the CLI, the language
//! server, tests) read files and hand them over as [`Source`]s. A
//! [`Project`] resolves its rulesets once; every file is then checked on
//! its own with [`Project::check`], so files can be checked in parallel and
//! an edited file re-checked alone.

pub mod analysis;
pub mod builtin;
pub mod check;
pub mod config;
pub mod context;
pub mod eval;
pub mod explain;
pub mod finding;
pub mod model;
pub mod project;
pub mod rulesets;
pub mod source;
pub mod suggest;
pub mod testing;
pub mod valueset;

pub use check::{
    Analysis, CheckOptions, Classification, FactInfo, FactOrigin, FileCheck, FileReport, FindingRef, ItemCheck,
    ScenarioInfo,
};
pub use config::{Config, ConfigError};
pub use finding::{Code, Counts, EngineCode, Finding, Fix, Related, RulePath, Severity};
pub use project::{Project, ProjectBuilder};
pub use source::{Loc, Source};
