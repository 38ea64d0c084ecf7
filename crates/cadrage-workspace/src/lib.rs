//! The file-system side of cadrage: which files to check, which project
//! file (`cadrage.toml`) applies to each, and the projects (rulesets) they
//! load. The engine never touches the file system; the CLI and the language
//! server both come through here.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cadrage_engine::{Config, Project, Source};
use miette::Diagnostic;

pub const PROJECT_FILE: &str = "cadrage.toml";

/// Why a command could not run (exit status 2).
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ToolError {
    #[error("`{0}` does not exist")]
    #[diagnostic(code(cadrage::path), help("check the path: it is read relative to the current folder"))]
    PathNotFound(String),

    #[error("no `.cadrage` files under `{0}`")]
    #[diagnostic(code(cadrage::path), help("give the folder that holds the plans, or the files themselves"))]
    NoFiles(String),

    #[error("cannot read `{path}`: {message}")]
    #[diagnostic(code(cadrage::io))]
    Io { path: String, message: String },

    #[error("`{0}` is neither a path nor a git revision that holds the project's ruleset files")]
    #[diagnostic(
        code(cadrage::base),
        help("give a ruleset file or folder, or a git revision such as `main` or `HEAD~1`")
    )]
    BadBase(String),

    #[error("no ruleset `{0}`")]
    #[diagnostic(
        code(cadrage::unknown_ruleset),
        help("the loaded rulesets are {1}; a path to a ruleset file works too")
    )]
    UnknownRuleset(String, String),

    #[error("no rule `{0}`")]
    #[diagnostic(
        code(cadrage::unknown_rule),
        help("give a rule path `RULESET.rule`; `cadrage rules RULESET` lists them")
    )]
    UnknownRule(String),

    #[error("no scenario `{0}` in `{1}`")]
    #[diagnostic(
        code(cadrage::unknown_scenario),
        help("`cadrage explain FILE` without --scenario explains every scenario of the file")
    )]
    NoScenario(String, String),

    #[error("no ruleset in the `.cadrage` files under `{0}`")]
    #[diagnostic(code(cadrage::path), help("give the files or folders that declare the rulesets to test"))]
    NoRulesets(String),

    #[error("cannot keep the output in a temporary file: {0}")]
    #[diagnostic(
        code(cadrage::io),
        help(
            "the parts of a large JSON or JUnit document that its end decides (the JSON lists after the findings, the JUnit suites under their totals) wait in temporary files until the run ends; set TMPDIR to a folder with room"
        )
    )]
    Spool(String),

    #[error("cannot write the output: {0}")]
    #[diagnostic(
        code(cadrage::io),
        help("what went to standard output is incomplete; check the disk or the pipe it goes to")
    )]
    Output(String),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<cadrage_engine::ConfigError>),
}

/// A file to check.
pub struct Target {
    /// As given on the command line, or found below a given folder, with `/`.
    pub display: String,
    pub path: PathBuf,
    /// The canonical path: identifies the file among a project's ruleset files.
    pub key: String,
    pub project: Arc<Project>,
}

/// Every project the targets use, with the display name of its project file.
pub struct Loaded {
    pub targets: Vec<Target>,
    pub projects: Vec<Arc<Project>>,
}

pub fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The `*.cadrage` files of the given paths, sorted by display name; a
/// file given by name is checked whatever its extension.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<(String, PathBuf)>, ToolError> {
    Ok(find(paths)?.into_iter().map(|f| (f.display, f.path)).collect())
}

/// A file [`find`] found.
pub struct Found {
    /// As given on the command line, or found below a given folder, with `/`.
    pub display: String,
    pub path: PathBuf,
    /// The path may be a symbolic link (a file given by name); `false` when
    /// the folder's listing said it is not, which spares [`load_found`] a
    /// `stat` of its own per file.
    pub maybe_link: bool,
}

/// [`collect`], with what the search learnt of each file on the way.
pub fn find(paths: &[PathBuf]) -> Result<Vec<Found>, ToolError> {
    let mut out: BTreeMap<String, (PathBuf, bool)> = BTreeMap::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|_| ToolError::PathNotFound(display(p)))?;
        if !meta.is_dir() {
            out.insert(display(p), (p.clone(), true));
            continue;
        }
        let before = out.len();
        let walker = walkdir::WalkDir::new(p).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
            // Hidden folders (.git, .cache...) are not searched; the given folder always is.
            e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
        });
        for entry in walker {
            let entry = entry.map_err(|e| ToolError::Io { path: display(p), message: e.to_string() })?;
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|x| x == "cadrage") {
                out.insert(display(entry.path()), (entry.path().to_path_buf(), entry.path_is_symlink()));
            }
        }
        if out.len() == before {
            return Err(ToolError::NoFiles(display(p)));
        }
    }
    Ok(out.into_iter().map(|(display, (path, maybe_link))| Found { display, path, maybe_link }).collect())
}

pub fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// [`canonical`] for a file, resolving each folder once: the files of a
/// folder share its canonical path (one `realpath` per file was most of the
/// start-up of a check of 1,000 files). A file that is itself a symbolic
/// link is resolved whole.
fn canonical_file(p: &Path, maybe_link: bool, dirs: &mut HashMap<PathBuf, PathBuf>) -> PathBuf {
    let (Some(parent), Some(name)) = (p.parent(), p.file_name()) else { return canonical(p) };
    if maybe_link && std::fs::symlink_metadata(p).map_or(true, |m| m.file_type().is_symlink()) {
        return canonical(p);
    }
    let dir = dirs
        .entry(parent.to_path_buf())
        .or_insert_with(|| canonical(if parent.as_os_str().is_empty() { Path::new(".") } else { parent }));
    dir.join(name)
}

/// A path for people: relative to the current folder when below it.
fn for_people(abs: &Path, cwd: &Path) -> String {
    match abs.strip_prefix(cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => display(rel),
        Err(_) => display(abs),
    }
}

/// Finds the project file of every target and loads each project once.
pub fn load(files: Vec<(String, PathBuf)>) -> Result<Loaded, ToolError> {
    load_found(files.into_iter().map(|(display, path)| Found { display, path, maybe_link: true }).collect())
}

/// [`load`] for files [`find`] found.
pub fn load_found(files: Vec<Found>) -> Result<Loaded, ToolError> {
    let cwd = canonical(Path::new("."));
    let mut config_of_dir: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut projects: BTreeMap<Option<PathBuf>, Arc<Project>> = BTreeMap::new();
    let mut targets = Vec::with_capacity(files.len());
    let mut canonical_dirs: HashMap<PathBuf, PathBuf> = HashMap::new();
    for Found { display: display_name, path, maybe_link } in files {
        let abs = canonical_file(&path, maybe_link, &mut canonical_dirs);
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_else(|| cwd.clone());
        let config = find_config(&dir, &mut config_of_dir);
        let project = match projects.get(&config) {
            Some(p) => Arc::clone(p),
            None => {
                let p = Arc::new(load_project(config.as_deref(), &cwd, &|_| None)?);
                projects.insert(config.clone(), Arc::clone(&p));
                p
            }
        };
        targets.push(Target { display: display_name, path, key: abs.to_string_lossy().into_owned(), project });
    }
    Ok(Loaded { targets, projects: projects.into_values().collect() })
}

/// The nearest project file in `dir` or above.
pub fn find_config(dir: &Path, cache: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<PathBuf> {
    if let Some(c) = cache.get(dir) {
        return c.clone();
    }
    let candidate = dir.join(PROJECT_FILE);
    let found = if candidate.is_file() { Some(candidate) } else { dir.parent().and_then(|p| find_config(p, cache)) };
    cache.insert(dir.to_path_buf(), found.clone());
    found
}

/// The text of a file as an editor holds it, if it holds it (unsaved
/// changes win over the disk); asked with canonical paths.
pub type Overlay<'a> = &'a dyn Fn(&Path) -> Option<String>;

/// Reads a project file and its rulesets. `None`: the embedded rulesets only.
/// Files are named relative to `cwd` when they are below it.
pub fn load_project(config_path: Option<&Path>, cwd: &Path, overlay: Overlay<'_>) -> Result<Project, ToolError> {
    let Some(config_path) = config_path else {
        return Ok(Project::embedded());
    };
    let shown = for_people(config_path, cwd);
    let text = match overlay(config_path) {
        Some(t) => t,
        None => read_text(config_path, &shown)?,
    };
    let config = Config::parse(&shown, &text).map_err(ToolError::Config)?;
    let root = config_path.parent().unwrap_or(Path::new("."));
    let mut builder = Project::builder();
    for entry in &config.rulesets {
        let p = root.join(entry.get_ref());
        if !p.exists() {
            let e = cadrage_engine::ConfigError::new(
                &config,
                entry.span(),
                format!("the ruleset path `{}` does not exist", entry.get_ref()),
                "this path",
                Some(format!("paths are relative to the project file's folder: `{}`", for_people(root, cwd))),
            );
            return Err(ToolError::Config(Box::new(e)));
        }
        let files = if p.is_dir() {
            collect(std::slice::from_ref(&p)).unwrap_or_default()
        } else {
            vec![(display(&p), p.clone())]
        };
        for (_, file) in files {
            let abs = canonical(&file);
            let name = for_people(&abs, cwd);
            let text = match overlay(&abs) {
                Some(t) => t,
                None => read_text(&file, &name)?,
            };
            builder = builder.ruleset_file(abs.to_string_lossy().into_owned(), Source::new(name, text));
        }
    }
    let project = builder.config(config).build();
    if let Some(e) = project.validate_config().into_iter().next() {
        return Err(ToolError::Config(Box::new(e)));
    }
    Ok(project)
}

fn read_text(path: &Path, shown: &str) -> Result<String, ToolError> {
    let bytes = std::fs::read(path).map_err(|e| ToolError::Io { path: shown.to_string(), message: e.to_string() })?;
    String::from_utf8(bytes)
        .map_err(|_| ToolError::Io { path: shown.to_string(), message: "the file is not UTF-8 text".into() })
}

/// Reads a file to check: `Err` carries the message of a `cadrage::io`
/// finding. The text is validated with SIMD (the standard library's
/// byte-at-a-time validation was 2 % of a large check) and copied once,
/// into the text a check shares.
pub fn read_target(path: &Path) -> Result<std::sync::Arc<str>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read this file: {}", io_message(&e)))?;
    match simdutf8::basic::from_utf8(&bytes) {
        Ok(text) => Ok(text.into()),
        // The slow path says where the text goes wrong.
        Err(_) => Err(std::str::from_utf8(&bytes)
            .err()
            .map(|e| format!("this file is not UTF-8 text (invalid byte at offset {})", e.valid_up_to()))
            .unwrap_or_default()),
    }
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotFound => "it no longer exists".into(),
        _ => e.to_string(),
    }
}

/// The project of the current folder: the nearest `cadrage.toml` in it or
/// above, or the embedded rulesets alone.
pub fn project_here() -> Result<Project, ToolError> {
    let cwd = canonical(Path::new("."));
    let mut cache = HashMap::new();
    let config = find_config(&cwd, &mut cache);
    load_project(config.as_deref(), &cwd, &|_| None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, reason = "tests report failures by panicking")]

    use super::*;

    /// Resolving folders once gives the same paths as `realpath` per file,
    /// for plain files, `..` in the path, and files that are symbolic links.
    #[test]
    fn canonical_files_are_the_canonical_paths() {
        let tmp = tempfile::tempdir().expect("temporary folder");
        let root = tmp.path();
        std::fs::create_dir_all(root.join("a/b")).expect("folders");
        std::fs::create_dir_all(root.join("elsewhere")).expect("folders");
        std::fs::write(root.join("a/b/x.cadrage"), "").expect("file");
        std::fs::write(root.join("elsewhere/real.cadrage"), "").expect("file");
        let mut paths = vec![root.join("a/b/x.cadrage"), root.join("a/b/../b/x.cadrage"), root.join("a/b/../b")];
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("elsewhere/real.cadrage"), root.join("a/b/link.cadrage"))
                .expect("file link");
            std::os::unix::fs::symlink(root.join("a/b"), root.join("dirlink")).expect("folder link");
            paths.push(root.join("a/b/link.cadrage"));
            paths.push(root.join("dirlink/x.cadrage"));
            paths.push(root.join("dirlink/link.cadrage"));
        }
        let mut dirs = HashMap::new();
        for _ in 0..2 {
            for p in &paths {
                assert_eq!(canonical_file(p, true, &mut dirs), canonical(p), "{}", p.display());
            }
        }
        #[cfg(unix)]
        assert_eq!(
            canonical_file(&root.join("a/b/link.cadrage"), true, &mut dirs),
            canonical(&root.join("elsewhere/real.cadrage"))
        );
        // Files found in folders say whether they may be links, and are
        // not looked at again when they are not: the same paths.
        let found = find(&[root.to_path_buf()]).expect("files");
        assert!(found.len() >= 2, "{}", found.len());
        #[cfg(unix)]
        assert!(found.iter().any(|f| f.maybe_link), "the file link is not seen as one");
        assert!(found.iter().any(|f| !f.maybe_link));
        for f in &found {
            assert_eq!(canonical_file(&f.path, f.maybe_link, &mut HashMap::new()), canonical(&f.path), "{}", f.display);
        }
    }

    /// The SIMD reading accepts and refuses the same bytes as the standard
    /// library, and says where a text goes wrong, in short and long texts
    /// (SIMD works on blocks of 64 bytes).
    #[test]
    fn reads_accept_exactly_utf8() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let long = "scenario été_🚀 { kpi \"ok\" }\n".repeat(40);
        let cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            "é🚀".as_bytes().to_vec(),
            long.clone().into_bytes(),
            [long.as_bytes(), b"\xff tail"].concat(),
            [&long.as_bytes()[..100], b"\xe2\x82", &long.as_bytes()[100..]].concat(),
            b"\xc3".to_vec(),
        ];
        for (i, bytes) in cases.iter().enumerate() {
            let path = dir.path().join(format!("{i}.cadrage"));
            std::fs::write(&path, bytes).expect("write");
            let expected = std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|e| format!("this file is not UTF-8 text (invalid byte at offset {})", e.valid_up_to()));
            assert_eq!(read_target(&path).map(|t| t.to_string()), expected, "case {i}");
        }
        let err = read_target(&dir.path().join("3.cadrage")).err();
        assert_eq!(err, Some(format!("this file is not UTF-8 text (invalid byte at offset {})", long.len())));
    }
}
