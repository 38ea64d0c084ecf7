//! Plain-words messages for the text that the grammar had to skip.
//!
//! The grammar swallows a bad statement into an error node and goes on.
//! To say what was wrong, the statement rules that the enclosing block
//! accepts are run again on the bad text (the `probe_*` entry points); the
//! farthest point they reached and what they expected there become the
//! message. pest's rule names never reach a user: [`describe_rule`] words
//! each one.

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};

use crate::ast::SyntaxError;
use crate::span::Span;
use crate::{CadrageParser, Rule};

/// The block an error node stands in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    Top,
    Ruleset,
    Model,
    Dimension,
    Rule,
    Override,
    Test,
    Scenario,
    Plan,
    Phase,
}

impl Context {
    fn probe(self) -> Rule {
        match self {
            Context::Top => Rule::probe_top,
            Context::Ruleset => Rule::probe_ruleset,
            Context::Model => Rule::probe_model,
            Context::Dimension => Rule::probe_dimension,
            Context::Rule => Rule::probe_rule,
            Context::Override => Rule::probe_override,
            Context::Test => Rule::probe_test,
            Context::Scenario => Rule::probe_scenario,
            Context::Plan => Rule::probe_plan,
            Context::Phase => Rule::probe_phase,
        }
    }

    /// What this block holds, for the message when nothing at all matched.
    fn holds(self) -> &'static str {
        match self {
            Context::Top => "`use`, `ruleset`, `scenario` or `plan`",
            Context::Ruleset => {
                "`model`, `dimension`, `rule`, `test`, `override rule`, `drop rule`, `version`, `description` or `}`"
            }
            Context::Model => "`summary`, `see` or `}`",
            Context::Dimension => "a value (a name and an optional description in quotes) or `}`",
            Context::Rule => {
                "`when`, `expect`, `require`, `deny`, `severity`, `message`, `why`, `see`, `priority` or `}`"
            }
            Context::Override => "`severity`, `message`, `why`, `see`, `priority` or `}`",
            Context::Test => "`given`, `expect findings`, `expect model` or `}`",
            Context::Scenario => "a fact (`dimension value`), `model`, `allow` or `}`",
            Context::Plan => "a fact (`dimension value`), `model`, `phase`, `scenario` or `}`",
            Context::Phase => "a fact (`dimension value`), `model`, `scenario` or `}`",
        }
    }
}

/// The message for an error node covering `span` of `text`.
pub(crate) fn explain(text: &str, span: Span, context: Context) -> SyntaxError {
    let start = span.start as usize;
    let rest = text.get(start..).unwrap_or("");
    let (at, expected) = match CadrageParser::parse(context.probe(), rest) {
        Ok(_) => (start, Vec::new()),
        Err(e) => {
            let pos = match e.location {
                InputLocation::Pos(p) => p,
                InputLocation::Span((p, _)) => p,
            };
            let expected = match e.variant {
                ErrorVariant::ParsingError { positives, .. } => positives,
                ErrorVariant::CustomError { .. } => Vec::new(),
            };
            (start + pos, expected)
        }
    };
    let found = token_at(text, at);
    let mut words: Vec<&'static str> = Vec::new();
    for r in &expected {
        if let Some(w) = describe_rule(*r) {
            if !words.contains(&w) {
                words.push(w);
            }
        }
    }
    // Nothing matched at all at the start: say what the block can hold.
    let expected_text = if words.is_empty() || (at == start && words.len() > 4) {
        context.holds().to_string()
    } else {
        join_or(&words)
    };
    let underline = if found.span.is_empty() { Span::at(at) } else { found.span };
    if matches!(found.kind, FoundKind::OpenText) {
        return SyntaxError {
            span: underline,
            message: "this text has no closing `\"`".into(),
            help: Some("a text in `\"` ends on its line; write `\"\"\"` around text on several lines".into()),
        };
    }
    let help = hint_for(&found.text, context, &words).or_else(|| {
        // A name followed by a letter it cannot hold: `réunion` reads as `r` + `é`.
        let prev = text.get(..underline.start as usize).and_then(|t| t.chars().next_back());
        let first = found.text.chars().next();
        (prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && first.is_some_and(|c| !c.is_ascii() && c.is_alphabetic()))
        .then(|| "names use only the ASCII letters a to z, digits and `_`; a title in quotes can hold any text".into())
    });
    SyntaxError { span: underline, message: format!("expected {expected_text}, found {}", found.describe()), help }
}

/// The help of a missing `}`: where the block had to stop.
pub(crate) fn describe_stop(text: &str, at: usize) -> String {
    let found = token_at(text, at);
    if found.text.is_empty() {
        "add `}` before the end of the file".to_string()
    } else {
        let line = line_of(text, at);
        format!("add `}}` before `{}` on line {line}", found.text)
    }
}

fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).map(|t| t.bytes().filter(|&b| b == b'\n').count()).unwrap_or(0) + 1
}

struct Found {
    text: String,
    span: Span,
    kind: FoundKind,
}

enum FoundKind {
    EndOfFile,
    EndOfLine,
    Word,
    Text,
    /// A `"` with no closing quote on its line.
    OpenText,
    Char,
}

impl Found {
    fn describe(&self) -> String {
        match self.kind {
            FoundKind::EndOfFile => "the end of the file".into(),
            FoundKind::EndOfLine => "the end of the line".into(),
            FoundKind::Text => "a text in quotes".into(),
            FoundKind::OpenText => "a text with no closing `\"`".into(),
            FoundKind::Word | FoundKind::Char => format!("`{}`", self.text),
        }
    }
}

/// The token that starts at `at` (after blanks on the same line).
fn token_at(text: &str, at: usize) -> Found {
    let rest = text.get(at..).unwrap_or("");
    let trimmed = rest.trim_start_matches([' ', '\t', '\r']);
    let start = at + (rest.len() - trimmed.len());
    let Some(c) = trimmed.chars().next() else {
        return Found { text: String::new(), span: Span::at(text.len()), kind: FoundKind::EndOfFile };
    };
    if c == '\n' || c == '#' {
        return Found { text: String::new(), span: Span::at(start), kind: FoundKind::EndOfLine };
    }
    if c.is_ascii_alphanumeric() || c == '_' {
        let len = trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(trimmed.len());
        let word = trimmed.get(..len).unwrap_or("");
        return Found { text: word.to_string(), span: Span::new(start, start + len), kind: FoundKind::Word };
    }
    if c == '"' {
        let line_len = trimmed.find('\n').unwrap_or(trimmed.len());
        let body = trimmed.get(1..line_len).unwrap_or("");
        // A closing quote not preceded by a backslash.
        let mut close = None;
        let mut escaped = false;
        for (i, ch) in body.char_indices() {
            match ch {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    close = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let (len, kind) = match close {
            Some(i) => (i + 2, FoundKind::Text),
            None if trimmed.starts_with("\"\"\"") => (3, FoundKind::OpenText),
            None => (line_len, FoundKind::OpenText),
        };
        return Found { text: trimmed.get(..len).unwrap_or("").to_string(), span: Span::new(start, start + len), kind };
    }
    Found { text: c.to_string(), span: Span::new(start, start + c.len_utf8()), kind: FoundKind::Char }
}

fn join_or(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Extra help for common slips.
fn hint_for(found: &str, context: Context, expected: &[&str]) -> Option<String> {
    let wants_name = expected.iter().any(|w| w.contains("name") || w.contains("value") || w.contains("fact"));
    if found.chars().any(|c| c.is_ascii_uppercase())
        && found.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && (wants_name || context != Context::Top)
    {
        return Some(format!("names are lower-case snake_case: `{}`", snake_case(found)));
    }
    if crate::KEYWORDS.contains(&found) && wants_name {
        return Some(format!("`{found}` is a keyword of the language: it cannot be a name"));
    }
    if found == "-" {
        return Some("names use `_` between words, not `-`".into());
    }
    if found == "=" || found == ":" {
        return Some(format!("a fact is written `dimension value`, without `{found}`"));
    }
    if found == "allow" && matches!(context, Context::Plan | Context::Phase) {
        return Some("`allow` is written in scenarios only".into());
    }
    if found.chars().next().is_some_and(|c| c.is_ascii_digit()) && wants_name {
        return Some("names start with a letter or `_`".into());
    }
    if found.is_empty() {
        return None;
    }
    let keywords: &[&str] = match context {
        Context::Top => &["use", "ruleset", "scenario", "plan"],
        Context::Ruleset => &["model", "dimension", "rule", "test", "override", "drop", "version", "description"],
        Context::Model => &["summary", "see"],
        Context::Rule | Context::Override => {
            &["when", "expect", "require", "deny", "severity", "message", "why", "see", "priority"]
        }
        Context::Test => &["given", "expect"],
        Context::Scenario => &["model", "allow"],
        Context::Plan => &["model", "phase", "scenario"],
        Context::Phase => &["model", "scenario"],
        Context::Dimension => &[],
    };
    let lower = found.to_ascii_lowercase();
    keywords
        .iter()
        .filter(|k| **k != lower)
        .map(|k| (strsim::damerau_levenshtein(k, &lower), k))
        .filter(|(d, k)| *d <= 2 && *d < k.len() / 2 + 1)
        .min()
        .map(|(_, k)| format!("did you mean `{k}`?"))
}

fn snake_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 4);
    let mut prev_lower = false;
    for c in word.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c);
        }
    }
    out
}

/// A grammar rule in a person's words, or `None` for rules a person never types.
pub(crate) fn describe_rule(kind: Rule) -> Option<&'static str> {
    Some(match kind {
        Rule::name => "a name",
        Rule::string | Rule::title => "a text in quotes",
        Rule::integer => "a number",
        Rule::date => "a date (YYYY-MM-DD)",
        Rule::rule_path => "a rule path (`ruleset.rule`)",
        Rule::severity_level => "`error`, `warning`, `info` or `hint`",
        Rule::open_brace => "`{`",
        Rule::close_brace => "`}`",
        Rule::comma => "`,`",
        Rule::plus => "`+`",
        Rule::bar => "`|`",
        Rule::open_bracket => "`[`",
        Rule::close_bracket => "`]`",
        Rule::open_paren => "`(`",
        Rule::close_paren => "`)`",
        Rule::fact | Rule::value_fact | Rule::text_fact => "a fact (`dimension value`)",
        Rule::model_fact => "`model`",
        Rule::allow | Rule::kw_allow => "`allow`",
        Rule::use_decl | Rule::kw_use => "`use`",
        Rule::ruleset | Rule::kw_ruleset => "`ruleset`",
        Rule::scenario | Rule::kw_scenario => "`scenario`",
        Rule::plan | Rule::kw_plan => "`plan`",
        Rule::phase | Rule::kw_phase => "`phase`",
        Rule::version | Rule::kw_version => "`version`",
        Rule::description | Rule::kw_description => "`description`",
        Rule::model | Rule::kw_model => "`model`",
        Rule::dimension | Rule::kw_dimension => "`dimension`",
        Rule::rule | Rule::kw_rule => "`rule`",
        Rule::override_rule | Rule::kw_override => "`override rule`",
        Rule::drop_rule | Rule::kw_drop => "`drop rule`",
        Rule::test | Rule::kw_test => "`test`",
        Rule::summary | Rule::kw_summary => "`summary`",
        Rule::see | Rule::kw_see => "`see`",
        Rule::when | Rule::kw_when => "`when`",
        Rule::expect | Rule::kw_expect => "`expect`",
        Rule::require | Rule::kw_require => "`require`",
        Rule::deny | Rule::kw_deny => "`deny`",
        Rule::severity | Rule::kw_severity => "`severity`",
        Rule::message | Rule::kw_message => "`message`",
        Rule::why | Rule::kw_why => "`why`",
        Rule::priority | Rule::kw_priority => "`priority`",
        Rule::given | Rule::kw_given => "`given`",
        Rule::expect_findings | Rule::kw_findings => "`expect findings`",
        Rule::expect_model => "`expect model`",
        Rule::kw_none => "`none`",
        Rule::extends | Rule::kw_extends => "`extends`",
        Rule::dimension_kind | Rule::kw_many | Rule::kw_text => "`many` or `text`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not => "`not`",
        Rule::kw_is => "`is`",
        Rule::kw_in => "`in`",
        Rule::kw_present => "`present`",
        Rule::kw_missing => "`missing`",
        Rule::kw_by => "`by`",
        Rule::kw_until => "`until`",
        Rule::condition
        | Rule::cond_and
        | Rule::cond_not
        | Rule::paren
        | Rule::atom_present
        | Rule::atom_missing
        | Rule::atom_is
        | Rule::atom_in => "a condition (`dimension is value`)",
        Rule::dim_ref => "a dimension name",
        Rule::model_choice | Rule::model_set => "a model name",
        Rule::value_decl => "a value",
        Rule::EOI => "the end of the file",
        _ => return None,
    })
}
