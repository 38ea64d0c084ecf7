//! From pest's pairs to the syntax tree.
//!
//! The grammar has already accepted the text (with error nodes where it had
//! to), so the shapes below are known; still, nothing here panics: a shape
//! that does not match is skipped, and the tree stays what it can be.

use pest::iterators::{Pair, Pairs};
use smol_str::SmolStr;

use crate::Rule;
use crate::ast::*;
use crate::recovery::{self, Context};
use crate::span::Span;
use crate::strings;

pub(crate) struct Converter<'t> {
    /// The whole file.
    pub text: &'t str,
    /// Offset of the parsed slice in the file.
    pub base: usize,
    pub errors: Vec<SyntaxError>,
    /// The last fact read, when its value stood on a later line than its
    /// key: `purpose` + newline + `audience company` reads as
    /// `purpose audience`, and the error comes one statement later.
    split_fact: Option<(SmolStr, SmolStr)>,
}

type P<'i> = Pair<'i, Rule>;

impl<'t> Converter<'t> {
    pub fn new(text: &'t str, base: usize) -> Self {
        Converter { text, base, errors: Vec::new(), split_fact: None }
    }

    fn span(&self, p: &P<'_>) -> Span {
        let s = p.as_span();
        Span::new(self.base + s.start(), self.base + s.end())
    }

    fn error(&mut self, span: Span, message: impl Into<String>, help: Option<String>) {
        self.errors.push(SyntaxError { span, message: message.into(), help });
    }

    // ------------------------------------------------------------ leaves

    fn name(&self, p: &P<'_>) -> Name {
        Name { text: SmolStr::new(p.as_str()), span: self.span(p) }
    }

    fn string(&mut self, p: &P<'_>) -> StrLit {
        let span = self.span(p);
        let (value, long) = strings::decode(p.as_str(), span.start as usize, &mut self.errors);
        StrLit { value, span, long }
    }

    /// A `title` pair holds one `string`.
    fn title(&mut self, p: &P<'_>) -> Option<StrLit> {
        let inner = p.clone().into_inner().next()?;
        Some(self.string(&inner))
    }

    fn keyword(&self, p: &P<'_>) -> Keyword {
        Keyword { span: self.span(p) }
    }

    fn rule_path(&self, p: &P<'_>) -> Option<RulePath> {
        let mut it = p.clone().into_inner();
        let ruleset = self.name(&it.next()?);
        let rule = self.name(&it.next()?);
        Some(RulePath { ruleset, rule, span: self.span(p) })
    }

    fn dim_ref(&self, p: &P<'_>) -> Option<DimRef> {
        let inner = p.clone().into_inner().next()?;
        Some(match inner.as_rule() {
            Rule::kw_model => DimRef::Model(self.span(&inner)),
            _ => DimRef::Dim(self.name(&inner)),
        })
    }

    fn date(&mut self, p: &P<'_>) -> Option<DateLit> {
        let span = self.span(p);
        let s = p.as_str();
        let year = s.get(0..4).and_then(|v| v.parse::<u16>().ok());
        let month = s.get(5..7).and_then(|v| v.parse::<u8>().ok());
        let day = s.get(8..10).and_then(|v| v.parse::<u8>().ok());
        match (year, month, day) {
            (Some(year), Some(month), Some(day)) if is_real_date(year, month, day) => {
                Some(DateLit { year, month, day, span })
            }
            _ => {
                self.error(
                    span,
                    format!("`{s}` is not a date"),
                    Some("write a calendar date as YYYY-MM-DD, e.g. `2027-06-30`".into()),
                );
                None
            }
        }
    }

    // ------------------------------------------------------------ blocks

    /// Reads `{`, collects statements with `each`, and records a missing `}`.
    fn block<'i>(
        &mut self,
        body: P<'i>,
        what: &str,
        context: Context,
        mut each: impl FnMut(&mut Self, P<'i>),
    ) -> Braces {
        let mut open = Span::at(self.span(&body).start as usize);
        let mut close = None;
        for p in body.into_inner() {
            match p.as_rule() {
                Rule::open_brace => open = self.span(&p),
                Rule::close_brace => close = Some(self.span(&p)),
                Rule::missing_close => {
                    let at = self.span(&p).start as usize;
                    let help = recovery::describe_stop(self.text, at);
                    self.error(open, format!("{what} is missing its closing `}}`"), Some(help));
                }
                Rule::ruleset_error
                | Rule::item_error
                | Rule::rule_error
                | Rule::scenario_error
                | Rule::plan_error
                | Rule::phase_error => {
                    let span = self.span(&p);
                    let mut e = recovery::explain(self.text, span, context);
                    if let Some((key, value)) = self.split_fact.take() {
                        e.help = Some(format!(
                            "is a value missing after `{key}`? `{value}`, on the next line, was read as its value"
                        ));
                    }
                    self.errors.push(e);
                }
                _ => {
                    self.split_fact = None;
                    each(self, p)
                }
            }
        }
        Braces { open, close }
    }

    // ------------------------------------------------------------ file

    pub fn file(&mut self, pairs: Pairs<'_, Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for p in pairs {
            match p.as_rule() {
                Rule::file => {
                    for child in p.into_inner() {
                        self.top(child, &mut items);
                    }
                }
                _ => self.top(p, &mut items),
            }
        }
        items
    }

    pub fn top(&mut self, p: P<'_>, items: &mut Vec<Item>) {
        match p.as_rule() {
            Rule::use_decl => {
                let span = self.span(&p);
                let names = p.into_inner().filter(|c| c.as_rule() == Rule::name).map(|c| self.name(&c)).collect();
                items.push(Item::Use(UseDecl { span, names }));
            }
            Rule::ruleset => {
                if let Some(r) = self.ruleset(p) {
                    items.push(Item::Ruleset(r));
                }
            }
            Rule::scenario => {
                if let Some(s) = self.scenario(p) {
                    items.push(Item::Scenario(s));
                }
            }
            Rule::plan => {
                if let Some(pl) = self.plan(p) {
                    items.push(Item::Plan(pl));
                }
            }
            Rule::top_error => {
                let span = self.span(&p);
                let e = recovery::explain(self.text, span, Context::Top);
                self.errors.push(e);
            }
            Rule::probe_top => {
                for c in p.into_inner() {
                    self.top(c, items);
                }
            }
            _ => {}
        }
    }

    // ------------------------------------------------------------ rulesets

    fn ruleset(&mut self, p: P<'_>) -> Option<Ruleset> {
        let span = self.span(&p);
        let mut name = None;
        let mut title = None;
        let mut extends = None;
        let mut braces = None;
        let mut body = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => name = Some(self.name(&c)),
                Rule::title => title = self.title(&c),
                Rule::extends => extends = c.into_inner().find(|x| x.as_rule() == Rule::name).map(|x| self.name(&x)),
                Rule::ruleset_body => {
                    let what = format!("ruleset `{}`", name.as_ref().map(|n: &Name| n.as_str()).unwrap_or("?"));
                    braces = Some(self.block(c, &what, Context::Ruleset, |this, s| {
                        if let Some(stmt) = this.ruleset_stmt(s) {
                            body.push(stmt);
                        }
                    }));
                }
                _ => {}
            }
        }
        Some(Ruleset { span, name: name?, title, extends, braces: braces?, body })
    }

    fn ruleset_stmt(&mut self, p: P<'_>) -> Option<RulesetStmt> {
        Some(match p.as_rule() {
            Rule::version | Rule::description => {
                let kind = p.as_rule();
                let mut it = p.into_inner();
                let kw = self.keyword(&it.next()?);
                let s = self.string(&it.next()?);
                if kind == Rule::version { RulesetStmt::Version(kw, s) } else { RulesetStmt::Description(kw, s) }
            }
            Rule::model => RulesetStmt::Model(self.model(p)?),
            Rule::dimension => RulesetStmt::Dimension(self.dimension(p)?),
            Rule::rule => RulesetStmt::Rule(self.rule(p)?),
            Rule::override_rule => RulesetStmt::Override(self.override_rule(p)?),
            Rule::drop_rule => {
                let span = self.span(&p);
                let name = p.into_inner().find(|c| c.as_rule() == Rule::name).map(|c| self.name(&c))?;
                RulesetStmt::Drop(Drop { span, name })
            }
            Rule::test => RulesetStmt::Test(self.test(p)?),
            _ => return None,
        })
    }

    fn model(&mut self, p: P<'_>) -> Option<Model> {
        let span = self.span(&p);
        let mut name = None;
        let mut title = None;
        let mut braces = None;
        let mut summary = None;
        let mut see = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => name = Some(self.name(&c)),
                Rule::title => title = self.title(&c),
                Rule::model_body => {
                    let what = format!("model `{}`", name.as_ref().map(|n: &Name| n.as_str()).unwrap_or("?"));
                    braces = Some(self.block(c, &what, Context::Model, |this, s| {
                        let kind = s.as_rule();
                        let kw_span = s.clone().into_inner().next().map(|k| this.span(&k));
                        let value = s.into_inner().nth(1).map(|v| this.string(&v));
                        let slot = if kind == Rule::summary { &mut summary } else { &mut see };
                        let word = if kind == Rule::summary { "summary" } else { "see" };
                        if slot.is_some() {
                            if let Some(k) = kw_span {
                                this.error(k, format!("`{word}` is given twice in this model"), None);
                            }
                        } else {
                            *slot = value;
                        }
                    }));
                }
                _ => {}
            }
        }
        Some(Model { span, name: name?, title, braces, summary, see })
    }

    fn dimension(&mut self, p: P<'_>) -> Option<Dimension> {
        let span = self.span(&p);
        let mut name = None;
        let mut kind = DimensionKind::One;
        let mut kind_span = None;
        let mut title = None;
        let mut braces = None;
        let mut values = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => name = Some(self.name(&c)),
                Rule::dimension_kind => {
                    kind_span = Some(self.span(&c));
                    kind = if c.as_str() == "text" { DimensionKind::Text } else { DimensionKind::Many };
                }
                Rule::title => title = self.title(&c),
                Rule::dimension_body => {
                    let what = format!("dimension `{}`", name.as_ref().map(|n: &Name| n.as_str()).unwrap_or("?"));
                    braces = Some(self.block(c, &what, Context::Dimension, |this, v| {
                        let vspan = this.span(&v);
                        let mut it = v.into_inner();
                        if let Some(n) = it.next() {
                            let name = this.name(&n);
                            let doc = it.next().map(|d| this.string(&d));
                            values.push(ValueDecl { span: vspan, name, doc });
                        }
                    }));
                }
                _ => {}
            }
        }
        let name = name?;
        if kind == DimensionKind::Text {
            if let Some(b) = braces {
                self.error(
                    b.open,
                    format!("`{}` is a text dimension: it has no values", name.as_str()),
                    Some("remove the block, or remove `text` to list the values".into()),
                );
            }
        }
        Some(Dimension { span, name, kind, kind_span, title, braces, values })
    }

    fn rule(&mut self, p: P<'_>) -> Option<Rule_> {
        let span = self.span(&p);
        let mut name: Option<Name> = None;
        let mut title = None;
        let mut braces = None;
        let mut when: Option<Condition> = None;
        let mut conclusion: Option<Conclusion> = None;
        let mut attributes: Vec<Attribute> = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => name = Some(self.name(&c)),
                Rule::title => title = self.title(&c),
                Rule::rule_body => {
                    let what = format!("rule `{}`", name.as_ref().map(|n| n.as_str()).unwrap_or("?"));
                    braces = Some(self.block(c, &what, Context::Rule, |this, s| match s.as_rule() {
                        Rule::when => {
                            let kw = s.clone().into_inner().next().map(|k| this.span(&k));
                            let cond = s.into_inner().nth(1).and_then(|c| this.condition(c));
                            if when.is_some() {
                                if let Some(k) = kw {
                                    this.error(
                                        k,
                                        "a rule has one `when`",
                                        Some("join the conditions with `and` or `or`".into()),
                                    );
                                }
                            } else {
                                when = cond;
                            }
                        }
                        Rule::expect | Rule::require | Rule::deny => {
                            let c = this.conclusion(s);
                            if let Some(c) = c {
                                if conclusion.is_some() {
                                    this.error(
                                        c.keyword().span,
                                        "a rule has one conclusion",
                                        Some(
                                            "`expect`, `require` and `deny` exclude each other: write a second rule"
                                                .into(),
                                        ),
                                    );
                                } else {
                                    conclusion = Some(c);
                                }
                            }
                        }
                        _ => {
                            if let Some(a) = this.attribute(s) {
                                this.push_attribute(&mut attributes, a, "rule");
                            }
                        }
                    }));
                }
                _ => {}
            }
        }
        let name = name?;
        let braces = braces?;
        if when.is_none() && braces.close.is_some() {
            self.error(
                name.span,
                format!("rule `{}` has no `when` condition", name.as_str()),
                Some("write `when DIMENSION is VALUE` (or `in [..]`, `is present`, `is missing`)".into()),
            );
        }
        if conclusion.is_none() && braces.close.is_some() {
            self.error(
                name.span,
                format!("rule `{}` has no conclusion", name.as_str()),
                Some("write `expect MODEL`, `require DIMENSION` or `deny` after the condition".into()),
            );
        }
        Some(Rule_ { span, name, title, braces, when, conclusion, attributes })
    }

    fn push_attribute(&mut self, attributes: &mut Vec<Attribute>, a: Attribute, owner: &str) {
        if attributes.iter().any(|x| x.keyword_str() == a.keyword_str()) {
            self.error(a.keyword.span, format!("`{}` is given twice in this {owner}", a.keyword_str()), None);
        } else {
            attributes.push(a);
        }
    }

    fn condition(&mut self, p: P<'_>) -> Option<Condition> {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::condition | Rule::cond_and => {
                let is_or = p.as_rule() == Rule::condition;
                let mut parts = Vec::new();
                for c in p.into_inner() {
                    if matches!(c.as_rule(), Rule::kw_or | Rule::kw_and) {
                        continue;
                    }
                    parts.push(self.condition(c)?);
                }
                if parts.len() == 1 {
                    parts.pop()
                } else if is_or {
                    Some(Condition::Or(parts, span))
                } else {
                    Some(Condition::And(parts, span))
                }
            }
            Rule::cond_not => {
                let mut it = p.into_inner();
                let first = it.next()?;
                if first.as_rule() == Rule::kw_not {
                    let inner = self.condition(it.next()?)?;
                    Some(Condition::Not(Box::new(inner), span))
                } else {
                    self.condition(first)
                }
            }
            Rule::paren => {
                let inner = p.into_inner().find(|c| c.as_rule() == Rule::condition)?;
                Some(Condition::Paren(Box::new(self.condition(inner)?), span))
            }
            Rule::atom_present | Rule::atom_missing | Rule::atom_is | Rule::atom_in => {
                let kind = p.as_rule();
                let mut dim = None;
                let mut names = Vec::new();
                for c in p.into_inner() {
                    match c.as_rule() {
                        Rule::dim_ref => dim = self.dim_ref(&c),
                        Rule::name => names.push(self.name(&c)),
                        _ => {}
                    }
                }
                let test = match kind {
                    Rule::atom_present => AtomTest::Present,
                    Rule::atom_missing => AtomTest::Missing,
                    Rule::atom_is => AtomTest::Is(names.pop()?),
                    _ => AtomTest::In(names),
                };
                Some(Condition::Atom(Atom { span, dim: dim?, test }))
            }
            _ => None,
        }
    }

    fn model_choice(&self, p: &P<'_>) -> ModelChoice {
        let span = self.span(p);
        let alternatives = p
            .clone()
            .into_inner()
            .filter(|c| c.as_rule() == Rule::model_set)
            .map(|set| set.into_inner().filter(|n| n.as_rule() == Rule::name).map(|n| self.name(&n)).collect())
            .collect();
        ModelChoice { span, alternatives }
    }

    fn conclusion(&mut self, p: P<'_>) -> Option<Conclusion> {
        let kind = p.as_rule();
        let mut it = p.into_inner();
        let kw = self.keyword(&it.next()?);
        Some(match kind {
            Rule::expect => Conclusion::Expect(kw, self.model_choice(&it.next()?)),
            Rule::require => Conclusion::Require(
                kw,
                it.filter(|c| c.as_rule() == Rule::dim_ref).filter_map(|c| self.dim_ref(&c)).collect(),
            ),
            _ => Conclusion::Deny(kw),
        })
    }

    fn attribute(&mut self, p: P<'_>) -> Option<Attribute> {
        let span = self.span(&p);
        let kind = p.as_rule();
        let mut it = p.into_inner();
        let keyword = self.keyword(&it.next()?);
        let v = it.next()?;
        let value = match kind {
            Rule::severity => {
                let level = match v.as_str() {
                    "error" => SeverityLevel::Error,
                    "warning" => SeverityLevel::Warning,
                    "info" => SeverityLevel::Info,
                    _ => SeverityLevel::Hint,
                };
                AttributeValue::Severity(level, self.span(&v))
            }
            Rule::message => AttributeValue::Message(self.string(&v)),
            Rule::why => AttributeValue::Why(self.string(&v)),
            Rule::see => AttributeValue::See(self.string(&v)),
            Rule::priority => {
                let vspan = self.span(&v);
                match v.as_str().parse::<u32>() {
                    Ok(n) => AttributeValue::Priority(n, vspan),
                    Err(_) => {
                        self.error(vspan, "this priority is too large", Some("priorities go up to 4294967295".into()));
                        return None;
                    }
                }
            }
            _ => return None,
        };
        Some(Attribute { span, keyword, value })
    }

    fn override_rule(&mut self, p: P<'_>) -> Option<Override> {
        let span = self.span(&p);
        let mut name: Option<Name> = None;
        let mut braces = None;
        let mut attributes = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => name = Some(self.name(&c)),
                Rule::override_body => {
                    let what = format!("override of rule `{}`", name.as_ref().map(|n| n.as_str()).unwrap_or("?"));
                    braces = Some(self.block(c, &what, Context::Override, |this, s| {
                        if let Some(a) = this.attribute(s) {
                            this.push_attribute(&mut attributes, a, "override");
                        }
                    }));
                }
                _ => {}
            }
        }
        Some(Override { span, name: name?, braces: braces?, attributes })
    }

    fn test(&mut self, p: P<'_>) -> Option<Test> {
        let span = self.span(&p);
        let mut name: Option<StrLit> = None;
        let mut braces = None;
        let mut body = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::string => name = Some(self.string(&c)),
                Rule::test_body => {
                    let what = format!("test \"{}\"", name.as_ref().map(|n| n.value.as_str()).unwrap_or("?"));
                    braces = Some(self.block(c, &what, Context::Test, |this, s| match s.as_rule() {
                        Rule::given => {
                            let mut it = s.into_inner();
                            if let (Some(kw), Some(f)) = (it.next(), it.next()) {
                                let kw = this.keyword(&kw);
                                if let Some(fact) = this.fact(f) {
                                    body.push(TestStmt::Given(kw, fact));
                                }
                            }
                        }
                        Rule::expect_findings => {
                            let sspan = this.span(&s);
                            let mut paths = Vec::new();
                            let mut none = false;
                            for x in s.into_inner() {
                                match x.as_rule() {
                                    Rule::kw_none => none = true,
                                    Rule::rule_path => paths.extend(this.rule_path(&x)),
                                    _ => {}
                                }
                            }
                            body.push(TestStmt::Expect(if none {
                                TestExpect::NoFindings(sspan)
                            } else {
                                TestExpect::Findings(paths, sspan)
                            }));
                        }
                        Rule::expect_model => {
                            let sspan = this.span(&s);
                            if let Some(mc) = s.into_inner().find(|x| x.as_rule() == Rule::model_choice) {
                                body.push(TestStmt::Expect(TestExpect::Model(this.model_choice(&mc), sspan)));
                            }
                        }
                        _ => {}
                    }));
                }
                _ => {}
            }
        }
        Some(Test { span, name: name?, braces: braces?, body })
    }

    // ------------------------------------------------------------ scenarios and plans

    fn header(&mut self, c: &P<'_>, name: &mut Option<Name>, title: &mut Option<StrLit>) {
        match c.as_rule() {
            Rule::name => *name = Some(self.name(c)),
            Rule::title => *title = self.title(c),
            _ => {}
        }
    }

    pub(crate) fn scenario(&mut self, p: P<'_>) -> Option<Scenario> {
        let span = self.span(&p);
        let mut name: Option<Name> = None;
        let mut title = None;
        let mut braces = None;
        let mut body = Vec::new();
        for c in p.into_inner() {
            if c.as_rule() == Rule::scenario_body {
                let what = format!("scenario `{}`", name.as_ref().map(|n| n.as_str()).unwrap_or("?"));
                braces = Some(self.block(c, &what, Context::Scenario, |this, s| match s.as_rule() {
                    Rule::fact => body.extend(this.fact(s).map(ScenarioStmt::Fact)),
                    Rule::allow => body.extend(this.allow(s).map(ScenarioStmt::Allow)),
                    _ => {}
                }));
            } else {
                self.header(&c, &mut name, &mut title);
            }
        }
        Some(Scenario { span, name: name?, title, braces: braces?, body })
    }

    fn plan(&mut self, p: P<'_>) -> Option<Plan> {
        let span = self.span(&p);
        let mut name: Option<Name> = None;
        let mut title = None;
        let mut braces = None;
        let mut body = Vec::new();
        for c in p.into_inner() {
            if c.as_rule() == Rule::plan_body {
                let what = format!("plan `{}`", name.as_ref().map(|n| n.as_str()).unwrap_or("?"));
                braces = Some(self.block(c, &what, Context::Plan, |this, s| match s.as_rule() {
                    Rule::fact => body.extend(this.fact(s).map(PlanStmt::Fact)),
                    Rule::phase => body.extend(this.phase(s).map(PlanStmt::Phase)),
                    Rule::scenario => body.extend(this.scenario(s).map(PlanStmt::Scenario)),
                    _ => {}
                }));
            } else {
                self.header(&c, &mut name, &mut title);
            }
        }
        Some(Plan { span, name: name?, title, braces: braces?, body })
    }

    fn phase(&mut self, p: P<'_>) -> Option<Phase> {
        let span = self.span(&p);
        let mut name: Option<Name> = None;
        let mut title = None;
        let mut braces = None;
        let mut body = Vec::new();
        for c in p.into_inner() {
            if c.as_rule() == Rule::phase_body {
                let what = format!("phase `{}`", name.as_ref().map(|n| n.as_str()).unwrap_or("?"));
                braces = Some(self.block(c, &what, Context::Phase, |this, s| match s.as_rule() {
                    Rule::fact => body.extend(this.fact(s).map(PhaseStmt::Fact)),
                    Rule::scenario => body.extend(this.scenario(s).map(PhaseStmt::Scenario)),
                    _ => {}
                }));
            } else {
                self.header(&c, &mut name, &mut title);
            }
        }
        Some(Phase { span, name: name?, title, braces: braces?, body })
    }

    fn fact(&mut self, p: P<'_>) -> Option<Fact> {
        let span = self.span(&p);
        let inner = p.into_inner().next()?;
        let kind = inner.as_rule();
        let mut it = inner.into_inner().peekable();
        let first = it.next()?;
        let key =
            if kind == Rule::model_fact { DimRef::Model(self.span(&first)) } else { DimRef::Dim(self.name(&first)) };
        if let (DimRef::Dim(k), Some(v)) = (&key, it.peek()) {
            let between = self.text.get(k.span.end as usize..self.base + v.as_span().start()).unwrap_or("");
            if between.contains('\n') && v.as_rule() == Rule::name {
                self.split_fact = Some((k.text.clone(), SmolStr::new(v.as_str())));
            }
        }
        let value = match kind {
            Rule::text_fact => FactValue::Text(self.string(&it.next()?)),
            Rule::model_fact => {
                FactValue::Models(it.filter(|c| c.as_rule() == Rule::name).map(|c| self.name(&c)).collect())
            }
            _ => FactValue::Names(it.filter(|c| c.as_rule() == Rule::name).map(|c| self.name(&c)).collect()),
        };
        Some(Fact { span, key, value })
    }

    fn allow(&mut self, p: P<'_>) -> Option<Allow> {
        let span = self.span(&p);
        let mut path = None;
        let mut reason = None;
        let mut by = None;
        let mut until = None;
        let mut after = Rule::kw_allow;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::rule_path => path = self.rule_path(&c),
                Rule::kw_by | Rule::kw_until => after = c.as_rule(),
                Rule::string => {
                    let s = self.string(&c);
                    if after == Rule::kw_by { by = Some(s) } else { reason = Some(s) }
                }
                Rule::date => until = self.date(&c),
                _ => {}
            }
        }
        Some(Allow { span, path: path?, reason, by, until })
    }
}

/// The grammar has a node called `rule`; the tree calls it `Rule` too.
type Rule_ = crate::ast::Rule;

pub(crate) fn is_real_date(year: u16, month: u8, day: u8) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}
