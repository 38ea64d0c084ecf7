//! The commands for ruleset authors: `test`, `explain`, `diff`, `table`,
//! `rules`. Each lives in its own module; `cadrage check` is in `check.rs`.

pub mod diff;
pub mod explain;
pub mod rules;
pub mod table;
pub mod test;

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use cadrage_engine::model::Ruleset;
use cadrage_engine::{Project, Source};
use cadrage_syntax::ast::Item;

use crate::cli::ColorChoice;
use cadrage_workspace::{self as workspace, ToolError};

/// Writes a command's output on stdout, its errors as
/// [`crate::output::written`] reports them (`print!` panics on them).
pub fn print(text: &str) -> Result<(), ToolError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    crate::output::written(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// Whether to colour output on stdout.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// A ruleset declared in a file under the given paths, resolved in its
/// project (or in its file, for a ruleset that is not a project ruleset).
pub struct FoundRuleset {
    /// The file, as given or found.
    pub file: String,
    pub ruleset: Arc<Ruleset>,
    pub project: Arc<Project>,
}

/// Every ruleset declared in the `*.cadrage` files under `paths`, in file
/// order, then declaration order.
pub fn rulesets_under(paths: &[std::path::PathBuf]) -> Result<Vec<FoundRuleset>, ToolError> {
    let files = workspace::collect(paths)?;
    let loaded = workspace::load(files)?;
    let mut out = Vec::new();
    for t in &loaded.targets {
        let text =
            workspace::read_target(&t.path).map_err(|message| ToolError::Io { path: t.display.clone(), message })?;
        let names: Vec<_> = cadrage_syntax::parse(&text)
            .items
            .into_iter()
            .filter_map(|i| match i {
                Item::Ruleset(r) => Some(r.name.text),
                _ => None,
            })
            .collect();
        if names.is_empty() {
            continue;
        }
        let project_file = t.project.is_ruleset_file(&t.key);
        let analysis = if project_file {
            None
        } else {
            let source = Source::new(t.display.clone(), text);
            Some(t.project.analyze(&source, Some(&t.key), &cadrage_engine::CheckOptions::on(crate::cli::today())))
        };
        for name in names {
            let rs = match &analysis {
                Some(a) => a.local_rulesets.get(&name).cloned(),
                None => t.project.ruleset(&name).cloned(),
            };
            // A ruleset whose name is declared twice resolves once.
            if let Some(rs) = rs {
                if out.iter().any(|f: &FoundRuleset| Arc::ptr_eq(&f.ruleset, &rs)) {
                    continue;
                }
                out.push(FoundRuleset { file: t.display.clone(), ruleset: rs, project: Arc::clone(&t.project) });
            }
        }
    }
    Ok(out)
}

/// `path` for messages.
pub fn shown(p: &Path) -> String {
    workspace::display(p)
}

/// A ruleset named on the command line: a file (or folder) that declares
/// it, or the name of a ruleset of the current folder's project (or of the
/// embedded ones).
pub fn resolve_ruleset(arg: &str) -> Result<(Arc<Ruleset>, Arc<Project>), ToolError> {
    let p = Path::new(arg);
    if arg.contains(['/', '\\']) || arg.ends_with(".cadrage") || p.is_dir() {
        let found = rulesets_under(&[p.to_path_buf()])?;
        return match found.into_iter().next() {
            Some(f) => Ok((f.ruleset, f.project)),
            None => Err(ToolError::NoRulesets(arg.to_string())),
        };
    }
    let project = Arc::new(workspace::project_here()?);
    match project.ruleset(arg) {
        Some(rs) => Ok((Arc::clone(rs), Arc::clone(&project))),
        None => {
            let names: Vec<String> = project.ruleset_names().iter().map(|n| format!("`{n}`")).collect();
            Err(ToolError::UnknownRuleset(arg.to_string(), names.join(", ")))
        }
    }
}
