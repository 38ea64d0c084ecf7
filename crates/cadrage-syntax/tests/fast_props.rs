//! The fast path (`fast.rs`) and the pest grammar read the same trees.
//!
//! The contract: the fast path gives a tree exactly when pest reads the file
//! without a syntax error and the file holds no ruleset, and then it is
//! pest's tree, every span and decoded string included. Checked over every
//! `.cadrage` file of the repository, generated plans, and random edits of
//! both (which make most of them wrong somewhere).

#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

use cadrage_syntax::ast::Item;
use cadrage_syntax::testing::{EDIT_SNIPPETS, edit, repository_files};
use cadrage_syntax::{parse, parse_fast_path, parse_with_pest};
use proptest::prelude::*;

/// Asserts the contract on one text; returns whether the fast path read it.
fn check(text: &str) -> Result<bool, TestCaseError> {
    let pest = parse_with_pest(text);
    let fast = parse_fast_path(text);
    let plain = pest.errors.is_empty() && !pest.items.iter().any(|i| matches!(i, Item::Ruleset(_)));
    match fast {
        Some(fast) => {
            prop_assert!(plain, "the fast path read a file pest finds wrong or a ruleset:\n{text}\n{:?}", pest.errors);
            prop_assert_eq!(&fast, &pest, "trees differ on:\n{}", text);
        }
        None => prop_assert!(!plain, "the fast path gave up on a well-formed plan file:\n{text}"),
    }
    prop_assert_eq!(parse(text), pest);
    Ok(plain)
}

#[test]
fn every_repository_file() {
    let mut fast = 0;
    for (path, text) in repository_files() {
        match check(text) {
            Ok(true) => fast += 1,
            Ok(false) => {}
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    // Not vacuous: the examples and most of the corpus are plan files.
    assert!(fast >= 20, "only {fast} files took the fast path");
}

// ---------------------------------------------------------------- generated plans

fn blank() -> impl Strategy<Value = String> {
    prop::sample::select(vec![" ", "  ", "\n", "\n\n  ", "\t", " # a comment é\n", "\r\n", "\n# c\n"])
        .prop_map(str::to_owned)
}

fn ident() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "purpose",
        "audience",
        "team_work",
        "x",
        "_a1",
        "own_team",
        "partners",
        "community_manager",
        "models",
        "rules",
        "uses",
        "planning",
        "a2b",
    ])
    .prop_map(str::to_owned)
}

fn string() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "\"\"",
        "\"plain\"",
        "\"é 🚀 ünïcode\"",
        "\"esc \\\" \\\\ \\n \\t \\u{1F680}\"",
        "\"\"\"\n    long\n      text \"quoted\" é\n    \"\"\"",
        "\"\"\"one line\"\"\"",
        "\"# not a comment\"",
    ])
    .prop_map(str::to_owned)
}

fn fact() -> impl Strategy<Value = String> {
    prop_oneof![
        (ident(), blank(), prop::collection::vec((ident(), blank()), 1..4)).prop_map(|(k, b, vs)| {
            let vs: Vec<String> = vs.into_iter().map(|(v, b)| format!("{v}{b}")).collect();
            format!("{k}{b}{}", vs.join(","))
        }),
        (ident(), blank(), string()).prop_map(|(k, b, s)| format!("{k}{b}{s}")),
        (blank(), prop::collection::vec(ident(), 1..4)).prop_map(|(b, ms)| format!("model{b}{}", ms.join(" + "))),
    ]
}

fn allow() -> impl Strategy<Value = String> {
    (ident(), ident(), prop::option::of(string()), prop::option::of(string()), prop::option::of(0usize..4)).prop_map(
        |(rs, r, reason, by, until)| {
            let mut s = format!("allow {rs}.{r}");
            if let Some(reason) = reason {
                s.push(' ');
                s.push_str(&reason);
            }
            if let Some(by) = by {
                s.push_str(" by ");
                s.push_str(&by);
            }
            if let Some(d) = until {
                s.push_str([" until 2027-06-30", " until 2028-02-29", "\nuntil 2027-12-31", " until\t2030-01-01"][d]);
            }
            s
        },
    )
}

fn scenario(kw: &'static str) -> impl Strategy<Value = String> {
    (
        ident(),
        prop::option::of(string()),
        blank(),
        prop::collection::vec((prop_oneof![3 => fact(), 1 => allow()], blank()), 0..6),
    )
        .prop_map(move |(name, title, b, stmts)| {
            let title = title.map(|t| format!(" {t}")).unwrap_or_default();
            let body: String = stmts
                .into_iter()
                .filter(|(s, _)| kw == "scenario" || !s.starts_with("allow"))
                .map(|(s, b)| format!("{s}{b}"))
                .collect();
            format!("{kw} {name}{title}{b}{{{b}{body}}}")
        })
}

fn plan() -> impl Strategy<Value = String> {
    (
        ident(),
        prop::option::of(string()),
        prop::collection::vec(
            (
                prop_oneof![
                    fact(),
                    scenario("scenario"),
                    (ident(), prop::collection::vec(prop_oneof![fact(), scenario("scenario")], 0..4))
                        .prop_map(|(n, stmts)| format!("phase {n} {{\n{}\n}}", stmts.join("\n"))),
                ],
                blank(),
            ),
            0..5,
        ),
    )
        .prop_map(|(name, title, stmts)| {
            let title = title.map(|t| format!(" {t}")).unwrap_or_default();
            let body: String = stmts.into_iter().map(|(s, b)| format!("{s}{b}")).collect();
            format!("plan {name}{title} {{\n{body}}}")
        })
}

fn file() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop_oneof![
                1 => prop::collection::vec(ident(), 1..3).prop_map(|ns| format!("use {}", ns.join(", "))),
                3 => scenario("scenario"),
                2 => plan(),
            ],
            blank(),
        ),
        0..5,
    )
    .prop_map(|items| items.into_iter().map(|(i, b)| format!("{i}{b}\n")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_plans_take_the_fast_path(text in file()) {
        // Generated names may be keywords' lookalikes but never keywords, so
        // every generated file is well formed.
        prop_assert!(check(&text)?, "pest finds an error in a generated plan:\n{}", text);
    }

    #[test]
    fn generated_plans_after_random_edits(
        text in file(),
        edits in prop::collection::vec((0usize..100_000, 0usize..4, prop::sample::select(EDIT_SNIPPETS)), 1..4),
    ) {
        let mut text = text;
        for (at, del, ins) in edits {
            text = edit(&text, at, del, ins);
            check(&text)?;
        }
    }

    #[test]
    fn repository_files_after_random_edits(
        file in 0usize..1000,
        edits in prop::collection::vec((0usize..100_000, 0usize..4, prop::sample::select(EDIT_SNIPPETS)), 1..4),
    ) {
        let files = repository_files();
        let mut text = files[file % files.len()].1.clone();
        for (at, del, ins) in edits {
            text = edit(&text, at, del, ins);
            check(&text)?;
        }
    }
}

#[test]
fn non_ascii_spans_are_byte_offsets() {
    let text = "scenario é_not_a_name { }\nscenario s \"Équipe 🚀\" { kpi \"é\" purpose x }\n";
    // `é_not_a_name` is not a name: the fast path leaves the file to pest.
    assert_eq!(parse_fast_path(text), None);
    let text = "scenario s \"Équipe 🚀\" { kpi \"é\" purpose x }\n";
    let tree = parse_fast_path(text).expect("well formed");
    assert_eq!(tree, parse_with_pest(text));
    let Item::Scenario(s) = &tree.items[0] else { panic!("a scenario") };
    let title = s.title.as_ref().expect("title");
    assert_eq!((title.span.start, title.span.end), (11, 25), "bytes, not chars");
    assert_eq!(title.value, "Équipe 🚀");
}
