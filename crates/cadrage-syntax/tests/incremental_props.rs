//! `incremental::reparse` gives exactly what a whole parse gives, over
//! random edits of every `.cadrage` file of the repository.

#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

use cadrage_syntax::incremental::reparse;
use cadrage_syntax::parse;
use cadrage_syntax::testing::{EDIT_SNIPPETS, edit, repository_files};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn reparse_equals_parse_after_random_edits(
        file in 0usize..1000,
        edits in prop::collection::vec((0usize..100_000, 0usize..4, prop::sample::select(EDIT_SNIPPETS)), 1..4),
    ) {
        let files = repository_files();
        let mut text = files[file % files.len()].1.clone();
        let _ = &files;
        let mut tree = parse(&text);
        for (at, del, ins) in edits {
            let new_text = edit(&text, at, del, ins);
            let incremental = reparse(&text, &tree, &new_text);
            let whole = parse(&new_text);
            prop_assert_eq!(&incremental, &whole, "edit at {} (-{} +{:?})", at, del, ins);
            text = new_text;
            tree = incremental;
        }
    }
}

#[test]
fn an_edit_in_one_scenario_keeps_the_others() {
    let text = "use m\nscenario a { purpose x }\nscenario b { purpose y }\nscenario c { purpose z }\n";
    let new_text = text.replace("purpose y", "purpose yy");
    let tree = reparse(text, &parse(text), &new_text);
    assert_eq!(tree, parse(&new_text));
}
