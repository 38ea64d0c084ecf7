//! The editor integrations under `editors/` stay in step with the language.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report failures by panicking"
)]

mod common;

use common::root;
use serde_json::Value;

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).expect("read");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_textmate_grammar_knows_every_keyword() {
    let grammar = read_json("editors/vscode/syntaxes/cadrage.tmLanguage.json");
    let pattern = grammar["repository"]["keyword"]["match"].as_str().expect("keyword pattern");
    let inner = pattern.trim_start_matches("\\b(").trim_end_matches(")\\b");
    let listed: Vec<&str> = inner.split('|').collect();
    for kw in cadrage_syntax::KEYWORDS {
        assert!(listed.contains(kw), "`{kw}` is missing from the TextMate grammar");
    }
}

#[test]
fn the_vscode_extension_starts_the_server_for_cadrage_files() {
    let package = read_json("editors/vscode/package.json");
    assert_eq!(package["main"], "./extension.js");
    assert_eq!(package["contributes"]["languages"][0]["extensions"][0], ".cadrage");
    let _ = read_json("editors/vscode/language-configuration.json");
    let extension = std::fs::read_to_string(root().join("editors/vscode/extension.js")).expect("read");
    assert!(extension.contains("args: [\"lsp\"]"), "the extension runs `cadrage lsp`");
}
