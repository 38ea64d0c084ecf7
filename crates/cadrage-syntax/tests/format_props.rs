//! Properties of the formatter, over generated files and over every
//! `.cadrage` file of the repository:
//!
//! - formatting is idempotent;
//! - formatting never changes the meaning: parse → format → parse gives the
//!   same syntax tree apart from spans;
//! - every comment survives;
//! - a file with syntax errors is refused, never rewritten.

#![allow(clippy::expect_used, clippy::panic, reason = "test helpers report failures by panicking")]

use cadrage_syntax::format::format;
use proptest::prelude::*;

/// The syntax tree's debug dump with every `Span { start: N, end: N }` erased.
fn shape(text: &str) -> String {
    let file = cadrage_syntax::parse(text);
    let dump = format!("{:?}", file.items);
    let mut out = String::with_capacity(dump.len());
    let mut rest = dump.as_str();
    while let Some(at) = rest.find("Span { start: ") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let close = after.find('}').expect("a closing brace");
        out.push_str("Span");
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The comments of a text, in order (outside strings, as the lexer sees them).
fn comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                let long = text[i..].starts_with("\"\"\"");
                if long {
                    chars.next();
                    chars.next();
                    let mut quotes = 0;
                    while let Some((_, c)) = chars.next() {
                        if c == '\\' {
                            chars.next();
                            quotes = 0;
                        } else if c == '"' {
                            quotes += 1;
                            if quotes == 3 {
                                break;
                            }
                        } else {
                            quotes = 0;
                        }
                    }
                } else {
                    while let Some((_, c)) = chars.next() {
                        if c == '\\' {
                            chars.next();
                        } else if c == '"' || c == '\n' {
                            break;
                        }
                    }
                }
            }
            '#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                out.push(text[i..end].trim_end().to_string());
                while chars.peek().is_some_and(|&(j, _)| j < end) {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    out
}

fn check_properties(name: &str, text: &str) {
    let parsed = cadrage_syntax::parse(text);
    match format(text) {
        Err(e) => {
            assert!(!parsed.errors.is_empty(), "{name}: refused without syntax errors");
            assert_eq!(e.errors, parsed.errors, "{name}: the refusal carries the syntax errors");
        }
        Ok(once) => {
            assert!(parsed.errors.is_empty(), "{name}: formatted despite syntax errors");
            let twice =
                format(&once).unwrap_or_else(|e| panic!("{name}: formatted text does not parse: {e:?}\n{once}"));
            assert_eq!(once, twice, "{name}: formatting is not idempotent");
            assert_eq!(shape(text), shape(&once), "{name}: formatting changed the syntax tree\n{once}");
            let mut before = comments(text);
            let mut after = comments(&once);
            before.sort();
            after.sort();
            assert_eq!(before, after, "{name}: comments lost or changed\n{once}");
        }
    }
}

#[test]
fn every_cadrage_file_of_the_repository() {
    let mut seen = 0;
    for (path, text) in cadrage_syntax::testing::repository_files() {
        check_properties(&path.display().to_string(), text);
        seen += 1;
    }
    assert!(seen > 50, "only {seen} files found");
}

// ------------------------------------------------------------------ generated files

/// Between two tokens anything insignificant may stand.
fn separator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        " ",
        " ",
        " ",
        "\n",
        "\n\n",
        "  ",
        "\t",
        " # note\n",
        "\n  # on its own line\n  ",
        "\n\n# 🚀 é\n",
    ])
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["alpha", "beta", "x_1", "team_space", "_hidden", "plan_b2"]).prop_map(String::from)
}

fn string() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "\"Réunion d'équipe — fusion 2027 🚀\"",
        "\"a \\\"quoted\\\" word\"",
        "\"# not a comment\"",
        "\"\\u{e9}t\\u{e9}\"",
        "\"\"",
        "\"\"\"\n    two\n      lines # kept\n  \"\"\"",
    ])
    .prop_map(String::from)
}

fn fact() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        (name(), name()).prop_map(|(d, v)| vec![d, v]),
        (name(), name(), name()).prop_map(|(d, a, b)| vec![d, a, ",".into(), b]),
        (name(), name()).prop_map(|(a, b)| vec!["model".into(), a, "+".into(), b]),
        (name(), string()).prop_map(|(d, s)| vec![d, s]),
    ]
}

fn allow() -> impl Strategy<Value = Vec<String>> {
    (name(), string(), prop::option::of(string()), prop::bool::ANY).prop_map(|(r, reason, by, until)| {
        let mut t = vec!["allow".into(), format!("management.{r}"), reason];
        if let Some(by) = by {
            t.extend(["by".into(), by]);
        }
        if until {
            t.extend(["until".into(), "2027-06-30".into()]);
        }
        t
    })
}

fn scenario() -> impl Strategy<Value = Vec<String>> {
    (name(), prop::option::of(string()), prop::collection::vec(fact(), 0..5), prop::option::of(allow())).prop_map(
        |(n, title, facts, allow)| {
            let mut t = vec!["scenario".into(), n];
            t.extend(title);
            t.push("{".into());
            facts.into_iter().for_each(|f| t.extend(f));
            t.extend(allow.into_iter().flatten());
            t.push("}".into());
            t
        },
    )
}

fn plan() -> impl Strategy<Value = Vec<String>> {
    (name(), prop::collection::vec(fact(), 0..3), prop::collection::vec(scenario(), 0..3), name()).prop_map(
        |(n, facts, scenarios, phase)| {
            let mut t = vec!["plan".into(), n, "{".into()];
            facts.into_iter().for_each(|f| t.extend(f));
            t.extend(["phase".into(), phase, "{".into()]);
            scenarios.into_iter().for_each(|s| t.extend(s));
            t.extend(["}".into(), "}".into()]);
            t
        },
    )
}

fn ruleset() -> impl Strategy<Value = Vec<String>> {
    (name(), name(), name(), string(), prop::bool::ANY).prop_map(|(n, m, d, s, many)| {
        let mut t: Vec<String> = vec!["ruleset".into(), n, "{".into(), "version".into(), "\"1.0\"".into()];
        t.extend(["model".into(), m.clone(), s.clone(), "{".into(), "summary".into(), s.clone(), "}".into()]);
        t.extend(["dimension".into(), d.clone()]);
        if many {
            t.push("many".into());
        }
        t.extend(["{".into(), "yes".into(), s.clone(), "no_way".into(), "}".into()]);
        t.extend(["dimension".into(), "kpi".into(), "text".into()]);
        t.extend(["rule".into(), "r1".into(), s.clone(), "{".into(), "when".into(), "not".into(), "(".into()]);
        t.extend([d.clone(), "is".into(), "yes".into(), "or".into(), d.clone(), "in".into(), "[".into()]);
        t.extend(["yes".into(), ",".into(), "no_way".into(), "]".into(), ")".into(), "and".into(), "kpi".into()]);
        t.extend(["is".into(), "present".into(), "expect".into(), m.clone(), "|".into(), m.clone(), "+".into()]);
        t.extend([m.clone(), "severity".into(), "warning".into(), "message".into(), s.clone(), "priority".into()]);
        t.extend(["2".into(), "}".into(), "rule".into(), "r2".into(), "{".into(), "when".into(), "kpi".into()]);
        t.extend(["is".into(), "missing".into(), "require".into(), "kpi".into(), ",".into(), d.clone(), "}".into()]);
        t.extend(["test".into(), s, "{".into(), "given".into(), d, "yes".into(), "expect".into()]);
        t.extend(["findings".into(), "none".into(), "expect".into(), "model".into(), m, "}".into(), "}".into()]);
        t
    })
}

fn file() -> impl Strategy<Value = String> {
    let item = prop_oneof![name().prop_map(|n| vec!["use".to_string(), n]), scenario(), plan(), ruleset(),];
    prop::collection::vec(item, 0..5)
        .prop_flat_map(|items| {
            let tokens: Vec<String> = items.into_iter().flatten().collect();
            let n = tokens.len();
            (Just(tokens), prop::collection::vec(separator(), n + 1))
        })
        .prop_map(|(tokens, seps)| {
            let mut out = String::new();
            for (t, s) in tokens.iter().zip(&seps) {
                out.push_str(t);
                out.push_str(s);
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_files_format_idempotently_without_changing_meaning(text in file()) {
        let parsed = cadrage_syntax::parse(&text);
        prop_assert!(parsed.errors.is_empty(), "the generator made a bad file: {:?}\n{}", parsed.errors, text);
        check_properties("generated", &text);
    }
}
