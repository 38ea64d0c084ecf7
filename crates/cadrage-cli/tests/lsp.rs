//! The language server end to end: the real `cadrage lsp` process, JSON-RPC
//! over stdio, a workspace of files in a temporary folder.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers report failures by panicking"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

struct Lsp {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for something else.
    notes: Vec<Value>,
    _cache: tempfile::TempDir,
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

impl Lsp {
    fn start(root: &Path) -> Lsp {
        let cache = tempfile::tempdir().expect("cache dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_cadrage"))
            .arg("lsp")
            .current_dir(root)
            .env("CADRAGE_CACHE_DIR", cache.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start cadrage lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().expect("a length");
                    }
                }
                let mut body = vec![0u8; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let value: Value = serde_json::from_slice(&body).expect("JSON from the server");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        let mut lsp = Lsp { child, stdin, rx, next_id: 0, notes: Vec::new(), _cache: cache };
        let init = lsp.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{ "uri": uri(root), "name": "ws" }],
                "capabilities": {},
                "initializationOptions": { "today": "2027-01-01" },
            }),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "cadrage");
        lsp.notify("initialized", json!({}));
        lsp
    }

    fn send(&mut self, v: &Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write to the server");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + WAIT;
        loop {
            let msg = self.recv(deadline).unwrap_or_else(|| panic!("no answer to {method}"));
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            if let (Some(m), Some(server_id)) = (msg.get("method"), msg.get("id")) {
                // A request from the server (client/registerCapability): accept it.
                let _ = m;
                let reply = json!({ "jsonrpc": "2.0", "id": server_id, "result": null });
                self.send(&reply);
                continue;
            }
            self.notes.push(msg);
        }
    }

    fn recv(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.rx.recv_timeout(left).ok()
    }

    /// Waits for the diagnostics of `file` at `version`; returns them.
    fn diagnostics(&mut self, file: &Path, version: i64) -> Vec<Value> {
        let want = uri(file);
        let deadline = Instant::now() + WAIT;
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == want.as_str()
                && m["params"]["version"] == version
        };
        if let Some(i) = self.notes.iter().rposition(matches) {
            let m = self.notes.remove(i);
            return m["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
        }
        loop {
            let msg = self.recv(deadline).unwrap_or_else(|| panic!("no diagnostics for {want} at version {version}"));
            if matches(&msg) {
                return msg["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
            if let Some(server_id) = msg.get("id").filter(|_| msg.get("method").is_some()) {
                let reply = json!({ "jsonrpc": "2.0", "id": server_id, "result": null });
                self.send(&reply);
                continue;
            }
            self.notes.push(msg);
        }
    }

    /// Waits until the diagnostics of `file` at `version` satisfy `want`
    /// (earlier checks of the same version may still be arriving).
    fn diagnostics_until(&mut self, file: &Path, version: i64, want: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + WAIT;
        loop {
            let d = self.diagnostics(file, version);
            if want(&d) || Instant::now() > deadline {
                return d;
            }
        }
    }

    fn open(&mut self, file: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri(file), "languageId": "cadrage", "version": 1, "text": text } }),
        );
    }

    /// `didChange` replacing the range `start..end` (LSP line and UTF-16 column) with `text`.
    fn change(&mut self, file: &Path, version: i64, start: (u32, u32), end: (u32, u32), text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri(file), "version": version },
                "contentChanges": [{
                    "range": { "start": { "line": start.0, "character": start.1 }, "end": { "line": end.0, "character": end.1 } },
                    "text": text,
                }],
            }),
        );
    }

    /// `didChange` with the whole new text.
    fn replace(&mut self, file: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri(file), "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    fn at(&mut self, method: &str, file: &Path, line: u32, character: u32) -> Value {
        self.request(
            method,
            json!({ "textDocument": { "uri": uri(file) }, "position": { "line": line, "character": character } }),
        )
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let _ = self.child.wait();
    }
}

/// The UTF-16 position of the first `needle` in `text`.
/// The LSP position (line, UTF-16 column) of the first `needle` in `text`.
fn pos(text: &str, needle: &str) -> (u32, u32) {
    position_at(text, text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in the text")))
}

/// The LSP position (line, UTF-16 column) of a byte offset.
fn position_at(text: &str, at: usize) -> (u32, u32) {
    let line = text[..at].matches('\n').count();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line as u32, text[line_start..at].encode_utf16().count() as u32)
}

fn codes(diags: &[Value]) -> Vec<String> {
    let mut c: Vec<String> = diags.iter().filter_map(|d| d["code"].as_str().map(String::from)).collect();
    c.sort();
    c
}

const PLAN: &str = "use management

plan rollout \"Déploiement 2027\" {
  audience company

  scenario payroll \"Équipe paie 🚀\" {
    purpose  daily_work
    audience own_team
    led_by   community_manager
    model    community
  }

  scenario news \"Réunion — fusion 🚀\" { purpose anounce model community kpi \"x\" }
  scenario broken {
    purpose announce
    led_by = manager
  }
  scenario after_error { purpose announce model socio_collaborative kpi \"y\" }
}
";

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("workspace");
        std::fs::write(dir.path().join("cadrage.toml"), "rulesets = [\"rulesets\"]\ndefault = \"management\"\n")
            .expect("write");
        std::fs::create_dir(dir.path().join("rulesets")).expect("mkdir");
        std::fs::write(dir.path().join("rulesets/shop.cadrage"), SHOP).expect("write");
        std::fs::write(dir.path().join("plan.cadrage"), PLAN).expect("write");
        std::fs::write(dir.path().join("shop_plan.cadrage"), SHOP_PLAN).expect("write");
        Workspace { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().canonicalize().expect("canonical").join(name)
    }
}

const SHOP: &str = "ruleset shop {
  model open
  model closed
  dimension hours { day night }
  rule nights_are_closed {
    when hours is night
    expect closed
  }
}
";

const SHOP_PLAN: &str = "use shop\nscenario late { hours night model open }\n";

#[test]
fn diagnostics_carry_code_help_related_and_utf16_ranges() {
    let ws = Workspace::new();
    let plan = ws.path("plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    lsp.open(&plan, PLAN);
    let diags = lsp.diagnostics(&plan, 1);
    let c = codes(&diags);
    assert!(c.contains(&"management.work_is_the_managers_job".to_string()), "{c:?}");
    assert!(c.contains(&"cadrage::unknown-value".to_string()), "{c:?}");
    assert!(c.contains(&"cadrage::syntax".to_string()), "a syntax error mid-file: {c:?}");
    assert!(
        c.contains(&"management.communication_is_community_work".to_string()),
        "the scenario after the syntax error is still checked: {c:?}"
    );
    let work = diags.iter().find(|d| d["code"] == "management.work_is_the_managers_job").expect("finding");
    assert_eq!(work["severity"], 1);
    assert_eq!(work["source"], "cadrage");
    let message = work["message"].as_str().expect("message");
    assert!(message.contains("\n\nOn a social platform"), "the why as a second paragraph: {message}");
    let related = &work["relatedInformation"][0];
    assert_eq!(related["message"], "rule defined here");
    let target = related["location"]["uri"].as_str().expect("uri");
    assert!(target.ends_with("/management.cadrage"), "{target}");
    let on_disk = target.trim_start_matches("file://");
    assert!(std::fs::metadata(on_disk).expect("embedded ruleset written").permissions().readonly());
    // The typo sits after accents and an emoji on its line: UTF-16 columns.
    let typo = diags.iter().find(|d| d["code"] == "cadrage::unknown-value").expect("typo");
    let (line, col) = pos(PLAN, "anounce");
    assert_eq!(typo["range"]["start"], json!({ "line": line, "character": col }));
    assert_eq!(typo["range"]["end"], json!({ "line": line, "character": col + 7 }));
    assert!(col < PLAN.lines().nth(line as usize).unwrap().find("anounce").unwrap() as u32, "multi-byte text before");
}

#[test]
fn incremental_changes_are_checked_and_versions_sent() {
    let ws = Workspace::new();
    let plan = ws.path("plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    lsp.open(&plan, PLAN);
    let before = lsp.diagnostics(&plan, 1);
    assert!(codes(&before).contains(&"cadrage::unknown-value".to_string()));
    // Fix the typo with a ranged edit (after an emoji: UTF-16 columns).
    let (line, col) = pos(PLAN, "anounce");
    lsp.change(&plan, 2, (line, col), (line, col + 7), "announce");
    // A burst of edits: only the newest text matters.
    for v in 3..=6 {
        lsp.change(&plan, v, (0, 14), (0, 14), " ");
    }
    let after = lsp.diagnostics(&plan, 6);
    assert!(!codes(&after).contains(&"cadrage::unknown-value".to_string()), "{:?}", codes(&after));
    assert!(codes(&after).contains(&"management.work_is_the_managers_job".to_string()));
}

const ITEMS: &str = "use management

scenario a \"Équipe 🚀\" {
  purpose  daily_work
  audience own_team
  led_by   community_manager
  model    community
}

scenario b { purpose announce model community kpi \"x\" }

plan p {
  audience company
  scenario c { purpose announce led_by manager }
  phase ph {
    led_by manager
    scenario d { purpose emerge model community }
  }
}

scenario e { purpose performance audience own_team model community allow management.review_the_system }
scenario f { purpose announce }
";

#[test]
fn edits_give_the_diagnostics_of_a_fresh_check() {
    // The server evaluates again only the items an edit touched and keeps
    // the rest, moved; what it publishes must be what a fresh server gives.
    let ws = Workspace::new();
    let file = ws.path("items.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    lsp.open(&file, ITEMS);
    let _ = lsp.diagnostics(&file, 1);
    let mut text = ITEMS.to_string();
    // (where, how much to remove, what to insert)
    let edits: [(&str, usize, &str); 8] = [
        ("scenario b", 0, "# a line above b\n\n"),
        ("emerge", 6, "emrge"),
        ("scenario e", 10, "scenario a"),
        ("led_by manager\n    scenario d", 0, "led_by = \n    "),
        ("led_by = \n    ", 14, ""),
        ("plan p {", 0, "scenario g { purpose announce }\n"),
        ("\n\nscenario b", 1, ""),
        ("kpi \"x\"", 0, "\n  "),
    ];
    let mut last = Vec::new();
    for (k, (needle, remove, insert)) in edits.iter().enumerate() {
        let version = k as i64 + 2;
        let at = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in the text"));
        let (start, end) = (position_at(&text, at), position_at(&text, at + remove));
        lsp.change(&file, version, start, end, insert);
        text.replace_range(at..at + remove, insert);
        let edited = lsp.diagnostics(&file, version);
        let mut fresh = Lsp::start(ws.dir.path());
        fresh.open(&file, &text);
        let whole = fresh.diagnostics(&file, 1);
        // Each server writes the embedded rulesets to its own folder.
        let (here, there) = (lsp._cache.path().display().to_string(), fresh._cache.path().display().to_string());
        let whole: Vec<Value> = serde_json::from_str(&Value::from(whole).to_string().replace(&there, &here)).unwrap();
        assert_eq!(edited, whole, "after edit {k} ({needle:?}), the text being:\n{text}");
        last = edited;
    }
    let c = codes(&last);
    assert!(c.contains(&"cadrage::duplicate-name".to_string()), "{c:?}");
}

#[test]
fn an_unsaved_ruleset_edit_rechecks_open_scenarios() {
    let ws = Workspace::new();
    let (shop, shop_plan) = (ws.path("rulesets/shop.cadrage"), ws.path("shop_plan.cadrage"));
    let mut lsp = Lsp::start(ws.dir.path());
    lsp.open(&shop_plan, SHOP_PLAN);
    assert_eq!(codes(&lsp.diagnostics(&shop_plan, 1)), ["shop.nights_are_closed"]);
    lsp.open(&shop, SHOP);
    let _ = lsp.diagnostics(&shop, 1);
    // In the editor, not on disk: nights now expect `open`.
    let edited = SHOP.replace("expect closed", "expect open");
    lsp.replace(&shop, 2, &edited);
    let after = lsp.diagnostics_until(&shop_plan, 1, |d| d.is_empty());
    assert_eq!(codes(&after), Vec::<String>::new(), "re-checked with the unsaved ruleset");
}

#[test]
fn hover_on_values_models_scenarios_and_rules() {
    let ws = Workspace::new();
    let plan = ws.path("plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    let text = format!(
        "{PLAN}scenario lab {{ purpose innovation model community allow management.innovation_uses_both \"pilot\" }}\n"
    );
    lsp.open(&plan, &text);
    let _ = lsp.diagnostics(&plan, 1);
    let hover = |lsp: &mut Lsp, needle: &str, delta: u32| {
        let (l, c) = pos(&text, needle);
        let h = lsp.at("textDocument/hover", &plan, l, c + delta);
        h["result"]["contents"]["value"].as_str().unwrap_or_default().to_string()
    };
    let v = hover(&mut lsp, "daily_work", 2);
    assert!(v.contains("**`daily_work`** — The staff's everyday work") && v.contains("a value of `purpose`"), "{v}");
    let m = hover(&mut lsp, "community\n  }", 1);
    assert!(m.starts_with("**Community management** (`community`)"), "{m}");
    let d = hover(&mut lsp, "led_by   community", 1);
    assert!(d.contains("**`led_by`** — Who leads the group"), "{d}");
    let s = hover(&mut lsp, "payroll", 1);
    assert!(s.contains("| `audience` | own_team | this scenario |"), "{s}");
    assert!(s.contains("expected: **Socio-collaborative management**"), "{s}");
    assert!(s.contains("decided by `management.work_is_the_managers_job`"), "{s}");
    let news = hover(&mut lsp, "after_error", 1);
    assert!(news.contains("| `audience` | company | plan `rollout` |"), "inherited facts say where from: {news}");
    let r = hover(&mut lsp, "management.innovation_uses_both", 12);
    assert!(r.starts_with("**rule `management.innovation_uses_both`** — Open innovation uses both models"), "{r}");
}

#[test]
fn completion_of_dimensions_values_models_and_rules() {
    let ws = Workspace::new();
    let plan = ws.path("plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    let text = "use management\nscenario s {\n  purpose announce\n  \n}\n".to_string();
    lsp.open(&plan, &text);
    let _ = lsp.diagnostics(&plan, 1);
    let labels = |r: &Value| -> Vec<String> {
        r["result"]
            .as_array()
            .map(|a| a.iter().filter_map(|i| i["label"].as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    let r = lsp.at("textDocument/completion", &plan, 3, 2);
    let l = labels(&r);
    for want in ["audience", "led_by", "kpi", "model", "allow"] {
        assert!(l.contains(&want.to_string()), "{want} in {l:?}");
    }
    let purpose = r["result"].as_array().unwrap().iter().find(|i| i["label"] == "purpose").expect("purpose");
    let audience = r["result"].as_array().unwrap().iter().find(|i| i["label"] == "audience").expect("audience");
    assert!(purpose["sortText"].as_str() > audience["sortText"].as_str(), "stated dimensions come last");
    assert!(audience["documentation"]["value"].as_str().unwrap_or_default().contains("`own_team`"));
    let edit = |lsp: &mut Lsp, version: i64, line_text: &str| {
        lsp.change(&plan, version, (3, 0), (3, 100), line_text);
    };
    edit(&mut lsp, 2, "  led_by ");
    let l = labels(&lsp.at("textDocument/completion", &plan, 3, 9));
    assert_eq!(l, ["manager", "community_manager", "communication_team", "agency"]);
    edit(&mut lsp, 3, "  model community + ");
    let l = labels(&lsp.at("textDocument/completion", &plan, 3, 20));
    assert_eq!(l, ["community", "socio_collaborative"]);
    edit(&mut lsp, 4, "  allow ");
    let l = labels(&lsp.at("textDocument/completion", &plan, 3, 8));
    assert!(l.contains(&"management.review_the_system".to_string()), "{l:?}");
    assert_eq!(l.len(), 10);
    let top = labels(&lsp.at("textDocument/completion", &plan, 0, 0));
    assert!(top.contains(&"scenario".to_string()) && top.contains(&"plan".to_string()), "{top:?}");
}

#[test]
fn definition_of_values_dimensions_models_and_rules() {
    let ws = Workspace::new();
    let shop_plan = ws.path("shop_plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    lsp.open(&shop_plan, SHOP_PLAN);
    let _ = lsp.diagnostics(&shop_plan, 1);
    let (l, c) = pos(SHOP_PLAN, "night");
    let d = lsp.at("textDocument/definition", &shop_plan, l, c + 1);
    assert_eq!(d["result"]["uri"], uri(&ws.path("rulesets/shop.cadrage")));
    let (dl, dc) = pos(SHOP, "night");
    assert_eq!(d["result"]["range"]["start"], json!({ "line": dl, "character": dc }));
    let (l, c) = pos(SHOP_PLAN, "open");
    let m = lsp.at("textDocument/definition", &shop_plan, l, c);
    let (ml, mc) = pos(SHOP, "open");
    assert_eq!(m["result"]["range"]["start"], json!({ "line": ml, "character": mc }));
    // Into the embedded ruleset, written to a file the editor can open.
    let plan = ws.path("plan.cadrage");
    lsp.open(&plan, PLAN);
    let _ = lsp.diagnostics(&plan, 1);
    let (l, c) = pos(PLAN, "led_by   community");
    let e = lsp.at("textDocument/definition", &plan, l, c + 1);
    let target = e["result"]["uri"].as_str().expect("uri");
    let text = std::fs::read_to_string(target.trim_start_matches("file://")).expect("the embedded ruleset on disk");
    let line = e["result"]["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(text.lines().nth(line).unwrap().contains("dimension led_by"), "{}", text.lines().nth(line).unwrap());
}

#[test]
fn code_actions_fix_allow_add_and_rename() {
    let ws = Workspace::new();
    let plan = ws.path("plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    let text = "use management\nscenario s { purpose announce model socio_collaborative }\nscenario t { purpose anounce model community }\n";
    lsp.open(&plan, text);
    let diags = lsp.diagnostics(&plan, 1);
    let actions = |lsp: &mut Lsp, code: &str| -> Vec<(String, String)> {
        let d = diags.iter().find(|d| d["code"] == code).unwrap_or_else(|| panic!("{code}")).clone();
        let r = lsp.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri(&plan) }, "range": d["range"], "context": { "diagnostics": [d] } }),
        );
        r["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let edits = &a["edit"]["changes"][uri(&plan)];
                (a["title"].as_str().unwrap().to_string(), edits[0]["newText"].as_str().unwrap().to_string())
            })
            .collect()
    };
    let expect = actions(&mut lsp, "management.communication_is_community_work");
    assert_eq!(expect[0], ("Use community".to_string(), "community".to_string()));
    assert!(
        expect.iter().any(|(t, e)| t.starts_with("Allow `management.communication_is_community_work` in `s`")
            && e.contains("allow management.communication_is_community_work \"REASON\"")),
        "{expect:?}"
    );
    let typo = actions(&mut lsp, "cadrage::unknown-value");
    assert_eq!(typo[0], ("Replace with `announce`".to_string(), "announce".to_string()));
    let kpi = actions(&mut lsp, "management.community_shows_results");
    assert!(kpi.iter().any(|(t, e)| t == "Add `kpi` to `t`" && e.contains("kpi \"...\"")), "{kpi:?}");
}

#[test]
fn symbols_folding_formatting_and_inlay_hints() {
    let ws = Workspace::new();
    let plan = ws.path("plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    let text = "use management\nplan p \"P\" {\n  phase one {\n    scenario a { purpose announce model socio_collaborative kpi \"x\" }\n  }\n  scenario b {\n    purpose performance\n    model socio_collaborative\n  }\n}\n";
    lsp.open(&plan, text);
    let _ = lsp.diagnostics(&plan, 1);
    let doc = json!({ "textDocument": { "uri": uri(&plan) } });
    let symbols = lsp.request("textDocument/documentSymbol", doc.clone());
    let p = &symbols["result"][0];
    assert_eq!(p["name"], "p");
    assert_eq!(p["children"][0]["name"], "one");
    assert_eq!(p["children"][0]["children"][0]["name"], "a");
    assert_eq!(p["children"][1]["name"], "b");
    let folds = lsp.request("textDocument/foldingRange", doc.clone());
    let starts: Vec<u64> =
        folds["result"].as_array().unwrap().iter().map(|f| f["startLine"].as_u64().unwrap()).collect();
    assert_eq!(starts, [1, 2, 5]);
    let formatted = lsp.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri(&plan) }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let new_text = formatted["result"][0]["newText"].as_str().expect("an edit");
    assert!(
        new_text.contains("    scenario a {\n      purpose announce\n      model   socio_collaborative\n"),
        "{new_text}"
    );
    let hints = lsp.request(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": uri(&plan) }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 20, "character": 0 } } }),
    );
    let labels: Vec<&str> = hints["result"].as_array().unwrap().iter().filter_map(|h| h["label"].as_str()).collect();
    assert_eq!(labels, ["expected: Community management"]);
    assert_eq!(hints["result"][0]["position"]["line"], 3);
}

#[test]
fn bad_requests_get_answers_and_the_server_goes_on() {
    let ws = Workspace::new();
    let plan = ws.path("plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    // Before the document is open: no answer to give, but an answer.
    let early = lsp.at("textDocument/hover", &plan, 0, 0);
    assert!(early.get("result").is_some(), "{early}");
    lsp.open(&plan, PLAN);
    let _ = lsp.diagnostics(&plan, 1);
    // Far outside the text: clamped.
    let far = lsp.at("textDocument/hover", &plan, 9_999, 9_999);
    assert!(far.get("error").is_none(), "{far}");
    let unknown = lsp.request("cadrage/noSuchMethod", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let still = lsp.at("textDocument/hover", &plan, pos(PLAN, "payroll").0, pos(PLAN, "payroll").1 + 1);
    assert!(still["result"]["contents"]["value"].as_str().unwrap_or_default().contains("scenario `payroll`"));
}

#[test]
fn references_and_rename_across_the_workspace() {
    let ws = Workspace::new();
    let (shop, shop_plan) = (ws.path("rulesets/shop.cadrage"), ws.path("shop_plan.cadrage"));
    let mut lsp = Lsp::start(ws.dir.path());
    lsp.open(&shop_plan, SHOP_PLAN);
    let _ = lsp.diagnostics(&shop_plan, 1);
    let (l, c) = pos(SHOP_PLAN, "night");
    let refs = lsp.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri(&shop_plan) }, "position": { "line": l, "character": c }, "context": { "includeDeclaration": true } }),
    );
    let mut files: Vec<String> =
        refs["result"].as_array().unwrap().iter().map(|r| r["uri"].as_str().unwrap().to_string()).collect();
    files.sort();
    // Declared and used in the ruleset, used in the plan.
    assert_eq!(files, [uri(&shop), uri(&shop), uri(&shop_plan)]);
    let renamed = lsp.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri(&shop_plan) }, "position": { "line": l, "character": c }, "newName": "evening" }),
    );
    let changes = &renamed["result"]["changes"];
    assert_eq!(changes[uri(&shop)].as_array().unwrap().len(), 2);
    assert_eq!(changes[uri(&shop_plan)][0]["newText"], "evening");
    // A rule path keeps its ruleset part.
    let text = format!("{SHOP_PLAN}scenario ok {{ hours night model closed allow shop.nights_are_closed \"ok\" }}\n");
    lsp.replace(&shop_plan, 2, &text);
    let (l, c) = pos(&text, "nights_are_closed");
    let rule = lsp.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri(&shop_plan) }, "position": { "line": l, "character": c }, "newName": "closed_at_night" }),
    );
    assert_eq!(rule["result"]["changes"][uri(&shop_plan)][0]["newText"], "shop.closed_at_night");
    assert_eq!(rule["result"]["changes"][uri(&shop)][0]["newText"], "closed_at_night");
    // Bad names and embedded declarations are refused with a reason.
    let bad = lsp.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri(&shop_plan) }, "position": { "line": l, "character": c }, "newName": "Closed-Night" }),
    );
    assert!(bad["error"]["message"].as_str().unwrap().contains("`Closed-Night` is not a name"), "{bad}");
    let plan = ws.path("plan.cadrage");
    lsp.open(&plan, PLAN);
    let _ = lsp.diagnostics(&plan, 1);
    let (l, c) = pos(PLAN, "daily_work");
    let builtin = lsp.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri(&plan) }, "position": { "line": l, "character": c }, "newName": "everyday" }),
    );
    let message = builtin["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("value `daily_work` of `purpose` is declared in an embedded ruleset"), "{builtin}");
}

#[test]
fn semantic_tokens_mark_names() {
    let ws = Workspace::new();
    let shop_plan = ws.path("shop_plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    lsp.open(&shop_plan, SHOP_PLAN);
    let _ = lsp.diagnostics(&shop_plan, 1);
    let tokens = lsp.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uri(&shop_plan) } }));
    let data: Vec<u64> = tokens["result"]["data"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    // use shop | scenario late | hours night | model open: 5 names.
    assert_eq!(
        data,
        [
            0, 4, 4, 0, 0, /* shop */ 1, 9, 4, 5, 1, /* late */ 0, 7, 5, 1, 0, /* hours */ 0, 6, 5, 2,
            0, /* night */ 0, 12, 4, 3, 0 /* open */
        ]
    );
}

#[test]
fn a_ruleset_changed_on_disk_rechecks_open_scenarios() {
    let ws = Workspace::new();
    let shop_plan = ws.path("shop_plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    lsp.open(&shop_plan, SHOP_PLAN);
    assert_eq!(codes(&lsp.diagnostics(&shop_plan, 1)), ["shop.nights_are_closed"]);
    std::fs::write(ws.path("rulesets/shop.cadrage"), SHOP.replace("expect closed", "expect open")).expect("write");
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&ws.path("rulesets/shop.cadrage")), "type": 2 }] }),
    );
    let after = lsp.diagnostics_until(&shop_plan, 1, |d| d.is_empty());
    assert!(after.is_empty(), "{after:?}");
}

#[test]
fn a_static_check_witness_becomes_a_test_block() {
    let ws = Workspace::new();
    let file = ws.path("gappy.cadrage");
    let text = "ruleset gappy {\n  model a\n  dimension d { x y }\n  rule k {\n    when d is x\n    expect a\n  }\n}\n";
    std::fs::write(&file, text).expect("write");
    let mut lsp = Lsp::start(ws.dir.path());
    lsp.open(&file, text);
    let diags = lsp.diagnostics(&file, 1);
    let gap = diags.iter().find(|d| d["code"] == "cadrage::gap").unwrap_or_else(|| panic!("{diags:?}")).clone();
    let r = lsp.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri(&file) }, "range": gap["range"], "context": { "diagnostics": [gap] } }),
    );
    let action = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Add a test for this case to `gappy`")
        .unwrap_or_else(|| panic!("{r}"));
    let edit = &action["edit"]["changes"][uri(&file)][0];
    let new_text = edit["newText"].as_str().unwrap();
    assert!(new_text.contains("  test \"gap: d y\" {\n    given d y\n"), "{new_text}");
    assert_eq!(edit["range"]["start"], json!({ "line": 7, "character": 0 }), "above the ruleset's closing brace");
    // Applied, the file still parses and the test passes.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(7, new_text.trim_end_matches('\n'));
    let applied = lines.join("\n") + "\n";
    lsp.replace(&file, 2, &applied);
    let after = lsp.diagnostics(&file, 2);
    assert!(!codes(&after).iter().any(|c| c == "cadrage::syntax" || c == "cadrage::test-failed"), "{after:?}");
}

#[test]
fn remedies_on_hover_and_as_code_actions() {
    let ws = Workspace::new();
    let plan = ws.path("plan.cadrage");
    let mut lsp = Lsp::start(ws.dir.path());
    lsp.open(&plan, PLAN);
    let diags = lsp.diagnostics(&plan, 1);
    let (l, c) = pos(PLAN, "community\n  }");
    let hover = lsp.at("textDocument/hover", &plan, l, c + 1);
    let text = hover["result"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.starts_with("**Community management**"), "{text}");
    assert!(
        text.contains(
            "**`management.work_is_the_managers_job`** — what would make it right:\n- choose socio_collaborative"
        ),
        "{text}"
    );
    let d = diags.iter().find(|d| d["code"] == "management.work_is_the_managers_job").unwrap().clone();
    let r = lsp.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri(&plan) }, "range": d["range"], "context": { "diagnostics": [d] } }),
    );
    let titles: Vec<&str> = r["result"].as_array().unwrap().iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(
        titles.iter().filter(|t| t.contains("socio_collaborative")).count(),
        1,
        "the same edit once: {titles:?}"
    );
    let purpose = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "If `purpose` were `emerge` this would pass")
        .unwrap_or_else(|| panic!("{titles:?}"));
    let edit = &purpose["edit"]["changes"][uri(&plan)][0];
    assert_eq!(edit["newText"], "emerge");
    let (l, c) = pos(PLAN, "daily_work");
    assert_eq!(edit["range"]["start"], json!({ "line": l, "character": c }));
}
