//! The commands for ruleset authors as processes: `test`, `explain`,
//! `table`, `rules`, `diff`. Every run starts in the repository root.

#![expect(clippy::expect_used, clippy::panic, reason = "test helpers report failures by panicking")]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// Runs `cadrage ARGS` in the repository root with a neutral environment:
/// no colour variables, no CI marker, output piped.
fn cadrage(args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cadrage"));
    cmd.args(args).current_dir(root());
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "CI", "COLUMNS", "TERM"] {
        cmd.env_remove(var);
    }
    let out = cmd.output().expect("run cadrage");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.stdout))
}

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
