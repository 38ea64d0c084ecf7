//! `cadrage check --format sarif|github|junit` as a process, on the
//! example plans: snapshots of each, the SARIF log validated against the
//! SARIF 2.1.0 schema, the XML well-formed, the escaping as CI expects.

#![allow(clippy::expect_used, clippy::panic, reason = "test helpers report failures by panicking")]

mod common;

use common::{TODAY, cadrage, json, many_mistakes, root};
use serde_json::Value;

fn sarif_schema() -> Value {
    let text = std::fs::read_to_string(root().join("tests/schemas/sarif-2.1.0.json")).expect("vendored schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn assert_valid_sarif(doc: &Value) {
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "SARIF schema violations:\n{}", errors.join("\n"));
}

#[test]
fn sarif_on_the_examples_validates_against_the_schema() {
    let run = cadrage(&["check", "examples", "--format", "sarif", "--today", TODAY]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = json(&run);
    assert_valid_sarif(&doc);
    // The validation can fail: a wrong level is caught.
    let mut bad = doc.clone();
    bad["runs"][0]["results"][0]["level"] = Value::from("fatal");
    let schema = sarif_schema();
    assert!(!jsonschema::validator_for(&schema).expect("schema").is_valid(&bad));
    let run0 = &doc["runs"][0];
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    // Every rule of the embedded ruleset and every engine code is listed.
    let ids: Vec<&str> =
        run0["tool"]["driver"]["rules"].as_array().expect("rules").iter().filter_map(|r| r["id"].as_str()).collect();
    assert!(ids.contains(&"management.work_is_the_managers_job"));
    assert!(ids.contains(&"cadrage::unknown-value"));
    assert_eq!(ids.iter().filter(|id| id.starts_with("management.")).count(), 10);
    assert_eq!(ids.iter().filter(|id| id.starts_with("cadrage::")).count(), 21);
    // 5 findings and 1 allowed finding, which carries its suppression.
    let results = run0["results"].as_array().expect("results");
    assert_eq!(results.len(), 6);
    let suppressed: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["status"], "accepted");
    insta::assert_json_snapshot!("examples_sarif", doc);
}

#[test]
fn sarif_regions_count_characters_with_non_ascii_text() {
    let file = "tests/corpus/positions/non_ascii.cadrage";
    let run = cadrage(&["check", file, "--format", "sarif"]);
    let doc = json(&run);
    assert_valid_sarif(&doc);
    let typo = doc["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "cadrage::unknown-value")
        .expect("the typo");
    let region = &typo["locations"][0]["physicalLocation"]["region"];
    let text = std::fs::read_to_string(root().join(file)).expect("read");
    let offset = text.find("anounce").expect("typo");
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    assert_eq!(region["startLine"], 5);
    assert_eq!(region["startColumn"], column);
    assert_eq!(region["endColumn"], column + 7);
    assert_eq!(region["charOffset"], text[..offset].chars().count());
    assert_eq!(region["charLength"], 7);
    let fix = &typo["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(fix["insertedContent"]["text"], "announce");
    assert_eq!(fix["deletedRegion"]["startColumn"], column);
}

#[test]
fn sarif_with_a_project_ruleset_lists_its_rules() {
    let run = cadrage(&["check", "tests/projects/custom_ruleset", "--format", "sarif"]);
    let doc = json(&run);
    assert_valid_sarif(&doc);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert!(ids.contains(&"management.announce_needs_community"), "{ids:?}");
    assert!(!ids.contains(&"management.work_is_the_managers_job"), "the embedded ruleset is replaced");
}

#[test]
fn github_annotations_on_the_examples() {
    let run = cadrage(&["check", "examples", "--format", "github", "--today", TODAY]);
    assert_eq!(run.code, 1);
    let commands: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), 5);
    assert!(
        commands.iter().any(|c| c.starts_with(
            "::error file=examples/mistakes.cadrage,line=13,col=14,endLine=13,endColumn=23,title=management.work_is_the_managers_job::"
        )),
        "{}",
        run.stdout
    );
    // `::` in a title and newlines in a message are escaped.
    assert!(run.stdout.contains("title=cadrage%3A%3Aunknown-value::"), "{}", run.stdout);
    assert!(commands.iter().all(|c| !c.contains('\r')));
    assert!(run.stdout.ends_with("1 allowed\n"));
    insta::assert_snapshot!("examples_github", run.stdout);
}

#[test]
fn github_levels_follow_severities() {
    let run = cadrage(&["check", "tests/corpus/engine/classified.cadrage", "--format", "github"]);
    assert!(run.stdout.lines().any(|l| l.starts_with("::notice ")), "info is a notice: {}", run.stdout);
}

#[test]
fn junit_on_the_examples() {
    let run = cadrage(&["check", "examples", "--format", "junit", "--today", TODAY]);
    assert_eq!(run.code, 1);
    assert_well_formed(&run.stdout);
    assert!(run.stdout.contains("<testsuites name=\"cadrage check\" tests=\"11\" failures=\"3\" errors=\"0\">"));
    insta::assert_snapshot!("examples_junit", run.stdout);
}

#[test]
fn junit_failures_follow_fail_on() {
    let file = "tests/projects/warning_only/plan.cadrage";
    let default = cadrage(&["check", file, "--format", "junit"]);
    assert!(default.stdout.contains("failures=\"0\""), "{}", default.stdout);
    assert!(default.stdout.contains("<system-out>"), "a finding below --fail-on is kept as output");
    let strict = cadrage(&["check", file, "--format", "junit", "--fail-on", "warning"]);
    assert!(
        strict.stdout.contains("<testsuites name=\"cadrage check\" tests=\"1\" failures=\"1\""),
        "{}",
        strict.stdout
    );
    assert_well_formed(&strict.stdout);
}

#[test]
fn junit_escapes_markup_and_reports_file_level_findings() {
    // A syntax error lies outside any scenario: it goes to the `(file)` case.
    let run = cadrage(&["check", "tests/corpus/syntax/recovery_mid_file.cadrage", "--format", "junit"]);
    assert_well_formed(&run.stdout);
    assert!(run.stdout.contains("<testcase name=\"(file)\""), "{}", run.stdout);
    assert!(!run.stdout.contains("'"), "apostrophes are escaped: {}", run.stdout);
}

/// Reads the whole document with an XML parser: it must be well formed.
fn assert_well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML at {}: {e}\n{xml}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "unbalanced elements");
}

/// The one-document formats hold no document in memory: JUnit's test
/// suites wait for their totals in a spool that moves to a temporary file
/// past 2 MiB (1,400 files give ~2.4 MB), SARIF's results go out as they
/// come. Both documents are whole and in file order; without a place for
/// the temporary file, JUnit fails with exit 2.
#[test]
fn junit_and_sarif_of_a_large_folder_are_whole_and_in_order() {
    let n = 1400;
    let dir = many_mistakes(n);
    let run = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cadrage"))
            .args(["check", ".", "--format", format, "--today", TODAY])
            .current_dir(dir.path())
            .output()
            .expect("run cadrage");
        assert_eq!(out.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let junit = run("junit");
    assert!(junit.len() > 2 << 20, "{} bytes: not past the spool's limit", junit.len());
    assert_well_formed(&junit);
    let cases = junit.matches("<testcase ").count();
    let failures = junit.matches("<failure ").count();
    let head = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"cadrage check\" tests=\"{cases}\" failures=\"{failures}\" errors=\"0\">\n"
    );
    let body = junit.strip_prefix(&head).expect("the totals first").strip_suffix("</testsuites>\n").expect("the end");
    // Every file is a copy of one: every suite is the first one, but for its name.
    let suites: Vec<&str> = body.split_inclusive("  </testsuite>\n").collect();
    assert_eq!(suites.len(), n);
    let first = suites[0].replace("./m0000.cadrage", "F");
    assert!(first.starts_with("  <testsuite name=\"F\""), "{first}");
    for (i, suite) in suites.iter().enumerate() {
        assert_eq!(suite.replace(&format!("./m{i:04}.cadrage"), "F"), first, "suite {i}");
    }

    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let first_file = |r: &serde_json::Value| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(results.len() % n, 0);
    let per_file = results.len() / n;
    for (i, chunk) in results.chunks(per_file).enumerate() {
        assert!(
            chunk.iter().all(|r| first_file(r) == format!("./m{i:04}.cadrage")),
            "file {i}: {}",
            first_file(&chunk[0])
        );
    }

    // Past the limit, a spool that cannot have its temporary file is an
    // error (exit 2) that says what to do, not a truncated document. (The
    // JSON document's lists are smaller here: 350 bytes per file, no spill.)
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cadrage"))
        .args(["check", ".", "--format", "junit", "--today", TODAY])
        .current_dir(dir.path())
        .env("TMPDIR", dir.path().join("no such folder"))
        .output()
        .expect("run cadrage");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot keep the output in a temporary file"), "{stderr}");
    assert!(stderr.contains("set TMPDIR"), "{stderr}");
}
