//! The 24 hand-written edge cases of the peer benchmark
//! (`shared/bench/fixtures/edge_cases.json`): the MANAGEMENT.md examples and
//! the missing-fact corner cases of three-valued logic, with the rule
//! findings each must produce. Kept inline so the suite needs nothing outside
//! the repository.

use cadrage_engine::{CheckOptions, Code, Project, Source};

type Case = (&'static str, &'static str, &'static [&'static str]);

const CASES: &[Case] = &[
    // MANAGEMENT.md: a merger, clean
    (
        "merger_clean",
        r#"purpose announce
audience company
model community
kpi "Every question answered within 48 hours""#,
        &[],
    ),
    // MANAGEMENT.md: a team's daily work, clean
    (
        "team_daily_work_clean",
        r#"purpose daily_work
audience own_team
led_by manager
model socio_collaborative"#,
        &[],
    ),
    // MANAGEMENT.md: the same team handed to a community manager, no kpi
    (
        "team_handed_to_cm",
        r#"purpose daily_work
audience own_team
led_by community_manager
model community"#,
        &[
            "management.community_shows_results",
            "management.no_community_manager_for_staff",
            "management.work_is_the_managers_job",
        ],
    ),
    // the same, with a kpi
    (
        "team_handed_to_cm_with_kpi",
        r#"purpose daily_work
audience own_team
led_by community_manager
model community
kpi "Handover incidents per month""#,
        &["management.no_community_manager_for_staff", "management.work_is_the_managers_job"],
    ),
    // MANAGEMENT.md: open innovation, clean
    (
        "open_innovation_clean",
        r#"purpose innovation
model community + socio_collaborative
kpi "Ideas taken to a pilot each quarter""#,
        &[],
    ),
    // model set order does not matter
    (
        "open_innovation_reversed",
        r#"purpose innovation
model socio_collaborative + community
kpi "Ideas""#,
        &[],
    ),
    // no model: classified, never an expect finding (Rego trap: empty comprehension)
    (
        "classified_announce",
        r#"purpose announce
audience company"#,
        &[],
    ),
    // no model, innovation
    (
        "classified_innovation",
        r#"purpose innovation
led_by agency"#,
        &[],
    ),
    // no facts at all
    ("empty", r#""#, &[]),
    // state_the_purpose needs a model
    (
        "no_model_no_purpose",
        r#"audience own_team
led_by manager"#,
        &[],
    ),
    // led_by missing: collaboration rule unknown
    (
        "socio_no_led_by",
        r#"purpose performance
audience own_team
model socio_collaborative"#,
        &[],
    ),
    // led_by missing: staff rule unknown
    (
        "staff_no_led_by",
        r#"purpose daily_work
audience own_team, company
model socio_collaborative"#,
        &[],
    ),
    // audience missing: staff rule unknown
    (
        "staff_no_audience",
        r#"purpose performance
led_by agency
model socio_collaborative"#,
        &["management.collaboration_is_led_by_the_manager"],
    ),
    // own_team anywhere in a many-valued audience
    (
        "own_team_not_first",
        r#"purpose announce
audience company, own_team
led_by communication_team
model community
kpi "x""#,
        &["management.no_community_manager_for_staff"],
    ),
    // not model is socio_collaborative is false
    (
        "both_models_led_by_manager",
        r#"purpose innovation
led_by manager
model community + socio_collaborative
kpi "x""#,
        &[],
    ),
    // not model is community is false
    (
        "both_models_led_by_agency",
        r#"purpose innovation
led_by agency
model community + socio_collaborative
kpi "x""#,
        &[],
    ),
    // expect community, chose both
    (
        "both_models_for_announce",
        r#"purpose announce
model community + socio_collaborative
kpi "x""#,
        &["management.communication_is_community_work"],
    ),
    // two require rules
    (
        "community_no_purpose_no_kpi",
        r#"model community"#,
        &["management.community_shows_results", "management.state_the_purpose"],
    ),
    // two deny rules
    (
        "socio_led_by_agency_driven_by_comm",
        r#"purpose performance
led_by agency
driver communication
model socio_collaborative"#,
        &["management.collaboration_is_led_by_the_manager", "management.work_is_driven_by_work"],
    ),
    // community needs a communicator
    (
        "community_led_by_manager",
        r#"purpose emerge
led_by manager
model community
kpi "x""#,
        &["management.community_needs_a_communicator"],
    ),
    // three findings
    (
        "innovation_community_only",
        r#"purpose innovation
led_by manager
model community"#,
        &[
            "management.community_needs_a_communicator",
            "management.community_shows_results",
            "management.innovation_uses_both",
        ],
    ),
    // review alone
    ("blame_only", r#"review blame_people"#, &["management.review_the_system"]),
    // driver communication is fine for community
    (
        "comm_driver_on_community",
        r#"purpose convince
led_by agency
driver communication
model community
kpi "x""#,
        &[],
    ),
    // work_is_driven_by_work also on both models
    (
        "both_models_comm_driver",
        r#"purpose innovation
driver communication
model community + socio_collaborative
kpi "x""#,
        &["management.work_is_driven_by_work"],
    ),
];

/// The rule codes of the findings of one scenario, sorted.
fn rule_codes(name: &str, facts: &str) -> Vec<String> {
    let body: String = facts.lines().map(|l| format!("  {l}\n")).collect();
    let text = format!("use management\n\nscenario {name} {{\n{body}}}\n");
    let source = Source::new(format!("{name}.cadrage"), text);
    let report = Project::embedded().check(&source, None, &CheckOptions::on((2027, 1, 1)));
    let mut codes: Vec<String> = report
        .findings
        .iter()
        .filter_map(|f| match &f.code {
            Code::Rule(path) => Some(path.to_string()),
            Code::Engine(code) => {
                // Only `classified` may accompany rule findings here.
                assert_eq!(code.name(), "classified", "{name}: unexpected {}: {}", code.name(), f.message);
                None
            }
        })
        .collect();
    codes.sort();
    codes
}

#[test]
fn every_edge_case_gives_exactly_its_expected_rule_findings() {
    let mut failures = Vec::new();
    for (name, facts, expected) in CASES {
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        let actual = rule_codes(name, facts);
        if actual != expected {
            failures.push(format!("{name}: expected {expected:?}, got {actual:?}"));
        }
    }
    assert_eq!(CASES.len(), 24);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_scenario_without_model_is_classified_not_judged() {
    let source = Source::new("c.cadrage", "use management\nscenario s { purpose announce\n audience company }\n");
    let report = Project::embedded().check(&source, None, &CheckOptions::on((2027, 1, 1)));
    let codes: Vec<String> = report.findings.iter().map(|f| f.code.to_string()).collect();
    assert_eq!(codes, ["cadrage::classified"]);
    assert!(report.findings[0].message.contains("community"), "{}", report.findings[0].message);
}

#[test]
fn the_embedded_rulesets_have_no_findings() {
    assert!(!cadrage_engine::builtin::BUILTIN_RULESETS.is_empty());
    for (name, text) in cadrage_engine::builtin::BUILTIN_RULESETS {
        // Loaded as a project file, so that resolution and test findings
        // are kept rather than dropped as they are for embedded rulesets.
        // The other embedded rulesets stay (an extension needs its base);
        // this file replaces the embedded ruleset of its name.
        let source = Source::new(format!("{name}.cadrage"), *text);
        let key = format!("{name}.cadrage");
        let project = Project::builder().ruleset_file(key.clone(), source.clone()).build();
        assert!(project.ruleset(name).is_some(), "{name} did not resolve");
        let mut messages: Vec<String> = Vec::new();
        for file in project.ruleset_files() {
            messages.extend(file.findings.iter().map(|f| format!("{}: {}", f.code, f.message)));
        }
        let report = project.check(&source, Some(&key), &CheckOptions::on((2027, 1, 1)));
        messages.extend(report.findings.iter().map(|f| format!("{}: {}", f.code, f.message)));
        assert!(messages.is_empty(), "{name}: {messages:#?}");
    }
}
