//! Remedies: every remedy of every finding is applied to the scenario's
//! text and the file checked again: the finding must be gone, and the
//! findings the remedy announces must be the only new ones.

use cadrage_engine::{CheckOptions, Finding, Project, Source};

const OPTS: CheckOptions = CheckOptions::on((2027, 1, 1));

const PLANS: &str = r#"use management

scenario merger_qa "Fusion — questions et réponses 🚀" {
  purpose  announce
  audience company
  led_by   communication_team
  model    socio_collaborative
}

scenario team_run_as_community {
  purpose  daily_work
  audience own_team
  led_by   community_manager
  model    community
}

plan rollout {
  led_by manager
  scenario innovation_alone {
    purpose innovation
    model community
    kpi "ideas"
  }
}

scenario blame {
  purpose performance
  led_by manager
  review blame_people
  model socio_collaborative
}
"#;

fn keys(fs: &[Finding]) -> Vec<(String, String)> {
    fs.iter().map(|f| (f.scenario.clone().unwrap_or_default().to_string(), f.code.to_string())).collect()
}

#[test]
fn every_remedy_clears_its_finding_when_applied() {
    let project = Project::embedded();
    let report = project.check(&Source::new("plans.cadrage", PLANS), None, &OPTS);
    let with_remedies: Vec<&Finding> = report.findings.iter().filter(|f| !f.remedies.is_empty()).collect();
    let rule_findings = report.findings.iter().filter(|f| f.rule_path().is_some()).count();
    assert_eq!(with_remedies.len(), rule_findings, "every finding of a rule has a remedy: {:#?}", report.findings);
    assert!(rule_findings >= 5, "{:#?}", keys(&report.findings));
    let before = keys(&report.findings);
    let mut checked = 0;
    for f in with_remedies {
        let scenario = f.scenario.clone().expect("in a scenario").to_string();
        for r in &f.remedies {
            let mut text = PLANS.to_string();
            text.replace_range(r.fix.loc.span.start as usize..r.fix.loc.span.end as usize, &r.fix.replacement);
            let after = project.check(&Source::new("plans.cadrage", text.clone()), None, &OPTS);
            let after_keys = keys(&after.findings);
            let code = f.code.to_string();
            assert!(
                !after_keys.contains(&(scenario.clone(), code.clone())),
                "`{}` did not clear {code} in {scenario}:\n{text}",
                r.title
            );
            let new: Vec<String> = after_keys
                .iter()
                .filter(|k| k.0 == scenario && !before.contains(k) && k.1 != "cadrage::classified")
                .map(|k| k.1.clone())
                .collect();
            let mut announced = r.new_findings.to_vec();
            announced.sort();
            let mut new_sorted = new.clone();
            new_sorted.sort();
            assert_eq!(new_sorted, announced, "`{}` in {scenario}", r.title);
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} remedies checked");
}

#[test]
fn the_model_remedy_comes_first_for_an_expect_rule() {
    let report = Project::embedded().check(&Source::new("plans.cadrage", PLANS), None, &OPTS);
    let f = report
        .findings
        .iter()
        .find(|f| f.code.to_string() == "management.communication_is_community_work")
        .expect("the merger finding");
    assert_eq!(&*f.remedies.first().expect("a remedy").title, "choose community");
    assert_eq!(f.remedies.first().expect("a remedy").fix.replacement, "community");
    assert_eq!(f.remedies.first().expect("a remedy").fix.loc.text(), "socio_collaborative");
    let titles: Vec<&str> = f.remedies.iter().map(|r| &*r.title).collect();
    assert!(titles.contains(&"if `purpose` were `performance` this would pass"), "{titles:?}");
}

#[test]
fn remedies_are_searched_only_when_asked() {
    let source = Source::new("plans.cadrage", PLANS);
    let with = Project::embedded().check(&source, None, &OPTS);
    let without = Project::embedded().check(&source, None, &CheckOptions { remedies: false, ..OPTS });
    assert!(with.findings.iter().any(|f| !f.remedies.is_empty()));
    assert!(without.findings.iter().all(|f| f.remedies.is_empty()));
    // Everything else is the same.
    let strip =
        |fs: &[Finding]| fs.iter().map(|f| (f.code.to_string(), f.loc.span, f.message.clone())).collect::<Vec<_>>();
    assert_eq!(strip(&with.findings), strip(&without.findings));
}

/// Labels are written only when asked (the human output shows them, the
/// machine outputs do not); every rule finding has one then, and nothing
/// else changes.
#[test]
fn labels_are_written_only_when_asked() {
    let source = Source::new("plans.cadrage", PLANS);
    let with = Project::embedded().check(&source, None, &OPTS);
    let without = Project::embedded().check(&source, None, &CheckOptions { labels: false, ..OPTS });
    let rule_findings = |fs: &[Finding]| fs.iter().filter(|f| f.code.to_string().starts_with("management.")).count();
    assert!(rule_findings(&with.findings) >= 4, "{:?}", with.findings);
    let labels: Vec<&str> = with
        .findings
        .iter()
        .filter(|f| f.code.to_string().starts_with("management."))
        .map(|f| f.label.as_deref().unwrap_or("NONE"))
        .collect();
    assert!(!labels.contains(&"NONE"), "{labels:?}");
    assert!(labels.contains(&"community expected"), "{labels:?}");
    assert!(without.findings.iter().all(|f| f.label.is_none()));
    let strip = |fs: &[Finding]| {
        fs.iter().map(|f| (f.code.to_string(), f.loc.span, f.message.clone(), f.remedies.len())).collect::<Vec<_>>()
    };
    assert_eq!(strip(&with.findings), strip(&without.findings));
}

/// The remedies' search is remembered per context by the facts as rules see
/// them; the edits are still written for each scenario: replacing a fact it
/// states, adding one it inherits. The order of the scenarios does not matter.
#[test]
fn remembered_searches_still_write_each_scenarios_own_edits() {
    const OWN: &str = "scenario own_led {\n  purpose daily_work\n  audience own_team\n  led_by community_manager\n  model socio_collaborative\n}\n";
    const INHERITED: &str = "plan p {\n  led_by community_manager\n  scenario inherited_led {\n    purpose daily_work\n    audience own_team\n    model socio_collaborative\n  }\n}\n";
    let project = Project::embedded();
    // (scenario, remedy title, replaced text, replacement) for every remedy.
    let edits = |text: &str| {
        let report = project.check(&Source::new("p.cadrage", text), None, &OPTS);
        let mut out: Vec<(String, String, String, String)> = report
            .findings
            .iter()
            .flat_map(|f| {
                f.remedies.iter().map(|r| {
                    let sc = f.scenario.clone().unwrap_or_default().to_string();
                    (sc, r.title.to_string(), r.fix.loc.text().to_string(), r.fix.replacement.clone())
                })
            })
            .collect();
        out.sort();
        out
    };
    let first = edits(&format!("use management\n\n{OWN}\n{INHERITED}"));
    let second = edits(&format!("use management\n\n{INHERITED}\n{OWN}"));
    assert_eq!(first, second);
    let led_by = |sc: &str| {
        first
            .iter()
            .find(|e| e.0 == sc && e.1 == "if `led_by` were `manager` this would pass")
            .unwrap_or_else(|| panic!("no led_by remedy for {sc}: {first:#?}"))
            .clone()
    };
    // Stated: the value is replaced.
    let own = led_by("own_led");
    assert_eq!((own.2.as_str(), own.3.as_str()), ("community_manager", "manager"));
    // Inherited: the scenario gets its own fact, indented as its block.
    let inherited = led_by("inherited_led");
    assert_eq!((inherited.2.as_str(), inherited.3.as_str()), ("", "\n    led_by manager"));
}

/// A file's findings come in offset order whichever way they were gathered:
/// here a file finding (the unknown ruleset of a `use` at the end) belongs
/// after the scenario's, so the report is reordered.
#[test]
fn findings_are_in_offset_order_when_a_file_finding_comes_last() {
    const TEXT: &str = "use management\nscenario s {\n  purpose daily_work\n  audience own_team\n  led_by community_manager\n  model community\n}\nuse nosuch\n";
    let report = Project::embedded().check(&Source::new("p.cadrage", TEXT), None, &OPTS);
    let offsets: Vec<u32> = report.findings.iter().map(|f| f.loc.span.start).collect();
    let mut sorted = offsets.clone();
    sorted.sort_unstable();
    assert_eq!(offsets, sorted);
    let codes: Vec<String> = report.findings.iter().map(|f| f.code.to_string()).collect();
    assert_eq!(codes.last().map(String::as_str), Some("cadrage::unknown-ruleset"), "{codes:?}");
    assert!(codes.iter().filter(|c| c.starts_with("management.")).count() >= 2, "{codes:?}");
}
