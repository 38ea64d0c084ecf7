//! The commands for ruleset authors as processes: `test`, `explain`,
//! `table`, `rules`, `diff`. Every run starts in the repository root.

#![allow(clippy::expect_used, clippy::panic, reason = "test helpers report failures by panicking")]

mod common;

use std::process::Command;

use common::{cadrage, json, root};
use serde_json::Value;

const FAILING: &str = "tests/corpus/rulesets/test_failed.cadrage";

// --- cadrage test ----------------------------------------------------------

#[test]
fn shipped_rulesets_pass_their_tests() {
    let run = cadrage(&["test", "rulesets"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("FAIL"), "{}", run.stdout);
    let j = json(&cadrage(&["test", "rulesets", "--format", "json"]));
    let tests = j["tests"].as_array().expect("tests");
    assert_eq!(j["summary"]["failed"], 0);
    assert_eq!(j["summary"]["passed"].as_u64(), Some(tests.len() as u64));
    let names: Vec<&str> =
        j["rulesets"].as_array().expect("rulesets").iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["expertise", "management"]);
    // expertise runs its own tests and those it inherits from management.
    let expertise = tests.iter().filter(|t| t["ruleset"] == "expertise").count();
    let inherited = tests.iter().filter(|t| t["ruleset"] == "expertise" && t["from"] == "management").count();
    let management = tests.iter().filter(|t| t["ruleset"] == "management").count();
    assert_eq!((management, inherited, expertise), (12, 12, 20));
    assert!(run.stdout.ends_with("test result: ok. 32 passed, 0 failed (2 rulesets)\n"), "{}", run.stdout);
}

#[test]
fn failing_tests_human_output_and_exit_1() {
    let run = cadrage(&["test", FAILING]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}'), "no colours when piped");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn failing_tests_json() {
    let run = cadrage(&["test", FAILING, "--format", "json"]);
    assert_eq!(run.code, 1);
    let j = json(&run);
    assert_eq!(j["summary"]["passed"], 1);
    assert_eq!(j["summary"]["failed"], 3);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn failing_tests_junit() {
    let run = cadrage(&["test", FAILING, "--format", "junit"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with("<?xml"));
    assert_eq!(run.stdout.matches("<failure ").count(), 3);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn colours_when_asked() {
    let run = cadrage(&["test", FAILING, "--color", "always"]);
    assert!(run.stdout.contains('\u{1b}'));
}

#[test]
fn test_of_a_missing_path_or_no_ruleset_exits_2() {
    let run = cadrage(&["test", "no/such/place"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`no/such/place` does not exist"), "{}", run.stderr);
    let run = cadrage(&["test", "examples/merger.cadrage"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no ruleset in the `.cadrage` files under `examples/merger.cadrage`"),
        "{}",
        run.stderr
    );
}

// --- cadrage explain -------------------------------------------------------

#[test]
fn explain_a_scenario_human() {
    let run = cadrage(&["explain", "examples/mistakes.cadrage", "--scenario", "merger_news", "--today", "2027-01-01"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("from plan intranet_2027"), "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn explain_json_has_facts_rules_verdict_and_remedies() {
    let run = cadrage(&["explain", "examples/mistakes.cadrage", "--format", "json", "--today", "2027-01-01"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let j = json(&run);
    let scenarios = j["scenarios"].as_array().expect("scenarios");
    let s = scenarios.iter().find(|s| s["scenario"] == "payroll_space").expect("payroll_space");
    assert_eq!(s["expected"], serde_json::json!(["socio_collaborative"]));
    assert_eq!(s["chosen"], "community");
    let rule = s["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["rule"] == "management.work_is_the_managers_job")
        .expect("rule");
    assert_eq!(rule["result"], "true");
    assert_eq!(rule["atoms"][0]["value"], "true");
    let f = s["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "management.work_is_the_managers_job")
        .expect("finding");
    assert_eq!(f["remedies"][0]["title"], "choose socio_collaborative");
    // Written scenario by scenario, laid out as serde_json lays out the whole.
    assert_eq!(run.stdout, serde_json::to_string_pretty(&j).expect("JSON") + "\n");
}

#[test]
fn explain_a_whole_file_human() {
    let run = cadrage(&["explain", "examples/mistakes.cadrage", "--today", "2027-01-01"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches("\nscenario ").count() + 1, 3, "three scenarios");
    assert!(run.stdout.ends_with("\n") && !run.stdout.ends_with("\n\n"));
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn explain_an_unknown_scenario_exits_2() {
    let run = cadrage(&["explain", "examples/mistakes.cadrage", "--scenario", "nope"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no scenario `nope` in `examples/mistakes.cadrage`"), "{}", run.stderr);
}

// --- cadrage table, rules --------------------------------------------------

#[test]
fn table_of_management_markdown() {
    let run = cadrage(&["table", "management"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // One row per purpose, one per model.
    assert_eq!(run.stdout.lines().filter(|l| l.starts_with("| purpose")).count(), 7);
    assert_eq!(run.stdout.lines().filter(|l| l.starts_with("| `")).count(), 2);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn table_csv_and_html() {
    let csv = cadrage(&["table", "rulesets/expertise.cadrage", "--format", "csv"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines.first().copied(), Some("kind,Facts,Meaning,Expected model,Rule,Severity,Why"));
    assert!(lines.iter().any(|l| l.starts_with("fact,purpose expertise,")), "{}", csv.stdout);
    assert!(lines.iter().any(|l| l.starts_with("model,kpo,Knowledge process outsourcing,")), "{}", csv.stdout);
    let html = cadrage(&["table", "management", "--format", "html"]);
    assert_eq!(html.code, 0);
    assert_eq!(html.stdout.matches("<table>").count(), 2);
    assert!(html.stdout.contains("<td>community + socio_collaborative</td>"), "{}", html.stdout);
}

#[test]
fn rules_lists_a_ruleset() {
    let run = cadrage(&["rules", "expertise"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn rules_code_explains_one_rule() {
    let run = cadrage(&["rules", "--code", "expertise.core_knowledge_stays_in"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
    let run = cadrage(&["rules", "--code", "management.nope"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no rule `management.nope`"), "{}", run.stderr);
    let run = cadrage(&["table", "managment"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no ruleset `managment`"), "{}", run.stderr);
}

// --- cadrage diff ------------------------------------------------------------

const DIFF: [&str; 4] = ["diff", "--base", "tests/projects/diff/old", "tests/projects/diff/plans"];

#[test]
fn diff_of_two_ruleset_versions_human() {
    let run = cadrage(&DIFF);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn diff_json_lists_the_known_changes_with_witnesses() {
    let mut args = DIFF.to_vec();
    args.extend(["--format", "json"]);
    let run = cadrage(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let j = json(&run);
    let shop = &j["rulesets"][0];
    assert_eq!(shop["name"], "shop");
    assert_eq!(shop["equivalent"], false);
    let diffs = shop["differences"].as_array().expect("differences");
    assert_eq!(diffs.len(), 3, "{diffs:#?}");
    assert_eq!(diffs[0]["witness"], "purpose innovation");
    assert_eq!(diffs[2]["witness"], "purpose performance, led_by agency");
    let changes = j["changes"].as_array().expect("changes");
    let names: Vec<&str> = changes.iter().filter_map(|c| c["scenario"].as_str()).collect();
    assert_eq!(names, ["ideas", "sales"]);
    assert_eq!(changes[0]["expected"], serde_json::json!({"old": "none", "new": "community"}));
    assert_eq!(j["scenarios"], 4);
}

#[test]
fn diff_markdown_for_a_pull_request() {
    let mut args = DIFF.to_vec();
    args.extend(["--format", "markdown"]);
    let run = cadrage(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn diff_against_itself_is_equivalent() {
    let run = cadrage(&["diff", "--base", "tests/projects/diff/rulesets", "tests/projects/diff/plans"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("no ruleset changed"), "{}", run.stdout);
    assert!(run.stdout.ends_with("0 of 4 scenarios change\n"), "{}", run.stdout);
}

#[test]
fn diff_against_a_git_revision() {
    let dir = std::env::temp_dir().join(format!("cadrage-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rulesets")).expect("temp dir");
    let src = root().join("tests/projects/diff");
    std::fs::copy(src.join("cadrage.toml"), dir.join("cadrage.toml")).expect("copy");
    std::fs::copy(src.join("old/shop.cadrage"), dir.join("rulesets/shop.cadrage")).expect("copy");
    std::fs::copy(src.join("plans/plans.cadrage"), dir.join("plans.cadrage")).expect("copy");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git runs");
        assert!(ok.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&ok.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "old"]);
    std::fs::copy(src.join("rulesets/shop.cadrage"), dir.join("rulesets/shop.cadrage")).expect("copy");
    let out = Command::new(env!("CARGO_BIN_EXE_cadrage"))
        .args(["diff", "--base", "HEAD", "plans.cadrage", "--format", "json"])
        .current_dir(&dir)
        .output()
        .expect("run cadrage");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let j: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(j["rulesets"][0]["equivalent"], false);
    assert_eq!(j["changes"].as_array().map(Vec::len), Some(2));
    let bad = Command::new(env!("CARGO_BIN_EXE_cadrage"))
        .args(["diff", "--base", "no-such-rev", "plans.cadrage"])
        .current_dir(&dir)
        .output()
        .expect("run cadrage");
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
