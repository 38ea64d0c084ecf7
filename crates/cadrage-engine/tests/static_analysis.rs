//! Static checks: their witnesses are verified by checking a scenario that
//! states them, and a witness becomes a `test` block inserted in the
//! ruleset (the editor's code action).

#![expect(clippy::expect_used, reason = "test helpers report failures by panicking")]

use cadrage_engine::analysis::{Witness, check_ruleset, witness_test};
use cadrage_engine::{CheckOptions, EngineCode, Finding, Project, Source};

fn project(text: &str) -> Project {
    let source = Source::new("r.cadrage", text);
    Project::builder().without_builtins().ruleset_file("r.cadrage", source).build()
}

fn findings(text: &str, name: &str) -> Vec<Finding> {
    let p = project(text);
    check_ruleset(p.ruleset(name).expect("ruleset resolves"))
}

/// Checks a scenario stating the witness against the ruleset.
fn check_witness(text: &str, ruleset: &str, w: &Witness) -> cadrage_engine::FileReport {
    let p = project(text);
    let scenario = format!("use {ruleset}\nscenario w {{\n{}}}\n", w.scenario_facts("  "));
    let source = Source::new("w.cadrage", scenario);
    p.check(&source, None, &CheckOptions::on((2027, 1, 1)))
}

fn code_of(f: &Finding) -> Option<EngineCode> {
    f.engine_code()
}

const CLASH: &str = "ruleset clash {
  model community
  model socio_collaborative
  dimension purpose { announce performance }
  dimension audience many { own_team company }
  rule announce_is_community { when purpose is announce expect community }
  rule own_team_is_collaborative { when audience is own_team expect socio_collaborative }
  rule performance { when purpose is performance expect socio_collaborative }
}
";

#[test]
fn a_conflict_witness_makes_both_rules_fire() {
    let fs = findings(CLASH, "clash");
    let conflict = fs.iter().find(|f| code_of(f) == Some(EngineCode::Conflict)).expect("a conflict");
    let w = conflict.witness.as_ref().expect("a witness");
    assert_eq!(w.describe(), "purpose announce, audience own_team");
    let report = check_witness(CLASH, "clash", w);
    assert!(report.findings.iter().any(|f| code_of(f) == Some(EngineCode::Conflict)), "{:#?}", report.findings);
}

#[test]
fn without_the_conflict_there_is_no_conflict_finding() {
    let calm = CLASH.replace("expect community }", "expect community priority 2 }");
    assert!(findings(&calm, "clash").iter().all(|f| code_of(f) != Some(EngineCode::Conflict)));
}

#[test]
fn a_gap_witness_gets_no_expected_model() {
    let text = "ruleset holes {
  model community
  model socio_collaborative
  dimension purpose { announce performance innovation }
  rule a { when purpose is announce expect community }
  rule p { when purpose is performance expect socio_collaborative }
}
";
    let fs = findings(text, "holes");
    let gaps: Vec<&Finding> = fs.iter().filter(|f| code_of(f) == Some(EngineCode::Gap)).collect();
    assert_eq!(gaps.len(), 1);
    let w = gaps[0].witness.as_ref().expect("a witness");
    assert_eq!(w.describe(), "purpose innovation");
    let report = check_witness(text, "holes", w);
    assert_eq!(report.classifications[0].expected, None);
    // Covered: no gap.
    let covered = text.replace("purpose is performance", "purpose in [performance, innovation]");
    assert!(findings(&covered, "holes").iter().all(|f| code_of(f) != Some(EngineCode::Gap)));
}

#[test]
fn a_beaten_rule_witness_is_decided_by_the_higher_rule() {
    let text = "ruleset dead {
  model community
  model socio_collaborative
  dimension purpose { announce performance }
  dimension led_by { manager agency }
  rule high { when purpose is announce expect community priority 2 }
  rule low { when purpose is announce and led_by is agency expect socio_collaborative }
  rule p { when purpose is performance expect socio_collaborative }
}
";
    let fs = findings(text, "dead");
    let dead: Vec<&Finding> = fs.iter().filter(|f| code_of(f) == Some(EngineCode::DeadRule)).collect();
    assert_eq!(dead.len(), 1, "{fs:#?}");
    assert_eq!(dead[0].loc.text(), "low");
    let w = dead[0].witness.as_ref().expect("a witness");
    let report = check_witness(text, "dead", w);
    assert_eq!(report.classifications[0].expected, Some(vec![vec!["community".into()]]));
    // Not always beaten once the higher rule is narrower.
    let alive = text.replace(
        "when purpose is announce expect community",
        "when purpose is announce and led_by is manager expect community",
    );
    assert!(findings(&alive, "dead").iter().all(|f| code_of(f) != Some(EngineCode::DeadRule)));
}

#[test]
fn a_witness_becomes_a_test_block_that_passes_its_expectation() {
    let fs = findings(CLASH, "clash");
    let conflict = fs.iter().find(|f| code_of(f) == Some(EngineCode::Conflict)).expect("a conflict");
    let w = conflict.witness.as_ref().expect("a witness");
    let p = project(CLASH);
    let rs = p.ruleset("clash").expect("ruleset");
    let fix = witness_test(rs, w, "both fire", &["expect findings none".into()]);
    let at = fix.loc.span.start as usize;
    assert_eq!(fix.loc.span.start, fix.loc.span.end, "an insertion");
    let mut edited = CLASH.to_string();
    edited.insert_str(at, &fix.replacement);
    insta::assert_snapshot!(edited);
    // The edited ruleset still parses, resolves and holds the test.
    let p2 = project(&edited);
    let rs2 = p2.ruleset("clash").expect("ruleset");
    assert!(rs2.tests.iter().any(|t| t.name == "both fire"));
    assert!(p2.ruleset_files()[0].findings.iter().all(|f| code_of(f) != Some(EngineCode::Syntax)));
    let runs = cadrage_engine::testing::run_tests(&p2, rs2, true);
    assert!(runs.iter().all(|r| r.passed()), "{runs:#?}");
}

#[test]
fn a_witness_test_on_a_one_line_ruleset_goes_before_its_brace() {
    let text = "ruleset one { model a model b dimension d { x y } rule r { when d is x expect a } rule s { when d is x expect b } }\n";
    let fs = findings(text, "one");
    let w = fs.iter().find_map(|f| f.witness.clone()).expect("a witness");
    let p = project(text);
    let fix = witness_test(p.ruleset("one").expect("ruleset"), &w, "x", &[]);
    let mut edited = text.to_string();
    edited.insert_str(fix.loc.span.start as usize, &fix.replacement);
    insta::assert_snapshot!(edited);
}
