//! Facts that look alike to the rules: what is remembered of them (the
//! remedies' searches, per context) must never be taken for another
//! context's rules, nor leak one scenario's messages and places into
//! another's.

use cadrage_engine::{CheckOptions, Project, Source};

const OPTS: CheckOptions = CheckOptions::on((2027, 1, 1));

/// A file with its own ruleset `r`, whose one rule denies `colour` = `denied`.
fn file(denied: &str) -> String {
    format!(
        r#"ruleset r "Local" {{
  model a "Model A"
  dimension colour {{ red green }}
  rule no_{denied} {{ when colour is {denied} deny }}
}}

use r

scenario first {{ colour red model a }}
scenario second {{ colour green model a }}
"#
    )
}

fn denied(project: &Project, name: &str, text: &str) -> Vec<String> {
    let report = project.check(&Source::new(name, text), None, &OPTS);
    // The rules' findings (the static checks of the local ruleset aside).
    report
        .findings
        .iter()
        .filter(|f| f.rule_path().is_some())
        .map(|f| format!("{} {}", f.scenario.as_deref().unwrap_or("-"), f.code))
        .collect()
}

/// Two files compile two contexts with the same dimensions, so the same
/// facts look the same to both: each file's rules decide, checked in turn
/// on one thread.
#[test]
fn a_verdict_is_never_taken_for_another_contexts_rules() {
    let project = Project::embedded();
    let (red, green) = (file("red"), file("green"));
    for _ in 0..3 {
        assert_eq!(denied(&project, "red.cadrage", &red), vec!["first r.no_red"]);
        assert_eq!(denied(&project, "green.cadrage", &green), vec!["second r.no_green"]);
    }
}

/// Facts the same as rules see them, written differently: the messages
/// quote each scenario, the spans and edits are each scenario's own.
#[test]
fn scenarios_with_the_same_facts_keep_their_own_messages_and_places() {
    let text = r#"use management

scenario one { purpose announce audience company model socio_collaborative led_by agency }
plan p {
  model socio_collaborative
  scenario two { purpose announce led_by communication_team audience company }
}
"#;
    let report = Project::embedded().check(&Source::new("same.cadrage", text), None, &OPTS);
    let expect: Vec<&cadrage_engine::Finding> = report
        .findings
        .iter()
        .filter(|f| f.code.to_string() == "management.collaboration_is_led_by_the_manager")
        .collect();
    assert_eq!(expect.len(), 2, "{:#?}", report.findings);
    let messages: Vec<&str> = expect.iter().map(|f| f.message.as_str()).collect();
    assert!(messages.first().is_some_and(|m| m.contains("`agency`")), "{messages:?}");
    assert!(messages.last().is_some_and(|m| m.contains("`communication_team`")), "{messages:?}");
    let models: Vec<&cadrage_engine::Finding> =
        report.findings.iter().filter(|f| f.code.to_string() == "management.communication_is_community_work").collect();
    assert_eq!(models.len(), 2);
    // One states its model (the fix replaces it), one inherits it (the fix adds one).
    let fixes: Vec<&str> = models.iter().filter_map(|f| f.fix.as_ref()).map(|x| x.title.as_str()).collect();
    assert_eq!(fixes, vec!["use community", "add `model community`"]);
}

/// A dimension of more values than a machine word holds (value sets spill
/// to the heap).
#[test]
fn a_dimension_of_many_values_is_judged_too() {
    let values: Vec<String> = (0..70).map(|i| format!("v{i}")).collect();
    let text = format!(
        r#"ruleset big "Big" {{
  model a "Model A"
  dimension size {{ {} }}
  rule no_v69 {{ when size is v69 deny }}
}}

use big

scenario low {{ size v1 model a }}
scenario high {{ size v69 model a }}
scenario high_again {{ size v69 model a }}
"#,
        values.join(" ")
    );
    assert_eq!(denied(&Project::embedded(), "big.cadrage", &text), vec!["high big.no_v69", "high_again big.no_v69"]);
}
