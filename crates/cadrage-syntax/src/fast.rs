//! The fast path: a hand-written, one-pass reader for well-formed plan files.
//!
//! The pest grammar (`grammar/cadrage.pest`) stays the definition of the
//! language and the only source of syntax errors and recovered trees. This
//! reader covers the common case that CI and editors meet thousands of times
//! over: files of `use` declarations, scenarios, plans and phases, written
//! without a mistake. It reads them in one pass without backtracking and
//! builds the same tree as pest + [`crate::convert`] would, byte for byte.
//!
//! It gives up (returns `None`) at the first thing it does not expect: a
//! `ruleset`, any token a well-formed file could not have at that place, a
//! string with a bad escape, a date that is not a calendar date. Giving up
//! is always safe: [`crate::parse`] then reads the file with pest, which
//! recovers and explains. So the fast path never has to reproduce an error,
//! only the trees of files pest reads without one. The property test
//! `tests/fast_props.rs` holds it to that: over every `.cadrage` file of the
//! repository, generated plans and random edits of both, its tree is pest's
//! whenever it gives one, and it gives one for every error-free plan file.

use smol_str::SmolStr;

use crate::ast::*;
use crate::span::Span;
use crate::strings;

/// Reads `region` (which starts at byte `base` of its file) as a sequence of
/// items, or gives up: `None` means "ask pest".
pub(crate) fn parse(region: &str, base: usize) -> Option<Vec<Item>> {
    let mut r = Reader { text: region, bytes: region.as_bytes(), pos: 0, base };
    let mut items = Vec::with_capacity(region.len() / 256 + 1);
    loop {
        r.trivia();
        if r.pos >= r.bytes.len() {
            return Some(items);
        }
        let start = r.pos;
        let item = match r.word()? {
            "use" => Item::Use(r.use_decl(start)?),
            "scenario" => Item::Scenario(r.scenario(start)?),
            "plan" => Item::Plan(r.plan(start)?),
            _ => return None,
        };
        items.push(item);
    }
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// Offset in `text`.
    pos: usize,
    /// Offset of `text` in its file.
    base: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_lowercase() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    IDENT_CHAR.get(usize::from(b)).copied().unwrap_or(false)
}

/// `[a-z0-9_]` as a table: one load per byte of every name.
#[allow(clippy::indexing_slicing, reason = "b < 256, and `get_mut` is not const")]
static IDENT_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_';
        b += 1;
    }
    t
};

fn is_keyword(word: &str) -> bool {
    // The grammar's keywords (`crate::KEYWORDS`), as a match the compiler
    // turns into a length-and-bytes switch.
    matches!(
        word,
        "use"
            | "ruleset"
            | "extends"
            | "model"
            | "dimension"
            | "many"
            | "text"
            | "rule"
            | "when"
            | "expect"
            | "require"
            | "deny"
            | "severity"
            | "message"
            | "why"
            | "see"
            | "priority"
            | "test"
            | "given"
            | "findings"
            | "none"
            | "scenario"
            | "plan"
            | "phase"
            | "allow"
            | "and"
            | "or"
            | "not"
            | "is"
            | "in"
            | "present"
            | "missing"
            | "version"
            | "description"
            | "summary"
            | "override"
            | "drop"
            | "by"
            | "until"
    )
}

impl<'t> Reader<'t> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.base + start, self.base + end)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips blanks and comments (the grammar's `WHITESPACE` and `COMMENT`).
    fn trivia(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'#' => {
                    let rest = self.bytes.get(self.pos..).unwrap_or_default();
                    self.pos += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                }
                _ => return,
            }
        }
    }

    /// The identifier at the cursor, without moving: `[a-z_][a-z0-9_]*`.
    fn word(&self) -> Option<&'t str> {
        if !is_ident_start(self.peek()?) {
            return None;
        }
        let rest = self.bytes.get(self.pos + 1..).unwrap_or_default();
        let len = 1 + rest.iter().position(|&b| !is_ident_char(b)).unwrap_or(rest.len());
        self.text.get(self.pos..self.pos + len)
    }

    /// Consumes the keyword `kw`, which [`Reader::word`] has just returned.
    fn keyword(&mut self, kw: &str) -> Span {
        let start = self.pos;
        self.pos += kw.len();
        self.span(start, self.pos)
    }

    /// A name: an identifier that is not a keyword.
    fn name(&mut self) -> Option<Name> {
        let word = self.word()?;
        self.name_of(word)
    }

    /// The name `word`, which [`Reader::word`] has just returned.
    fn name_of(&mut self, word: &str) -> Option<Name> {
        if is_keyword(word) {
            return None;
        }
        let start = self.pos;
        self.pos += word.len();
        Some(Name { text: SmolStr::new(word), span: self.span(start, self.pos) })
    }

    /// Consumes `b` after optional trivia, or leaves the cursor where it was.
    fn punct(&mut self, b: u8) -> bool {
        let save = self.pos;
        self.trivia();
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// `first (sep name)*`, the grammar's lists. As in pest, where the
    /// grammar's rule ends in such a repetition, the blanks before it belong
    /// to the rule even when it repeats nothing (a pest sequence consumes the
    /// blanks between its parts; only a failed repetition is rolled back): a
    /// one-name list's span runs to the next token, a longer list's ends at
    /// its last name.
    fn list(&mut self, first: Name, sep: u8) -> Option<Names> {
        let mut names = Names::new();
        names.push(first);
        self.trivia();
        if self.peek() != Some(sep) {
            return Some(names);
        }
        self.pos += 1;
        self.trivia();
        names.push(self.name()?);
        while self.punct(sep) {
            self.trivia();
            names.push(self.name()?);
        }
        Some(names)
    }

    /// Optional trivia, then a string if one starts there.
    fn opt_string(&mut self) -> Option<Option<StrLit>> {
        let save = self.pos;
        self.trivia();
        if self.peek() == Some(b'"') {
            self.string().map(Some)
        } else {
            self.pos = save;
            Some(None)
        }
    }

    /// A string literal at the cursor, either form, decoded; `None` when it
    /// is unterminated, holds a newline (short form) or a bad escape.
    fn string(&mut self) -> Option<StrLit> {
        let start = self.pos;
        let rest = self.bytes.get(start..)?;
        if rest.first() != Some(&b'"') {
            return None;
        }
        let end = if rest.starts_with(b"\"\"\"") {
            let mut i = 3;
            loop {
                let tail = rest.get(i..)?;
                i += memchr::memchr2(b'"', b'\\', tail)?;
                if rest.get(i) == Some(&b'\\') {
                    // `\` and the byte after it; the rest of a multi-byte
                    // character cannot be a quote or a backslash.
                    i += 2;
                } else if rest.get(i..i + 3) == Some(b"\"\"\"") {
                    break i + 3;
                } else {
                    i += 1;
                }
            }
        } else {
            let mut i = 1;
            let mut escapes = false;
            let end = loop {
                let tail = rest.get(i..)?;
                i += memchr::memchr3(b'"', b'\\', b'\n', tail)?;
                match rest.get(i)? {
                    b'"' => break i + 1,
                    b'\\' if rest.get(i + 1).is_some_and(|&b| b != b'\n') => {
                        escapes = true;
                        i += 2;
                    }
                    _ => return None,
                }
            };
            if !escapes {
                // Most strings: nothing to check or decode, the search above said so.
                let value = self.text.get(start + 1..start + end - 1)?.to_owned();
                self.pos = start + end;
                return Some(StrLit { value, span: self.span(start, self.pos), long: false });
            }
            end
        };
        let token = self.text.get(start..start + end)?;
        let mut errors = Vec::new();
        let (value, long) = strings::decode(token, self.base + start, &mut errors);
        if !errors.is_empty() {
            return None;
        }
        self.pos = start + end;
        Some(StrLit { value, span: self.span(start, self.pos), long })
    }

    /// `{`, after optional trivia.
    fn open(&mut self) -> Option<Span> {
        self.trivia();
        (self.peek() == Some(b'{')).then(|| {
            self.pos += 1;
            self.span(self.pos - 1, self.pos)
        })
    }

    /// The statement that starts after optional trivia: its first word, or
    /// the block's `}` (consumed and returned).
    fn next_in_block(&mut self) -> Option<Result<&'t str, Span>> {
        self.trivia();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Some(Err(self.span(self.pos - 1, self.pos)));
        }
        self.word().map(Ok)
    }

    // ------------------------------------------------------------ items

    fn use_decl(&mut self, start: usize) -> Option<UseDecl> {
        self.keyword("use");
        self.trivia();
        let first = self.name()?;
        let names = self.list(first, b',')?;
        Some(UseDecl { span: self.span(start, self.pos), names: names.into_vec() })
    }

    /// `NAME "title"?` after a keyword.
    fn header(&mut self, kw: &str) -> Option<(Name, Option<StrLit>)> {
        self.keyword(kw);
        self.trivia();
        let name = self.name()?;
        let title = self.opt_string()?;
        Some((name, title))
    }

    fn scenario(&mut self, start: usize) -> Option<Scenario> {
        let (name, title) = self.header("scenario")?;
        let open = self.open()?;
        let mut body = Vec::with_capacity(8);
        let close = loop {
            match self.next_in_block()? {
                Err(close) => break close,
                Ok("allow") => body.push(ScenarioStmt::Allow(self.allow()?)),
                Ok(word) => body.push(ScenarioStmt::Fact(self.fact(word)?)),
            }
        };
        let braces = Braces { open, close: Some(close) };
        Some(Scenario { span: self.span(start, self.pos), name, title, braces, body })
    }

    fn plan(&mut self, start: usize) -> Option<Plan> {
        let (name, title) = self.header("plan")?;
        let open = self.open()?;
        let mut body = Vec::with_capacity(8);
        let close = loop {
            match self.next_in_block()? {
                Err(close) => break close,
                Ok("phase") => body.push(PlanStmt::Phase(self.phase()?)),
                Ok("scenario") => body.push(PlanStmt::Scenario(self.scenario(self.pos)?)),
                Ok(word) => body.push(PlanStmt::Fact(self.fact(word)?)),
            }
        };
        let braces = Braces { open, close: Some(close) };
        Some(Plan { span: self.span(start, self.pos), name, title, braces, body })
    }

    fn phase(&mut self) -> Option<Phase> {
        let start = self.pos;
        let (name, title) = self.header("phase")?;
        let open = self.open()?;
        let mut body = Vec::with_capacity(8);
        let close = loop {
            match self.next_in_block()? {
                Err(close) => break close,
                Ok("scenario") => body.push(PhaseStmt::Scenario(self.scenario(self.pos)?)),
                Ok(word) => body.push(PhaseStmt::Fact(self.fact(word)?)),
            }
        };
        let braces = Braces { open, close: Some(close) };
        Some(Phase { span: self.span(start, self.pos), name, title, braces, body })
    }

    // ------------------------------------------------------------ statements

    /// A fact whose first word, `word`, is at the cursor: `model a + b`,
    /// `key value, value` or `key "text"`.
    fn fact(&mut self, word: &str) -> Option<Fact> {
        let start = self.pos;
        if word == "model" {
            let key = DimRef::Model(self.keyword("model"));
            self.trivia();
            let first = self.name()?;
            let models = self.list(first, b'+')?;
            return Some(Fact { span: self.span(start, self.pos), key, value: FactValue::Models(models) });
        }
        // The statement's first word, already read by `next_in_block`.
        let key = DimRef::Dim(self.name_of(word)?);
        self.trivia();
        let value = if self.peek() == Some(b'"') {
            FactValue::Text(self.string()?)
        } else {
            let first = self.name()?;
            FactValue::Names(self.list(first, b',')?)
        };
        Some(Fact { span: self.span(start, self.pos), key, value })
    }

    /// `allow ruleset.rule "reason"? (by "who")? (until YYYY-MM-DD)?`
    fn allow(&mut self) -> Option<Allow> {
        let start = self.pos;
        self.keyword("allow");
        self.trivia();
        let path = self.rule_path()?;
        let reason = self.opt_string()?;
        let by = if self.next_word_is("by") {
            self.trivia();
            self.keyword("by");
            self.trivia();
            Some(self.string()?)
        } else {
            None
        };
        let until = if self.next_word_is("until") {
            self.trivia();
            self.keyword("until");
            self.trivia();
            Some(self.date()?)
        } else {
            // Like a list, pest's `allow` keeps the blanks before its last,
            // optional, part when that part is absent.
            self.trivia();
            None
        };
        Some(Allow { span: self.span(start, self.pos), path, reason, by, until })
    }

    /// Is the word after optional trivia `kw`? Does not move the cursor.
    fn next_word_is(&mut self, kw: &str) -> bool {
        let save = self.pos;
        self.trivia();
        let is = self.word() == Some(kw);
        self.pos = save;
        is
    }

    /// `ruleset.rule`, with nothing between the three tokens.
    fn rule_path(&mut self) -> Option<RulePath> {
        let start = self.pos;
        let ruleset = self.name()?;
        if self.peek() != Some(b'.') {
            return None;
        }
        self.pos += 1;
        let rule = self.name()?;
        Some(RulePath { ruleset, rule, span: self.span(start, self.pos) })
    }

    /// `YYYY-MM-DD`, a real calendar date, not followed by an identifier
    /// character.
    fn date(&mut self) -> Option<DateLit> {
        let start = self.pos;
        let s = self.bytes.get(start..start + 10)?;
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            s.get(r)?.iter().try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
        };
        if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
            return None;
        }
        let year = u16::try_from(digits(0..4)?).ok()?;
        let month = u8::try_from(digits(5..7)?).ok()?;
        let day = u8::try_from(digits(8..10)?).ok()?;
        if self.bytes.get(start + 10).is_some_and(|&b| is_ident_char(b))
            || !crate::convert::is_real_date(year, month, day)
        {
            return None;
        }
        self.pos = start + 10;
        Some(DateLit { year, month, day, span: self.span(start, self.pos) })
    }
}
