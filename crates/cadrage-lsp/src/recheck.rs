//! Checking a document again after an edit, keeping what the edit did not
//! change.
//!
//! A long plan has hundreds of top-level scenarios and plans; an edit
//! changes one. The results of the others (findings, classifications,
//! scenario facts) and their diagnostics, converted and serialized, are
//! kept from the last check: moved to where the edit put them, their line
//! numbers shifted by the lines the edit added or removed. Only the items
//! the edit touched are evaluated again, and what concerns the whole file
//! (syntax errors, `use`, duplicate names...) is checked again every time.
//!
//! An item's results are kept only when they cannot differ from a new
//! evaluation: same project, options, rulesets in use and leniency; no
//! syntax error in the old or the new text; and the item's text, from the
//! start of its first line, lies wholly before the changed bytes or wholly
//! after them. A property test compares the diagnostics with a whole check
//! over random edits.

use std::sync::Arc;
use std::time::Instant;

use cadrage_engine::context::Context;
use cadrage_engine::{Analysis, CheckOptions, FileCheck, FindingRef, ItemCheck, Project, Source};
use tower_lsp_server::ls_types::{Diagnostic, Uri};

use crate::convert;

/// One finding as the editor gets it, and as JSON.
struct Diag {
    diag: Diagnostic,
    json: String,
}

impl Diag {
    fn new(diag: Diagnostic) -> Diag {
        let json = serde_json::to_string(&diag).unwrap_or_default();
        Diag { diag, json }
    }
}

/// A document's last check, kept for the next one.
pub(crate) struct Checked {
    pub analysis: Arc<Analysis>,
    project: Arc<Project>,
    today: (u16, u8, u8),
    context: Option<Arc<Context>>,
    lenient: bool,
    /// Per top-level item of `analysis.syntax`: its results, and the
    /// diagnostics of its findings (one per finding, in the same order).
    items: Vec<ItemCheck>,
    diags: Vec<Vec<Diag>>,
    /// How many items were kept from the check before.
    #[cfg_attr(not(test), expect(dead_code, reason = "the tests read it"))]
    kept: usize,
}

/// What a check needs.
pub(crate) struct Input<'a> {
    pub project: &'a Arc<Project>,
    pub source: &'a Arc<Source>,
    pub key: Option<&'a str>,
    pub options: &'a CheckOptions,
}

/// Checks `input.source`, reusing what it can of `previous` (the check of
/// an earlier text of the same document). Calls `publish` with the
/// diagnostics as a JSON array as soon as they are known, then puts the
/// whole analysis together.
pub(crate) fn recheck(input: &Input<'_>, previous: Option<Checked>, publish: impl FnOnce(&[u8])) -> Checked {
    let started = Instant::now();
    let source = input.source;
    let syntax = match &previous {
        Some(p) => {
            cadrage_syntax::incremental::reparse(&p.analysis.report.source.text, &p.analysis.syntax, &source.text)
        }
        None => cadrage_syntax::parse(&source.text),
    };
    crate::timing("parse", started);
    let mut check = FileCheck::new(input.project, source, syntax, input.key, input.options);
    let mut kept = previous.and_then(|p| Kept::new(p, input, &check));
    let doc = convert::uri_of_name(&source.name);

    let count = check.syntax().items.len();
    let mut items: Vec<ItemCheck> = Vec::with_capacity(count);
    let mut diags: Vec<Vec<Diag>> = Vec::with_capacity(count);
    let mut reused = 0;
    for i in 0..count {
        if let Some((r, d)) = kept.as_mut().and_then(|k| k.take(i, check.syntax(), source, doc.as_ref())) {
            items.push(r);
            diags.push(d);
            reused += 1;
            continue;
        }
        let r = check.check_item(i);
        diags.push(r.findings.iter().map(|f| Diag::new(convert::diagnostic(f))).collect());
        items.push(r);
    }
    let file_diags: Vec<Diag> = check.file_findings().iter().map(|f| Diag::new(convert::diagnostic(f))).collect();
    crate::timing(&format!("check ({reused} of {count} items kept)"), started);

    let started = Instant::now();
    let order = check.order(&items);
    let mut json: Vec<u8> =
        Vec::with_capacity(diags.iter().flatten().chain(&file_diags).map(|d| d.json.len() + 1).sum::<usize>() + 2);
    json.push(b'[');
    let mut first = true;
    for r in &order {
        let d = match *r {
            FindingRef::File(i) => file_diags.get(i),
            FindingRef::Item(item, i) => diags.get(item).and_then(|d| d.get(i)),
        };
        let Some(d) = d.filter(|d| !d.json.is_empty()) else { continue };
        if !first {
            json.push(b',');
        }
        first = false;
        json.extend_from_slice(d.json.as_bytes());
    }
    json.push(b']');
    crate::timing("diagnostics", started);
    let started = Instant::now();
    publish(&json);
    crate::timing("publish", started);

    // The analysis the editor's requests use, off the path to the diagnostics.
    let started = Instant::now();
    let context = check.context().cloned();
    let lenient = check.lenient_dims();
    let analysis = Arc::new(check.finish(items.clone()));
    crate::timing("analysis", started);
    Checked {
        analysis,
        project: Arc::clone(input.project),
        today: input.options.today,
        context,
        lenient,
        items,
        diags,
        kept: reused,
    }
}

/// How many bytes `a` and `b` start with alike: compared a block at a time
/// (a byte at a time took a tenth of a millisecond on a long plan).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let same: usize = a.chunks(BLOCK).zip(b.chunks(BLOCK)).take_while(|(x, y)| x == y).map(|(x, _)| x.len()).sum();
    let (a, b) = (a.get(same..).unwrap_or_default(), b.get(same..).unwrap_or_default());
    same + a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// How many bytes `a` and `b` end with alike.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let same: usize = a.rchunks(BLOCK).zip(b.rchunks(BLOCK)).take_while(|(x, y)| x == y).map(|(x, _)| x.len()).sum();
    let (a, b) = (a.get(..a.len() - same).unwrap_or_default(), b.get(..b.len() - same).unwrap_or_default());
    same + a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count()
}

/// The results of the last check that may be kept, and how the edit moved them.
struct Kept {
    old: Checked,
    /// Old items are kept whole before `prefix` (the bytes both texts
    /// start with) and from `new_suffix` on in the new text (the bytes both
    /// texts end with), moved by `delta` bytes and `lines` lines.
    prefix: usize,
    new_suffix: usize,
    delta: i64,
    lines: i64,
}

impl Kept {
    fn new(old: Checked, input: &Input<'_>, check: &FileCheck<'_>) -> Option<Kept> {
        let same_context = match (&old.context, check.context()) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        let reusable = Arc::ptr_eq(&old.project, input.project)
            && old.today == input.options.today
            && same_context
            && old.lenient == check.lenient_dims()
            && old.analysis.report.source.name == input.source.name
            && old.analysis.syntax.errors.is_empty()
            && check.syntax().errors.is_empty()
            && old.items.len() == old.analysis.syntax.items.len();
        if !reusable {
            return None;
        }
        let (a, b) = (old.analysis.report.source.text.as_bytes(), input.source.text.as_bytes());
        let prefix = common_prefix(a, b);
        let max_suffix = a.len().min(b.len()) - prefix;
        let suffix = common_suffix(a, b).min(max_suffix);
        let (old_suffix, new_suffix) = (a.len() - suffix, b.len() - suffix);
        let newlines = |t: &[u8]| t.iter().filter(|c| **c == b'\n').count() as i64;
        let lines = newlines(b.get(prefix..new_suffix)?) - newlines(a.get(prefix..old_suffix)?);
        let delta = i64::try_from(b.len()).ok()? - i64::try_from(a.len()).ok()?;
        Some(Kept { old, prefix, new_suffix, delta, lines })
    }

    /// The kept results of new item `i`, moved into `source`, if the edit left it alone.
    fn take(
        &mut self,
        i: usize,
        syntax: &cadrage_syntax::SourceFile,
        source: &Arc<Source>,
        doc: Option<&Uri>,
    ) -> Option<(ItemCheck, Vec<Diag>)> {
        let span = syntax.items.get(i)?.span();
        let old_items = &self.old.analysis.syntax.items;
        let (j, delta, lines) = if span.end as usize <= self.prefix {
            (i, 0, 0)
        } else if span.start as usize >= self.new_suffix {
            // The item's first line (its indentation) must be the same too:
            // it starts after the changed bytes, and starts a line in both texts.
            let line_start = source.text.get(..span.start as usize)?.rfind('\n').map_or(0, |i| i + 1);
            let old_line_start = usize::try_from(i64::try_from(line_start).ok()? - self.delta).ok()?;
            let old_text = self.old.analysis.report.source.text.as_bytes();
            let starts_line = old_line_start == 0 || old_text.get(old_line_start - 1) == Some(&b'\n');
            if line_start < self.new_suffix || !starts_line {
                return None;
            }
            ((i + old_items.len()).checked_sub(syntax.items.len())?, self.delta, self.lines)
        } else {
            return None;
        };
        let old_span = old_items.get(j)?.span();
        if old_span.shifted(delta) != span {
            return None;
        }
        let mut item = std::mem::take(self.old.items.get_mut(j)?);
        let mut diags = std::mem::take(self.old.diags.get_mut(j)?);
        if diags.len() != item.findings.len() || !item.rebase(&self.old.analysis.report.source, source, old_span, delta)
        {
            return None;
        }
        if lines != 0 {
            let doc = doc?;
            for d in &mut diags {
                convert::shift_lines(&mut d.diag, doc, lines);
                *d = Diag::new(std::mem::take(&mut d.diag));
            }
        }
        Some((item, diags))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

    use std::fmt::Write as _;
    use std::path::Path;

    use cadrage_syntax::testing::{EDIT_SNIPPETS, edit};

    use cadrage_engine::check::AllowedFinding;
    use cadrage_engine::{Finding, Loc};
    use proptest::prelude::*;

    use super::*;

    const NAME: &str = "/virtual/plan.cadrage";

    fn project() -> Arc<Project> {
        static PROJECT: std::sync::OnceLock<Arc<Project>> = std::sync::OnceLock::new();
        Arc::clone(PROJECT.get_or_init(|| Arc::new(Project::embedded())))
    }

    fn options() -> CheckOptions {
        CheckOptions::on((2027, 1, 1))
    }

    /// The `.cadrage` files of the repository, and one long file made of
    /// every scenario file that uses `management` (names repeat in it).
    fn texts() -> &'static [String] {
        static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        TEXTS.get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let mut files: Vec<String> =
                cadrage_syntax::testing::cadrage_files(&root).into_iter().map(|(_, text)| text).collect();
            let mut long = String::from("use management\n");
            for f in &files {
                // Not those with their own rulesets: then the context is compiled for each check.
                let own_rulesets = f.lines().any(|l| l.starts_with("ruleset "));
                if f.lines().any(|l| l == "use management")
                    && !own_rulesets
                    && cadrage_syntax::parse(f).errors.is_empty()
                {
                    long.extend(f.lines().filter(|l| !l.starts_with("use ")).map(|l| format!("{l}\n")));
                }
            }
            files.push(long);
            files
        })
    }

    fn loc(l: &Loc, current: &Arc<Source>) -> String {
        let here = if Arc::ptr_eq(&l.source, current) { "here" } else { "elsewhere" };
        format!("{}@{}..{}({here})", l.source.name, l.span.start, l.span.end)
    }

    /// A finding with its locations written out (a `Loc` prints its whole source).
    fn finding(f: &Finding, current: &Arc<Source>) -> String {
        let mut s = format!(
            "{} {:?} {:?} {:?} at {} label {:?} in {:?} url {:?} witness {:?}",
            f.code,
            f.severity,
            f.message,
            f.help,
            loc(&f.loc, current),
            f.label,
            f.scenario,
            f.url,
            f.witness
        );
        for r in &f.related {
            let _ = write!(s, " related {} {:?}", loc(&r.loc, current), r.message);
        }
        if let Some(fix) = &f.fix {
            let _ = write!(s, " fix {:?} {:?} {}", fix.title, fix.replacement, loc(&fix.loc, current));
        }
        for r in &f.remedies {
            let _ = write!(
                s,
                " remedy {:?} {} {:?} {:?} {:?} {:?} {}",
                r.title,
                r.dim,
                r.values,
                r.new_findings,
                r.fix.title,
                r.fix.replacement,
                loc(&r.fix.loc, current)
            );
        }
        s
    }

    fn allowed(a: &AllowedFinding, current: &Arc<Source>) -> String {
        format!("{} {:?} {:?} {:?} {}", finding(&a.finding, current), a.reason, a.by, a.until, loc(&a.allow, current))
    }

    /// Everything an analysis says, written out.
    fn describe(a: &Analysis) -> Vec<String> {
        let current = &a.report.source;
        let mut out: Vec<String> = a.report.findings.iter().map(|f| finding(f, current)).collect();
        out.extend(a.report.allowed.iter().map(|x| allowed(x, current)));
        out.extend(
            a.report
                .classifications
                .iter()
                .map(|c| format!("{} {} {:?} {:?}", c.scenario, loc(&c.loc, current), c.expected, c.chosen)),
        );
        out.extend(a.scenarios.iter().map(|s| format!("{s:?}")));
        let rulesets = a.context.as_ref().map(|c| c.rulesets.iter().map(|r| r.name.clone()).collect::<Vec<_>>());
        out.push(format!("{} scenarios; rulesets {rulesets:?}", a.report.scenarios));
        out.push(format!("{:?}", a.syntax));
        out
    }

    /// A check of `text` after `previous`: the published diagnostics and the check.
    fn check(text: &str, previous: Option<Checked>) -> (serde_json::Value, Checked) {
        let (project, options) = (project(), options());
        let source = Source::new(NAME, text);
        let input = Input { project: &project, source: &source, key: None, options: &options };
        let mut published = None;
        let checked = recheck(&input, previous, |json| published = Some(serde_json::from_slice(json).expect("JSON")));
        (published.expect("published"), checked)
    }

    /// What a whole check of the same source gives.
    fn whole(source: &Arc<Source>) -> (serde_json::Value, Analysis) {
        let analysis = project().analyze(source, None, &options());
        let diags: Vec<Diagnostic> = analysis.report.findings.iter().map(convert::diagnostic).collect();
        (serde_json::to_value(diags).expect("JSON"), analysis)
    }

    fn assert_same_as_whole(published: &serde_json::Value, checked: &Checked) -> Result<(), TestCaseError> {
        let (diags, analysis) = whole(&checked.analysis.report.source);
        prop_assert_eq!(published, &diags);
        let (a, b) = (describe(&checked.analysis), describe(&analysis));
        prop_assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!(x, y);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// After any sequence of edits, keeping what the edits did not change
        /// gives the same diagnostics and the same analysis as a whole check.
        #[test]
        fn recheck_equals_a_whole_check_after_random_edits(
            file in 0usize..1000,
            long in any::<bool>(),
            edits in prop::collection::vec((0usize..100_000, 0usize..40, prop::sample::select(EDIT_SNIPPETS)), 1..6),
        ) {
            let texts = texts();
            let mut text = if long { texts[texts.len() - 1].clone() } else { texts[file % texts.len()].clone() };
            let (published, mut checked) = check(&text, None);
            assert_same_as_whole(&published, &checked)?;
            for (at, del, ins) in edits {
                text = edit(&text, at, del % 4 * (1 + del / 4 * 10), ins);
                let (published, next) = check(&text, Some(checked));
                assert_same_as_whole(&published, &next)?;
                checked = next;
            }
        }
    }

    #[test]
    fn an_edit_keeps_the_other_items_and_shifts_their_lines() {
        let long = texts().last().expect("the long file").clone();
        let (_, checked) = check(&long, None);
        let count = checked.items.len();
        // A line added in the middle: the items after it move down.
        let at = long.len() / 2;
        let at = at + long[at..].find("\nscenario").or_else(|| long[at..].find("\nplan")).expect("an item");
        let text = format!("{}\n# a comment\n{}", &long[..at], &long[at..]);
        let (published, next) = check(&text, Some(checked));
        assert_eq!(next.kept, count, "every item kept");
        assert_same_as_whole(&published, &next).expect("same as a whole check");
    }

    proptest! {
        #[test]
        fn common_prefix_and_suffix_as_a_byte_at_a_time(
            a in prop::collection::vec(0u8..3, 0..4),
            b in prop::collection::vec(0u8..3, 0..4),
            shared in prop::collection::vec(0u8..3, 0..1000),
            long in prop::collection::vec(0u8..3, 0..600),
        ) {
            // Short and long differences, at block boundaries or not.
            let (a, b) = if long.len() % 2 == 0 { (a, b) } else { ([a.as_slice(), &long].concat(), b) };
            let (x, y) = ([shared.as_slice(), &a].concat(), [shared.as_slice(), &b].concat());
            let prefix = x.iter().zip(&y).take_while(|(p, q)| p == q).count();
            prop_assert_eq!(common_prefix(&x, &y), prefix);
            let (x, y) = ([a.as_slice(), &shared].concat(), [b.as_slice(), &shared].concat());
            let suffix = x.iter().rev().zip(y.iter().rev()).take_while(|(p, q)| p == q).count();
            prop_assert_eq!(common_suffix(&x, &y), suffix);
        }
    }

    #[test]
    fn an_item_whose_line_changed_before_it_is_evaluated_again() {
        // The fixes that add a `model` line take the indentation of the scenario's line.
        let text = "use management\n    scenario a { purpose announce } scenario b { purpose announce }\n";
        let (_, checked) = check(text, None);
        let (published, next) = check(&text.replacen("    scenario a", "scenario a", 1), Some(checked));
        assert_eq!(next.kept, 0);
        assert_same_as_whole(&published, &next).expect("same as a whole check");
    }
}
