//! Helpers for the property tests of this crate and of the language server:
//! the repository's `.cadrage` files, and random edits of a text. Not part of
//! the language's API.

use std::path::{Path, PathBuf};

/// Every `.cadrage` file under `root` (skipping `target` and folders whose
/// name starts with `.`), with its text, sorted by path. Files that cannot
/// be read as UTF-8 are left out.
pub fn cadrage_files(root: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "cadrage") {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    out.push((path, text));
                }
            }
        }
    }
    out.sort();
    out
}

/// The repository's `.cadrage` files (see [`cadrage_files`]), read once.
pub fn repository_files() -> &'static [(PathBuf, String)] {
    static FILES: std::sync::OnceLock<Vec<(PathBuf, String)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| cadrage_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")))
}

/// `text` with `del` characters deleted at character `at` (modulo the
/// text's length) and `ins` inserted there: an edit that never splits a
/// character.
pub fn edit(text: &str, at: usize, del: usize, ins: &str) -> String {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    let first = at % bounds.len();
    let start = bounds.get(first).copied().unwrap_or(text.len());
    let end = bounds.get((first + del).min(bounds.len() - 1)).copied().unwrap_or(text.len());
    format!("{}{}{}", text.get(..start).unwrap_or(""), ins, text.get(end..).unwrap_or(""))
}

/// What random edits insert ([`edit`]): blanks, single characters that open
/// or close something, keywords, escapes (good and bad), whole statements
/// and blocks, facts and `allow`s as a scenario holds them, non-ASCII text.
/// One list for the parser's, the incremental parser's and the language
/// server's property tests.
pub const EDIT_SNIPPETS: &[&str] = &[
    " ",
    "\n",
    "\t",
    "\r\n",
    "x",
    "_2",
    "9",
    "X",
    "}",
    "{",
    "\"",
    "\"\"\"",
    "#",
    "# note\n",
    ",",
    "+",
    ".",
    "-",
    "\\",
    "\\n",
    "\\q",
    "é",
    "🚀",
    "model",
    "model ",
    "allow",
    "allow m.r",
    " by ",
    " until ",
    "2027-02-29",
    "2028-02-29",
    "scenario",
    "scenario z { purpose announce }\n",
    "plan ",
    "phase p {",
    "use management\n",
    "ruleset r { }",
    "rule",
    "given",
    "m.r",
    "\"é\\u{e9}\"",
    "\"\\u{d800}\"",
    " \"\"\"\n  a\n  \"\"\"",
    "scenario ",
    "model community",
    " kpi \"é 🚀\"",
    "(",
    ")",
    "\n#",
    "#  ",
    "\"\n",
    "\n\n",
    "scenario z { purpose announce  model community }\n",
    "\nscenario sales_team_space { purpose performance }\n",
    "plan p2 { phase ph { scenario s9 { purpose emerge } } }\n",
    "  model community\n",
    "  model socio_collaborative\n",
    "  audience company\n",
    "  purpose announce\n",
    "  allow management.community_shows_results \"fine\" until 2026-01-01\n",
    "  allow management.community_shows_results\n",
    "use expertise\n",
];
