//! `cadrage table RULESET`: the decision table of a ruleset: one row per
//! value of each classified dimension (expected model, rule, severity,
//! rationale), then one row per model.

use std::process::ExitCode;

use cadrage_engine::analysis::cubes::{Space, intersect};
use cadrage_engine::analysis::static_checks::classified_dims;
use cadrage_engine::context::CConclusion;
use cadrage_engine::testing::test_context;

use super::resolve_ruleset;
use crate::cli::{TableArgs, TableFormat};
use crate::commands::test::xml_escape;
use cadrage_workspace::ToolError;

struct Table {
    title: String,
    head: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    models_head: Vec<&'static str>,
    models: Vec<Vec<String>>,
}

pub fn run(args: &TableArgs) -> Result<ExitCode, ToolError> {
    let (rs, _project) = resolve_ruleset(&args.ruleset)?;
    let ctx = test_context(&rs);
    let space = Space::new(&ctx);
    let mut rows = Vec::new();
    for d in classified_dims(&ctx) {
        let Some(cd) = ctx.dims.get(d) else { continue };
        for (i, v) in cd.values.iter().enumerate() {
            // The expect rules that can fire with this value, highest priority first.
            let mut firing: Vec<&cadrage_engine::context::CRule> = Vec::new();
            if let Some(space) = &space {
                let mut with_value = space.full();
                let vars = space.dim_vars.get(d).cloned().unwrap_or_default();
                for (k, var) in vars.iter().enumerate() {
                    if let Some(m) = with_value.get_mut(*var) {
                        *m = if vars.len() == 1 {
                            1 << i
                        } else if k == i {
                            0b10
                        } else {
                            0b11
                        };
                    }
                }
                for r in &ctx.rules {
                    if !matches!(r.conclusion, CConclusion::Expect(_)) {
                        continue;
                    }
                    let Ok((t, _)) = space.tri(&r.cond) else { continue };
                    if intersect(&t, &vec![with_value.clone()]).is_ok_and(|x| !x.is_empty()) {
                        firing.push(r);
                    }
                }
            }
            let top = firing.iter().map(|r| r.def.priority).max();
            firing.retain(|r| Some(r.def.priority) == top);
            let expected: Vec<String> = firing
                .iter()
                .filter_map(|r| match &r.conclusion {
                    CConclusion::Expect(alts) => {
                        Some(alts.iter().map(|a| ctx.models_names(a).join(" + ")).collect::<Vec<_>>().join(" or "))
                    }
                    _ => None,
                })
                .collect();
            let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            rows.push(vec![
                format!("{} `{}`", cd.name, v.name),
                v.doc.clone().unwrap_or_default(),
                if expected.is_empty() { "—".into() } else { expected.join("; ") },
                firing.iter().map(|r| r.def.path.to_string()).collect::<Vec<_>>().join(", "),
                firing
                    .iter()
                    .map(|r| r.severity.unwrap_or(r.def.severity).as_str().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                firing.iter().filter_map(|r| r.def.why.as_deref().map(squash)).collect::<Vec<_>>().join(" "),
            ]);
        }
    }
    let models = rs
        .models
        .iter()
        .map(|m| {
            vec![format!("`{}`", m.name), m.title.clone().unwrap_or_default(), m.summary.clone().unwrap_or_default()]
        })
        .collect();
    let table = Table {
        title: rs.title.clone().unwrap_or_else(|| rs.name.to_string()),
        head: vec!["Facts", "Meaning", "Expected model", "Rule", "Severity", "Why"],
        rows,
        models_head: vec!["Model", "Title", "Summary"],
        models,
    };
    let out = match args.format {
        TableFormat::Markdown => markdown(&table),
        TableFormat::Html => html(&table),
        TableFormat::Csv => csv(&table),
    };
    super::print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(t: &Table) -> String {
    let mut out = format!("## {}\n\n", md_cell(&t.title));
    let mut section = |head: &[&str], rows: &[Vec<String>]| {
        out.push_str(&format!("| {} |\n", head.join(" | ")));
        out.push_str(&format!("|{}\n", head.iter().map(|_| "---|").collect::<String>()));
        for r in rows {
            out.push_str(&format!("| {} |\n", r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")));
        }
        out.push('\n');
    };
    section(&t.head, &t.rows);
    section(&t.models_head, &t.models);
    out
}

fn html(t: &Table) -> String {
    let mut out = format!("<h2>{}</h2>\n", xml_escape(&t.title));
    for (head, rows) in [(&t.head, &t.rows), (&t.models_head, &t.models)] {
        out.push_str("<table>\n  <thead><tr>");
        for h in head {
            out.push_str(&format!("<th>{}</th>", xml_escape(h)));
        }
        out.push_str("</tr></thead>\n  <tbody>\n");
        for r in rows {
            out.push_str("    <tr>");
            for c in r {
                out.push_str(&format!("<td>{}</td>", xml_escape(&c.replace('`', ""))));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("  </tbody>\n</table>\n");
    }
    out
}

/// RFC 4180: fields with a comma, quote or line break are quoted.
fn csv_field(s: &str) -> String {
    let s = s.replace('`', "");
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

fn csv(t: &Table) -> String {
    let mut out = String::new();
    out.push_str(&format!("kind,{}\n", t.head.iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(",")));
    for r in &t.rows {
        out.push_str(&format!("fact,{}\n", r.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",")));
    }
    for r in &t.models {
        out.push_str(&format!("model,{},,,\n", r.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",")));
    }
    out
}
