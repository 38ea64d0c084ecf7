//! What the editor asks for, answered from a document's analysis.

use std::collections::HashMap;
use std::fmt::Write as _;

use cadrage_engine::context::{CConclusion, CDim, Context, MODEL};
use cadrage_engine::eval::Slot;
use cadrage_engine::finding::RulePath;
use cadrage_engine::model::RuleDef;
use cadrage_engine::{FactOrigin, ScenarioInfo};
use cadrage_syntax::Span;
use cadrage_syntax::ast::{
    DimRef, Fact, FactValue, Item, PhaseStmt, PlanStmt, RulesetStmt, Scenario, ScenarioStmt, SourceFile,
};
use tower_lsp_server::ls_types::*;

use crate::State;
use crate::convert::{self, location, offset, range};
use crate::names::{self, Occurrence, Symbol};

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::INCREMENTAL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![" ".into(), "+".into(), ",".into(), ".".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        inlay_hint_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: TOKEN_TYPES.to_vec(),
                    token_modifiers: vec![SemanticTokenModifier::DECLARATION],
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                ..SemanticTokensOptions::default()
            },
        )),
        ..ServerCapabilities::default()
    }
}

// ------------------------------------------------------------------ the syntax tree

/// Every scenario of a file, with the facts its enclosing plan and phase state.
fn scenarios(file: &SourceFile) -> Vec<&Scenario> {
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            Item::Scenario(s) => out.push(s),
            Item::Plan(p) => {
                for st in &p.body {
                    match st {
                        PlanStmt::Scenario(s) => out.push(s),
                        PlanStmt::Phase(ph) => {
                            for st in &ph.body {
                                if let PhaseStmt::Scenario(s) = st {
                                    out.push(s);
                                }
                            }
                        }
                        PlanStmt::Fact(_) => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Every fact written in a scenario, plan or phase.
fn facts(file: &SourceFile) -> Vec<&Fact> {
    let mut out: Vec<&Fact> = Vec::new();
    for item in &file.items {
        if let Item::Plan(p) = item {
            for st in &p.body {
                match st {
                    PlanStmt::Fact(f) => out.push(f),
                    PlanStmt::Phase(ph) => out.extend(ph.facts()),
                    PlanStmt::Scenario(_) => {}
                }
            }
        }
    }
    for s in scenarios(file) {
        out.extend(s.facts());
    }
    out
}

/// What stands at an offset.
enum Target<'a> {
    DimName(&'a str),
    Value { dim: &'a str, value: &'a str },
    Model(&'a str),
    ScenarioName(Span),
    RulePath(&'a cadrage_syntax::ast::RulePath),
    Ruleset(&'a str),
}

fn target_at(file: &SourceFile, at: usize) -> Option<Target<'_>> {
    for f in facts(file) {
        if !f.span.touches(at) {
            continue;
        }
        if f.key.span().touches(at) {
            return Some(match &f.key {
                DimRef::Model(_) => Target::DimName("model"),
                DimRef::Dim(n) => Target::DimName(n.as_str()),
            });
        }
        match &f.value {
            FactValue::Models(names) => {
                if let Some(n) = names.iter().find(|n| n.span.touches(at)) {
                    return Some(Target::Model(n.as_str()));
                }
            }
            FactValue::Names(names) => {
                if let Some(n) = names.iter().find(|n| n.span.touches(at)) {
                    return Some(Target::Value { dim: f.key.as_str(), value: n.as_str() });
                }
            }
            FactValue::Text(_) => {}
        }
    }
    for s in scenarios(file) {
        if s.name.span.touches(at) {
            return Some(Target::ScenarioName(s.name.span));
        }
        for a in s.allows() {
            if a.path.span.touches(at) {
                return Some(Target::RulePath(&a.path));
            }
        }
    }
    for item in &file.items {
        if let Item::Use(u) = item {
            if let Some(n) = u.names.iter().find(|n| n.span.touches(at)) {
                return Some(Target::Ruleset(n.as_str()));
            }
        }
    }
    None
}

fn rule_of<'a>(ctx: &'a Context, path: &cadrage_syntax::ast::RulePath) -> Option<&'a RuleDef> {
    let p = ctx.resolve_rule_path(path.ruleset.as_str(), path.rule.as_str())?;
    ctx.rule_by_path(&p).map(|r| r.def.as_ref())
}

fn value_names(dim: &CDim, slot: &Slot) -> String {
    match slot {
        Slot::Values(set) => {
            let names: Vec<&str> = set.iter().filter_map(|i| dim.values.get(i)).map(|v| v.name.as_str()).collect();
            if dim.name == "model" { names.join(" + ") } else { names.join(", ") }
        }
        Slot::Text(t) => format!("{t:?}"),
        Slot::Unknown => "(unknown value)".into(),
    }
}

fn markdown(value: String) -> Hover {
    Hover { contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }), range: None }
}

// ------------------------------------------------------------------ hover

pub fn hover(st: &mut State, uri: &Uri, pos: Position) -> Option<Hover> {
    let analysis = st.analysis(uri)?;
    let index = analysis.report.source.line_index();
    let at = offset(index, pos);
    let remedies = remedies_at(&analysis, at);
    let Some(target) = target_at(&analysis.syntax, at) else {
        return remedies.map(|r| markdown(r.trim_start().to_string()));
    };
    let ctx = analysis.context.as_ref();
    let text = match target {
        Target::DimName(name) => {
            let dim = ctx?.dims.get(ctx?.dim(name)?)?;
            let mut s = format!("**`{}`**", dim.name);
            if let Some(title) = dim.def.as_ref().and_then(|d| d.title.as_deref()) {
                let _ = write!(s, " — {title}");
            }
            if dim.name == "model" {
                s.push_str("\n\nThe management model chosen; combine models with `+`.");
            }
            if !dim.values.is_empty() {
                s.push_str("\n\n");
                for v in &dim.values {
                    let _ =
                        writeln!(s, "- `{}`{}", v.name, v.doc.as_deref().map(|d| format!(": {d}")).unwrap_or_default());
                }
            }
            s
        }
        Target::Value { dim, value } => {
            let d = ctx?.dims.get(ctx?.dim(dim)?)?;
            let v = d.values.iter().find(|v| v.name == value)?;
            let mut s = format!("**`{}`**", v.name);
            if let Some(doc) = &v.doc {
                let _ = write!(s, " — {doc}");
            }
            let title = d.def.as_ref().and_then(|x| x.title.as_deref()).map(|t| format!(" ({t})")).unwrap_or_default();
            let _ = write!(s, "\n\na value of `{}`{title}", d.name);
            s
        }
        Target::Model(name) => {
            let d = ctx?.model_dim()?;
            let v = d.values.iter().find(|v| v.name == name)?;
            let m = v.model.as_ref()?;
            let mut s = format!("**{}** (`{}`)", m.display(), m.name);
            if let Some(summary) = &m.summary {
                let _ = write!(s, "\n\n{summary}");
            }
            s
        }
        Target::ScenarioName(span) => {
            let ctx = ctx?;
            let info = analysis.scenarios.iter().find(|s| s.name_span == span)?;
            scenario_hover(ctx, info)
        }
        Target::RulePath(path) => rule_hover(rule_of(ctx?, path)?),
        Target::Ruleset(name) => {
            let project = st.docs.get(uri).map(|d| d.config.clone()).map(|c| st.project(&c))?;
            let rs = project.ruleset(name)?;
            let mut s = format!("**ruleset `{}`**", rs.name);
            if let Some(t) = &rs.title {
                let _ = write!(s, " — {t}");
            }
            if let Some(d) = &rs.description {
                let _ = write!(s, "\n\n{d}");
            }
            let _ = write!(
                s,
                "\n\n{} models, {} dimensions, {} rules",
                rs.models.len(),
                rs.dimensions.len(),
                rs.rules.len()
            );
            s
        }
    };
    Some(markdown(text + remedies.as_deref().unwrap_or("")))
}

fn scenario_hover(ctx: &Context, info: &ScenarioInfo) -> String {
    let mut s = format!("**scenario `{}`**\n\n| fact | value | from |\n|---|---|---|\n", info.name);
    for f in &info.facts {
        let Some(dim) = ctx.dims.get(f.dim) else { continue };
        let from = match &f.from {
            FactOrigin::Scenario => "this scenario".to_string(),
            FactOrigin::Phase(p) => format!("phase `{p}`"),
            FactOrigin::Plan(p) => format!("plan `{p}`"),
        };
        let _ = writeln!(s, "| `{}` | {} | {from} |", dim.name, value_names(dim, &f.slot));
    }
    match &info.expected {
        Some(alts) if !alts.is_empty() => {
            let _ = write!(s, "\nexpected: **{}**", alternatives(ctx, alts));
            let rules: Vec<String> =
                info.deciding.iter().filter_map(|&i| ctx.rules.get(i)).map(|r| format!("`{}`", r.def.path)).collect();
            if !rules.is_empty() {
                let _ = write!(s, " (decided by {})", rules.join(", "));
            }
        }
        Some(_) => s.push_str("\nexpected: the rules disagree (see the `conflict` finding)"),
        None => s.push_str("\nexpected: no rule decides a model for these facts"),
    }
    if let Some(chosen) = &info.chosen {
        let _ = write!(s, "\n\nchosen: {}", ctx.models_display(chosen, false));
    }
    s
}

fn alternatives(ctx: &Context, alts: &[cadrage_engine::valueset::ValueSet]) -> String {
    alts.iter().map(|a| ctx.models_display(a, false)).collect::<Vec<_>>().join(" or ")
}

fn rule_hover(rule: &RuleDef) -> String {
    let mut s = format!("**rule `{}`**", rule.path);
    if let Some(t) = &rule.title {
        let _ = write!(s, " — {t}");
    }
    let _ = write!(s, "\n\nseverity: {}", rule.severity.as_str());
    if let Some(why) = &rule.why {
        let _ = write!(s, "\n\n{why}");
    }
    if let Some(see) = &rule.see {
        let _ = write!(s, "\n\n[{see}]({see})");
    }
    s
}

// ------------------------------------------------------------------ completion

fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
    doc: Option<String>,
    sort: &str,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        documentation: doc
            .map(|d| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: d })),
        sort_text: Some(format!("{sort}{label}")),
        ..CompletionItem::default()
    }
}

fn keyword(k: &str) -> CompletionItem {
    item(k, CompletionItemKind::KEYWORD, None, None, "2")
}

/// The innermost scenario, plan or phase block whose braces hold `at`.
enum Enclosing<'a> {
    Scenario(&'a Scenario),
    Plan,
    Phase,
    Ruleset,
    Top,
}

fn inside(open: Span, close: Option<Span>, whole: Span, at: usize) -> bool {
    let end = close.map_or(whole.end as usize, |c| c.start as usize);
    at >= open.end as usize && at <= end
}

fn enclosing(file: &SourceFile, at: usize) -> Enclosing<'_> {
    for item in &file.items {
        match item {
            Item::Scenario(s) if inside(s.braces.open, s.braces.close, s.span, at) => return Enclosing::Scenario(s),
            Item::Plan(p) if inside(p.braces.open, p.braces.close, p.span, at) => {
                for st in &p.body {
                    match st {
                        PlanStmt::Scenario(s) if inside(s.braces.open, s.braces.close, s.span, at) => {
                            return Enclosing::Scenario(s);
                        }
                        PlanStmt::Phase(ph) if inside(ph.braces.open, ph.braces.close, ph.span, at) => {
                            for st in &ph.body {
                                if let PhaseStmt::Scenario(s) = st {
                                    if inside(s.braces.open, s.braces.close, s.span, at) {
                                        return Enclosing::Scenario(s);
                                    }
                                }
                            }
                            return Enclosing::Phase;
                        }
                        _ => {}
                    }
                }
                return Enclosing::Plan;
            }
            Item::Ruleset(r) if inside(r.braces.open, r.braces.close, r.span, at) => return Enclosing::Ruleset,
            _ => {}
        }
    }
    Enclosing::Top
}

pub fn completion(st: &mut State, uri: &Uri, pos: Position) -> Option<CompletionResponse> {
    let analysis = st.analysis(uri)?;
    let text: &str = &analysis.report.source.text;
    let index = analysis.report.source.line_index();
    let at = offset(index, pos);
    let line_start = text.get(..at).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let prefix = text.get(line_start..at).unwrap_or("");
    // The statement so far: words before the cursor, the one being typed last.
    let words: Vec<&str> =
        prefix.split(|c: char| c.is_whitespace() || c == ',' || c == '+').filter(|w| !w.is_empty()).collect();
    let typing_first = words.is_empty() || (words.len() == 1 && !prefix.ends_with(|c: char| c.is_whitespace()));
    let ctx = analysis.context.clone();
    let mut items: Vec<CompletionItem> = Vec::new();
    let block = enclosing(&analysis.syntax, at);
    match block {
        Enclosing::Top => {
            if words.first() == Some(&"use") && !typing_first {
                let project = st.docs.get(uri).map(|d| d.config.clone()).map(|c| st.project(&c))?;
                for rs in project.rulesets() {
                    items.push(item(
                        &rs.name,
                        CompletionItemKind::MODULE,
                        rs.title.clone(),
                        rs.description.clone(),
                        "0",
                    ));
                }
            } else if typing_first {
                items.extend(["use", "scenario", "plan", "ruleset"].into_iter().map(keyword));
            }
        }
        Enclosing::Ruleset => {
            if typing_first {
                let kws = ["model", "dimension", "rule", "test", "version", "description", "override", "drop"];
                items.extend(kws.into_iter().map(keyword));
            }
        }
        Enclosing::Scenario(_) | Enclosing::Plan | Enclosing::Phase => {
            let ctx = ctx?;
            if typing_first {
                let stated: Vec<&str> = match &block {
                    Enclosing::Scenario(s) => s.facts().map(|f| f.key.as_str()).collect(),
                    _ => Vec::new(),
                };
                for d in ctx.dims.iter().skip(1) {
                    let sort = if stated.contains(&d.name.as_str()) { "1" } else { "0" };
                    let title = d.def.as_ref().and_then(|x| x.title.clone());
                    items.push(item(&d.name, CompletionItemKind::FIELD, title, Some(dim_doc(d)), sort));
                }
                items.push(item("model", CompletionItemKind::KEYWORD, Some("the model chosen".into()), None, "0"));
                match block {
                    Enclosing::Scenario(_) => items.push(keyword("allow")),
                    Enclosing::Plan => items.extend(["scenario", "phase"].into_iter().map(keyword)),
                    _ => items.push(keyword("scenario")),
                }
            } else if let Some(first) = words.first() {
                if *first == "allow" {
                    if words.len() <= 2 {
                        for r in &ctx.rules {
                            let path = r.def.path.to_string();
                            items.push(item(
                                &path,
                                CompletionItemKind::REFERENCE,
                                r.def.title.clone(),
                                r.def.why.as_deref().map(str::to_owned),
                                "0",
                            ));
                        }
                    }
                } else if let Some(d) = ctx.dim(first).and_then(|i| ctx.dims.get(i)) {
                    let kind =
                        if d.name == "model" { CompletionItemKind::CLASS } else { CompletionItemKind::ENUM_MEMBER };
                    for v in &d.values {
                        let doc = v.model.as_ref().and_then(|m| m.summary.clone()).or_else(|| v.doc.clone());
                        let detail = v.model.as_ref().map(|m| m.display().to_string()).or_else(|| v.doc.clone());
                        items.push(item(&v.name, kind, detail, doc, "0"));
                    }
                }
            }
        }
    }
    Some(CompletionResponse::Array(items))
}

fn dim_doc(d: &CDim) -> String {
    let values: Vec<String> = d.values.iter().map(|v| format!("`{}`", v.name)).collect();
    if values.is_empty() { "free text, in quotes".into() } else { format!("values: {}", values.join(", ")) }
}

// ------------------------------------------------------------------ definition

pub fn definition(st: &mut State, uri: &Uri, pos: Position) -> Option<GotoDefinitionResponse> {
    let analysis = st.analysis(uri)?;
    let at = offset(analysis.report.source.line_index(), pos);
    let target = target_at(&analysis.syntax, at)?;
    let ctx = analysis.context.as_ref();
    let loc = match target {
        Target::DimName(name) => ctx?.dims.get(ctx?.dim(name)?)?.def.as_ref()?.loc.clone(),
        Target::Value { dim, value } => {
            ctx?.dims.get(ctx?.dim(dim)?)?.values.iter().find(|v| v.name == value)?.loc.clone()
        }
        Target::Model(name) => ctx?.model_dim()?.values.iter().find(|v| v.name == name)?.loc.clone(),
        Target::RulePath(path) => rule_of(ctx?, path)?.loc.clone(),
        Target::Ruleset(name) => {
            let project = st.docs.get(uri).map(|d| d.config.clone()).map(|c| st.project(&c))?;
            project.ruleset(name)?.loc.clone()
        }
        Target::ScenarioName(_) => return None,
    };
    location(&loc).map(GotoDefinitionResponse::Scalar)
}

// ------------------------------------------------------------------ code actions

fn edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), edits);
    WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }
}

fn quickfix(
    title: String,
    diag: Option<&Diagnostic>,
    uri: &Uri,
    edits: Vec<TextEdit>,
    preferred: bool,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: diag.map(|d| vec![d.clone()]),
        edit: Some(edit(uri, edits)),
        is_preferred: Some(preferred),
        ..CodeAction::default()
    })
}

pub fn code_actions(st: &mut State, params: &CodeActionParams) -> Option<CodeActionResponse> {
    let uri = &params.text_document.uri;
    let analysis = st.analysis(uri)?;
    let source = &analysis.report.source;
    let index = source.line_index();
    let mut actions: Vec<CodeActionOrCommand> = Vec::new();
    for diag in &params.context.diagnostics {
        // The engine's own fix: the `expect` fix, a near-miss name.
        if let Some(fix) = diag.data.as_ref().and_then(|d| d.get("fix")) {
            let title = fix.get("title").and_then(|t| t.as_str()).unwrap_or("fix");
            let replacement = fix.get("replacement").and_then(|t| t.as_str()).unwrap_or("");
            if let Some(r) = fix.get("range").and_then(|r| serde_json::from_value::<Range>(r.clone()).ok()) {
                let title = format!("{}{}", title[..1].to_uppercase(), &title[1..]);
                actions.push(quickfix(
                    title,
                    Some(diag),
                    uri,
                    vec![TextEdit { range: r, new_text: replacement.into() }],
                    true,
                ));
            }
        }
        let Some(NumberOrString::String(code)) = &diag.code else { continue };
        // What would make it right: each remedy of a rule's finding.
        for remedy in remedies_of(&analysis, diag, code) {
            let r = range(index, remedy.fix.loc.span);
            let title = capitalised(&remedy.title);
            let edits = vec![TextEdit { range: r, new_text: remedy.fix.replacement.clone() }];
            if !actions
                .iter()
                .any(|a| matches!(a, CodeActionOrCommand::CodeAction(c) if c.edit == Some(edit(uri, edits.clone()))))
            {
                actions.push(quickfix(title, Some(diag), uri, edits, false));
            }
        }
        // A static check's witness, offered as a test of the ruleset.
        if let Some(action) = witness_action(st, uri, &analysis, diag, code) {
            actions.push(action);
        }
        let Some((ruleset, rule)) = code.split_once('.') else { continue };
        if code.starts_with("cadrage::") {
            continue;
        }
        let at = offset(index, diag.range.start);
        let Some(sc) = scenarios(&analysis.syntax).into_iter().find(|s| s.span.touches(at)) else { continue };
        // Allow the finding here, with a reason to write.
        let statement = format!("allow {code} \"REASON\"");
        let (ins, text) = cadrage_engine::check::insertion_in_block(&source.text, sc, &statement);
        let r = range(index, Span::at(ins));
        actions.push(quickfix(
            format!("Allow `{code}` in `{}` (write the reason)", sc.name.as_str()),
            Some(diag),
            uri,
            vec![TextEdit { range: r, new_text: text }],
            false,
        ));
        // Add the facts a `require` rule misses, with a placeholder.
        let Some(ctx) = analysis.context.as_ref() else { continue };
        let path = RulePath { ruleset: ruleset.into(), rule: rule.into() };
        let Some(crule) = ctx.rule_by_path(&path) else { continue };
        if let CConclusion::Require(dims) = &crule.conclusion {
            let info = analysis.scenarios.iter().find(|s| s.name_span == sc.name.span);
            for &d in dims {
                let stated = info.is_some_and(|i| i.facts.iter().any(|f| f.dim == d));
                let Some(dim) = ctx.dims.get(d).filter(|_| !stated && d != MODEL) else { continue };
                let placeholder = match dim.values.first() {
                    Some(v) => format!("{} {}", dim.name, v.name),
                    None => format!("{} \"...\"", dim.name),
                };
                let (ins, text) = cadrage_engine::check::insertion_in_block(&source.text, sc, &placeholder);
                actions.push(quickfix(
                    format!("Add `{}` to `{}`", dim.name, sc.name.as_str()),
                    Some(diag),
                    uri,
                    vec![TextEdit { range: range(index, Span::at(ins)), new_text: text }],
                    false,
                ));
            }
        }
    }
    Some(actions)
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The remedies of the finding a diagnostic shows.
fn remedies_of<'a>(
    analysis: &'a cadrage_engine::Analysis,
    diag: &Diagnostic,
    code: &str,
) -> Vec<&'a cadrage_engine::analysis::Remedy> {
    let index = analysis.report.source.line_index();
    analysis
        .report
        .findings
        .iter()
        .filter(|f| f.code.to_string() == code && range(index, f.loc.span) == diag.range)
        .flat_map(|f| f.remedies.iter())
        .collect()
}

/// "What would make it right" for the findings at an offset, for hover.
fn remedies_at(analysis: &cadrage_engine::Analysis, at: usize) -> Option<String> {
    let mut s = String::new();
    for f in analysis.report.findings.iter().filter(|f| f.loc.span.touches(at) && !f.remedies.is_empty()) {
        let _ = write!(s, "\n\n**`{}`** — what would make it right:", f.code);
        for r in &f.remedies {
            let _ = write!(s, "\n- {}", r.title);
            if !r.new_findings.is_empty() {
                let _ = write!(s, " (but then {})", r.new_findings.join(", "));
            }
        }
    }
    (!s.is_empty()).then_some(s)
}

/// "Add a test for this case": the witness of a conflict, dead rule or gap,
/// inserted into its ruleset as a `test` block.
fn witness_action(
    st: &mut State,
    uri: &Uri,
    analysis: &cadrage_engine::Analysis,
    diag: &Diagnostic,
    code: &str,
) -> Option<CodeActionOrCommand> {
    let index = analysis.report.source.line_index();
    let finding = analysis
        .report
        .findings
        .iter()
        .find(|f| f.code.to_string() == code && range(index, f.loc.span) == diag.range && f.witness.is_some())?;
    let witness = finding.witness.as_deref()?;
    let project = st.docs.get(uri).map(|d| d.config.clone()).map(|c| st.project(&c))?;
    let inside = |rs: &&std::sync::Arc<cadrage_engine::model::Ruleset>| {
        rs.span_loc.source.name == analysis.report.source.name && rs.span_loc.span.contains_span(finding.loc.span)
    };
    let ruleset =
        analysis.local_rulesets.values().find(inside).or_else(|| project.rulesets().into_iter().find(inside))?;
    let name = format!("{}: {}", code.trim_start_matches("cadrage::"), witness.describe());
    let expect = ["# expect model ...   (what should these facts call for?)".to_string()];
    let fix = cadrage_engine::analysis::witness_test(ruleset, witness, &name, &expect);
    let r = range(index, fix.loc.span);
    Some(quickfix(
        format!("Add a test for this case to `{}`", ruleset.name),
        Some(diag),
        uri,
        vec![TextEdit { range: r, new_text: fix.replacement }],
        false,
    ))
}

// ------------------------------------------------------------------ symbols, folding, formatting, hints

#[allow(deprecated, reason = "DocumentSymbol's `deprecated` field must still be written")]
fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    full: Range,
    sel: Range,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: full,
        selection_range: sel,
        children: if children.is_empty() { None } else { Some(children) },
    }
}

fn scenario_symbol(index: &cadrage_syntax::LineIndex, s: &Scenario) -> DocumentSymbol {
    let title = s.title.as_ref().map(|t| t.value.clone());
    symbol(
        s.name.as_str().into(),
        title,
        SymbolKind::OBJECT,
        range(index, s.span),
        range(index, s.name.span),
        Vec::new(),
    )
}

pub fn symbols(st: &mut State, uri: &Uri) -> Option<DocumentSymbolResponse> {
    let analysis = st.analysis(uri)?;
    let index = analysis.report.source.line_index();
    let mut out = Vec::new();
    for item in &analysis.syntax.items {
        match item {
            Item::Scenario(s) => out.push(scenario_symbol(index, s)),
            Item::Plan(p) => {
                let children = p
                    .body
                    .iter()
                    .filter_map(|st| match st {
                        PlanStmt::Scenario(s) => Some(scenario_symbol(index, s)),
                        PlanStmt::Phase(ph) => {
                            let inner = ph
                                .body
                                .iter()
                                .filter_map(|st| match st {
                                    PhaseStmt::Scenario(s) => Some(scenario_symbol(index, s)),
                                    PhaseStmt::Fact(_) => None,
                                })
                                .collect();
                            let title = ph.title.as_ref().map(|t| t.value.clone());
                            Some(symbol(
                                ph.name.as_str().into(),
                                title,
                                SymbolKind::NAMESPACE,
                                range(index, ph.span),
                                range(index, ph.name.span),
                                inner,
                            ))
                        }
                        PlanStmt::Fact(_) => None,
                    })
                    .collect();
                let title = p.title.as_ref().map(|t| t.value.clone());
                out.push(symbol(
                    p.name.as_str().into(),
                    title,
                    SymbolKind::PACKAGE,
                    range(index, p.span),
                    range(index, p.name.span),
                    children,
                ));
            }
            Item::Ruleset(r) => {
                let children = r
                    .body
                    .iter()
                    .filter_map(|st| {
                        let (name, kind, span, sel) = match st {
                            RulesetStmt::Model(m) => {
                                (m.name.as_str().to_string(), SymbolKind::CLASS, m.span, m.name.span)
                            }
                            RulesetStmt::Dimension(d) => {
                                (d.name.as_str().to_string(), SymbolKind::ENUM, d.span, d.name.span)
                            }
                            RulesetStmt::Rule(r) => {
                                (r.name.as_str().to_string(), SymbolKind::FUNCTION, r.span, r.name.span)
                            }
                            RulesetStmt::Test(t) => (t.name.value.clone(), SymbolKind::METHOD, t.span, t.name.span),
                            RulesetStmt::Override(o) => {
                                (format!("override {}", o.name.as_str()), SymbolKind::FUNCTION, o.span, o.name.span)
                            }
                            _ => return None,
                        };
                        Some(symbol(name, None, kind, range(index, span), range(index, sel), Vec::new()))
                    })
                    .collect();
                let title = r.title.as_ref().map(|t| t.value.clone());
                out.push(symbol(
                    r.name.as_str().into(),
                    title,
                    SymbolKind::MODULE,
                    range(index, r.span),
                    range(index, r.name.span),
                    children,
                ));
            }
            Item::Use(_) => {}
        }
    }
    Some(DocumentSymbolResponse::Nested(out))
}

pub fn folding(st: &mut State, uri: &Uri) -> Option<Vec<FoldingRange>> {
    let analysis = st.analysis(uri)?;
    let index = analysis.report.source.line_index();
    let mut spans: Vec<(Span, Option<Span>)> = Vec::new();
    for item in &analysis.syntax.items {
        match item {
            Item::Plan(p) => {
                spans.push((p.braces.open, p.braces.close));
                for st in &p.body {
                    if let PlanStmt::Phase(ph) = st {
                        spans.push((ph.braces.open, ph.braces.close));
                    }
                }
            }
            Item::Ruleset(r) => {
                spans.push((r.braces.open, r.braces.close));
                for st in &r.body {
                    match st {
                        RulesetStmt::Rule(x) => spans.push((x.braces.open, x.braces.close)),
                        RulesetStmt::Test(x) => spans.push((x.braces.open, x.braces.close)),
                        RulesetStmt::Dimension(d) => {
                            if let Some(b) = d.braces {
                                spans.push((b.open, b.close));
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    for s in scenarios(&analysis.syntax) {
        spans.push((s.braces.open, s.braces.close));
    }
    let mut out: Vec<FoldingRange> = spans
        .into_iter()
        .filter_map(|(open, close)| {
            let start = index.utf16_position(open.start as usize).line;
            let end = index.utf16_position(close?.start as usize).line;
            (end > start).then(|| FoldingRange {
                start_line: start,
                end_line: end.saturating_sub(1).max(start),
                kind: Some(FoldingRangeKind::Region),
                ..FoldingRange::default()
            })
        })
        .collect();
    out.sort_by_key(|f| f.start_line);
    Some(out)
}

pub fn formatting(st: &State, uri: &Uri) -> Option<Vec<TextEdit>> {
    let doc = st.docs.get(uri)?;
    let formatted = cadrage_syntax::format::format(&doc.text).ok()?;
    if formatted == doc.text {
        return Some(Vec::new());
    }
    let index = cadrage_syntax::LineIndex::new(&doc.text);
    let whole = range(&index, Span::new(0, doc.text.len()));
    Some(vec![TextEdit { range: whole, new_text: formatted }])
}

pub fn inlay_hints(st: &mut State, uri: &Uri, visible: Range) -> Option<Vec<InlayHint>> {
    let analysis = st.analysis(uri)?;
    let ctx = analysis.context.as_ref()?;
    let index = analysis.report.source.line_index();
    let mut out = Vec::new();
    for sc in scenarios(&analysis.syntax) {
        let Some(info) = analysis.scenarios.iter().find(|s| s.name_span == sc.name.span) else { continue };
        let (Some(alts), Some(chosen)) = (&info.expected, &info.chosen) else { continue };
        if alts.is_empty() || alts.iter().any(|a| a.same(chosen)) {
            continue;
        }
        let own_model = sc.body.iter().find_map(|st| match st {
            ScenarioStmt::Fact(f) if matches!(f.key, DimRef::Model(_)) => Some(f.value.span()),
            _ => None,
        });
        let Some(span) = own_model else { continue };
        let pos = convert::position(index, span.end as usize);
        if pos.line < visible.start.line || pos.line > visible.end.line {
            continue;
        }
        out.push(InlayHint {
            position: pos,
            label: InlayHintLabel::String(format!("expected: {}", alternatives(ctx, alts))),
            kind: None,
            text_edits: None,
            tooltip: None,
            padding_left: Some(true),
            padding_right: None,
            data: None,
        });
    }
    Some(out)
}

// ------------------------------------------------------------------ references, rename, semantic tokens

/// Every file of the workspace: open buffers, `.cadrage` files below the
/// workspace folders, and the embedded rulesets (marked `true`).
fn workspace_files(st: &State) -> Vec<(Uri, String, bool)> {
    let mut out: Vec<(Uri, String, bool)> = st.docs.iter().map(|(u, d)| (u.clone(), d.text.clone(), false)).collect();
    for root in &st.roots {
        let walker = walkdir::WalkDir::new(root).into_iter().filter_entry(|e| {
            e.depth() == 0 || !(e.file_name().to_string_lossy().starts_with('.') || e.file_name() == "target")
        });
        for entry in walker.flatten() {
            if entry.path().extension().is_none_or(|e| e != "cadrage") {
                continue;
            }
            let Some(uri) = Uri::from_file_path(entry.path()) else { continue };
            if out.iter().any(|(u, _, _)| *u == uri) {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                out.push((uri, text, false));
            }
        }
    }
    for (name, text) in cadrage_engine::builtin::BUILTIN_RULESETS {
        if let Some(uri) = convert::uri_of_name(&format!("{}{name}", cadrage_engine::source::BUILTIN_PREFIX)) {
            out.push((uri, (*text).to_string(), true));
        }
    }
    out
}

/// One occurrence in a file: its URI, whether the file is an embedded
/// ruleset, the file's text, and the occurrence.
type Found = (Uri, bool, String, Occurrence);

/// The occurrences of the symbol at a position, across the workspace.
fn occurrences_of(st: &mut State, uri: &Uri, pos: Position) -> Option<(Symbol, Vec<Found>)> {
    let analysis = st.analysis(uri)?;
    let at = offset(analysis.report.source.line_index(), pos);
    let symbol = names::at(&analysis.syntax, at)?.symbol;
    let mut out = Vec::new();
    let files: Vec<(Uri, String, bool)> = match &symbol {
        // Scenario names are the file's own.
        Symbol::Scenario(_) => vec![(uri.clone(), analysis.report.source.text.to_string(), false)],
        _ => workspace_files(st),
    };
    for (u, text, builtin) in files {
        let file = cadrage_syntax::parse(&text);
        for o in names::occurrences(&file) {
            if names::same(&o.symbol, &symbol) {
                out.push((u.clone(), builtin, text.clone(), o));
            }
        }
    }
    Some((symbol, out))
}

pub fn references(st: &mut State, uri: &Uri, pos: Position, declaration: bool) -> Option<Vec<Location>> {
    let (_, occ) = occurrences_of(st, uri, pos)?;
    let out = occ
        .into_iter()
        .filter(|(_, _, _, o)| declaration || !o.declaration)
        .map(|(u, _, text, o)| Location { uri: u, range: range(&cadrage_syntax::LineIndex::new(&text), o.span) })
        .collect();
    Some(out)
}

/// A rename, or why it cannot be done.
pub fn rename(
    st: &mut State,
    uri: &Uri,
    pos: Position,
    new_name: &str,
) -> std::result::Result<Option<WorkspaceEdit>, String> {
    if !cadrage_syntax::is_name(new_name) {
        return Err(format!(
            "`{new_name}` is not a name: names are lower-case ASCII letters, digits and `_`, and not keywords"
        ));
    }
    let Some((symbol, occ)) = occurrences_of(st, uri, pos) else { return Ok(None) };
    let declared_builtin = occ.iter().any(|(_, builtin, _, o)| *builtin && o.declaration);
    let declared_here = occ.iter().any(|(_, builtin, _, o)| !*builtin && o.declaration);
    if declared_builtin && !declared_here {
        return Err(format!(
            "{} is declared in an embedded ruleset, which cannot change; to rename it, copy the ruleset into the project (a project ruleset of the same name replaces the embedded one)",
            describe(&symbol)
        ));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (u, builtin, text, o) in occ {
        if builtin {
            continue;
        }
        let written = text.get(o.span.start as usize..o.span.end as usize).unwrap_or("");
        let new_text = match written.split_once('.') {
            // A rule path: keep the ruleset part.
            Some((ruleset, _)) => format!("{ruleset}.{new_name}"),
            None => new_name.to_string(),
        };
        let r = range(&cadrage_syntax::LineIndex::new(&text), o.span);
        changes.entry(u).or_default().push(TextEdit { range: r, new_text });
    }
    Ok(Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }))
}

fn describe(s: &Symbol) -> String {
    match s {
        Symbol::Dimension(d) => format!("dimension `{d}`"),
        Symbol::Value { dim, value } => format!("value `{value}` of `{dim}`"),
        Symbol::Model(m) => format!("model `{m}`"),
        Symbol::Rule { ruleset, rule } => format!("rule `{ruleset}.{rule}`"),
        Symbol::Scenario(n) => format!("scenario `{n}`"),
        Symbol::Ruleset(n) => format!("ruleset `{n}`"),
    }
}

/// The token types of [`semantic_tokens`], in legend order.
pub const TOKEN_TYPES: [SemanticTokenType; 6] = [
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::CLASS,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::VARIABLE,
];

pub fn semantic_tokens(st: &mut State, uri: &Uri) -> Option<SemanticTokensResult> {
    let analysis = st.analysis(uri)?;
    let index = analysis.report.source.line_index();
    let text: &str = &analysis.report.source.text;
    let mut data = Vec::new();
    let (mut line, mut col) = (0u32, 0u32);
    for o in names::occurrences(&analysis.syntax) {
        let kind: u32 = match o.symbol {
            Symbol::Ruleset(_) => 0,
            Symbol::Dimension(_) => 1,
            Symbol::Value { .. } => 2,
            Symbol::Model(_) => 3,
            Symbol::Rule { .. } => 4,
            Symbol::Scenario(_) => 5,
        };
        let start = index.utf16_position(o.span.start as usize);
        let length = text.get(o.span.start as usize..o.span.end as usize).map_or(0, |t| t.encode_utf16().count());
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 { start.character - col } else { start.character };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length: u32::try_from(length).unwrap_or(0),
            token_type: kind,
            token_modifiers_bitset: u32::from(o.declaration),
        });
        (line, col) = (start.line, start.character);
    }
    Some(SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data }))
}
