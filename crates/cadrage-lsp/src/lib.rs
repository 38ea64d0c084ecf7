//! The cadrage language server: LSP over stdio (`cadrage lsp`).
//!
//! It reuses the engine: each open document is checked with
//! `Project::analyze`, and everything the editor asks (hover, completion,
//! definitions...) is answered from that analysis.
//!
//! Checks run on a worker, off the request loop. An edit marks its document
//! dirty; the worker checks the newest text as soon as its previous check
//! ends (no fixed delay), and publishes only if the document has not changed
//! meanwhile, so stale results never replace newer ones. It keeps each
//! document's last check and evaluates again only the items an edit touched
//! (`recheck`); it writes the diagnostics to stdout itself, serialized from
//! what it kept (`output`). Requests are handled one at a time
//! (`concurrency_level(1)`), which keeps the edits of a document in order;
//! they are quick because checking happens elsewhere.

mod convert;
mod features;
mod names;
mod output;
mod recheck;

use std::collections::{BTreeSet, HashMap};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use cadrage_engine::{Analysis, CheckOptions, Project, Source};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

/// Serves LSP on stdin/stdout until the client exits.
pub async fn run_stdio() {
    if let Err(e) = convert::write_builtins() {
        eprintln!("cadrage lsp: cannot write the embedded rulesets to {}: {e}", convert::builtin_dir().display());
    }
    let (output, writer) = output::stdout();
    let (service, socket) = LspService::new(|client| Backend::new(client, output.clone()));
    Server::new(tokio::io::stdin(), writer, socket).concurrency_level(1).serve(service).await;
    // The answer to `shutdown` and the last diagnostics, before the process ends.
    output.flush(std::time::Duration::from_secs(5));
}

/// One open document.
pub(crate) struct Doc {
    pub text: String,
    pub version: i32,
    /// The project file that applies (`None`: embedded rulesets only).
    pub config: Option<PathBuf>,
    /// The canonical path, as projects name their ruleset files.
    pub key: Option<String>,
    /// The last analysis and the version it is of.
    pub analysis: Option<(i32, Arc<Analysis>)>,
}

#[derive(Default)]
pub(crate) struct State {
    pub docs: HashMap<Uri, Doc>,
    pub projects: HashMap<Option<PathBuf>, Arc<Project>>,
    pub config_cache: HashMap<PathBuf, Option<PathBuf>>,
    /// Documents waiting for a check.
    pub dirty: BTreeSet<Uri>,
    /// The document being checked.
    pub checking: Option<Uri>,
    /// The workspace folders, searched for references and renames.
    pub roots: Vec<PathBuf>,
    pub today: Option<(u16, u8, u8)>,
}

impl State {
    pub fn options(&self) -> CheckOptions {
        CheckOptions::on(self.today.unwrap_or_else(today))
    }

    /// The project of a document, loaded (with open buffers over the disk) on first use.
    pub fn project(&mut self, config: &Option<PathBuf>) -> Arc<Project> {
        if let Some(p) = self.projects.get(config) {
            return Arc::clone(p);
        }
        let project = Arc::new(self.load(config.as_deref()));
        self.projects.insert(config.clone(), Arc::clone(&project));
        project
    }

    fn load(&self, config: Option<&Path>) -> Project {
        let overlay = |p: &Path| {
            self.docs.values().find(|d| d.key.as_deref() == Some(p.to_string_lossy().as_ref())).map(|d| d.text.clone())
        };
        // Names stay absolute, so that related locations map back to files.
        cadrage_workspace::load_project(config, Path::new(""), &overlay).unwrap_or_else(|_| Project::embedded())
    }

    /// What checking a document needs, taken under the lock.
    pub fn snapshot(&mut self, uri: &Uri) -> Option<Snapshot> {
        let (version, config, key, source, previous) = {
            let d = self.docs.get(uri)?;
            let previous = d.analysis.as_ref().map(|(_, a)| Arc::clone(a));
            (d.version, d.config.clone(), d.key.clone(), convert::source_for(uri, &d.text), previous)
        };
        let project = self.project(&config);
        Some(Snapshot { version, project, source, key, options: self.options(), previous })
    }

    /// The analysis of a document's current text (computed now if needed).
    pub fn analysis(&mut self, uri: &Uri) -> Option<Arc<Analysis>> {
        if let Some(d) = self.docs.get(uri) {
            if let Some((v, a)) = &d.analysis {
                if *v == d.version {
                    return Some(Arc::clone(a));
                }
            }
        }
        let snapshot = self.snapshot(uri)?;
        let version = snapshot.version;
        let analysis = Arc::new(snapshot.run());
        if let Some(d) = self.docs.get_mut(uri) {
            d.analysis = Some((version, Arc::clone(&analysis)));
        }
        Some(analysis)
    }

    /// Does a change to this document change a project (a ruleset or a project file)?
    fn is_project_input(&self, uri: &Uri) -> bool {
        let Some(doc) = self.docs.get(uri) else { return false };
        let Some(key) = &doc.key else { return false };
        key.ends_with(cadrage_workspace::PROJECT_FILE) || self.projects.values().any(|p| p.is_ruleset_file(key))
    }

    /// Forgets every project and marks every open document for a check.
    fn reload_all(&mut self) {
        self.projects.clear();
        self.config_cache.clear();
        let uris: Vec<Uri> = self.docs.keys().cloned().collect();
        for uri in uris {
            let config = self.config_for(&uri);
            if let Some(d) = self.docs.get_mut(&uri) {
                d.config = config;
            }
            self.dirty.insert(uri);
        }
    }

    fn config_for(&mut self, uri: &Uri) -> Option<PathBuf> {
        let path = convert::path_of(uri)?;
        let dir = path.parent()?.to_path_buf();
        cadrage_workspace::find_config(&dir, &mut self.config_cache)
    }
}

pub(crate) struct Snapshot {
    version: i32,
    project: Arc<Project>,
    source: Arc<Source>,
    key: Option<String>,
    options: CheckOptions,
    /// The last analysis of the document: its text and tree are reused.
    previous: Option<Arc<Analysis>>,
}

impl Snapshot {
    fn run(&self) -> Analysis {
        // Only the top-level items an edit touched are parsed again.
        let syntax = match &self.previous {
            Some(a) => cadrage_syntax::incremental::reparse(&a.report.source.text, &a.syntax, &self.source.text),
            None => cadrage_syntax::parse(&self.source.text),
        };
        self.project.analyze_parsed(&self.source, syntax, self.key.as_deref(), &self.options)
    }
}

/// With `CADRAGE_LSP_TIMINGS` set, how long each stage took, on stderr.
pub(crate) fn timing(what: &str, started: std::time::Instant) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("CADRAGE_LSP_TIMINGS").is_some()) {
        eprintln!("cadrage lsp: {what} {:.2} ms", started.elapsed().as_secs_f64() * 1000.0);
    }
}

fn today() -> (u16, u8, u8) {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// Days since 1970-01-01 to a calendar date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (u16, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (u16::try_from(y).unwrap_or(1970), u8::try_from(m).unwrap_or(1), u8::try_from(d).unwrap_or(1))
}

pub(crate) struct Backend {
    client: Client,
    output: output::Output,
    state: Arc<Mutex<State>>,
    /// Wakes the checking thread.
    wake: std::sync::mpsc::Sender<()>,
    /// Signalled by the checking thread after each check.
    checked: Arc<Condvar>,
}

pub(crate) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while the lock was held leaves the state as it was before the
    // panicking request's edits, which are whole or absent: keep going.
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs a request's work so that a panic becomes an error response.
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let mut e = Error::internal_error();
        e.message = format!("cadrage failed while answering {what}: {detail}").into();
        e
    })
}

impl Backend {
    fn new(client: Client, output: output::Output) -> Backend {
        let state = Arc::new(Mutex::new(State::default()));
        let checked = Arc::new(Condvar::new());
        let wake = spawn_worker(Arc::clone(&state), output.clone(), Arc::clone(&checked));
        Backend { client, output, state, wake, checked }
    }

    /// The state, once the check of `uri`'s current text that is queued
    /// or running has ended: a request right after an edit waits a few
    /// milliseconds for it rather than checking the document itself, under
    /// the lock, while the checking thread does the same work. (Not more
    /// than `WAIT_FOR_CHECK`: then the request checks the document itself.)
    fn current(&self, uri: &Uri) -> MutexGuard<'_, State> {
        const WAIT_FOR_CHECK: std::time::Duration = std::time::Duration::from_secs(2);
        let deadline = std::time::Instant::now() + WAIT_FOR_CHECK;
        let mut st = lock(&self.state);
        loop {
            let up_to_date = st.docs.get(uri).is_none_or(|d| d.analysis.as_ref().is_some_and(|(v, _)| *v == d.version));
            let coming = st.dirty.contains(uri) || st.checking.as_ref() == Some(uri);
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if up_to_date || !coming || left.is_zero() {
                return st;
            }
            st = match self.checked.wait_timeout(st, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// After `uri` changed: re-check it, and if it feeds a project, reload
    /// the projects and re-check every open document.
    fn changed(&self, uri: Uri) {
        let mut st = lock(&self.state);
        if st.is_project_input(&uri) {
            st.reload_all();
        } else {
            st.dirty.insert(uri);
        }
        drop(st);
        let _ = self.wake.send(());
    }
}

/// The checking thread: checks dirty documents, newest text first, and
/// publishes what is still current. One thread for every check, so that
/// what a check frees is reused by the next.
fn spawn_worker(
    state: Arc<Mutex<State>>,
    output: output::Output,
    checked: Arc<Condvar>,
) -> std::sync::mpsc::Sender<()> {
    let (wake, woken) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new().name("cadrage-lsp-check".into()).spawn(move || {
        // The last check of each open document, for the next one.
        let mut kept: HashMap<Uri, recheck::Checked> = HashMap::new();
        while woken.recv().is_ok() {
            // This pass serves every wake-up so far.
            while woken.try_recv().is_ok() {}
            loop {
                let next = {
                    let mut st = lock(&state);
                    kept.retain(|uri, _| st.docs.contains_key(uri));
                    let uri = st.dirty.iter().next().cloned();
                    if let Some(u) = &uri {
                        st.dirty.remove(u);
                    }
                    st.checking.clone_from(&uri);
                    uri
                };
                let Some(uri) = next else { break };
                let previous = kept.remove(&uri);
                let done =
                    std::panic::catch_unwind(AssertUnwindSafe(|| check_and_publish(&state, &uri, &output, previous)))
                        .ok()
                        .flatten();
                lock(&state).checking = None;
                checked.notify_all();
                if let Some(done) = done {
                    kept.insert(uri, done);
                }
            }
            merge_freed_blocks();
        }
    });
    if let Err(e) = spawned {
        eprintln!("cadrage lsp: cannot start the checking thread: {e}");
    }
    wake
}

/// glibc's allocator merges the small blocks freed since its last merge at
/// the next allocation of a kilobyte or more. A check frees the previous
/// one (tens of thousands of blocks): merging them costs about a
/// millisecond, better spent now, while idle, than on the next edit's path
/// to its diagnostics. (Elsewhere, a short-lived allocation.)
fn merge_freed_blocks() {
    let block: Vec<u8> = Vec::with_capacity(64 * 1024);
    drop(std::hint::black_box(block));
}

/// Checks a document (on the checking thread) and publishes its diagnostics
/// if it has not changed meanwhile; returns the check, for the next one.
fn check_and_publish(
    state: &Mutex<State>,
    uri: &Uri,
    output: &output::Output,
    previous: Option<recheck::Checked>,
) -> Option<recheck::Checked> {
    // The check runs without the lock: edits and requests go on.
    let snapshot = lock(state).snapshot(uri)?;
    let version = snapshot.version;
    let input = recheck::Input {
        project: &snapshot.project,
        source: &snapshot.source,
        key: snapshot.key.as_deref(),
        options: &snapshot.options,
    };
    let checked = recheck::recheck(&input, previous, |diagnostics| {
        // Only if no newer text came in: asked with stdout held, not the
        // state lock (a slow reader would hold back edits and requests).
        output.publish_if(uri, diagnostics, Some(version), || {
            lock(state).docs.get(uri).map(|d| d.version) == Some(version)
        });
    });
    let replaced = {
        let mut st = lock(state);
        let doc = st.docs.get_mut(uri)?;
        if doc.version == version { doc.analysis.replace((version, Arc::clone(&checked.analysis))) } else { None }
    };
    // Freed after the lock is released.
    drop(replaced);
    Some(checked)
}

fn apply_change(text: &mut String, change: &TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text.clone(),
        Some(range) => {
            let start = convert::offset_in(text, range.start);
            let end = convert::offset_in(text, range.end).max(start);
            if text.is_char_boundary(start) && text.is_char_boundary(end) {
                text.replace_range(start..end, &change.text);
            }
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        {
            let mut st = lock(&self.state);
            #[allow(deprecated, reason = "older clients send only rootUri")]
            let root = params.root_uri.as_ref().and_then(convert::path_of);
            st.roots = params
                .workspace_folders
                .iter()
                .flatten()
                .filter_map(|f| convert::path_of(&f.uri))
                .chain(root)
                .collect();
            st.roots.dedup();
        }
        if let Some(today) = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("today"))
            .and_then(|t| t.as_str())
            .and_then(parse_date)
        {
            lock(&self.state).today = Some(today);
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo { name: "cadrage".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            capabilities: features::capabilities(),
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let watch = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![
                FileSystemWatcher { glob_pattern: GlobPattern::String("**/*.cadrage".into()), kind: None },
                FileSystemWatcher { glob_pattern: GlobPattern::String("**/cadrage.toml".into()), kind: None },
            ],
        };
        let registration = Registration {
            id: "cadrage-watch".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(watch).ok(),
        };
        // Clients without dynamic registration simply say no.
        let _ = self.client.register_capability(vec![registration]).await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        {
            let mut st = lock(&self.state);
            let config = st.config_for(&doc.uri);
            let key = convert::path_of(&doc.uri)
                .map(|p| std::fs::canonicalize(&p).unwrap_or(p).to_string_lossy().into_owned());
            st.docs.insert(doc.uri.clone(), Doc { text: doc.text, version: doc.version, config, key, analysis: None });
        }
        self.changed(doc.uri);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        {
            let started = std::time::Instant::now();
            let mut st = lock(&self.state);
            let Some(doc) = st.docs.get_mut(&uri) else { return };
            for change in &params.content_changes {
                apply_change(&mut doc.text, change);
            }
            doc.version = params.text_document.version;
            timing("edit", started);
        }
        self.changed(uri);
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {}

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let was_input = {
            let mut st = lock(&self.state);
            let was_input = st.is_project_input(&uri);
            st.docs.remove(&uri);
            st.dirty.remove(&uri);
            if was_input {
                // The disk's version of the ruleset applies again.
                st.reload_all();
            }
            was_input
        };
        if was_input {
            let _ = self.wake.send(());
        }
        // After any diagnostics the checking thread found still current (see `publish_if`).
        self.output.publish(&uri, b"[]", None);
    }

    async fn did_change_watched_files(&self, _: DidChangeWatchedFilesParams) {
        lock(&self.state).reload_all();
        let _ = self.wake.send(());
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        guarded("hover", || features::hover(&mut self.current(&p.text_document.uri), &p.text_document.uri, p.position))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        guarded("completion", || {
            features::completion(&mut self.current(&p.text_document.uri), &p.text_document.uri, p.position)
        })
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        guarded("definition", || {
            features::definition(&mut self.current(&p.text_document.uri), &p.text_document.uri, p.position)
        })
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        guarded("code actions", || features::code_actions(&mut self.current(&params.text_document.uri), &params))
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        guarded("document symbols", || {
            features::symbols(&mut self.current(&params.text_document.uri), &params.text_document.uri)
        })
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        guarded("folding ranges", || {
            features::folding(&mut self.current(&params.text_document.uri), &params.text_document.uri)
        })
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        guarded("formatting", || features::formatting(&lock(&self.state), &params.text_document.uri))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let decl = params.context.include_declaration;
        guarded("references", || {
            features::references(&mut self.current(&p.text_document.uri), &p.text_document.uri, p.position, decl)
        })
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let p = params.text_document_position;
        let answer = guarded("rename", || {
            features::rename(
                &mut self.current(&p.text_document.uri),
                &p.text_document.uri,
                p.position,
                &params.new_name,
            )
        })?;
        answer.map_err(|message| {
            let mut e = Error::invalid_params(message.clone());
            e.message = message.into();
            e
        })
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        guarded("semantic tokens", || {
            features::semantic_tokens(&mut self.current(&params.text_document.uri), &params.text_document.uri)
        })
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        guarded("inlay hints", || {
            features::inlay_hints(&mut self.current(&params.text_document.uri), &params.text_document.uri, params.range)
        })
    }
}

fn parse_date(s: &str) -> Option<(u16, u8, u8)> {
    let mut it = s.splitn(3, '-');
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_819), (2027, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn incremental_edits_in_utf16() {
        let mut text = String::from("a é🚀 x\nsecond");
        let change = TextDocumentContentChangeEvent {
            range: Some(Range { start: Position { line: 0, character: 6 }, end: Position { line: 0, character: 7 } }),
            range_length: None,
            text: "yz".into(),
        };
        apply_change(&mut text, &change);
        assert_eq!(text, "a é🚀 yz\nsecond");
    }
}

#[cfg(test)]
mod panic_tests {
    use super::guarded;

    #[test]
    fn a_panic_in_a_request_becomes_an_error_response() {
        let r: tower_lsp_server::jsonrpc::Result<()> = guarded("hover", || panic!("boom"));
        let e = r.err().map(|e| e.message.to_string()).unwrap_or_default();
        assert_eq!(e, "cadrage failed while answering hover: boom");
        assert_eq!(guarded("hover", || 7).ok(), Some(7));
    }
}
