//! `cadrage explain FILE [--scenario NAME]`: why a scenario gets its
//! findings: its facts and where they come from, every rule with its value
//! and atoms, the expected model, the verdict and the remedies.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use cadrage_engine::check::{FactOrigin, ScenarioInfo};
use cadrage_engine::context::Context;
use cadrage_engine::eval::{Slot, Tri};
use cadrage_engine::explain::{AtomValue, atoms};
use cadrage_engine::{CheckOptions, Finding, Source};
use serde_json::{Value, json};

use crate::cli::{ExplainArgs, ExplainFormat};
use crate::output::Output;
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
    let findings_of = analysis.report.findings_by_scenario();
    // Written scenario by scenario, not held: a file of many scenarios
    // explains in ~2 KB of text (~4 KB of JSON) each.
    let mut out = Output::new(std::io::BufWriter::new(std::io::stdout().lock()));
    if matches!(args.format, ExplainFormat::Json) {
        let _ = write!(out, "{{\n  \"file\": {},\n  \"scenarios\": [", Value::from(t.display.as_str()));
    }
    for (i, s) in scenarios.iter().enumerate() {
        let findings = findings_of.get(s.name.as_str()).map(Vec::as_slice).unwrap_or_default();
        let e = explained(ctx, s, findings, &source, &t.display);
        match args.format {
            ExplainFormat::Human => {
                // A blank line between scenarios.
                if i > 0 {
                    let _ = out.write_all(b"\n");
                }
                let _ = out.write_all(e.human().as_bytes());
            }
            ExplainFormat::Json => {
                // As `serde_json::to_string_pretty` lays out the whole
                // document: each scenario indented under the list.
                let _ = out.write_all(if i == 0 { b"\n" } else { b",\n" });
                let pretty = serde_json::to_string_pretty(&e.json()).unwrap_or_default();
                for (j, line) in pretty.lines().enumerate() {
                    let _ = write!(out, "{}    {line}", if j == 0 { "" } else { "\n" });
                }
            }
        }
    }
    match args.format {
        ExplainFormat::Human if scenarios.is_empty() => {
            let _ = out.write_all(b"\n");
        }
        ExplainFormat::Human => {}
        ExplainFormat::Json => {
            let close = if scenarios.is_empty() { "]" } else { "\n  ]" };
            let _ = write!(out, "{close},\n  \"version\": 1\n}}\n");
        }
    }
    crate::output::written(out.finish())?;
    Ok(ExitCode::SUCCESS)
}

/// What `explain` says of one scenario, for either format.
struct Explained<'a> {
    name: &'a str,
    file: &'a str,
    line: u32,
    /// Dimension, value, where it comes from.
    facts: Vec<(String, String, String)>,
    /// Rule path, its value, its atoms and theirs.
    rules: Vec<(String, Tri, Vec<AtomValue>)>,
    expected: Option<Vec<String>>,
    deciding: Vec<String>,
    chosen: Option<String>,
    findings: &'a [&'a Finding],
}

fn explained<'a>(
    ctx: &Context,
    s: &'a ScenarioInfo,
    findings: &'a [&'a Finding],
    source: &Source,
    file: &'a str,
) -> Explained<'a> {
    let slot_of = |dim: usize| s.facts.iter().find(|f| f.dim == dim).map(|f| &f.slot);
    let facts = s
        .facts
        .iter()
        .map(|f| {
            let dim = ctx.dims.get(f.dim).map(|d| d.name.to_string()).unwrap_or_default();
            let from = match &f.from {
                FactOrigin::Scenario => "scenario".to_string(),
                FactOrigin::Phase(p) => format!("phase {p}"),
                FactOrigin::Plan(p) => format!("plan {p}"),
            };
            (dim, slot_text(ctx, f.dim, &f.slot), from)
        })
        .collect();
    let rules = ctx
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let value = s.results.get(i).copied().unwrap_or(Tri::Unknown);
            (r.def.path.to_string(), value, atoms(ctx, &r.cond, &slot_of))
        })
        .collect();
    Explained {
        name: s.name.as_str(),
        file,
        line: source.line_index().char_position(s.name_span.start as usize).line,
        facts,
        rules,
        expected: s.expected.as_ref().map(|alts| alts.iter().map(|a| ctx.models_names(a).join(" + ")).collect()),
        deciding: s.deciding.iter().filter_map(|&i| ctx.rules.get(i)).map(|r| r.def.path.to_string()).collect(),
        chosen: s.chosen.as_ref().map(|c| ctx.models_names(c).join(" + ")),
        findings,
    }
}

impl Explained<'_> {
    fn human(&self) -> String {
        let mut human = String::new();
        let _ = writeln!(human, "scenario {} ({}:{})", self.name, self.file, self.line);
        let _ = writeln!(human, "  facts");
        for (dim, value, from) in &self.facts {
            let _ = writeln!(human, "    {dim:<12} {value:<32} from {from}");
        }
        let _ = writeln!(human, "  rules");
        for (path, value, atoms) in &self.rules {
            let shown: Vec<String> = atoms.iter().map(|a| format!("`{}` is {}", a.text, a.value.as_str())).collect();
            let _ = writeln!(human, "    {:<8} {path}", value.as_str());
            let _ = writeln!(human, "             {}", shown.join(", "));
        }
        let expected_text = match &self.expected {
            None => "none (no `expect` rule fires)".to_string(),
            Some(a) if a.is_empty() => "none (the deciding rules conflict)".to_string(),
            Some(a) => a.join(" | "),
        };
        let decided = if self.deciding.is_empty() {
            String::new()
        } else {
            format!(" (decided by {})", self.deciding.join(", "))
        };
        let _ = writeln!(human, "  expected  {expected_text}{decided}");
        let _ = writeln!(human, "  chosen    {}", self.chosen.as_deref().unwrap_or("none"));
        let verdict = match self.findings.len() {
            0 => "clean".to_string(),
            1 => "1 finding".to_string(),
            n => format!("{n} findings"),
        };
        let _ = writeln!(human, "  verdict   {verdict}");
        for f in self.findings {
            let _ = writeln!(human, "    {} {}: {}", f.severity.as_str(), f.code, f.message);
            for r in &f.remedies {
                let extra = if r.new_findings.is_empty() {
                    String::new()
                } else {
                    format!(" (but then: {})", r.new_findings.join(", "))
                };
                let _ = writeln!(human, "      remedy: {}{extra}", r.title);
            }
        }
        human
    }

    fn json(&self) -> Value {
        json!({
            "scenario": self.name,
            "line": self.line,
            "facts": self.facts.iter().map(|(dim, value, from)| json!({"dimension": dim, "value": value, "from": from})).collect::<Vec<_>>(),
            "rules": self.rules.iter().map(|(path, value, atoms)| json!({
                "rule": path,
                "result": value.as_str(),
                "atoms": atoms.iter().map(|a| json!({"atom": a.text, "value": a.value.as_str()})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "expected": self.expected,
            "decided_by": self.deciding,
            "chosen": self.chosen,
            "findings": self.findings.iter().map(|f| json!({
                "code": f.code.to_string(),
                "severity": f.severity.as_str(),
                "message": f.message,
                "remedies": f.remedies.iter().map(|r| json!({"title": &*r.title, "new_findings": &*r.new_findings})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
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
