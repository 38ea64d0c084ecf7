//! A project: the rulesets it loads (embedded, then its own, which replace
//! embedded ones of the same name), its project file, and the compiled
//! contexts every file is checked against. Built once, shared read-only.

use std::collections::HashMap;
use std::sync::Arc;

use cadrage_syntax::ast::Item;
use smol_str::SmolStr;

use crate::check::{self, Analysis, CheckOptions, FileReport};
use crate::config::{Config, ConfigError, SeverityOverride};
use crate::context::Context;
use crate::finding::{EngineCode, Finding, RulePath, Severity};
use crate::model::Ruleset;
use crate::rulesets::{RulesetInput, resolve_layer};
use crate::source::{Loc, Source};
use crate::suggest::{did_you_mean, list};

/// A ruleset file the project loads.
#[derive(Debug)]
pub struct RulesetFile {
    /// Identifies the file (a canonical path, a URI).
    pub key: String,
    pub source: Arc<Source>,
    /// Its syntax and resolution findings.
    pub findings: Vec<Finding>,
}

#[derive(Debug)]
pub struct Project {
    config: Config,
    rulesets: HashMap<SmolStr, Arc<Ruleset>>,
    files: Vec<RulesetFile>,
    contexts: HashMap<SmolStr, Arc<Context>>,
}

#[derive(Default)]
pub struct ProjectBuilder {
    config: Config,
    files: Vec<(String, Arc<Source>)>,
    no_builtins: bool,
}

impl ProjectBuilder {
    /// The ruleset files added so far, as `(key, source)`.
    pub fn files(&self) -> &[(String, Arc<Source>)] {
        &self.files
    }

    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Adds a ruleset file of the project. `key` identifies it when the same
    /// file is also checked.
    pub fn ruleset_file(mut self, key: impl Into<String>, source: Arc<Source>) -> Self {
        self.files.push((key.into(), source));
        self
    }

    /// Leaves out the embedded rulesets (for tests of the engine itself).
    pub fn without_builtins(mut self) -> Self {
        self.no_builtins = true;
        self
    }

    pub fn build(self) -> Project {
        let mut files: Vec<RulesetFile> = Vec::new();
        let mut inputs: Vec<RulesetInput> = Vec::new();
        let mut owner: HashMap<SmolStr, usize> = HashMap::new();
        for (key, source) in self.files {
            let syntax = cadrage_syntax::parse(&source.text);
            let findings = syntax
                .errors
                .iter()
                .map(|e| {
                    Finding::engine(EngineCode::Syntax, Loc::new(&source, e.span), e.message.clone())
                        .with_help_opt(e.help.clone())
                })
                .collect();
            for item in syntax.items {
                if let Item::Ruleset(r) = item {
                    owner.entry(r.name.text.clone()).or_insert(files.len());
                    inputs.push(RulesetInput { source: Arc::clone(&source), syntax: r });
                }
            }
            files.push(RulesetFile { key, source, findings });
        }
        if !self.no_builtins {
            for file in crate::builtin::parsed() {
                // A project ruleset of the same name replaces the embedded one.
                if inputs.iter().any(|i| i.syntax.name.text == file.name) {
                    continue;
                }
                for r in &file.rulesets {
                    inputs.push(RulesetInput { source: Arc::clone(&file.source), syntax: r.clone() });
                }
            }
        }
        let none = |_: &str| None;
        let (rulesets, findings) = resolve_layer(&inputs, &none);
        for f in findings {
            match files.iter_mut().find(|file| Arc::ptr_eq(&file.source, &f.loc.source)) {
                Some(file) => file.findings.push(f),
                // Embedded rulesets are tested to have no findings; if an
                // extension of one breaks, report it against the first file.
                None => {
                    if let Some(file) = files.first_mut() {
                        file.findings.push(f);
                    }
                }
            }
        }
        let mut project = Project { config: self.config, rulesets, files, contexts: HashMap::new() };
        let mut contexts = HashMap::new();
        for (name, rs) in &project.rulesets {
            contexts.insert(name.clone(), Arc::new(project.compile(std::slice::from_ref(rs))));
        }
        project.contexts = contexts;
        // Ruleset tests are checked now; `cadrage test` runs them.
        let mut test_findings: Vec<Finding> = Vec::new();
        for (name, rs) in &project.rulesets {
            if let Some(ctx) = project.contexts.get(name) {
                test_findings.extend(test_findings_of(&project, rs, ctx));
            }
        }
        for f in test_findings {
            if let Some(file) = project.files.iter_mut().find(|file| Arc::ptr_eq(&file.source, &f.loc.source)) {
                file.findings.push(f);
            }
        }
        for file in &mut project.files {
            file.findings.sort_by(|a, b| a.cmp_sort_key(b));
        }
        project
    }
}

impl Project {
    pub fn builder() -> ProjectBuilder {
        ProjectBuilder::default()
    }

    /// The embedded rulesets and nothing else: a folder without `cadrage.toml`.
    pub fn embedded() -> Project {
        ProjectBuilder::default().build()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn ruleset(&self, name: &str) -> Option<&Arc<Ruleset>> {
        self.rulesets.get(name)
    }

    /// Every loaded ruleset, by name.
    pub fn rulesets(&self) -> Vec<&Arc<Ruleset>> {
        let mut v: Vec<&Arc<Ruleset>> = self.rulesets.values().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    pub fn ruleset_names(&self) -> Vec<SmolStr> {
        let mut v: Vec<SmolStr> = self.rulesets.keys().cloned().collect();
        v.sort();
        v
    }

    pub fn ruleset_files(&self) -> &[RulesetFile] {
        &self.files
    }

    pub fn is_ruleset_file(&self, key: &str) -> bool {
        self.files.iter().any(|f| f.key == key)
    }

    pub(crate) fn findings_of(&self, key: &str) -> &[Finding] {
        self.files.iter().find(|f| f.key == key).map(|f| f.findings.as_slice()).unwrap_or(&[])
    }

    pub fn default_ruleset(&self) -> Option<&str> {
        self.config.default.as_ref().map(|d| d.get_ref().as_str())
    }

    /// The compiled context of one loaded ruleset.
    pub fn context_of(&self, name: &str) -> Option<Arc<Context>> {
        self.contexts.get(name).cloned()
    }

    /// Compiles a context for a set of rulesets, with the project's severities.
    pub fn compile(&self, used: &[Arc<Ruleset>]) -> Context {
        let severity_of = |path: &RulePath| -> Option<Option<Severity>> {
            match self.config.severity_for(&path.to_string())? {
                SeverityOverride::Level(s) => Some(Some(s)),
                SeverityOverride::Off => Some(None),
            }
        };
        Context::build(used, &severity_of)
    }

    /// The severity of an engine finding in this project; `None` when it is off.
    pub fn engine_severity(&self, code: EngineCode) -> Option<Severity> {
        match self.config.severity_for(&format!("cadrage::{}", code.name())) {
            Some(SeverityOverride::Level(s)) => Some(s),
            Some(SeverityOverride::Off) => None,
            None => Some(code.default_severity()),
        }
    }

    /// Checks the project file against what was loaded: the default
    /// ruleset exists, and every `[severity]` key names a rule or an engine
    /// finding whose severity can change.
    pub fn validate_config(&self) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        let names = self.ruleset_names();
        if let Some(d) = &self.config.default {
            if !self.rulesets.contains_key(d.get_ref().as_str()) {
                let refs: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
                let help = match did_you_mean(d.get_ref(), refs.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the loaded rulesets are {}", list(&refs)),
                };
                errors.push(ConfigError::new(
                    &self.config,
                    d.span(),
                    format!("the default ruleset `{}` is not loaded", d.get_ref()),
                    "this ruleset",
                    Some(help),
                ));
            }
        }
        let mut paths: Vec<String> = Vec::new();
        for rs in self.rulesets.values() {
            for r in &rs.rules {
                paths.push(r.path.to_string());
            }
        }
        paths.sort();
        paths.dedup();
        for entry in &self.config.severity {
            let key = entry.key.get_ref();
            if let Some(code) = key.strip_prefix("cadrage::") {
                match EngineCode::from_name(code) {
                    Some(c) if c.default_severity() != Severity::Error => {}
                    Some(_) => errors.push(ConfigError::new(
                        &self.config,
                        entry.key.span(),
                        format!("the severity of `{key}` cannot change"),
                        "this key",
                        Some("only the engine's warnings, infos and hints can be changed or turned off".into()),
                    )),
                    None => {
                        let all: Vec<String> =
                            EngineCode::ALL.iter().map(|c| format!("cadrage::{}", c.name())).collect();
                        let help =
                            did_you_mean(key, all.iter().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
                        errors.push(ConfigError::new(
                            &self.config,
                            entry.key.span(),
                            format!("`{key}` is not a finding of the engine"),
                            "this key",
                            help,
                        ));
                    }
                }
                continue;
            }
            if paths.iter().any(|p| p == key) {
                continue;
            }
            // `RULESET.rule` for an inherited rule: point to where it is defined.
            let alias = key.split_once('.').and_then(|(rs, rule)| self.rulesets.get(rs).and_then(|r| r.rule(rule)));
            let help = match alias {
                Some(r) => Some(format!("the rule is defined as `{}`: use that path", r.path)),
                None => did_you_mean(key, paths.iter().map(String::as_str)).map(|s| format!("did you mean `{s}`?")),
            };
            errors.push(ConfigError::new(
                &self.config,
                entry.key.span(),
                format!("no loaded ruleset has a rule `{key}`"),
                "this key",
                help.or_else(|| {
                    Some("keys are rule paths (`ruleset.rule`) or engine codes (`cadrage::classified`)".into())
                }),
            ));
        }
        errors
    }

    /// Checks one file. `key` tells whether it is one of the project's ruleset files.
    pub fn check(&self, source: &Arc<Source>, key: Option<&str>, opts: &CheckOptions) -> FileReport {
        check::analyze(self, source, key, opts, false, None).report
    }

    /// Checks one file and keeps everything learned on the way.
    pub fn analyze(&self, source: &Arc<Source>, key: Option<&str>, opts: &CheckOptions) -> Analysis {
        check::analyze(self, source, key, opts, true, None)
    }

    /// Like [`Project::analyze`], with the file already parsed: `syntax`
    /// must be the syntax tree of `source`'s text (an editor re-parses only
    /// what an edit touched, with `cadrage_syntax::incremental::reparse`).
    pub fn analyze_parsed(
        &self,
        source: &Arc<Source>,
        syntax: cadrage_syntax::SourceFile,
        key: Option<&str>,
        opts: &CheckOptions,
    ) -> Analysis {
        check::analyze(self, source, key, opts, true, Some(syntax))
    }
}

/// The findings of a ruleset's own tests: their `given` facts must be
/// valid, and a test whose `expect`s do not hold is a `test-failed`.
pub(crate) fn test_findings_of(project: &Project, rs: &Arc<Ruleset>, ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in rs.tests.iter().filter(|t| t.origin == rs.name) {
        let (_, findings) = check::resolve_givens(project, ctx, &t.loc.source, &t.givens);
        out.extend(findings);
    }
    for run in crate::testing::run_tests(project, rs, false) {
        out.extend(crate::testing::failure_finding(&run));
    }
    out.extend(crate::analysis::check_ruleset(rs));
    out
}
