//! Checks the fast parse path against pest on every `.cadrage` file under
//! the folders given (e.g. a generated benchmark corpus):
//!
//! ```sh
//! cargo run --release -p cadrage-syntax --example fast_path_agrees -- target/bench/corpus/100000
//! ```
//!
//! Prints how many files took the fast path and exits 1 at the first file
//! where the two trees differ, or where the fast path gave up on a
//! well-formed plan file (see `tests/fast_props.rs` for the same contract as
//! a property test).

use std::path::Path;
use std::process::ExitCode;

use cadrage_syntax::ast::Item;
use cadrage_syntax::{parse_fast_path, parse_with_pest};

fn main() -> ExitCode {
    let (mut fast, mut pest_only) = (0usize, 0usize);
    for root in std::env::args().skip(1) {
        for (path, text) in cadrage_syntax::testing::cadrage_files(Path::new(&root)) {
            let pest = parse_with_pest(&text);
            let plain = pest.errors.is_empty() && !pest.items.iter().any(|i| matches!(i, Item::Ruleset(_)));
            match parse_fast_path(&text) {
                Some(tree) if plain && tree == pest => fast += 1,
                None if !plain => pest_only += 1,
                other => {
                    eprintln!(
                        "{}: fast path {}, pest {}",
                        path.display(),
                        if other.is_some() { "read it" } else { "gave up" },
                        if plain { "reads it without an error" } else { "finds errors or a ruleset" }
                    );
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    println!("{fast} files read alike by the fast path and pest; {pest_only} left to pest (errors or rulesets)");
    ExitCode::SUCCESS
}
