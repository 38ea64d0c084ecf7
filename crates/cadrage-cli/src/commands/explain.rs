//! `cadrage explain FILE [--scenario NAME]`: why a scenario gets its
//! findings: its facts and where they come from, every rule with its value
//! and atoms, the expected model, the verdict and the remedies.

use std::fmt::Write as _;
use std::process::ExitCode;

use cadrage_engine::check::FactOrigin;
use cadrage_engine::eval::{Slot, Tri};
use cadrage_engine::explain::atoms;
use cadrage_engine::{CheckOptions, Finding};
use serde_json::{Value, json};

use crate::cli::{ExplainArgs, ExplainFormat};
use cadrage_workspace::{self as workspace, ToolError};

pub fn run(args: &ExplainArgs) -> Result<ExitCode, ToolError> {
    let files = workspace::collect(std::slice::from_ref(&args.file))?;
    let loaded = workspace::load(files)?;
    let Some(t) = loaded.targets.first() else { return Err(ToolError::NoFiles(workspace::display(&args.file))) };
    let text = workspace::read_target(&t.path).map_err(|message| ToolError::Io { path: t.display.clone(), message })?;
    let source = cadrage_engine::Source::new(t.display.clone(), text);
    let opts = CheckOptions::on(args.today.unwrap_or_else(crate::cli::today));
    let analysis = t.project.analyze(&source, Some(&t.key), &opts);
    let scenarios: Vec<_> =
        analysis.scenarios.iter().filter(|s| args.scenario.as_deref().is_none_or(|n| s.name == n)).collect();
    if let Some(name) = &args.scenario {
        if scenarios.is_empty() {
            return Err(ToolError::NoScenario(name.clone(), t.display.clone()));
        }
    }
    let Some(ctx) = analysis.context.as_ref() else {
        return Err(ToolError::NoScenario(args.scenario.clone().unwrap_or_else(|| "any".into()), t.display.clone()));
    };
    let mut docs: Vec<Value> = Vec::new();
    let mut human = String::new();
    for s in scenarios {
        let slot_of = |dim: usize| s.facts.iter().find(|f| f.dim == dim).map(|f| &f.slot);
        let line = source.line_index().char_position(s.name_span.start as usize).line;
        let _ = writeln!(human, "scenario {} ({}:{line})", s.name, t.display);
        // Facts.
        let _ = writeln!(human, "  facts");
        let mut facts_j = Vec::new();
        for f in &s.facts {
            let dim = ctx.dims.get(f.dim).map(|d| d.name.to_string()).unwrap_or_default();
            let value = slot_text(ctx, f.dim, &f.slot);
            let from = match &f.from {
                FactOrigin::Scenario => "scenario".to_string(),
                FactOrigin::Phase(p) => format!("phase {p}"),
                FactOrigin::Plan(p) => format!("plan {p}"),
            };
            let _ = writeln!(human, "    {dim:<12} {value:<32} from {from}");
            facts_j.push(json!({"dimension": dim, "value": value, "from": from}));
        }
        // Rules.
        let _ = writeln!(human, "  rules");
        let mut rules_j = Vec::new();
        for (i, r) in ctx.rules.iter().enumerate() {
            let value = s.results.get(i).copied().unwrap_or(Tri::Unknown);
            let atoms = atoms(ctx, &r.cond, &slot_of);
            let shown: Vec<String> = atoms.iter().map(|a| format!("`{}` is {}", a.text, a.value.as_str())).collect();
            let _ = writeln!(human, "    {:<8} {}", value.as_str(), r.def.path);
            let _ = writeln!(human, "             {}", shown.join(", "));
            rules_j.push(json!({
                "rule": r.def.path.to_string(),
                "result": value.as_str(),
                "atoms": atoms.iter().map(|a| json!({"atom": a.text, "value": a.value.as_str()})).collect::<Vec<_>>(),
            }));
        }
        // Expected model and verdict.
        let expected =
            s.expected.as_ref().map(|alts| alts.iter().map(|a| ctx.models_names(a).join(" + ")).collect::<Vec<_>>());
        let deciding: Vec<String> =
            s.deciding.iter().filter_map(|&i| ctx.rules.get(i)).map(|r| r.def.path.to_string()).collect();
        let chosen = s.chosen.as_ref().map(|c| ctx.models_names(c).join(" + "));
        let expected_text = match &expected {
            None => "none (no `expect` rule fires)".to_string(),
            Some(a) if a.is_empty() => "none (the deciding rules conflict)".to_string(),
            Some(a) => a.join(" | "),
        };
        let _ = writeln!(
            human,
            "  expected  {expected_text}{}",
            if deciding.is_empty() { String::new() } else { format!(" (decided by {})", deciding.join(", ")) }
        );
        let _ = writeln!(human, "  chosen    {}", chosen.as_deref().unwrap_or("none"));
        let findings: Vec<&Finding> =
            analysis.report.findings.iter().filter(|f| f.scenario.as_ref() == Some(&s.name)).collect();
        let verdict = if findings.is_empty() {
            "clean".to_string()
        } else {
            format!("{} finding{}", findings.len(), if findings.len() == 1 { "" } else { "s" })
        };
        let _ = writeln!(human, "  verdict   {verdict}");
        let mut findings_j = Vec::new();
        for f in &findings {
            let _ = writeln!(human, "    {} {}: {}", f.severity.as_str(), f.code, f.message);
            for r in &f.remedies {
                let extra = if r.new_findings.is_empty() {
                    String::new()
                } else {
                    format!(" (but then: {})", r.new_findings.join(", "))
                };
                let _ = writeln!(human, "      remedy: {}{extra}", r.title);
            }
            findings_j.push(json!({
                "code": f.code.to_string(),
                "severity": f.severity.as_str(),
                "message": f.message,
                "remedies": f.remedies.iter().map(|r| json!({"title": &*r.title, "new_findings": &*r.new_findings})).collect::<Vec<_>>(),
            }));
        }
        human.push('\n');
        docs.push(json!({
            "scenario": s.name.as_str(),
            "line": line,
            "facts": facts_j,
            "rules": rules_j,
            "expected": expected,
            "decided_by": deciding,
            "chosen": chosen,
            "findings": findings_j,
        }));
    }
    match args.format {
        ExplainFormat::Human => super::print(&(human.trim_end_matches('\n').to_string() + "\n"))?,
        ExplainFormat::Json => {
            let doc = json!({"version": 1, "file": t.display, "scenarios": docs});
            super::print(&(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn slot_text(ctx: &cadrage_engine::context::Context, dim: usize, slot: &Slot) -> String {
    match slot {
        Slot::Values(v) => {
            let names: Vec<&str> = v
                .iter()
                .filter_map(|i| ctx.dims.get(dim).and_then(|d| d.values.get(i)))
                .map(|x| x.name.as_str())
                .collect();
            names.join(if dim == 0 { " + " } else { ", " })
        }
        Slot::Text(t) => cadrage_syntax::strings::quote(t),
        Slot::Unknown => "(unknown value)".into(),
    }
}
