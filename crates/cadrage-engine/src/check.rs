//! Checking one file: its syntax, its own rulesets, what it uses, and every
//! scenario's facts against the rules.

use std::collections::HashMap;
use std::sync::Arc;

use cadrage_syntax::Span;
use cadrage_syntax::ast::{self, DimRef, DimensionKind, FactValue, Item, PhaseStmt, PlanStmt};
use smol_str::SmolStr;

use crate::context::{CConclusion, Context, DimId, MODEL};
use crate::eval::{FactRef, Slot, Tri, deny_span, eval};
use crate::finding::{Code, Counts, EngineCode, Finding, Fix, RulePath};
use crate::model::{Piece, Ruleset, Template};
use crate::project::Project;
use crate::rulesets::{RulesetInput, resolve_layer, unknown_name_finding};
use crate::source::{Loc, Source};
use crate::suggest::{did_you_mean, list, list_and};
use crate::valueset::ValueSet;

/// A calendar day, compared as `(year, month, day)`.
pub type Date = (u16, u8, u8);

#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The day `allow ... until DATE` is compared with.
    pub today: Date,
    /// Search the remedies of each rule finding ([`Finding::remedies`]).
    /// Only some outputs show them (JSON, the language server, `explain`);
    /// on a large corpus the search is a fifth of a check.
    pub remedies: bool,
    /// Write the short label of each rule finding's span ([`Finding::label`]),
    /// which terminals and editors show beside the code; machine outputs
    /// do not, and at ~2 % of a large check they need not pay for it.
    pub labels: bool,
}

impl CheckOptions {
    /// A check on `today`, remedies and labels included.
    pub const fn on(today: Date) -> CheckOptions {
        CheckOptions { today, remedies: true, labels: true }
    }
}

/// What checking one file found.
#[derive(Debug)]
pub struct FileReport {
    pub source: Arc<Source>,
    /// Sorted by offset, then code.
    pub findings: Vec<Finding>,
    /// Findings silenced by an `allow`, in the same order.
    pub allowed: Vec<AllowedFinding>,
    pub classifications: Vec<Classification>,
    pub scenarios: usize,
}

impl FileReport {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for f in &self.findings {
            c.add(f.severity);
        }
        c
    }

    /// The findings about each scenario, in the report's order, gathered
    /// in one pass: looking each scenario up among all of a file's
    /// findings is quadratic in its scenarios.
    pub fn findings_by_scenario(&self) -> std::collections::HashMap<&str, Vec<&Finding>> {
        let mut by: std::collections::HashMap<&str, Vec<&Finding>> = std::collections::HashMap::new();
        for f in &self.findings {
            if let Some(s) = f.scenario.as_deref() {
                by.entry(s).or_default().push(f);
            }
        }
        by
    }
}

#[derive(Clone, Debug)]
pub struct AllowedFinding {
    pub finding: Finding,
    pub reason: Option<String>,
    pub by: Option<String>,
    pub until: Option<String>,
    /// The `allow` that silenced it.
    pub allow: Loc,
}

/// The model a scenario's facts call for, next to the one it chose.
#[derive(Debug, Clone)]
pub struct Classification {
    pub scenario: SmolStr,
    pub loc: Loc,
    /// `None` when no `expect` rule fires; else the agreed alternatives
    /// (empty when the rules disagree).
    pub expected: Option<Vec<Vec<SmolStr>>>,
    /// As stated (or inherited), `None` when the scenario chose none.
    pub chosen: Option<Vec<SmolStr>>,
}

/// Everything known about a file after a check: for editors and `explain`.
#[derive(Debug)]
pub struct Analysis {
    pub report: FileReport,
    pub syntax: ast::SourceFile,
    /// `None` when the file uses no ruleset that could be found.
    pub context: Option<Arc<Context>>,
    /// Rulesets declared in this file.
    pub local_rulesets: HashMap<SmolStr, Arc<Ruleset>>,
    pub scenarios: Vec<ScenarioInfo>,
}

/// One scenario after inheritance and evaluation.
#[derive(Debug, Clone)]
pub struct ScenarioInfo {
    pub name: SmolStr,
    pub name_span: Span,
    pub span: Span,
    /// Its facts after inheritance, in dimension order.
    pub facts: Vec<FactInfo>,
    /// Indices of the context's rules, with their value.
    pub results: Vec<Tri>,
    /// The agreed alternatives, when an `expect` rule fired.
    pub expected: Option<Vec<ValueSet>>,
    /// The `expect` rules of the highest priority that fired.
    pub deciding: Vec<usize>,
    /// `expect` rules that fired but were beaten by a higher priority.
    pub overridden: Vec<usize>,
    pub chosen: Option<ValueSet>,
}

#[derive(Debug, Clone)]
pub struct FactInfo {
    pub dim: DimId,
    pub slot: Slot,
    pub fact_span: Span,
    pub value_span: Span,
    pub from: FactOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactOrigin {
    Scenario,
    Phase(SmolStr),
    Plan(SmolStr),
}

/// Checks a file (a scenario file, a ruleset file or both). `key`
/// identifies the file among the project's ruleset files, if it is one.
pub(crate) fn analyze(
    project: &Project,
    source: &Arc<Source>,
    key: Option<&str>,
    opts: &CheckOptions,
    keep: bool,
    parsed: Option<ast::SourceFile>,
) -> Analysis {
    let syntax = parsed.unwrap_or_else(|| cadrage_syntax::parse(&source.text));
    let mut check = FileCheck::start(project, source, syntax, key, opts, keep);
    if !keep {
        return check.finish_whole();
    }
    let items: Vec<ItemCheck> = (0..check.syntax.items.len()).map(|i| check.check_item(i)).collect();
    check.finish(items)
}

/// What one top-level item of a file gave: a scenario or a plan with its
/// phases and scenarios. (A `use` or a ruleset gives nothing here: what
/// they give concerns the whole file.)
#[derive(Clone, Debug, Default)]
pub struct ItemCheck {
    /// In the order found, the project's severities applied.
    pub findings: Vec<Finding>,
    pub allowed: Vec<AllowedFinding>,
    pub classifications: Vec<Classification>,
    pub scenarios: Vec<ScenarioInfo>,
    pub scenario_count: usize,
}

impl ItemCheck {
    /// Moves these results from `from` to `to`, `delta` bytes later: an
    /// editor keeps the results of an item that an edit moved but did not
    /// change. Locations in other sources stay. Changes nothing and returns
    /// false if a location in `from` lies outside `within` (the item's span
    /// there): the results would then depend on more than the item.
    pub fn rebase(&mut self, from: &Arc<Source>, to: &Arc<Source>, within: Span, delta: i64) -> bool {
        let mut inside = true;
        self.each_loc(&mut |loc| {
            if Arc::ptr_eq(&loc.source, from) && !within.contains_span(loc.span) {
                inside = false;
            }
        });
        if !inside {
            return false;
        }
        self.each_loc(&mut |loc| {
            if Arc::ptr_eq(&loc.source, from) {
                loc.source = Arc::clone(to);
                loc.span = loc.span.shifted(delta);
            }
        });
        if delta == 0 {
            return true;
        }
        // The spans of `scenarios` come from the item's syntax: all inside it.
        for s in &mut self.scenarios {
            s.name_span = s.name_span.shifted(delta);
            s.span = s.span.shifted(delta);
            for f in &mut s.facts {
                f.fact_span = f.fact_span.shifted(delta);
                f.value_span = f.value_span.shifted(delta);
            }
        }
        true
    }

    /// Every location these results hold (not those of `scenarios`, which are spans).
    fn each_loc(&mut self, f: &mut dyn FnMut(&mut Loc)) {
        for finding in &mut self.findings {
            finding_locs(finding, f);
        }
        for a in &mut self.allowed {
            finding_locs(&mut a.finding, f);
            f(&mut a.allow);
        }
        for c in &mut self.classifications {
            f(&mut c.loc);
        }
    }
}

/// Every location of a finding. (Destructured in full, so that a new field
/// with a location cannot be forgotten here.)
fn finding_locs(finding: &mut Finding, f: &mut dyn FnMut(&mut Loc)) {
    let Finding {
        code: _,
        severity: _,
        message: _,
        help: _,
        loc,
        label: _,
        scenario: _,
        related,
        fix,
        url: _,
        witness: _,
        remedies,
    } = finding;
    f(loc);
    for r in related {
        f(&mut r.loc);
    }
    if let Some(fix) = fix {
        f(&mut fix.loc);
    }
    for r in remedies {
        f(&mut r.fix.loc);
    }
}

/// Where a finding is, for [`FileCheck::order`]: `sort_key` without the code.
fn place(f: &Finding) -> (&str, u32, u32) {
    (f.loc.source.name.as_str(), f.loc.span.start, f.loc.span.end)
}

/// The same code, as `sort_key` compares codes (written out).
fn same_code(a: &Finding, b: &Finding) -> bool {
    a.code == b.code || a.code.cmp_written(&b.code).is_eq()
}

/// `f` says again what `prev`, just before it in a report's order, says:
/// a report keeps each duplicate once.
fn repeats(prev: &Finding, f: &Finding) -> bool {
    place(prev) == place(f) && same_code(prev, f) && prev.message == f.message
}

/// Where a finding of a file's report comes from: the findings about the
/// whole file, or those of one top-level item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindingRef {
    /// Index in [`FileCheck::file_findings`].
    File(usize),
    /// Item index, then index in that item's [`ItemCheck::findings`].
    Item(usize, usize),
}

/// A file's check in steps, so that an editor can evaluate again only the
/// top-level items an edit changed: [`FileCheck::start`] does what
/// concerns the whole file (its syntax errors, its own rulesets, what it
/// uses, duplicate names), [`FileCheck::check_item`] evaluates one item,
/// and [`FileCheck::finish`] puts the results together as
/// [`Project::analyze`] gives them. An item's results depend only on the
/// item, the project, the options, [`FileCheck::context`] and
/// [`FileCheck::lenient_dims`]: when those are the same, the results of an
/// unchanged item can be kept ([`ItemCheck::rebase`]).
pub struct FileCheck<'p> {
    ck: Checker<'p>,
    syntax: ast::SourceFile,
    context: Option<Arc<Context>>,
    local_rulesets: HashMap<SmolStr, Arc<Ruleset>>,
    file_findings: Vec<Finding>,
}

impl<'p> FileCheck<'p> {
    /// Checks what concerns the whole file. `syntax` must be the syntax
    /// tree of `source`'s text; `key` tells whether the file is one of the
    /// project's ruleset files.
    pub fn new(
        project: &'p Project,
        source: &'p Arc<Source>,
        syntax: ast::SourceFile,
        key: Option<&str>,
        opts: &'p CheckOptions,
    ) -> FileCheck<'p> {
        FileCheck::start(project, source, syntax, key, opts, true)
    }

    fn start(
        project: &'p Project,
        source: &'p Arc<Source>,
        syntax: ast::SourceFile,
        key: Option<&str>,
        opts: &'p CheckOptions,
        keep: bool,
    ) -> FileCheck<'p> {
        let mut ck = Checker::new(project, source, opts, keep);

        // A project ruleset file: the project has already read and reported its rulesets.
        let project_file = key.filter(|k| project.is_ruleset_file(k));
        let mut local_rulesets: HashMap<SmolStr, Arc<Ruleset>> = HashMap::new();
        match project_file {
            Some(k) => ck.findings.extend(project.findings_of(k).iter().cloned()),
            None => {
                for e in &syntax.errors {
                    let f = Finding::engine(EngineCode::Syntax, ck.loc(e.span), e.message.clone())
                        .with_help_opt(e.help.clone());
                    ck.findings.push(f);
                }
                let inputs: Vec<RulesetInput> = syntax
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        Item::Ruleset(r) => Some(RulesetInput { source: Arc::clone(source), syntax: r.clone() }),
                        _ => None,
                    })
                    .collect();
                if !inputs.is_empty() {
                    let outer = |name: &str| project.ruleset(name).cloned();
                    let (resolved, findings) = resolve_layer(&inputs, &outer);
                    local_rulesets = resolved;
                    ck.findings.extend(findings);
                    for rs in local_rulesets.values() {
                        let ctx = project.compile(std::slice::from_ref(rs));
                        ck.findings.extend(crate::project::test_findings_of(project, rs, &ctx));
                    }
                }
            }
        }

        let context = ck.file_context(&syntax, &local_rulesets);
        ck.check_names(&syntax);
        ck.apply_engine_severities();
        let file_findings = std::mem::take(&mut ck.findings);
        FileCheck { ck, syntax, context, local_rulesets, file_findings }
    }

    pub fn syntax(&self) -> &ast::SourceFile {
        &self.syntax
    }

    /// The compiled rulesets the file's scenarios are checked against.
    pub fn context(&self) -> Option<&Arc<Context>> {
        self.context.as_ref()
    }

    /// A `use` names a ruleset that is not loaded, so unknown dimensions go unreported.
    pub fn lenient_dims(&self) -> bool {
        self.ck.lenient_dims
    }

    /// The findings about the whole file, the project's severities applied.
    pub fn file_findings(&self) -> &[Finding] {
        &self.file_findings
    }

    /// Evaluates top-level item `index` of the syntax tree (nothing for a
    /// `use`, a ruleset or an index past the end).
    pub fn check_item(&mut self, index: usize) -> ItemCheck {
        let ctx = self.context.as_deref();
        match self.syntax.items.get(index) {
            Some(Item::Scenario(s)) => self.ck.scenario(ctx, s, &[]),
            Some(Item::Plan(p)) => self.ck.plan(ctx, p),
            Some(Item::Use(_) | Item::Ruleset(_)) | None => return ItemCheck::default(),
        }
        self.ck.apply_engine_severities();
        ItemCheck {
            findings: std::mem::take(&mut self.ck.findings),
            allowed: std::mem::take(&mut self.ck.allowed),
            classifications: std::mem::take(&mut self.ck.classifications),
            scenarios: std::mem::take(&mut self.ck.scenarios),
            scenario_count: std::mem::take(&mut self.ck.scenario_count),
        }
    }

    /// The findings of the report [`FileCheck::finish`] gives for these
    /// item results (one per item of the syntax tree), in its order: by
    /// place, then code, each duplicate once.
    pub fn order(&self, items: &[ItemCheck]) -> Vec<FindingRef> {
        let all = self.file_findings.iter().enumerate().map(|(i, f)| (FindingRef::File(i), f)).chain(
            items
                .iter()
                .enumerate()
                .flat_map(|(item, r)| r.findings.iter().enumerate().map(move |(i, f)| (FindingRef::Item(item, i), f))),
        );
        let mut all: Vec<(FindingRef, &Finding)> = all.collect();
        // As `Finding::sort_key` orders them, stable; the codes are written
        // out only to order findings at the same place.
        all.sort_by(|(_, a), (_, b)| a.cmp_sort_key(b));
        let mut out: Vec<FindingRef> = Vec::with_capacity(all.len());
        let mut last: Option<&Finding> = None;
        for (r, f) in &all {
            if last.is_some_and(|prev| repeats(prev, f)) {
                continue;
            }
            out.push(*r);
            last = Some(f);
        }
        out
    }

    /// The whole file checked at once, for a check that keeps nothing for
    /// later ([`Project::check`]): the same report as [`FileCheck::finish`]
    /// on every item's results (`tests/corpus.rs` compares the two on every
    /// case), without a list of results per item, which an editor keeps
    /// to re-check only the items an edit touched but a one-off check only
    /// gathers again (a few allocations and copies per item).
    fn finish_whole(self) -> Analysis {
        let FileCheck { mut ck, syntax, context, local_rulesets, file_findings } = self;
        ck.findings = file_findings;
        ck.classifications.reserve(syntax.items.len());
        let ctx = context.as_deref();
        for item in &syntax.items {
            match item {
                Item::Scenario(s) => ck.scenario(ctx, s, &[]),
                Item::Plan(p) => ck.plan(ctx, p),
                Item::Use(_) | Item::Ruleset(_) => {}
            }
        }
        // Per finding, so once for all of them is the same as once per item.
        ck.apply_engine_severities();
        let mut findings = std::mem::take(&mut ck.findings);
        // As `FileCheck::order` orders them: stable, by place then code,
        // each duplicate once (compared with the last one kept).
        findings.sort_by(|a, b| a.cmp_sort_key(b));
        findings.dedup_by(|f, prev| repeats(prev, f));
        let mut allowed = std::mem::take(&mut ck.allowed);
        allowed.sort_by(|a, b| a.finding.cmp_sort_key(&b.finding));
        let report = FileReport {
            source: Arc::clone(ck.source),
            findings,
            allowed,
            classifications: std::mem::take(&mut ck.classifications),
            scenarios: ck.scenario_count,
        };
        Analysis { report, syntax, context, local_rulesets, scenarios: Vec::new() }
    }

    /// The file's analysis, from the results of its items (one per item of
    /// the syntax tree, in order).
    pub fn finish(self, items: Vec<ItemCheck>) -> Analysis {
        let order = self.order(&items);
        let FileCheck { ck, syntax, context, local_rulesets, file_findings } = self;
        let mut file_slots: Vec<Option<Finding>> = file_findings.into_iter().map(Some).collect();
        let mut item_slots: Vec<Vec<Option<Finding>>> = Vec::with_capacity(items.len());
        let mut allowed: Vec<AllowedFinding> = Vec::new();
        let mut classifications: Vec<Classification> = Vec::with_capacity(items.len());
        let mut scenarios: Vec<ScenarioInfo> = Vec::new();
        let mut scenario_count = 0;
        for item in items {
            item_slots.push(item.findings.into_iter().map(Some).collect());
            allowed.extend(item.allowed);
            classifications.extend(item.classifications);
            scenarios.extend(item.scenarios);
            scenario_count += item.scenario_count;
        }
        let findings: Vec<Finding> = order
            .iter()
            .filter_map(|r| match *r {
                FindingRef::File(i) => file_slots.get_mut(i)?.take(),
                FindingRef::Item(item, i) => item_slots.get_mut(item)?.get_mut(i)?.take(),
            })
            .collect();
        allowed.sort_by(|a, b| a.finding.cmp_sort_key(&b.finding));
        let report =
            FileReport { source: Arc::clone(ck.source), findings, allowed, classifications, scenarios: scenario_count };
        Analysis { report, syntax, context, local_rulesets, scenarios }
    }
}

struct Checker<'p> {
    project: &'p Project,
    source: &'p Arc<Source>,
    opts: &'p CheckOptions,
    findings: Vec<Finding>,
    allowed: Vec<AllowedFinding>,
    classifications: Vec<Classification>,
    scenarios: Vec<ScenarioInfo>,
    scenario_count: usize,
    keep: bool,
    /// A `use` named an unknown ruleset: facts may come from it, so
    /// unknown dimensions are not reported.
    lenient_dims: bool,
}

impl<'p> Checker<'p> {
    fn new(project: &'p Project, source: &'p Arc<Source>, opts: &'p CheckOptions, keep: bool) -> Checker<'p> {
        Checker {
            project,
            source,
            opts,
            findings: Vec::new(),
            allowed: Vec::new(),
            classifications: Vec::new(),
            scenarios: Vec::new(),
            scenario_count: 0,
            keep,
            lenient_dims: false,
        }
    }
}

/// The facts a block states, resolved once and shared by its scenarios.
struct BlockFacts<'a> {
    facts: Vec<(DimId, Slot, &'a ast::Fact)>,
    origin: FactOrigin,
}

impl<'p> Checker<'p> {
    fn loc(&self, span: Span) -> Loc {
        Loc::new(self.source, span)
    }

    fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    // ------------------------------------------------------------ what the file uses

    fn file_context(
        &mut self,
        syntax: &ast::SourceFile,
        local: &HashMap<SmolStr, Arc<Ruleset>>,
    ) -> Option<Arc<Context>> {
        let lookup = |name: &str| local.get(name).or_else(|| self.project.ruleset(name)).cloned();
        let mut scope: Vec<SmolStr> = self.project.ruleset_names();
        scope.extend(local.keys().cloned());
        scope.sort();
        scope.dedup();

        let uses: Vec<&ast::Name> = syntax
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Use(u) => Some(u.names.iter()),
                _ => None,
            })
            .flatten()
            .collect();
        let first_checked = syntax.items.iter().find_map(|i| match i {
            Item::Scenario(s) => Some(s.name.span),
            Item::Plan(p) => Some(p.name.span),
            _ => None,
        });

        let mut used: Vec<Arc<Ruleset>> = Vec::new();
        for name in &uses {
            match lookup(&name.text) {
                Some(r) => {
                    if !used.iter().any(|u| u.name == r.name) {
                        used.push(r);
                    }
                }
                None => {
                    self.lenient_dims = true;
                    let suggestion = did_you_mean(&name.text, scope.iter().map(|s| s.as_str())).map(str::to_owned);
                    let names: Vec<&str> = scope.iter().map(|s| s.as_str()).collect();
                    let mut f = unknown_name_finding(
                        EngineCode::UnknownRuleset,
                        self.loc(name.span),
                        format!("no ruleset is called `{}`", name.text),
                        suggestion.clone(),
                    );
                    if suggestion.is_none() {
                        f = f.with_help(format!("the rulesets this file can use are {}", list_and(&names)));
                    }
                    self.push(f);
                }
            }
        }
        if uses.is_empty() {
            let span = first_checked?;
            let default = self.project.default_ruleset();
            match default {
                Some(name) => used.extend(lookup(name)),
                None if scope.len() == 1 => used.extend(scope.first().and_then(|n| lookup(n))),
                None => {
                    let names: Vec<&str> = scope.iter().map(|s| s.as_str()).collect();
                    let f = Finding::engine(
                        EngineCode::NoRuleset,
                        self.loc(span),
                        "this file does not say which ruleset checks it",
                    )
                    .with_help(format!(
                        "add `use NAME` at the top of the file, with NAME one of {}, or set `default` in cadrage.toml",
                        list(&names)
                    ));
                    self.push(f);
                }
            }
        }
        if used.is_empty() {
            return None;
        }
        // One project ruleset: its context is compiled once for every file.
        let ctx = match used.as_slice() {
            [one] if !local.contains_key(&one.name) => self.project.context_of(&one.name),
            _ => None,
        }
        .unwrap_or_else(|| Arc::new(self.project.compile(&used)));
        if let Some(first_use) = uses.first() {
            for clash in &ctx.clashes {
                let f = Finding::engine(EngineCode::DuplicateName, self.loc(first_use.span), clash.clone());
                self.push(f);
            }
        }
        Some(ctx)
    }

    /// Scenario, plan and phase names are unique in a file.
    fn check_names<'s>(&mut self, syntax: &'s ast::SourceFile) {
        // Every scenario, plan and phase name of the file: foldhash (seeded
        // per process) instead of SipHash, sized once (3 % of a check).
        // Keyed by the names as the tree holds them: nothing cloned or dropped.
        let mut seen: HashMap<&str, (Span, &'static str), foldhash::fast::RandomState> =
            HashMap::with_capacity_and_hasher(syntax.items.len() * 2, foldhash::fast::RandomState::default());
        let mut check = |this: &mut Self, name: &'s ast::Name, what: &'static str| {
            if let Some((first, first_what)) = seen.get(name.text.as_str()) {
                let f = Finding::engine(
                    EngineCode::DuplicateName,
                    this.loc(name.span),
                    format!("`{}` already names a {first_what} in this file", name.text),
                )
                .with_related(this.loc(*first), "first used here")
                .with_help(format!(
                    "give this {what} another name: scenarios, plans and phases are named once per file"
                ));
                this.push(f);
            } else {
                seen.insert(name.text.as_str(), (name.span, what));
            }
        };
        for item in &syntax.items {
            match item {
                Item::Scenario(s) => check(self, &s.name, "scenario"),
                Item::Plan(p) => {
                    check(self, &p.name, "plan");
                    for stmt in &p.body {
                        match stmt {
                            PlanStmt::Phase(ph) => {
                                check(self, &ph.name, "phase");
                                for s in &ph.body {
                                    if let PhaseStmt::Scenario(s) = s {
                                        check(self, &s.name, "scenario");
                                    }
                                }
                            }
                            PlanStmt::Scenario(s) => check(self, &s.name, "scenario"),
                            PlanStmt::Fact(_) => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // ------------------------------------------------------------ facts

    fn plan(&mut self, ctx: Option<&Context>, plan: &ast::Plan) {
        let plan_facts = ctx.map(|c| self.block_facts(c, plan.facts(), FactOrigin::Plan(plan.name.text.clone()), None));
        for stmt in &plan.body {
            match stmt {
                PlanStmt::Scenario(s) => {
                    let inherited: smallvec::SmallVec<[&BlockFacts<'_>; 2]> = plan_facts.iter().collect();
                    self.scenario(ctx, s, &inherited);
                }
                PlanStmt::Phase(ph) => {
                    let phase_facts =
                        ctx.map(|c| self.block_facts(c, ph.facts(), FactOrigin::Phase(ph.name.text.clone()), None));
                    for s in &ph.body {
                        if let PhaseStmt::Scenario(s) = s {
                            let inherited: smallvec::SmallVec<[&BlockFacts<'_>; 2]> =
                                plan_facts.iter().chain(phase_facts.iter()).collect();
                            self.scenario(ctx, s, &inherited);
                        }
                    }
                }
                PlanStmt::Fact(_) => {}
            }
        }
    }

    /// Resolves the facts of one block; reports each problem once.
    fn block_facts<'a>(
        &mut self,
        ctx: &Context,
        facts: impl Iterator<Item = &'a ast::Fact>,
        origin: FactOrigin,
        scenario: Option<&SmolStr>,
    ) -> BlockFacts<'a> {
        // A block states a handful of facts: one allocation for all of them.
        let mut out: Vec<(DimId, Slot, &'a ast::Fact)> = Vec::with_capacity(8);
        for fact in facts {
            let Some(dim) = self.fact_key(ctx, &fact.key, scenario) else { continue };
            if let Some((_, _, first)) = out.iter().find(|(d, _, _)| *d == dim) {
                let f = Finding::engine(
                    EngineCode::DuplicateFact,
                    self.loc(fact.key.span()),
                    format!("`{}` is stated twice in this block", fact.key.as_str()),
                )
                .with_related(self.loc(first.key.span()), "first stated here")
                .with_help("keep one of them: only the first counts")
                .in_scenario(scenario);
                self.push(f);
                continue;
            }
            let slot = self.fact_value(ctx, dim, fact, scenario);
            out.push((dim, slot, fact));
        }
        BlockFacts { facts: out, origin }
    }

    fn fact_key(&mut self, ctx: &Context, key: &DimRef, scenario: Option<&SmolStr>) -> Option<DimId> {
        match key {
            DimRef::Model(_) => Some(MODEL),
            DimRef::Dim(n) => {
                if let Some(d) = ctx.dim(&n.text) {
                    return Some(d);
                }
                if !self.lenient_dims {
                    let suggestion = did_you_mean(&n.text, ctx.dim_names()).map(str::to_owned);
                    let rulesets: Vec<&str> = ctx.rulesets.iter().map(|r| r.name.as_str()).collect();
                    let mut f = unknown_name_finding(
                        EngineCode::UnknownDimension,
                        self.loc(n.span),
                        format!("`{}` is not a dimension of {}", n.text, ruleset_phrase(&rulesets)),
                        suggestion.clone(),
                    );
                    if suggestion.is_none() {
                        let names: Vec<&str> = ctx.dim_names().collect();
                        f = f.with_help(format!("the dimensions are {}", list_and(&names)));
                    }
                    self.push(f.in_scenario(scenario));
                }
                None
            }
        }
    }

    fn fact_value(&mut self, ctx: &Context, dim: DimId, fact: &ast::Fact, scenario: Option<&SmolStr>) -> Slot {
        let Some(d) = ctx.dims.get(dim) else { return Slot::Unknown };
        let dim_name = &d.name;
        match (&fact.value, d.kind) {
            (FactValue::Text(s), DimensionKind::Text) => Slot::Text(s.value.as_str().into()),
            (FactValue::Names(_) | FactValue::Models(_), DimensionKind::Text) => {
                let loc = self.loc(fact.value.span());
                let written = loc.text().to_string();
                let fix = Fix {
                    title: "put the text in quotes".into(),
                    replacement: cadrage_syntax::strings::quote(&written),
                    loc: loc.clone(),
                };
                let f = Finding::engine(
                    EngineCode::UnknownValue,
                    loc,
                    format!("`{dim_name}` is a text dimension: its value is written in quotes"),
                )
                .with_fix(Some(fix))
                .in_scenario(scenario);
                self.push(f);
                Slot::Unknown
            }
            (FactValue::Text(s), _) => {
                let loc = self.loc(s.span);
                let f = if d.value_index(&s.value).is_some() {
                    let fix =
                        Fix { title: format!("write `{}`", s.value), replacement: s.value.clone(), loc: loc.clone() };
                    Finding::engine(
                        EngineCode::UnknownValue,
                        loc,
                        format!("`{dim_name}` takes a value name, not a text in quotes"),
                    )
                    .with_fix(Some(fix))
                } else {
                    let names: Vec<&str> = d.value_names().collect();
                    Finding::engine(
                        EngineCode::UnknownValue,
                        loc,
                        format!("`{dim_name}` takes a value name, not a text in quotes"),
                    )
                    .with_help(format!("its values are {}", list_and(&names)))
                };
                self.push(f.in_scenario(scenario));
                Slot::Unknown
            }
            (FactValue::Names(names) | FactValue::Models(names), _) => {
                let is_model = dim == MODEL;
                let mut set = ValueSet::empty();
                let mut unknown = false;
                for n in names {
                    match d.value_index(&n.text) {
                        Some(i) => {
                            if set.contains(i) {
                                let f = Finding::engine(
                                    EngineCode::DuplicateFact,
                                    self.loc(n.span),
                                    format!("`{}` is listed twice in `{dim_name}`", n.text),
                                )
                                .in_scenario(scenario);
                                self.push(f);
                                continue;
                            }
                            set.insert(i);
                        }
                        None => {
                            unknown = true;
                            let suggestion = did_you_mean(&n.text, d.value_names()).map(str::to_owned);
                            let (code, message) = if is_model {
                                let rulesets: Vec<&str> = ctx.rulesets.iter().map(|r| r.name.as_str()).collect();
                                (
                                    EngineCode::UnknownModel,
                                    format!("`{}` is not a model of {}", n.text, ruleset_phrase(&rulesets)),
                                )
                            } else {
                                (EngineCode::UnknownValue, format!("`{}` is not a value of `{dim_name}`", n.text))
                            };
                            let mut f = unknown_name_finding(code, self.loc(n.span), message, suggestion.clone());
                            if suggestion.is_none() {
                                let names: Vec<&str> = d.value_names().collect();
                                let what = if is_model { "the models are" } else { "its values are" };
                                f = f.with_help(format!("{what} {}", list_and(&names)));
                            }
                            self.push(f.in_scenario(scenario));
                        }
                    }
                }
                if d.kind == DimensionKind::One && names.len() > 1 {
                    if let (Some(second), Some(last)) = (names.get(1), names.last()) {
                        let f = Finding::engine(
                            EngineCode::TooManyValues,
                            self.loc(second.span.cover(last.span)),
                            format!("`{dim_name}` takes one value"),
                        )
                        .with_help(format!(
                            "only the first, `{}`, counts; declare the dimension `many` in its ruleset to allow several",
                            names.first().map(|n| n.text.as_str()).unwrap_or("")
                        ))
                        .in_scenario(scenario);
                        self.push(f);
                    }
                    if !unknown {
                        // Keep the first value only.
                        set = names
                            .first()
                            .and_then(|n| d.value_index(&n.text))
                            .map(|i| ValueSet::empty().with(i))
                            .unwrap_or_default();
                    }
                }
                if unknown { Slot::Unknown } else { Slot::Values(set) }
            }
        }
    }

    // ------------------------------------------------------------ scenarios

    fn scenario(&mut self, ctx: Option<&Context>, sc: &ast::Scenario, inherited: &[&BlockFacts<'_>]) {
        self.scenario_count += 1;
        let Some(ctx) = ctx else { return };
        let name = sc.name.text.clone();
        let own = self.block_facts(ctx, sc.facts(), FactOrigin::Scenario, Some(&name));

        // Per-scenario scratch on the stack: a ruleset has a dozen dimensions
        // and a scenario fires a few rules (each of these vectors was an
        // allocation per scenario).
        let mut facts: smallvec::SmallVec<[Option<FactRef<'_>>; 16]> = smallvec::smallvec![None; ctx.dims.len()];
        let mut origins: Vec<Option<FactOrigin>> = if self.keep { vec![None; ctx.dims.len()] } else { Vec::new() };
        for block in inherited.iter().copied().chain(std::iter::once(&own)) {
            let is_own = block.origin == FactOrigin::Scenario;
            for (dim, slot, fact) in &block.facts {
                if let Some(cell) = facts.get_mut(*dim) {
                    *cell = Some(FactRef { slot: slot.clone(), fact, own: is_own });
                }
                if let Some(o) = origins.get_mut(*dim) {
                    *o = Some(block.origin.clone());
                }
            }
        }

        // Rules.
        // Each finding with the index of its rule (None: the engine's own).
        let mut raw: Vec<(Finding, Option<usize>)> = Vec::new();
        let mut fired_expect: smallvec::SmallVec<[usize; 4]> = smallvec::SmallVec::new();
        let mut results: Vec<Tri> = if self.keep { Vec::with_capacity(ctx.rules.len()) } else { Vec::new() };
        let env = MsgEnv { ctx, facts: &facts, scenario: &name };
        for (i, rule) in ctx.rules.iter().enumerate() {
            let t = eval(&rule.cond, &facts);
            if self.keep {
                results.push(t);
            }
            if t != Tri::True {
                continue;
            }
            match &rule.conclusion {
                CConclusion::Expect(_) => fired_expect.push(i),
                CConclusion::Require(dims) => {
                    let missing: Vec<&str> = dims
                        .iter()
                        .filter(|d| facts.get(**d).is_none_or(Option::is_none))
                        .filter_map(|d| ctx.dims.get(*d).map(|x| x.name.as_str()))
                        .collect();
                    if !missing.is_empty() {
                        let message = match &rule.def.message {
                            Some(t) => env.render(t, None),
                            None => format!("this scenario does not state {}", list_and(&missing)),
                        };
                        let mut f = self.rule_finding(rule, message, sc.name.span, &name);
                        if self.opts.labels {
                            f.label = Some(format!("no {}", list_and(&missing)));
                        }
                        raw.push((f, Some(i)));
                    }
                }
                CConclusion::Deny => {
                    let reason = deny_span(ctx, &rule.cond, &facts);
                    let span = reason.map(|(s, _, _)| s).unwrap_or(sc.name.span);
                    let label = reason.filter(|_| self.opts.labels).map(|(_, atom, value)| {
                        let not = if value { "" } else { "not " };
                        format!("matches `{not}{}`", squash(atom.text()))
                    });
                    let message = match &rule.def.message {
                        Some(t) => env.render(t, None),
                        None => match &rule.def.title {
                            Some(title) => mid_sentence(title),
                            None => format!("these facts are ruled out by `{}`", rule.def.path),
                        },
                    };
                    let mut f = self.rule_finding(rule, message, span, &name);
                    f.label = label;
                    raw.push((f, Some(i)));
                }
            }
        }

        // Expected model: only the highest priority among the fired `expect` rules counts.
        let chosen: Option<ValueSet> = match facts.get(MODEL).and_then(Option::as_ref) {
            Some(FactRef { slot: Slot::Values(v), .. }) => Some(v.clone()),
            _ => None,
        };
        let model_stated = facts.get(MODEL).is_some_and(Option::is_some);
        let top = fired_expect.iter().filter_map(|&i| ctx.rules.get(i)).map(|r| r.def.priority).max();
        let (deciding, overridden): (smallvec::SmallVec<[usize; 4]>, smallvec::SmallVec<[usize; 4]>) =
            fired_expect.iter().copied().partition(|&i| ctx.rules.get(i).is_some_and(|r| Some(r.def.priority) == top));
        let mut expected: Option<smallvec::SmallVec<[ValueSet; 2]>> = None;
        if !deciding.is_empty() {
            let mut agreed: smallvec::SmallVec<[ValueSet; 2]> =
                alternatives(ctx, deciding.first().copied()).iter().cloned().collect();
            for &i in deciding.iter().skip(1) {
                let alts = alternatives(ctx, Some(i));
                agreed.retain(|a| alts.iter().any(|b| b.same(a)));
            }
            if deciding.len() > 1 && agreed.is_empty() {
                raw.push((self.conflict(ctx, &deciding, sc, &name), None));
            }
            if let Some(chosen) = &chosen {
                for &i in &deciding {
                    let Some(rule) = ctx.rules.get(i) else { continue };
                    let alts = alternatives(ctx, Some(i));
                    if alts.iter().any(|a| a.same(chosen)) {
                        continue;
                    }
                    let model_fact = facts.get(MODEL).and_then(Option::as_ref);
                    let span = match model_fact {
                        Some(f) if f.own => f.fact.value.span(),
                        _ => sc.name.span,
                    };
                    let message = match &rule.def.message {
                        Some(t) => env.render(t, Some(alts)),
                        None => format!(
                            "this scenario calls for {}, not {}",
                            alternatives_display(ctx, alts, true),
                            ctx.models_display(chosen, true)
                        ),
                    };
                    let target = if agreed.is_empty() { alts.first() } else { agreed.first() };
                    let fix = target.map(|t| self.model_fix(ctx, sc, model_fact, t));
                    let mut f = self.rule_finding(rule, message, span, &name).with_fix(fix);
                    if self.opts.labels {
                        f.label = Some(format!(
                            "{} expected",
                            alts.iter().map(|a| ctx.models_names(a).join(" + ")).collect::<Vec<_>>().join(" or ")
                        ));
                    }
                    raw.push((f, Some(i)));
                }
            }
            expected = Some(agreed);
        }
        if !model_stated {
            raw.push((self.classified(ctx, sc, &name, expected.as_deref(), &deciding), None));
        }
        self.classifications.push(Classification {
            scenario: name.clone(),
            loc: self.loc(sc.name.span),
            expected: expected.as_ref().map(|alts| alts.iter().map(|a| ctx.models_names(a)).collect()),
            chosen: chosen_names(facts.get(MODEL).and_then(Option::as_ref)),
        });

        if self.opts.remedies {
            let place = crate::analysis::remedies::Place { source: self.source, scenario: sc };
            for (f, rule) in &mut raw {
                if let Some(i) = *rule {
                    f.remedies = crate::analysis::remedies::remedies(ctx, &facts, i, &place);
                }
            }
        }
        self.allows(ctx, sc, &name, raw);

        if self.keep {
            let infos = facts
                .iter()
                .enumerate()
                .filter_map(|(dim, f)| {
                    let f = f.as_ref()?;
                    Some(FactInfo {
                        dim,
                        slot: f.slot.clone(),
                        fact_span: f.fact.span,
                        value_span: f.fact.value.span(),
                        from: origins.get(dim).cloned().flatten().unwrap_or(FactOrigin::Scenario),
                    })
                })
                .collect();
            self.scenarios.push(ScenarioInfo {
                name,
                name_span: sc.name.span,
                span: sc.span,
                facts: infos,
                results,
                expected: expected.map(|e| e.to_vec()),
                deciding: deciding.to_vec(),
                overridden: overridden.to_vec(),
                chosen,
            });
        }
    }

    fn rule_finding(&self, rule: &crate::context::CRule, message: String, span: Span, scenario: &SmolStr) -> Finding {
        let def = &rule.def;
        let mut f = Finding {
            code: Code::Rule(def.path.clone()),
            severity: rule.severity.unwrap_or(def.severity),
            message,
            help: def.why.clone(),
            loc: self.loc(span),
            label: None,
            scenario: Some(scenario.clone()),
            related: Vec::new(),
            fix: None,
            url: def.see.clone(),
            witness: None,
            remedies: Vec::new(),
        };
        // The same two messages in every rule finding: shared, not copied.
        static DEFINED: std::sync::LazyLock<std::sync::Arc<str>> =
            std::sync::LazyLock::new(|| "rule defined here".into());
        static CHANGED: std::sync::LazyLock<std::sync::Arc<str>> = std::sync::LazyLock::new(|| "changed here".into());
        f.related.push(crate::finding::Related { loc: def.loc.clone(), message: DEFINED.clone() });
        if let Some(o) = &def.overridden_at {
            f.related.push(crate::finding::Related { loc: o.clone(), message: CHANGED.clone() });
        }
        f
    }

    /// Replace the scenario's own `model` values, or add a `model` fact to it.
    fn model_fix(&self, ctx: &Context, sc: &ast::Scenario, model_fact: Option<&FactRef<'_>>, target: &ValueSet) -> Fix {
        let names = ctx.models_names(target).join(" + ");
        match model_fact {
            Some(f) if f.own => {
                Fix { title: format!("use {names}"), replacement: names, loc: self.loc(f.fact.value.span()) }
            }
            _ => {
                let (at, text) = insertion_in_block(&self.source.text, sc, &format!("model {names}"));
                Fix { title: format!("add `model {names}`"), replacement: text, loc: self.loc(Span::at(at)) }
            }
        }
    }

    fn conflict(&self, ctx: &Context, deciding: &[usize], sc: &ast::Scenario, name: &SmolStr) -> Finding {
        let rules: Vec<&crate::context::CRule> = deciding.iter().filter_map(|&i| ctx.rules.get(i)).collect();
        let paths: Vec<String> = rules.iter().map(|r| r.def.path.to_string()).collect();
        let paths_ref: Vec<&str> = paths.iter().map(String::as_str).collect();
        let wants: Vec<String> =
            rules.iter().map(|r| alternatives_display(ctx, alternatives_of(ctx, r), true)).collect();
        let mut f = Finding::engine(
            EngineCode::Conflict,
            self.loc(sc.name.span),
            format!("rules {} expect different models here: {}", list_and(&paths_ref), wants.join(" vs ")),
        )
        .with_help("give one of them a higher `priority`, or make their conditions exclusive")
        .in_scenario(Some(name));
        for r in rules {
            f = f.with_related(r.def.loc.clone(), format!("rule `{}` defined here", r.def.path));
        }
        f
    }

    fn classified(
        &self,
        ctx: &Context,
        sc: &ast::Scenario,
        name: &SmolStr,
        expected: Option<&[ValueSet]>,
        deciding: &[usize],
    ) -> Finding {
        let (message, fix) = match expected {
            None => ("no model chosen, and no rule decides one for these facts".to_string(), None),
            Some([]) => ("no model chosen, and the rules that decide one disagree".to_string(), None),
            Some(alts) => {
                let fix = alts.first().map(|t| self.model_fix(ctx, sc, None, t));
                (format!("no model chosen: the facts call for {}", alternatives_display(ctx, alts, true)), fix)
            }
        };
        let mut f = Finding::engine(EngineCode::Classified, self.loc(sc.name.span), message)
            .with_fix(fix)
            .in_scenario(Some(name));
        for r in deciding.iter().filter_map(|&i| ctx.rules.get(i)) {
            f = f.with_related(r.def.loc.clone(), format!("decided by `{}`", r.def.path));
        }
        f
    }

    // ------------------------------------------------------------ allows

    fn allows(&mut self, ctx: &Context, sc: &ast::Scenario, name: &SmolStr, raw: Vec<(Finding, Option<usize>)>) {
        struct Active<'a> {
            path: RulePath,
            allow: &'a ast::Allow,
            used: bool,
        }
        let mut active: Vec<Active<'_>> = Vec::new();
        for allow in sc.allows() {
            let Some(path) = ctx.resolve_rule_path(&allow.path.ruleset.text, &allow.path.rule.text) else {
                let wanted = allow.path.to_path_string();
                let names = ctx.rule_path_names();
                let suggestion = did_you_mean(&wanted, names.iter().map(String::as_str)).map(str::to_owned);
                let mut f = unknown_name_finding(
                    EngineCode::UnknownRule,
                    self.loc(allow.path.span),
                    format!("no rule `{wanted}` checks this scenario"),
                    suggestion.clone(),
                )
                .in_scenario(Some(name));
                if suggestion.is_none() {
                    let used: Vec<&str> = ctx.rulesets.iter().map(|r| r.name.as_str()).collect();
                    f = f.with_help(format!(
                        "a rule path is `RULESET.rule`, with a ruleset this file uses: {}",
                        list_and(&used)
                    ));
                }
                self.push(f);
                continue;
            };
            if allow.reason.is_none() {
                let f = Finding::engine(
                    EngineCode::MissingReason,
                    self.loc(allow.path.span),
                    format!("the allow of `{path}` gives no reason"),
                )
                .with_help(format!("say why it is fine in quotes: `allow {} \"...\"`", allow.path.to_path_string()))
                .in_scenario(Some(name));
                self.push(f);
            }
            if let Some(until) = &allow.until {
                if until.key() < self.opts.today {
                    let f = Finding::engine(
                        EngineCode::ExpiredAllow,
                        self.loc(until.span),
                        format!("the allow of `{path}` expired on {until}"),
                    )
                    .with_help("the finding it silenced is reported again: fix the scenario, or renew the allow with a later date")
                    .in_scenario(Some(name));
                    self.push(f);
                    continue;
                }
            }
            active.push(Active { path, allow, used: false });
        }
        for (f, rule) in raw {
            let silenced = match &f.code {
                Code::Rule(p) if !active.is_empty() => active.iter_mut().find(|a| &a.path == p),
                _ => None,
            };
            let off = rule.and_then(|i| ctx.rules.get(i)).is_some_and(|r| r.severity.is_none());
            match silenced {
                Some(a) => {
                    a.used = true;
                    if !off {
                        self.allowed.push(AllowedFinding {
                            finding: f,
                            reason: a.allow.reason.as_ref().map(|s| s.value.clone()),
                            by: a.allow.by.as_ref().map(|s| s.value.clone()),
                            until: a.allow.until.map(|d| d.to_string()),
                            allow: self.loc(a.allow.span),
                        });
                    }
                }
                None => {
                    if !off {
                        self.findings.push(f);
                    }
                }
            }
        }
        for a in active.iter().filter(|a| !a.used) {
            let f = Finding::engine(
                EngineCode::UnusedAllow,
                self.loc(a.allow.path.span),
                format!("`{}` finds nothing to allow in `{name}`", a.path),
            )
            .with_help("remove this allow: the rule no longer fires here")
            .in_scenario(Some(name));
            self.push(f);
        }
    }

    fn apply_engine_severities(&mut self) {
        let project = self.project;
        self.findings.retain_mut(|f| match f.code {
            Code::Engine(c) => match project.engine_severity(c) {
                Some(s) => {
                    f.severity = s;
                    true
                }
                None => false,
            },
            Code::Rule(_) => true,
        });
    }
}

fn alternatives(ctx: &Context, rule: Option<usize>) -> &[ValueSet] {
    match rule.and_then(|i| ctx.rules.get(i)) {
        Some(r) => alternatives_of(ctx, r),
        None => &[],
    }
}

fn alternatives_of<'c>(_ctx: &Context, rule: &'c crate::context::CRule) -> &'c [ValueSet] {
    match &rule.conclusion {
        CConclusion::Expect(alts) => alts,
        _ => &[],
    }
}

fn alternatives_display(ctx: &Context, alts: &[ValueSet], mid_sentence: bool) -> String {
    alts.iter().enumerate().map(|(i, a)| ctx.models_display(a, mid_sentence || i > 0)).collect::<Vec<_>>().join(" or ")
}

fn chosen_names(f: Option<&FactRef<'_>>) -> Option<Vec<SmolStr>> {
    match &f?.fact.value {
        FactValue::Models(names) | FactValue::Names(names) => Some(names.iter().map(|n| n.text.clone()).collect()),
        FactValue::Text(_) => None,
    }
}

/// A condition as written, on one line.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ruleset_phrase(names: &[&str]) -> String {
    match names {
        [one] => format!("ruleset `{one}`"),
        _ => format!("rulesets {}", list_and(names)),
    }
}

/// A title in the middle of a sentence: "Community management" becomes
/// "community management", but "KPO model" keeps its capitals.
pub fn mid_sentence(title: &str) -> String {
    let mut chars = title.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            let mut s = String::with_capacity(title.len() + 2);
            s.extend(a.to_lowercase());
            s.push_str(title.get(a.len_utf8()..).unwrap_or(""));
            s
        }
        _ => title.to_string(),
    }
}

/// Where to insert a new statement at the start of a block, and the text to
/// insert (a line break and the block's indentation included).
pub fn insertion_in_block(text: &str, sc: &ast::Scenario, statement: &str) -> (usize, String) {
    let open = sc.braces.open.end as usize;
    let line_start = text.get(..sc.span.start as usize).and_then(|t| t.rfind('\n')).map(|i| i + 1).unwrap_or(0);
    let indent: String = text.get(line_start..).unwrap_or("").chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    (open, ["\n", &indent, "  ", statement].concat())
}

/// What a message's placeholders read from.
struct MsgEnv<'a, 'f> {
    ctx: &'a Context,
    facts: &'a [Option<FactRef<'f>>],
    scenario: &'a SmolStr,
}

impl MsgEnv<'_, '_> {
    fn render(&self, t: &Template, expected: Option<&[ValueSet]>) -> String {
        let mut out = String::with_capacity(128);
        for (i, piece) in t.pieces.iter().enumerate() {
            let mid = i > 0;
            match piece {
                Piece::Text(s) => out.push_str(s),
                Piece::Scenario => out.push_str(self.scenario),
                Piece::Model => match self.facts.get(MODEL).and_then(Option::as_ref) {
                    Some(FactRef { slot: Slot::Values(v), .. }) => out.push_str(&self.ctx.models_display(v, mid)),
                    Some(f) => match &f.fact.value {
                        FactValue::Names(n) | FactValue::Models(n) => {
                            out.push_str(&n.iter().map(|x| x.text.as_str()).collect::<Vec<_>>().join(" + "))
                        }
                        FactValue::Text(s) => out.push_str(&s.value),
                    },
                    None => out.push_str("no model"),
                },
                Piece::Expected => match expected {
                    Some(alts) if !alts.is_empty() => out.push_str(&alternatives_display(self.ctx, alts, mid)),
                    _ => out.push_str("no model"),
                },
                Piece::Dim(d) => {
                    let value = self.ctx.dim(d).and_then(|id| self.facts.get(id)).and_then(Option::as_ref);
                    match value.map(|f| &f.fact.value) {
                        Some(FactValue::Text(s)) => out.push_str(&s.value),
                        Some(FactValue::Names(n) | FactValue::Models(n)) => {
                            out.push_str(&n.iter().map(|x| x.text.as_str()).collect::<Vec<_>>().join(", "))
                        }
                        None => out.push_str("none"),
                    }
                }
            }
        }
        out
    }
}

/// Resolves the `given` facts of a ruleset test as a scenario's own facts,
/// with the findings a scenario would get for them.
pub(crate) fn resolve_givens<'a>(
    project: &Project,
    ctx: &Context,
    source: &Arc<Source>,
    givens: &'a [ast::Fact],
) -> (Vec<Option<FactRef<'a>>>, Vec<Finding>) {
    let opts = CheckOptions::on((0, 0, 0));
    let mut ck = Checker::new(project, source, &opts, false);
    let block = ck.block_facts(ctx, givens.iter(), FactOrigin::Scenario, None);
    let mut facts: Vec<Option<FactRef<'a>>> = vec![None; ctx.dims.len()];
    for (dim, slot, fact) in block.facts {
        if let Some(cell) = facts.get_mut(dim) {
            *cell = Some(FactRef { slot, fact, own: true });
        }
    }
    (facts, ck.findings)
}

/// What a set of facts gives when judged as a scenario's own facts: used to
/// run ruleset tests. `name_span` and `span` locate the findings.
pub(crate) struct Judged {
    /// Findings of rules (engine findings such as `classified` left out).
    pub rule_findings: Vec<Finding>,
    /// The agreed alternatives when an `expect` rule fired (empty when the
    /// deciding rules disagree).
    pub expected: Option<Vec<ValueSet>>,
}

pub(crate) fn judge_facts(
    project: &Project,
    ctx: &Context,
    source: &Arc<Source>,
    name: &str,
    name_span: Span,
    span: Span,
    givens: &[ast::Fact],
) -> Judged {
    let opts = CheckOptions::on((0, 0, 0));
    let mut ck = Checker::new(project, source, &opts, true);
    let sc = ast::Scenario {
        span,
        name: ast::Name { text: SmolStr::new(name), span: name_span },
        title: None,
        braces: ast::Braces { open: Span::new(span.start as usize, span.start as usize), close: None },
        body: givens.iter().cloned().map(ast::ScenarioStmt::Fact).collect(),
    };
    ck.scenario(Some(ctx), &sc, &[]);
    let expected = ck.scenarios.pop().and_then(|s| s.expected);
    let rule_findings = ck.findings.into_iter().filter(|f| matches!(f.code, Code::Rule(_))).collect();
    Judged { rule_findings, expected }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_gathered_by_scenario_in_report_order() {
        let source = Source::new("p.cadrage", "scenario a {}\nscenario b {}\n");
        let at = |n: usize| Loc::new(&source, cadrage_syntax::Span::new(n, n + 1));
        let finding = |scenario: Option<&str>, message: &str| {
            Finding::engine(EngineCode::Classified, at(0), message).in_scenario(scenario.map(SmolStr::new).as_ref())
        };
        let report = FileReport {
            source: Arc::clone(&source),
            findings: vec![
                finding(Some("a"), "1"),
                finding(None, "file"),
                finding(Some("b"), "2"),
                finding(Some("a"), "3"),
            ],
            allowed: Vec::new(),
            classifications: Vec::new(),
            scenarios: 2,
        };
        let by = report.findings_by_scenario();
        let messages = |s: &str| by.get(s).map(|v| v.iter().map(|f| f.message.as_str()).collect::<Vec<_>>());
        assert_eq!(messages("a"), Some(vec!["1", "3"]));
        assert_eq!(messages("b"), Some(vec!["2"]));
        assert_eq!(by.len(), 2, "findings about no scenario are not gathered");
    }
}
