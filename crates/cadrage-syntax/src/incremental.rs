//! Re-parsing after an edit: only the top-level items the edit touches.
//!
//! An editor re-checks a long plan on every keystroke. Parsing is most of a
//! check, so [`reparse`] keeps the items before and after the changed bytes
//! (shifting the later ones) and parses only the region between them. It
//! gives exactly what [`parse`] gives on the new text — a property test
//! compares them over random edits — and falls back to a whole parse
//! whenever reuse could differ: when the re-parsed region has a syntax error
//! (recovery may then reach across items), or when a kept item is not
//! closed or holds an error.

use crate::Span;
use crate::ast::*;
use crate::parse;

/// The syntax tree of `new_text`, reusing what it can of `old` (the tree of `old_text`).
pub fn reparse(old_text: &str, old: &SourceFile, new_text: &str) -> SourceFile {
    try_reparse(old_text, old, new_text).unwrap_or_else(|| parse(new_text))
}

fn try_reparse(old_text: &str, old: &SourceFile, new_text: &str) -> Option<SourceFile> {
    let (old_b, new_b) = (old_text.as_bytes(), new_text.as_bytes());
    let prefix = old_b.iter().zip(new_b).take_while(|(a, b)| a == b).count();
    let max_suffix = old_b.len().min(new_b.len()) - prefix;
    let suffix = old_b.iter().rev().zip(new_b.iter().rev()).take(max_suffix).take_while(|(a, b)| a == b).count();
    let old_change_end = old_b.len() - suffix;
    let delta = i64::try_from(new_b.len()).ok()? - i64::try_from(old_b.len()).ok()?;

    let has_error = |span: Span| old.errors.iter().any(|e| e.span.start < span.end && e.span.end > span.start);
    // Items wholly before the change, closed and without errors.
    let mut keep_before = 0;
    for item in &old.items {
        let span = item.span();
        if (span.end as usize) < prefix && !has_error(span) && (is_closed(item) || matches!(item, Item::Use(_))) {
            keep_before += 1;
        } else {
            break;
        }
    }
    // A `use` could take more names from the changed text after it.
    while keep_before > 0 && old.items.get(keep_before - 1).is_some_and(|i| !is_closed(i)) {
        keep_before -= 1;
    }
    // Items wholly after the change (in the old text), likewise.
    let mut keep_after = 0;
    for item in old.items.iter().rev() {
        let span = item.span();
        // Every item starts with a keyword that ends what came before it.
        if (span.start as usize) > old_change_end && !has_error(span) {
            keep_after += 1;
        } else {
            break;
        }
    }
    if keep_before + keep_after > old.items.len() {
        return None;
    }
    // Errors outside items (between kept items) would need care: keep it simple.
    let region_start = match keep_before {
        0 => 0,
        n => old.items.get(n - 1)?.span().end as usize,
    };
    let region_end_old = match keep_after {
        0 => old_b.len(),
        n => old.items.get(old.items.len() - n)?.span().start as usize,
    };
    if old.errors.iter().any(|e| (e.span.start as usize) < region_start || (e.span.end as usize) > region_end_old) {
        return None;
    }
    let region_end_new = usize::try_from(i64::try_from(region_end_old).ok()? + delta).ok()?;
    // The first kept item must start its line, so that no comment or string
    // begun in the changed text can run into it.
    if keep_after > 0 {
        let line_start = new_text.get(..region_end_new)?.rfind('\n').map_or(0, |i| i + 1);
        if !new_text.get(line_start..region_end_new)?.trim().is_empty() {
            return None;
        }
    }
    let region = new_text.get(region_start..region_end_new)?;
    let middle = parse_region(new_text, region, region_start)?;
    if !middle.errors.is_empty() {
        return None;
    }
    let mut items: Vec<Item> = Vec::with_capacity(old.items.len());
    items.extend(old.items.iter().take(keep_before).cloned());
    items.extend(middle.items);
    for item in old.items.iter().skip(old.items.len() - keep_after) {
        let mut item = item.clone();
        item.shift(delta);
        items.push(item);
    }
    Some(SourceFile { items, errors: Vec::new() })
}

/// Parses `region` (which starts at `base` in `text`) as a sequence of items.
fn parse_region(text: &str, region: &str, base: usize) -> Option<SourceFile> {
    use pest::Parser as _;
    if let Some(items) = crate::fast::parse(region, base) {
        return Some(SourceFile { items, errors: Vec::new() });
    }
    let pairs = crate::CadrageParser::parse(crate::Rule::file, region).ok()?;
    let mut conv = crate::convert::Converter::new(text, base);
    let items = conv.file(pairs);
    Some(SourceFile { items, errors: conv.errors })
}

/// Does the item end on its own (a closing brace), so that text after it
/// cannot change how it is read? (A `use` line could take more names.)
fn is_closed(item: &Item) -> bool {
    match item {
        Item::Use(_) => false,
        Item::Ruleset(r) => r.braces.close.is_some(),
        Item::Scenario(s) => s.braces.close.is_some(),
        Item::Plan(p) => p.braces.close.is_some(),
    }
}

/// Moves every span of a node by `delta` bytes.
pub trait Shift {
    fn shift(&mut self, delta: i64);
}

impl Shift for Span {
    fn shift(&mut self, delta: i64) {
        *self = self.shifted(delta);
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, delta: i64) {
        if let Some(x) = self {
            x.shift(delta);
        }
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, delta: i64) {
        for x in self {
            x.shift(delta);
        }
    }
}

impl<A: smallvec::Array<Item: Shift>> Shift for smallvec::SmallVec<A> {
    fn shift(&mut self, delta: i64) {
        self.iter_mut().for_each(|x| x.shift(delta));
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, delta: i64) {
        (**self).shift(delta);
    }
}

macro_rules! shift_fields {
    ($($ty:ty => [$($field:ident),*]);* $(;)?) => {
        $(impl Shift for $ty {
            fn shift(&mut self, delta: i64) {
                $(self.$field.shift(delta);)*
            }
        })*
    };
}

shift_fields! {
    Name => [span];
    StrLit => [span];
    Keyword => [span];
    RulePath => [ruleset, rule, span];
    Braces => [open, close];
    UseDecl => [span, names];
    Ruleset => [span, name, title, extends, braces, body];
    Model => [span, name, title, braces, summary, see];
    Dimension => [span, name, kind_span, title, braces, values];
    ValueDecl => [span, name, doc];
    Rule => [span, name, title, braces, when, conclusion, attributes];
    Atom => [span, dim, test];
    ModelChoice => [span, alternatives];
    Attribute => [span, keyword, value];
    Override => [span, name, braces, attributes];
    Drop => [span, name];
    Test => [span, name, braces, body];
    Scenario => [span, name, title, braces, body];
    Plan => [span, name, title, braces, body];
    Phase => [span, name, title, braces, body];
    Fact => [span, key, value];
    Allow => [span, path, reason, by, until];
    DateLit => [span];
}

impl Shift for Item {
    fn shift(&mut self, delta: i64) {
        match self {
            Item::Use(x) => x.shift(delta),
            Item::Ruleset(x) => x.shift(delta),
            Item::Scenario(x) => x.shift(delta),
            Item::Plan(x) => x.shift(delta),
        }
    }
}

impl Shift for RulesetStmt {
    fn shift(&mut self, delta: i64) {
        match self {
            RulesetStmt::Version(k, s) | RulesetStmt::Description(k, s) => {
                k.shift(delta);
                s.shift(delta);
            }
            RulesetStmt::Model(x) => x.shift(delta),
            RulesetStmt::Dimension(x) => x.shift(delta),
            RulesetStmt::Rule(x) => x.shift(delta),
            RulesetStmt::Override(x) => x.shift(delta),
            RulesetStmt::Drop(x) => x.shift(delta),
            RulesetStmt::Test(x) => x.shift(delta),
        }
    }
}

impl Shift for Condition {
    fn shift(&mut self, delta: i64) {
        match self {
            Condition::Or(cs, s) | Condition::And(cs, s) => {
                cs.shift(delta);
                s.shift(delta);
            }
            Condition::Not(c, s) | Condition::Paren(c, s) => {
                c.shift(delta);
                s.shift(delta);
            }
            Condition::Atom(a) => a.shift(delta),
        }
    }
}

impl Shift for DimRef {
    fn shift(&mut self, delta: i64) {
        match self {
            DimRef::Model(s) => s.shift(delta),
            DimRef::Dim(n) => n.shift(delta),
        }
    }
}

impl Shift for AtomTest {
    fn shift(&mut self, delta: i64) {
        match self {
            AtomTest::Is(n) => n.shift(delta),
            AtomTest::In(ns) => ns.shift(delta),
            AtomTest::Present | AtomTest::Missing => {}
        }
    }
}

impl Shift for Conclusion {
    fn shift(&mut self, delta: i64) {
        match self {
            Conclusion::Expect(k, c) => {
                k.shift(delta);
                c.shift(delta);
            }
            Conclusion::Require(k, dims) => {
                k.shift(delta);
                dims.shift(delta);
            }
            Conclusion::Deny(k) => k.shift(delta),
        }
    }
}

impl Shift for AttributeValue {
    fn shift(&mut self, delta: i64) {
        match self {
            AttributeValue::Severity(_, s) | AttributeValue::Priority(_, s) => s.shift(delta),
            AttributeValue::Message(s) | AttributeValue::Why(s) | AttributeValue::See(s) => s.shift(delta),
        }
    }
}

impl Shift for TestStmt {
    fn shift(&mut self, delta: i64) {
        match self {
            TestStmt::Given(k, f) => {
                k.shift(delta);
                f.shift(delta);
            }
            TestStmt::Expect(e) => e.shift(delta),
        }
    }
}

impl Shift for TestExpect {
    fn shift(&mut self, delta: i64) {
        match self {
            TestExpect::NoFindings(s) => s.shift(delta),
            TestExpect::Findings(paths, s) => {
                paths.shift(delta);
                s.shift(delta);
            }
            TestExpect::Model(c, s) => {
                c.shift(delta);
                s.shift(delta);
            }
        }
    }
}

impl Shift for ScenarioStmt {
    fn shift(&mut self, delta: i64) {
        match self {
            ScenarioStmt::Fact(f) => f.shift(delta),
            ScenarioStmt::Allow(a) => a.shift(delta),
        }
    }
}

impl Shift for PlanStmt {
    fn shift(&mut self, delta: i64) {
        match self {
            PlanStmt::Fact(f) => f.shift(delta),
            PlanStmt::Phase(p) => p.shift(delta),
            PlanStmt::Scenario(s) => s.shift(delta),
        }
    }
}

impl Shift for PhaseStmt {
    fn shift(&mut self, delta: i64) {
        match self {
            PhaseStmt::Fact(f) => f.shift(delta),
            PhaseStmt::Scenario(s) => s.shift(delta),
        }
    }
}

impl Shift for FactValue {
    fn shift(&mut self, delta: i64) {
        match self {
            FactValue::Names(ns) | FactValue::Models(ns) => ns.shift(delta),
            FactValue::Text(s) => s.shift(delta),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "use m\nscenario a { purpose x }\nscenario b { purpose y }\nplan p { scenario c { purpose z } }\n";

    #[test]
    fn an_edit_inside_one_item_reuses_the_others() {
        let new_text = TEXT.replace("purpose y", "purpose yy");
        let reused = try_reparse(TEXT, &parse(TEXT), &new_text);
        assert_eq!(reused, Some(parse(&new_text)));
    }

    #[test]
    fn a_comment_before_a_kept_item_is_not_missed() {
        let text = "scenario a { purpose x }\n  scenario b { purpose y }\n";
        let new_text = "scenario a { purpose x }\n#  scenario b { purpose y }\n";
        assert_eq!(reparse(text, &parse(text), new_text), parse(new_text));
        let text = "scenario a { purpose x }\nscenario b { purpose y }\n";
        let new_text = "scenario a { purpose x } \"\nscenario b { purpose y }\n";
        assert_eq!(reparse(text, &parse(text), new_text), parse(new_text));
    }

    #[test]
    fn an_edit_that_opens_a_block_falls_back() {
        let new_text = TEXT.replace("scenario b { purpose y }", "scenario b { purpose y");
        assert_eq!(try_reparse(TEXT, &parse(TEXT), &new_text), None);
        assert_eq!(reparse(TEXT, &parse(TEXT), &new_text), parse(&new_text));
    }
}
