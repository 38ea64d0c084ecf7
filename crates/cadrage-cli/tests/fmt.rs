//! `cadrage fmt` as a process: in place, `--check`, `--stdin`, files with
//! syntax errors, non-ASCII text.

#![allow(clippy::expect_used, clippy::panic, reason = "test helpers report failures by panicking")]

mod common;

use common::{cadrage, cadrage_in, cadrage_stdin};

const MESSY: &str = "use management\nscenario réunion_bad \"Réunion d'équipe — fusion 🚀\" { purpose announce audience company,own_team # both\n model community kpi \"é\" }\n";
const TIDY: &str = "use management\n\nscenario réunion_bad \"Réunion d'équipe — fusion 🚀\" {\n  purpose  announce\n  audience company, own_team  # both\n  model    community\n  kpi      \"é\"\n}\n";

#[test]
fn stdin_to_stdout() {
    let input = "scenario s { purpose announce model community kpi \"Réunion 🚀\" }";
    let run = cadrage_stdin(&["fmt", "--stdin"], input);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "scenario s {\n  purpose announce\n  model   community\n  kpi     \"Réunion 🚀\"\n}\n");
}

#[test]
fn stdin_with_syntax_errors_gives_the_text_back_and_exits_2() {
    let input = "scenario s { purpose }\nscenario t { model community }\n";
    let run = cadrage_stdin(&["fmt", "--stdin"], input);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, input, "nothing is lost");
    assert!(run.stderr.contains("cadrage::syntax"), "{}", run.stderr);
}

#[test]
fn check_prints_a_diff_and_exits_1_without_touching_files() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let plans = tmp.path().join("plans");
    std::fs::create_dir(&plans).expect("mkdir");
    // The name is ASCII (names are); the title and the comment are not.
    let messy = MESSY.replace("réunion_bad", "reunion_bad");
    std::fs::write(plans.join("messy.cadrage"), &messy).expect("write");
    std::fs::write(plans.join("tidy.cadrage"), TIDY.replace("réunion_bad", "reunion_bad")).expect("write");
    let run = cadrage_in(tmp.path(), &["fmt", "--check", "plans"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("--- plans/messy.cadrage\n+++ plans/messy.cadrage (formatted)\n"), "{}", run.stdout);
    assert!(run.stdout.contains("+  audience company, own_team  # both\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("tidy.cadrage"), "a formatted file shows no diff");
    assert!(run.stdout.ends_with("1 file would be reformatted, 1 already formatted\n"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(plans.join("messy.cadrage")).expect("read"), messy, "--check writes nothing");
}

#[test]
fn formats_in_place_and_then_check_passes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("plan.cadrage");
    std::fs::write(&file, MESSY.replace("réunion_bad", "reunion_bad")).expect("write");
    let run = cadrage_in(tmp.path(), &["fmt", "plan.cadrage"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "formatted plan.cadrage\n1 file reformatted, 0 unchanged\n");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), TIDY.replace("réunion_bad", "reunion_bad"));
    let again = cadrage_in(tmp.path(), &["fmt", "--check", "."]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert_eq!(again.stdout, "1 file already formatted\n");
}

#[test]
fn a_file_with_syntax_errors_is_left_alone_and_the_others_are_formatted() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // `réunion_bad` is not a name: names are ASCII.
    std::fs::write(tmp.path().join("broken.cadrage"), MESSY).expect("write");
    std::fs::write(tmp.path().join("ok.cadrage"), "scenario s { model community }").expect("write");
    let run = cadrage_in(tmp.path(), &["fmt", "."]);
    assert_eq!(run.code, 2);
    assert_eq!(std::fs::read_to_string(tmp.path().join("broken.cadrage")).expect("read"), MESSY);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("ok.cadrage")).expect("read"),
        "scenario s {\n  model community\n}\n"
    );
    assert!(run.stderr.contains("broken.cadrage:2:"), "{}", run.stderr);
    assert!(run.stdout.contains("1 file not formatted: fix the syntax errors above first"), "{}", run.stdout);
}

#[test]
fn the_repository_examples_and_rulesets_are_formatted() {
    let run = cadrage(&["fmt", "--check", "examples", "rulesets", "tests/projects"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}
