//! Byte ranges, and their conversion to lines and columns at the edges.

use line_index::{LineCol, TextSize, WideEncoding, WideLineCol};

/// A byte range `start..end` in one source text.
///
/// Spans are byte offsets everywhere inside cadrage; they become lines and
/// columns only where a person or a protocol needs them, through
/// [`LineIndex`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: clamp_u32(start), end: clamp_u32(end.max(start)) }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span holding both.
    pub fn cover(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// `offset` is inside the span or at its end (where a cursor after a word stands).
    pub fn touches(self, offset: usize) -> bool {
        (self.start as usize) <= offset && offset <= (self.end as usize)
    }

    pub fn contains_span(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The text under the span, or `""` if it does not fit the text.
    pub fn text(self, source: &str) -> &str {
        source.get(self.range()).unwrap_or("")
    }

    /// The same span moved by `delta` bytes.
    pub fn shifted(self, delta: i64) -> Span {
        let move_by = |v: u32| clamp_u32((i64::from(v) + delta).max(0) as usize);
        Span { start: move_by(self.start), end: move_by(self.end) }
    }
}

fn clamp_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A position as the JSON output and terminals count it: 1-based line,
/// 1-based column in Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CharPosition {
    pub line: u32,
    pub column: u32,
}

/// A position as LSP counts it: 0-based line, 0-based column in UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Utf16Position {
    pub line: u32,
    pub character: u32,
}

/// Line starts and non-ASCII characters of one text, for converting byte
/// offsets to lines and columns and back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    inner: line_index::LineIndex,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex { inner: line_index::LineIndex::new(text), len: clamp_u32(text.len()) }
    }

    /// Snaps an offset into the text, onto a character boundary, and gives its line and byte column.
    fn line_col(&self, offset: usize) -> LineCol {
        let mut off = clamp_u32(offset).min(self.len);
        loop {
            if let Some(lc) = self.inner.try_line_col(TextSize::from(off)) {
                return lc;
            }
            // Inside a multi-byte character: move back to its start.
            match off.checked_sub(1) {
                Some(prev) => off = prev,
                None => return LineCol { line: 0, col: 0 },
            }
        }
    }

    /// 1-based line and 1-based column in Unicode scalar values.
    pub fn char_position(&self, offset: usize) -> CharPosition {
        let lc = self.line_col(offset);
        let wide = self.inner.to_wide(WideEncoding::Utf32, lc).unwrap_or(WideLineCol { line: lc.line, col: lc.col });
        CharPosition { line: wide.line + 1, column: wide.col + 1 }
    }

    /// 0-based line and UTF-16 column, as LSP wants.
    pub fn utf16_position(&self, offset: usize) -> Utf16Position {
        let lc = self.line_col(offset);
        let wide = self.inner.to_wide(WideEncoding::Utf16, lc).unwrap_or(WideLineCol { line: lc.line, col: lc.col });
        Utf16Position { line: wide.line, character: wide.col }
    }

    /// The byte offset of an LSP position. Positions past the end of a line
    /// are clamped to its end, and lines past the end of the text to the end
    /// of the text, as the LSP specification asks.
    pub fn offset_of_utf16(&self, pos: Utf16Position) -> usize {
        let Some(line_range) = self.inner.line(pos.line) else {
            return self.len as usize;
        };
        let line_start = u32::from(line_range.start());
        // The line range includes its `\n`; a position can stand before it, not after.
        let has_next_line = self.inner.line(pos.line.saturating_add(1)).is_some();
        let line_end = u32::from(line_range.end()) - u32::from(has_next_line);
        let utf8 = self
            .inner
            .to_utf8(WideEncoding::Utf16, WideLineCol { line: pos.line, col: pos.character })
            .map(|lc| line_start.saturating_add(lc.col))
            .unwrap_or(line_end);
        let mut off = utf8.min(line_end);
        // Never split a character.
        while off > line_start && self.inner.try_line_col(TextSize::from(off)).is_none() {
            off -= 1;
        }
        off as usize
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The Unicode scalar values in `s`: its length when it is ASCII, as most
/// of a line before a span is (checked a word at a time; counting went a
/// byte at a time on short texts).
fn chars(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.chars().count() }
}

/// `offset` within `text`, moved back to the start of the character it is in.
fn snap(text: &str, offset: usize) -> usize {
    let mut off = offset.min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    off
}

/// Where each line starts, and nothing else: the cheap index for 1-based
/// lines and columns in Unicode scalar values (JSON, SARIF, terminals).
/// [`LineIndex`] also records every non-ASCII character for UTF-16, which
/// cost more than all the positions of a JSON check; this one is one
/// `memchr` pass, and a column counts the characters before it on its line.
/// The same positions as [`LineIndex::char_position`] (a property test holds it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineStarts {
    starts: Vec<u32>,
}

impl LineStarts {
    pub fn new(text: &str) -> LineStarts {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| clamp_u32(i + 1)));
        LineStarts { starts }
    }

    /// 1-based line and 1-based column in Unicode scalar values of `offset`
    /// in `text` (the text this index was built from): an offset inside a
    /// character counts as its start, one past the end as the end.
    pub fn char_position(&self, text: &str, offset: usize) -> CharPosition {
        self.locate(text, offset).0
    }

    /// The positions of a span's start and end, as [`LineStarts::char_position`]
    /// gives them: an end on the start's line (most spans) is counted on from
    /// the start instead of being looked up again.
    pub fn char_span(&self, text: &str, start: usize, end: usize) -> (CharPosition, CharPosition) {
        let (s, line, start) = self.locate(text, start);
        let end = snap(text, end);
        let next_line = self.starts.get(line + 1).map_or(usize::MAX, |&n| n as usize);
        if end < start || end >= next_line {
            return (s, self.char_position(text, end));
        }
        let more = text.get(start..end).map_or(0, chars);
        (s, CharPosition { line: s.line, column: clamp_u32(s.column as usize + more) })
    }

    /// The position of `offset`, its 0-based line and the offset snapped to
    /// a character's start.
    fn locate(&self, text: &str, offset: usize) -> (CharPosition, usize, usize) {
        let off = snap(text, offset);
        let line = self.starts.partition_point(|&s| s as usize <= off).saturating_sub(1);
        let start = self.starts.get(line).map_or(0, |&s| s as usize);
        let column = text.get(start..off).map_or(0, chars);
        (CharPosition { line: clamp_u32(line + 1), column: clamp_u32(column + 1) }, line, off)
    }

    /// The byte offset where a 0-based line starts; `None` past the last line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).map(|&s| s as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_scalars_and_utf16_units() {
        // "é" is 2 bytes, 1 scalar, 1 UTF-16 unit; "🚀" is 4 bytes, 1 scalar, 2 UTF-16 units.
        let text = "ab\né🚀 x\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap_or_default();
        assert_eq!(x, 3 + 2 + 4 + 1);
        assert_eq!(idx.char_position(x), CharPosition { line: 2, column: 4 });
        assert_eq!(idx.utf16_position(x), Utf16Position { line: 1, character: 4 });
        assert_eq!(idx.offset_of_utf16(Utf16Position { line: 1, character: 4 }), x);
        // Inside the surrogate pair: snapped back to the emoji's start.
        assert_eq!(idx.offset_of_utf16(Utf16Position { line: 1, character: 2 }), 5);
        // Past the end of the line: its end, before the newline.
        assert_eq!(idx.offset_of_utf16(Utf16Position { line: 1, character: 99 }), x + 1);
        // Past the last line: the end of the text.
        assert_eq!(idx.offset_of_utf16(Utf16Position { line: 9, character: 0 }), text.len());
        // An offset inside a character is snapped to its start.
        assert_eq!(idx.char_position(4), CharPosition { line: 2, column: 1 });
        assert_eq!(idx.char_position(1000), CharPosition { line: 3, column: 1 });
    }

    proptest::proptest! {
        /// The cheap index gives the same positions as the full one, at every
        /// offset (inside characters and past the end included) of texts
        /// with multi-byte characters, CR LF and empty lines.
        #[test]
        fn line_starts_agree_with_the_line_index(
            text in proptest::string::string_regex("([a\\né🚀\\r\\t]|\r\n|\\u{10FFFF}){0,40}").unwrap_or_else(|e| panic!("{e}"))
        ) {
            let full = LineIndex::new(&text);
            let cheap = LineStarts::new(&text);
            for offset in 0..=text.len() + 2 {
                proptest::prop_assert_eq!(cheap.char_position(&text, offset), full.char_position(offset), "offset {}", offset);
            }
            // Spans, on one line or several, reversed and past the end included.
            for start in 0..=text.len() + 1 {
                for end in 0..=text.len() + 1 {
                    proptest::prop_assert_eq!(
                        cheap.char_span(&text, start, end),
                        (full.char_position(start), full.char_position(end)),
                        "span {}..{}", start, end
                    );
                }
            }
        }
    }
}
