//! `cadrage fmt`: rewrites files in the canonical layout
//! (`cadrage_syntax::format`), checks that they are (`--check`), or formats
//! standard input (`--stdin`).
//!
//! A file with syntax errors is never rewritten: its errors are reported and
//! the command exits 2 once the other files are done.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use cadrage_engine::source::Loc;
use cadrage_engine::{EngineCode, FileReport, Finding, Source};
use owo_colors::OwoColorize;
use rayon::prelude::*;

use crate::cli::FmtArgs;
use crate::output::Renderer;
use crate::output::human::Human;
use cadrage_workspace::{self as workspace, ToolError};

enum Outcome {
    Unchanged,
    /// Formatted text differs: written, or (with `--check`) its diff.
    Changed(String),
    /// Syntax errors or an unreadable file: rendered for the terminal.
    Failed(String),
}

pub fn run(args: &FmtArgs) -> Result<ExitCode, ToolError> {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if args.stdin {
        return stdin();
    }
    let files = workspace::collect(&args.paths)?;
    let outcomes: Vec<(String, Outcome)> =
        files.par_iter().map(|(name, path)| (name.clone(), one(name, path, args.check, color))).collect();

    // Writes go on after an error, which is reported once at the end.
    let mut out = crate::output::Output::new(std::io::BufWriter::new(std::io::stdout().lock()));
    let (mut changed, mut failed) = (0usize, 0usize);
    for (name, outcome) in &outcomes {
        match outcome {
            Outcome::Unchanged => {}
            Outcome::Changed(diff) => {
                changed += 1;
                if args.check {
                    let _ = out.write_all(diff.as_bytes());
                } else {
                    let _ = writeln!(out, "formatted {name}");
                }
            }
            Outcome::Failed(report) => {
                failed += 1;
                eprint!("{report}");
            }
        }
    }
    let total = outcomes.len();
    let files = |n: usize| if n == 1 { "1 file".to_string() } else { format!("{n} files") };
    let summary = match (args.check, changed) {
        (true, 0) => format!("{} already formatted", files(total - failed)),
        (true, n) => format!("{} would be reformatted, {} already formatted", files(n), total - n - failed),
        (false, n) => format!("{} reformatted, {} unchanged", files(n), total - n - failed),
    };
    let _ = writeln!(out, "{summary}");
    if failed > 0 {
        let _ = writeln!(out, "{} not formatted: fix the syntax errors above first", files(failed));
    }
    crate::output::written(out.finish())?;
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else if args.check && changed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn one(name: &str, path: &Path, check: bool, color: bool) -> Outcome {
    let text = match workspace::read_target(path) {
        Ok(t) => t,
        Err(message) => return Outcome::Failed(format!("error: {name}: {message}\n")),
    };
    match cadrage_syntax::format::format(&text) {
        Ok(formatted) if formatted == *text => Outcome::Unchanged,
        Ok(formatted) if check => Outcome::Changed(diff(name, &text, &formatted, color)),
        Ok(formatted) => match write_atomically(path, &formatted) {
            Ok(()) => Outcome::Changed(String::new()),
            Err(e) => Outcome::Failed(format!("error: cannot write {name}: {e}\n")),
        },
        Err(e) => Outcome::Failed(syntax_report(name, &text, &e)),
    }
}

fn stdin() -> Result<ExitCode, ToolError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| ToolError::Io { path: "<stdin>".into(), message: e.to_string() })?;
    match cadrage_syntax::format::format(&text) {
        Ok(formatted) => {
            crate::commands::print(&formatted)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            // Nothing is lost: the text comes back unchanged on stdout.
            eprint!("{}", syntax_report("<stdin>", &text, &e));
            crate::commands::print(&text)?;
            Ok(ExitCode::from(2))
        }
    }
}

/// The syntax errors that stop a file from being formatted, as `check` shows them.
fn syntax_report(name: &str, text: &str, e: &cadrage_syntax::format::FormatError) -> String {
    let source = Source::new(name, text);
    let findings = e
        .errors
        .iter()
        .map(|err| {
            Finding::engine(EngineCode::Syntax, Loc::new(&source, err.span), err.message.clone())
                .with_help_opt(err.help.clone())
        })
        .collect();
    let report = FileReport {
        source: Arc::clone(&source),
        findings,
        allowed: Vec::new(),
        classifications: Vec::new(),
        scenarios: 0,
    };
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    Human::new(color, 100).render(&report).findings
}

/// Files longer than this are diffed with Patience rather than Myers.
const MYERS_LINES: usize = 20_000;

/// similar's default, Myers, for files up to [`MYERS_LINES`] lines: the
/// shortest diff, but its search grows with the length times the changes
/// (`fmt --check` of a file of 100,000 scenarios, 777,000 lines with a
/// change in each scenario: 351 s; 0.3 s at 23,000 lines). Patience above:
/// 4 s for that file, and a diff as valid, anchored on the lines found
/// once in each text (a plan's scenario headers), though it may place a
/// deleted line less close to what replaces it.
fn diff_algorithm(old: &str, new: &str) -> similar::Algorithm {
    if old.lines().count().max(new.lines().count()) <= MYERS_LINES {
        similar::Algorithm::Myers
    } else {
        similar::Algorithm::Patience
    }
}

/// A unified diff from the file to its formatted text.
fn diff(name: &str, old: &str, new: &str, color: bool) -> String {
    diff_with(diff_algorithm(old, new), name, old, new, color)
}

fn diff_with(algorithm: similar::Algorithm, name: &str, old: &str, new: &str, color: bool) -> String {
    let d = similar::TextDiff::configure().algorithm(algorithm).diff_lines(old, new);
    let text = d.unified_diff().context_radius(3).header(name, &format!("{name} (formatted)")).to_string();
    if !color {
        return text;
    }
    text.lines()
        .map(|l| {
            if l.starts_with('+') {
                format!("{}\n", l.green())
            } else if l.starts_with('-') {
                format!("{}\n", l.red())
            } else if l.starts_with("@@") {
                format!("{}\n", l.cyan())
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

/// Replaces the file in one step (a temporary file in the same folder,
/// renamed over it), keeping its permissions.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies a unified diff (as `diff` writes it) to `old`.
    fn patched(old: &str, diff: &str) -> String {
        let old: Vec<&str> = old.split_inclusive('\n').collect();
        let mut out = String::new();
        let mut at = 0;
        for line in diff.split_inclusive('\n').skip(2) {
            if let Some(header) = line.strip_prefix("@@ -") {
                let start: usize = header.split([',', ' ']).next().and_then(|n| n.parse().ok()).unwrap_or(0);
                while at + 1 < start {
                    out.push_str(old.get(at).copied().unwrap_or_default());
                    at += 1;
                }
            } else if let Some(added) = line.strip_prefix('+') {
                out.push_str(added);
            } else if line.starts_with('-') || line.starts_with(' ') {
                if line.starts_with(' ') {
                    out.push_str(old.get(at).copied().unwrap_or_default());
                }
                at += 1;
            }
        }
        old.iter().skip(at).for_each(|l| out.push_str(l));
        out
    }

    /// Both algorithms give a diff that turns the file into its formatted
    /// text, with a moved line and blank lines for them to disagree on.
    #[test]
    fn the_diff_turns_the_file_into_the_formatted_text() {
        let mut old: String = (0..60)
            .map(|i| format!("scenario s{i}   {{ purpose announce   model community kpi \"é {i}\" }}\n\n"))
            .collect();
        old.push_str("scenario last {\n  purpose  announce\n}\n");
        let new = cadrage_syntax::format::format(&old).unwrap_or_else(|e| panic!("{e:?}"));
        assert_ne!(old, new);
        for algorithm in [similar::Algorithm::Myers, similar::Algorithm::Patience] {
            let d = diff_with(algorithm, "f.cadrage", &old, &new, false);
            assert!(d.starts_with("--- f.cadrage\n+++ f.cadrage (formatted)\n@@ -1"), "{algorithm:?}: {d}");
            assert!(patched(&old, &d) == new, "{algorithm:?}: the diff does not give the formatted text:\n{d}");
        }
    }

    #[test]
    fn long_files_are_diffed_with_patience() {
        let short = "a\n".repeat(MYERS_LINES);
        let long = "a\n".repeat(MYERS_LINES + 1);
        assert_eq!(diff_algorithm(&short, &short), similar::Algorithm::Myers);
        assert_eq!(diff_algorithm(&short, &long), similar::Algorithm::Patience);
        assert_eq!(diff_algorithm(&long, &short), similar::Algorithm::Patience);
    }
}
