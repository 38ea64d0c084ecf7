//! `cadrage rules [RULESET]`: the models, dimensions and rules of a
//! ruleset; `cadrage rules --code PATH` explains one rule.

use std::fmt::Write as _;
use std::process::ExitCode;

use cadrage_engine::model::{ConclusionDef, Ruleset};

use super::resolve_ruleset;
use crate::cli::RulesArgs;
use cadrage_workspace::{self as workspace, ToolError};

pub fn run(args: &RulesArgs) -> Result<ExitCode, ToolError> {
    if let Some(code) = &args.code {
        let (ruleset, rule) = code.split_once('.').ok_or_else(|| ToolError::UnknownRule(code.clone()))?;
        let (rs, _) = resolve_ruleset(args.ruleset.as_deref().unwrap_or(ruleset))?;
        let r = rs
            .rules
            .iter()
            .find(|r| r.name() == rule && (r.path.ruleset == ruleset || rs.name == ruleset))
            .ok_or_else(|| ToolError::UnknownRule(code.clone()))?;
        let mut out = String::new();
        let _ = writeln!(out, "{}{}", r.path, r.title.as_deref().map(|t| format!(": {t}")).unwrap_or_default());
        let _ = writeln!(out);
        let _ = writeln!(out, "severity  {}", r.severity.as_str());
        let _ = writeln!(out, "priority  {}", r.priority);
        let pos = r.loc.start();
        let _ = writeln!(out, "defined   {}:{}:{}", r.loc.source.name, pos.line, pos.column);
        if let Some(o) = &r.overridden_at {
            let p = o.start();
            let _ = writeln!(out, "changed   {}:{}:{}", o.source.name, p.line, p.column);
        }
        let _ = writeln!(out);
        let indent = (r.span_loc.start().column as usize).saturating_sub(1);
        let text: Vec<String> = squash_block(r.span_loc.text())
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let strip = if i == 0 { 0 } else { indent.min(l.len() - l.trim_start().len()) };
                l.get(strip..).unwrap_or(l).to_string()
            })
            .collect();
        let _ = writeln!(out, "{}", text.join("\n"));
        if let Some(why) = &r.why {
            let _ = writeln!(out);
            let _ = writeln!(out, "Why: {}", why.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        if let Some(see) = &r.see {
            let _ = writeln!(out, "See: {see}");
        }
        super::print(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let name = match &args.ruleset {
        Some(n) => n.clone(),
        None => workspace::project_here()?.default_ruleset().unwrap_or("management").to_string(),
    };
    let (rs, _) = resolve_ruleset(&name)?;
    super::print(&listing(&rs))?;
    Ok(ExitCode::SUCCESS)
}

/// The rule's text, without its `why` and with its indentation kept.
fn squash_block(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_long = false;
    for line in text.lines() {
        let t = line.trim();
        if in_long {
            if t.ends_with("\"\"\"") {
                in_long = false;
            }
            continue;
        }
        if t.starts_with("why") {
            if t.matches("\"\"\"").count() == 1 {
                in_long = true;
            }
            continue;
        }
        out.push(line.to_string());
    }
    out.join("\n")
}

fn listing(rs: &Ruleset) -> String {
    let mut out = String::new();
    let _ = write!(out, "ruleset {}", rs.name);
    if let Some(t) = &rs.title {
        let _ = write!(out, " \"{t}\"");
    }
    if let Some(b) = &rs.extends {
        let _ = write!(out, " extends {b}");
    }
    let _ = writeln!(out, "  ({})", rs.loc.source.name);
    let _ = writeln!(out, "\nmodels");
    for m in &rs.models {
        let _ = writeln!(out, "  {:<24} {}", m.name, m.title.as_deref().unwrap_or(""));
    }
    let _ = writeln!(out, "\ndimensions");
    for d in &rs.dimensions {
        let kind = match d.kind {
            cadrage_syntax::ast::DimensionKind::Text => "text".to_string(),
            cadrage_syntax::ast::DimensionKind::Many => {
                format!("many: {}", d.values.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "))
            }
            _ => d.values.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "),
        };
        let _ = writeln!(out, "  {:<24} {kind}", d.name);
    }
    let _ = writeln!(out, "\nrules");
    for r in &rs.rules {
        let what = match &r.conclusion {
            ConclusionDef::Expect(alts) => {
                format!("expect {}", alts.iter().map(|a| a.join(" + ")).collect::<Vec<_>>().join(" | "))
            }
            ConclusionDef::Require(d) => format!("require {}", d.join(", ")),
            ConclusionDef::Deny => "deny".into(),
        };
        let _ = writeln!(out, "  {:<8} {:<48} {what}", r.severity.as_str(), r.path.to_string());
    }
    let _ = writeln!(out, "\nRun `cadrage rules --code RULESET.RULE` to explain a rule.");
    out
}
