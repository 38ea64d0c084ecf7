//! Static analysis of rulesets: conditions as sets of fact combinations
//! (cubes), the static checks of LANGUAGE.md section 5 with witnesses.

pub mod compare;
pub mod cubes;
pub mod remedies;
pub mod static_checks;
pub mod witness;

pub use remedies::Remedy;
pub use static_checks::check_ruleset;
pub use witness::{Witness, WitnessFact, WitnessValue, witness_test};
