//! `cadrage diff --base OLD [PATHS]`: what a ruleset change does: the
//! scenarios under PATHS whose expected model or findings change, and
//! whether the old and new rulesets are equivalent over all facts.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use cadrage_engine::analysis::compare::{Difference, compare};
use cadrage_engine::{CheckOptions, FileReport, Project, Source};
use serde_json::json;

use crate::cli::{DiffArgs, DiffFormat};
use cadrage_workspace::{self as workspace, ToolError};

struct ScenarioChange {
    file: String,
    scenario: String,
    expected_old: String,
    expected_new: String,
    added: Vec<String>,
    removed: Vec<String>,
}

/// The old version of the project's ruleset files: from a path (files or
/// folders of rulesets, which replace the project's rulesets of the same
/// names) or from a git revision (each project ruleset file as it was).
fn old_project(base: &str, current: &Project) -> Result<Project, ToolError> {
    let mut builder = Project::builder().config(current.config().clone());
    let p = Path::new(base);
    if p.exists() {
        for (shown, path) in workspace::collect(&[p.to_path_buf()])? {
            let text =
                workspace::read_target(&path).map_err(|message| ToolError::Io { path: shown.clone(), message })?;
            builder = builder.ruleset_file(format!("old:{shown}"), Source::new(shown, text));
        }
        // Project rulesets that the base does not declare stay as they are.
        return Ok(builder.build_keeping(current));
    }
    let mut any = false;
    for f in current.ruleset_files() {
        let path = PathBuf::from(&f.key);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&dir)
            .arg("show")
            .arg(format!("{base}:./{name}"))
            .output()
            .map_err(|e| ToolError::Io { path: "git".into(), message: e.to_string() })?;
        if out.status.success() {
            any = true;
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            builder = builder.ruleset_file(f.key.clone(), Source::new(format!("{base}:{}", f.source.name), text));
        }
    }
    if !any {
        return Err(ToolError::BadBase(base.to_string()));
    }
    Ok(builder.build())
}

trait KeepMissing {
    fn build_keeping(self, current: &Project) -> Project;
}

impl KeepMissing for cadrage_engine::ProjectBuilder {
    fn build_keeping(self, current: &Project) -> Project {
        let old = self.files().to_vec();
        let declared: BTreeSet<String> = old
            .iter()
            .flat_map(|(_, s)| {
                cadrage_syntax::parse(&s.text).items.into_iter().filter_map(|i| match i {
                    cadrage_syntax::ast::Item::Ruleset(r) => Some(r.name.text.to_string()),
                    _ => None,
                })
            })
            .collect();
        let mut b = self;
        for f in current.ruleset_files() {
            let names: Vec<String> = cadrage_syntax::parse(&f.source.text)
                .items
                .into_iter()
                .filter_map(|i| match i {
                    cadrage_syntax::ast::Item::Ruleset(r) => Some(r.name.text.to_string()),
                    _ => None,
                })
                .collect();
            if !names.iter().any(|n| declared.contains(n)) {
                b = b.ruleset_file(f.key.clone(), Arc::clone(&f.source));
            }
        }
        b.build()
    }
}

/// A report's verdicts by scenario: the codes of its findings and its
/// expected models as text, gathered in one pass over the report (looking
/// each scenario up in the whole report was quadratic in a file's
/// scenarios: 5 s for one file of 30,000).
fn verdicts(r: &FileReport) -> HashMap<&str, (BTreeSet<String>, String)> {
    let mut by: HashMap<&str, (BTreeSet<String>, String)> = HashMap::new();
    for c in &r.classifications {
        let expected = match &c.expected {
            None => "none".into(),
            Some(a) if a.is_empty() => "conflict".into(),
            Some(a) => a.iter().map(|s| s.join(" + ")).collect::<Vec<_>>().join(" | "),
        };
        // The first classification of a name, as a lookup by name found it.
        by.entry(c.scenario.as_str()).or_insert_with(|| (BTreeSet::new(), expected));
    }
    for f in &r.findings {
        if let Some(s) = f.scenario.as_deref() {
            by.entry(s).or_insert_with(|| (BTreeSet::new(), "none".into())).0.insert(f.code.to_string());
        }
    }
    by
}

pub fn run(args: &DiffArgs) -> Result<ExitCode, ToolError> {
    let files = workspace::collect(&args.paths)?;
    let loaded = workspace::load(files)?;
    let opts = CheckOptions::on(crate::cli::today());
    let mut changes: Vec<ScenarioChange> = Vec::new();
    let mut scenarios = 0usize;
    let mut rulesets: Vec<(String, Vec<Difference>)> = Vec::new();
    for project in &loaded.projects {
        let old = Arc::new(old_project(&args.base, project)?);
        let mut names: Vec<String> = project.ruleset_names().iter().map(|n| n.to_string()).collect();
        names.sort();
        for n in names {
            let (Some(a), Some(b)) = (old.ruleset(&n), project.ruleset(&n)) else {
                if old.ruleset(&n).is_none() {
                    rulesets
                        .push((n.clone(), vec![Difference { what: format!("ruleset `{n}` is new"), witness: None }]));
                }
                continue;
            };
            if Arc::ptr_eq(a, b) || a.span_loc.text() == b.span_loc.text() {
                continue;
            }
            rulesets.push((n.clone(), compare(a, b)));
        }
        for t in loaded.targets.iter().filter(|t| Arc::ptr_eq(&t.project, project)) {
            let Ok(text) = workspace::read_target(&t.path) else { continue };
            let source = Source::new(t.display.clone(), text);
            let new_r = project.check(&source, Some(&t.key), &opts);
            let old_r = old.check(&source, None, &opts);
            scenarios += new_r.scenarios;
            let (old_v, new_v) = (verdicts(&old_r), verdicts(&new_r));
            let none = (BTreeSet::new(), "none".to_string());
            for c in &new_r.classifications {
                let s = c.scenario.as_str();
                let (fo, eo) = old_v.get(s).unwrap_or(&none);
                let (fnew, en) = new_v.get(s).unwrap_or(&none);
                if fo != fnew || eo != en {
                    changes.push(ScenarioChange {
                        file: t.display.clone(),
                        scenario: s.to_string(),
                        expected_old: eo.clone(),
                        expected_new: en.clone(),
                        added: fnew.difference(fo).cloned().collect(),
                        removed: fo.difference(fnew).cloned().collect(),
                    });
                }
            }
        }
    }
    let out = match args.format {
        DiffFormat::Human => human(&args.base, &rulesets, &changes, scenarios, false),
        DiffFormat::Markdown => human(&args.base, &rulesets, &changes, scenarios, true),
        DiffFormat::Json => {
            let doc = json!({
                "version": 1,
                "base": args.base,
                "rulesets": rulesets.iter().map(|(n, d)| json!({
                    "name": n,
                    "equivalent": d.is_empty(),
                    "differences": d.iter().map(|x| json!({"what": x.what, "witness": x.witness.as_ref().map(|w| w.describe())})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "scenarios": scenarios,
                "changes": changes.iter().map(|c| json!({
                    "file": c.file, "scenario": c.scenario,
                    "expected": {"old": c.expected_old, "new": c.expected_new},
                    "findings": {"added": c.added, "removed": c.removed},
                })).collect::<Vec<_>>(),
            });
            format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default())
        }
    };
    super::print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn human(
    base: &str,
    rulesets: &[(String, Vec<Difference>)],
    changes: &[ScenarioChange],
    scenarios: usize,
    md: bool,
) -> String {
    let mut out = String::new();
    let code = |s: &str| if md { format!("`{s}`") } else { s.to_string() };
    if md {
        let _ = writeln!(out, "### cadrage diff against `{base}`\n");
    } else {
        let _ = writeln!(out, "compared with {base}");
    }
    if rulesets.is_empty() {
        let _ = writeln!(out, "{}no ruleset changed", if md { "" } else { "  " });
    }
    for (name, diffs) in rulesets {
        let verdict = if diffs.is_empty() { "equivalent over all facts" } else { "not equivalent" };
        let _ = writeln!(out, "{}ruleset {}: {verdict}", if md { "**" } else { "" }, code(name));
        if md {
            out = out.replacen(
                &format!("**ruleset {}: {verdict}", code(name)),
                &format!("**ruleset {}: {verdict}**", code(name)),
                1,
            );
        }
        for d in diffs {
            let _ = writeln!(out, "{}- {}", if md { "" } else { "  " }, d.what);
        }
    }
    let _ = writeln!(out);
    if md && !changes.is_empty() {
        let _ = writeln!(out, "| Scenario | Expected model | Findings added | Findings removed |\n|---|---|---|---|");
    }
    for c in changes {
        let expected = if c.expected_old == c.expected_new {
            c.expected_new.clone()
        } else {
            format!("{} → {}", c.expected_old, c.expected_new)
        };
        if md {
            let list = |v: &[String]| v.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
            let _ = writeln!(
                out,
                "| `{}` ({}) | {expected} | {} | {} |",
                c.scenario,
                c.file,
                list(&c.added),
                list(&c.removed)
            );
        } else {
            let _ = writeln!(out, "{} {}: expected {expected}", c.file, c.scenario);
            for a in &c.added {
                let _ = writeln!(out, "  + {a}");
            }
            for r in &c.removed {
                let _ = writeln!(out, "  - {r}");
            }
        }
    }
    if md {
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "{} of {scenarios} scenarios change", changes.len());
    out
}
