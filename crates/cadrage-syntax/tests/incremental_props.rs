//! `incremental::reparse` gives exactly what a whole parse gives, over
//! random edits of every `.cadrage` file of the repository.

#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

use std::path::Path;

use cadrage_syntax::incremental::reparse;
use cadrage_syntax::parse;
use proptest::prelude::*;

fn repo_files() -> &'static [String] {
    static FILES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FILES.get_or_init(read_repo_files)
}

fn read_repo_files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !(e.file_name() == "target" || e.file_name().to_string_lossy().starts_with('.'))
        })
        .flatten()
    {
        if entry.path().extension().is_some_and(|e| e == "cadrage") {
            out.push(std::fs::read_to_string(entry.path()).expect("read"));
        }
    }
    out.sort();
    out
}

const SNIPPETS: &[&str] = &[
    " ",
    "\n",
    "x",
    "_2",
    "}",
    "{",
    "\"",
    "#",
    "# note\n",
    "scenario z { purpose announce }\n",
    "plan ",
    "scenario ",
    "model community",
    " kpi \"é 🚀\"",
    "use management\n",
    ",",
    "+",
    "(",
    ")",
    "\"\"\"",
    "ruleset r { }",
    "phase p {",
    "\n#",
    "#  ",
    "\"\n",
];

/// Applies an edit at a char boundary: delete `del` chars from `at`, insert `ins`.
fn edit(text: &str, at: usize, del: usize, ins: &str) -> String {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    let start = bounds[at % bounds.len()];
    let end = bounds[(at % bounds.len() + del).min(bounds.len() - 1)];
    format!("{}{}{}", &text[..start], ins, &text[end..])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn reparse_equals_parse_after_random_edits(
        file in 0usize..1000,
        edits in prop::collection::vec((0usize..100_000, 0usize..4, prop::sample::select(SNIPPETS)), 1..4),
    ) {
        let files = repo_files();
        let mut text = files[file % files.len()].clone();
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
