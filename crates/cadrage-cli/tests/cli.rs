//! `cadrage check` as a process: exit codes, human and JSON output, project
//! files, positions. Fixtures are the shipped `examples/` and the small
//! projects under `tests/projects/`; every run starts in the repository root
//! so that the paths in the output are the ones a user would see.

#![allow(clippy::expect_used, clippy::panic, reason = "test helpers report failures by panicking")]

mod common;

use common::{TODAY, cadrage, cadrage_env, json, many_mistakes, root};

// --- the examples --------------------------------------------------------

#[test]
fn examples_human_output_and_exit_1() {
    let run = cadrage(&["check", "examples", "--today", TODAY]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}'), "no colours when piped");
    assert!(
        run.stdout.ends_with("checked 4 files (11 scenarios): 3 errors, 2 warnings, 0 infos, 0 hints, 1 allowed\n"),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!("examples_human", run.stdout);
}

/// The output goes to a duplicate of standard output's descriptor (not
/// through Rust's line-buffered `Stdout`): it shares the file's offset and
/// mode, so a redirection that appends (`>>`) keeps what the file held.
#[test]
fn output_redirected_to_a_file_appends_when_asked() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("out.json");
    std::fs::write(&path, "before\n").expect("write");
    let file = std::fs::OpenOptions::new().append(true).open(&path).expect("open");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_cadrage"))
        .args(["check", "examples", "--format", "json", "--fail-on", "never", "--today", TODAY])
        .current_dir(root())
        .stdout(file)
        .status()
        .expect("run cadrage");
    assert!(status.success());
    let text = std::fs::read_to_string(&path).expect("read");
    let piped = cadrage(&["check", "examples", "--format", "json", "--fail-on", "never", "--today", TODAY]);
    assert_eq!(text, format!("before\n{}", piped.stdout));
}

#[test]
fn examples_json_output_has_the_documented_shape() {
    let run = cadrage(&["check", "examples", "--format", "json", "--today", TODAY]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let doc = json(&run);
    let keys: Vec<&str> = doc.as_object().expect("object").keys().map(String::as_str).collect();
    // The findings are written as files are checked; what only the end of
    // the run knows closes the document (docs/cli.md).
    assert_eq!(keys, ["version", "files", "findings", "classifications", "allowed", "scenarios", "summary"]);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["files"], 4);
    assert_eq!(doc["scenarios"], 11);
    assert_eq!(doc["summary"], serde_json::json!({"error": 3, "warning": 2, "info": 0, "hint": 0, "allowed": 1}));
    let first = &doc["findings"][0];
    let keys: Vec<&str> = first.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["file", "scenario", "code", "severity", "message", "help", "span", "related", "fix", "remedies"],
        "finding keys in the documented order (a rule's finding has remedies)"
    );
    insta::assert_json_snapshot!("examples_json", doc);
}

/// A reader that stops early (`| head`) is not an error of the check: no
/// message, and the exit status still says what the files hold.
#[test]
fn json_to_a_pipe_closed_early_is_not_an_error() {
    use std::io::Read;
    let dir = many_mistakes(300);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cadrage"))
        .args(["check", ".", "--format", "json", "--today", TODAY])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run cadrage");
    let mut head = [0u8; 32];
    child.stdout.take().expect("stdout").read_exact(&mut head).expect("the document's first bytes");
    // The pipe is closed here, long before the document's end.
    let out = child.wait_with_output().expect("wait");
    assert_eq!(std::str::from_utf8(&head).expect("UTF-8"), "{\"version\":1,\"files\":300,\"findin");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Any other failure to write the output is an error (exit 2), in every
/// format of `check` and in every command that prints: not a truncated
/// output passed off as a finished one, nor a panic (`print!` panics when
/// stdout fails).
#[cfg(target_os = "linux")]
#[test]
fn output_to_a_full_disk_fails_with_exit_2() {
    let dir = many_mistakes(3);
    let folder = dir.path().display().to_string();
    let plan = dir.path().join("m0000.cadrage").display().to_string();
    let mut commands: Vec<Vec<&str>> = ["human", "json", "sarif", "github", "junit"]
        .into_iter()
        .map(|format| vec!["check", folder.as_str(), "--format", format, "--today", TODAY])
        .collect();
    commands.extend([
        vec!["rules"],
        vec!["rules", "--code", "management.work_is_the_managers_job"],
        vec!["explain", "examples/mistakes.cadrage"],
        vec!["explain", "examples/mistakes.cadrage", "--format", "json"],
        vec!["test", "rulesets"],
        vec!["table", "management"],
        vec!["diff", "--base", "rulesets/management.cadrage", "rulesets/management.cadrage"],
        vec!["fmt", "--check", plan.as_str()],
        vec!["fmt", "--stdin"],
    ]);
    for args in commands {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cadrage"))
            .args(&args)
            .current_dir(root())
            .stdin(std::fs::File::open(&plan).expect("a plan, for fmt --stdin"))
            .stdout(full)
            .output()
            .expect("run cadrage");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write the output"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// Files are checked by as many threads as asked (`RAYON_NUM_THREADS`),
/// finishing in any order: the output is the same, in file order.
#[test]
fn the_output_does_not_depend_on_the_number_of_threads() {
    let dir = many_mistakes(120);
    let run = |threads: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cadrage"))
            .args(["check", ".", "--format", "json", "--today", TODAY])
            .current_dir(dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("run cadrage");
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let one = run("1");
    let doc: serde_json::Value = serde_json::from_slice(&one).expect("JSON");
    let files: Vec<&str> =
        doc["findings"].as_array().expect("findings").iter().filter_map(|f| f["file"].as_str()).collect();
    assert!(files.windows(2).all(|w| w[0] <= w[1]), "findings out of file order");
    assert_eq!(files.first(), Some(&"./m0000.cadrage"));
    assert_eq!(files.last(), Some(&"./m0119.cadrage"));
    for threads in ["2", "5"] {
        assert!(run(threads) == one, "{threads} threads give another output");
    }
}

#[test]
fn findings_come_in_file_then_offset_order_whatever_the_argument_order() {
    let a = cadrage(&["check", "examples/mistakes.cadrage", "examples/merger.cadrage", "--format", "json"]);
    let b = cadrage(&["check", "examples/merger.cadrage", "examples/mistakes.cadrage", "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
    let doc = json(&a);
    let order: Vec<(String, u64)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (f["file"].as_str().unwrap_or_default().to_owned(), f["span"]["start"]["offset"].as_u64().unwrap_or(0))
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert!(order.len() >= 5);
}

#[test]
fn a_clean_file_exits_0_with_a_summary() {
    let run = cadrage(&["check", "examples/merger.cadrage"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "checked 1 file (4 scenarios): 0 errors, 0 warnings, 0 infos, 0 hints\n");
}

// --- --fail-on -----------------------------------------------------------

#[test]
fn fail_on_sets_the_threshold_of_exit_1() {
    // `nested` has one error: a warning raised to error by its project file.
    let warn_only = "tests/projects/nested/plans/q3/launch.cadrage";
    assert_eq!(cadrage(&["check", warn_only]).code, 1);
    assert_eq!(cadrage(&["check", warn_only, "--fail-on", "never"]).code, 0);
    let mistakes = "examples/mistakes.cadrage";
    assert_eq!(cadrage(&["check", mistakes, "--fail-on", "error"]).code, 1);
    assert_eq!(cadrage(&["check", mistakes, "--fail-on", "never"]).code, 0);
    // A warning alone: only --fail-on warning (or lower) fails.
    let allow = "tests/projects/warning_only/plan.cadrage";
    assert_eq!(cadrage(&["check", allow]).code, 0);
    assert_eq!(cadrage(&["check", allow, "--fail-on", "warning"]).code, 1);
    assert_eq!(cadrage(&["check", allow, "--fail-on", "hint"]).code, 1);
}

#[test]
fn today_decides_whether_an_allow_has_expired() {
    let file = "examples/open_innovation.cadrage";
    let before = cadrage(&["check", file, "--today", "2030-06-30", "--format", "json"]);
    let after = cadrage(&["check", file, "--today", "2030-07-01", "--format", "json"]);
    assert_eq!(json(&before)["summary"]["allowed"], 1);
    let doc = json(&after);
    let codes: Vec<&str> =
        doc["findings"].as_array().expect("findings").iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(codes.contains(&"cadrage::expired-allow"), "{codes:?}");
    assert!(codes.contains(&"management.no_community_manager_for_staff"), "{codes:?}");
}

// --- exit 2: the check could not run --------------------------------------

#[test]
fn a_path_that_does_not_exist_exits_2() {
    let run = cadrage(&["check", "no/such/folder"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("`no/such/folder` does not exist"), "{}", run.stderr);
}

#[test]
fn a_folder_without_cadrage_files_exits_2() {
    let run = cadrage(&["check", "tests/projects/empty_dir"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no `.cadrage` files under `tests/projects/empty_dir`"), "{}", run.stderr);
}

#[test]
fn bad_arguments_exit_2() {
    let run = cadrage(&["check", "examples", "--today", "2027-13-01"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`2027-13-01` is not a date: write YYYY-MM-DD"), "{}", run.stderr);
    assert_eq!(cadrage(&["check", "--format", "xml"]).code, 2);
    assert_eq!(cadrage(&["frobnicate"]).code, 2);
}

/// Each broken project file: exit 2, the file and line named, the help.
#[test]
fn project_file_errors_name_the_file_and_line() {
    let cases = [
        ("bad_key", "unknown key `defualt` in the project file", "cadrage.toml:3:1", "the keys are `rulesets`"),
        ("bad_severity_value", "`fatal` is not a severity", "cadrage.toml:4:40", "\"off\""),
        (
            "missing_ruleset_path",
            "the ruleset path `rulesets/missing.cadrage` does not exist",
            "cadrage.toml:1:13",
            "relative to the project file's folder",
        ),
        (
            "unknown_severity_key",
            "no loaded ruleset has a rule `management.comunity_shows_results`",
            "cadrage.toml:2:1",
            "did you mean `management.community_shows_results`?",
        ),
        (
            "default_not_loaded",
            "the default ruleset `expertize` is not loaded",
            "cadrage.toml:1:11",
            "did you mean `expertise`?",
        ),
    ];
    for (dir, message, location, help) in cases {
        let run = cadrage(&["check", &format!("tests/projects/{dir}")]);
        assert_eq!(run.code, 2, "{dir}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{dir}: {}", run.stdout);
        assert!(run.stderr.contains(message), "{dir}: {}", run.stderr);
        assert!(run.stderr.contains(&format!("tests/projects/{dir}/{location}")), "{dir}: {}", run.stderr);
        assert!(run.stderr.contains(help), "{dir}: {}", run.stderr);
    }
}

// --- projects -----------------------------------------------------------

#[test]
fn the_project_file_is_found_by_walking_up_and_its_severities_apply() {
    let run = cadrage(&["check", "tests/projects/nested/plans/q3/launch.cadrage", "--format", "json"]);
    let doc = json(&run);
    let findings = doc["findings"].as_array().expect("findings");
    // community_shows_results is raised to error; classified is off.
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["code"], "management.community_shows_results");
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(run.code, 1);
}

#[test]
fn a_project_ruleset_replaces_the_embedded_one_of_the_same_name() {
    let run = cadrage(&["check", "tests/projects/custom_ruleset", "--format", "json"]);
    let doc = json(&run);
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["file"] == "tests/projects/custom_ruleset/plan.cadrage")
        .filter_map(|f| f["code"].as_str())
        .collect();
    // Only the project's rule exists: the embedded rules (e.g. the kpi and
    // the daily-work rules) are gone.
    assert_eq!(codes, ["management.announce_needs_community"]);
    assert_eq!(
        doc["findings"][0]["related"][0]["file"], "tests/projects/custom_ruleset/rulesets/management.cadrage",
        "the related location is the project's ruleset file"
    );
}

#[test]
fn a_file_that_cannot_be_read_is_a_finding_and_the_others_are_still_checked() {
    // Made here rather than committed: a Latin-1 file in the repository
    // would trip every tool that reads the repository's text.
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("mixed");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(
        dir.join("good.cadrage"),
        "use management\nscenario ok { purpose announce model community kpi \"x\" }\n",
    )
    .expect("write");
    std::fs::write(dir.join("latin1.cadrage"), b"use management\nscenario caf\xe9 { }\n").expect("write");
    let run = common::cadrage_in(tmp.path(), &["check", "mixed", "--format", "json"]);
    assert_eq!(run.code, 1);
    let doc = json(&run);
    assert_eq!(doc["files"], 2);
    assert_eq!(doc["scenarios"], 1, "good.cadrage was checked");
    let f = &doc["findings"][0];
    assert_eq!(f["code"], "cadrage::io");
    assert_eq!(f["file"], "mixed/latin1.cadrage");
    assert_eq!(f["message"], "this file is not UTF-8 text (invalid byte at offset 27)");
}

// --- positions -----------------------------------------------------------

/// JSON lines and columns count Unicode scalar values; offsets count bytes.
#[test]
fn json_positions_with_non_ascii_text() {
    let run = cadrage(&["check", "tests/corpus/positions/non_ascii.cadrage", "--format", "json"]);
    let doc = json(&run);
    let typo = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "cadrage::unknown-value")
        .expect("the `anounce` typo");
    let text = std::fs::read_to_string(root().join("tests/corpus/positions/non_ascii.cadrage")).expect("read");
    let offset = text.find("anounce").expect("typo in the file");
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    assert!(column < offset - line_start + 1, "the line has multi-byte text before the span");
    assert_eq!(typo["span"]["start"]["line"], 5);
    assert_eq!(typo["span"]["start"]["column"], column);
    assert_eq!(typo["span"]["start"]["offset"], offset);
    assert_eq!(typo["span"]["end"]["column"], column + "anounce".len());
    assert_eq!(typo["span"]["end"]["offset"], offset + "anounce".len());
}

// --- colours ---------------------------------------------------------------

#[test]
fn colours_only_when_asked_or_on_a_terminal() {
    let always = cadrage(&["check", "examples/mistakes.cadrage", "--color", "always"]);
    assert!(always.stdout.contains("\u{1b}["), "--color always colours even when piped");
    let never = cadrage(&["check", "examples/mistakes.cadrage", "--color", "never"]);
    assert!(!never.stdout.contains('\u{1b}'));
    let no_color = cadrage_env(&["check", "examples/mistakes.cadrage"], &[("NO_COLOR", "1")]);
    assert!(!no_color.stdout.contains('\u{1b}'));
    // Same text apart from the escapes.
    let stripped = strip_ansi(&always.stdout);
    assert_eq!(stripped.lines().count(), never.stdout.lines().count());
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// --- help and version -------------------------------------------------------

#[test]
fn version_and_help() {
    let run = cadrage(&["--version"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, format!("cadrage {}\n", env!("CARGO_PKG_VERSION")));
    let help = cadrage(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Examples:\n  cadrage check examples"), "{}", help.stdout);
    let check = cadrage(&["check", "--help"]);
    assert_eq!(check.code, 0);
    for needle in ["Examples:", "--format", "--fail-on", "--today", "Exit status: 0"] {
        assert!(check.stdout.contains(needle), "{needle}: {}", check.stdout);
    }
}
