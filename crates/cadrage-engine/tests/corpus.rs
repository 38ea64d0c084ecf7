//! The corpus: one test per `tests/corpus/**/*.cadrage` file, whose
//! findings, classifications and allowed findings are compared with the
//! snapshot beside it (`snapshots/<case>.snap`). See tests/README.md.
//!
//! A case may start with option lines:
//!
//! ```text
//! #! today: 2027-07-01              the day `allow ... until` is judged on (default 2027-01-01)
//! #! config: default = "example"    a line of cadrage.toml (repeatable)
//! #! builtins: off                  leave out the embedded rulesets
//! ```

use std::fmt::Write as _;
use std::path::Path;

use cadrage_engine::{CheckOptions, Config, Finding, Project, Source};

fn case(path: &Path, text: String) -> datatest_stable::Result<()> {
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("case").to_string();
    // insta reads a relative snapshot path from the test's source file: make it absolute.
    let path = &std::fs::canonicalize(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let output = run(&name, &text)?;
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir.join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(path);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, output));
    Ok(())
}

fn run(name: &str, text: &str) -> Result<String, String> {
    let mut today = (2027, 1, 1);
    let mut config = String::new();
    let mut builtins = true;
    for line in text.lines().take_while(|l| l.starts_with("#!")) {
        let (key, value) = line.trim_start_matches("#!").split_once(':').ok_or(format!("bad option line `{line}`"))?;
        let value = value.trim();
        match key.trim() {
            "today" => {
                let parts: Vec<&str> = value.split('-').collect();
                let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u16>().ok()).ok_or("bad date");
                today = (
                    num(0)?,
                    u8::try_from(num(1)?).map_err(|e| e.to_string())?,
                    u8::try_from(num(2)?).map_err(|e| e.to_string())?,
                );
            }
            "config" => {
                config.push_str(value);
                config.push('\n');
            }
            "builtins" => builtins = value != "off",
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    let config = Config::parse("cadrage.toml", &config).map_err(|e| e.message.clone())?;
    let mut builder = Project::builder().config(config);
    if !builtins {
        builder = builder.without_builtins();
    }
    let project = builder.build();
    if let Some(e) = project.validate_config().first() {
        return Err(format!("config: {}", e.message));
    }
    let source = Source::new(format!("{name}.cadrage"), text);
    let report = project.check(&source, None, &CheckOptions::on(today));
    // A one-off check takes the file whole; an editor's analysis goes item
    // by item (to re-check only what an edit touched): the same report.
    let analysis = project.analyze(&source, None, &CheckOptions::on(today));
    let whole = format!("{:?}", (&report.findings, &report.allowed, &report.classifications, report.scenarios));
    let by_item = format!(
        "{:?}",
        (
            &analysis.report.findings,
            &analysis.report.allowed,
            &analysis.report.classifications,
            analysis.report.scenarios
        )
    );
    if whole != by_item {
        return Err(format!("the check and the analysis differ:\n{whole}\n{by_item}"));
    }

    let mut out = String::new();
    for f in &report.findings {
        render_finding(&mut out, f);
    }
    if !report.classifications.is_empty() {
        out.push_str("--- classifications\n");
        for c in &report.classifications {
            let expected = match &c.expected {
                None => "none".to_string(),
                Some(alts) if alts.is_empty() => "(rules disagree)".to_string(),
                Some(alts) => alts.iter().map(|a| a.join(" + ")).collect::<Vec<_>>().join(" | "),
            };
            let chosen = c.chosen.as_ref().map(|v| v.join(" + ")).unwrap_or_else(|| "none".into());
            let _ = writeln!(out, "{}: expected {expected}; chosen {chosen}", c.scenario);
        }
    }
    if !report.allowed.is_empty() {
        out.push_str("--- allowed\n");
        for a in &report.allowed {
            let _ = writeln!(
                out,
                "{} {} in {}: reason {:?} by {:?} until {:?}",
                pos(&a.finding.loc),
                a.finding.code,
                a.finding.scenario.as_deref().unwrap_or("-"),
                a.reason,
                a.by,
                a.until
            );
        }
    }
    let c = report.counts();
    let _ = writeln!(
        out,
        "--- {} scenarios: {} error, {} warning, {} info, {} hint, {} allowed",
        report.scenarios,
        c.error,
        c.warning,
        c.info,
        c.hint,
        report.allowed.len()
    );
    Ok(out)
}

fn pos(loc: &cadrage_engine::Loc) -> String {
    let (s, e) = (loc.start(), loc.end());
    format!("{}:{}-{}:{}", s.line, s.column, e.line, e.column)
}

fn shown(text: &str) -> String {
    let one_line = text.replace('\n', "⏎");
    if one_line.chars().count() > 70 {
        let cut: String = one_line.chars().take(70).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

fn render_finding(out: &mut String, f: &Finding) {
    let scenario = f.scenario.as_ref().map(|s| format!(" in {s}")).unwrap_or_default();
    let _ = writeln!(out, "{} {} at {} `{}`{scenario}", f.severity.as_str(), f.code, pos(&f.loc), shown(f.loc.text()));
    let _ = writeln!(out, "  {}", f.message);
    if let Some(l) = &f.label {
        let _ = writeln!(out, "  label: {l}");
    }
    if let Some(h) = &f.help {
        let _ = writeln!(out, "  help: {}", h.replace('\n', "\n        "));
    }
    if let Some(x) = &f.fix {
        let _ = writeln!(out, "  fix: {} ({} `{}` -> {:?})", x.title, pos(&x.loc), shown(x.loc.text()), x.replacement);
    }
    for r in &f.related {
        let _ =
            writeln!(out, "  related: {} {} `{}`: {}", r.loc.source.name, pos(&r.loc), shown(r.loc.text()), r.message);
    }
    if let Some(u) = &f.url {
        let _ = writeln!(out, "  see: {u}");
    }
    if let Some(w) = &f.witness {
        let _ = writeln!(out, "  witness: {}", w.describe());
    }
}

datatest_stable::harness! {
    { test = case, root = "../../tests/corpus", pattern = r"\.cadrage$" },
}
