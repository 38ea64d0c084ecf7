//! String literals: escapes and the indentation rule of `"""` strings.

use crate::Span;
use crate::ast::SyntaxError;

/// Decodes a string token as written (quotes included) that starts at byte
/// `base` of the file. Bad escapes are reported and kept as written.
pub(crate) fn decode(token: &str, base: usize, errors: &mut Vec<SyntaxError>) -> (String, bool) {
    if let Some(body) = token.strip_prefix("\"\"\"").and_then(|t| t.strip_suffix("\"\"\"")) {
        check_escapes(body, base + 3, errors);
        (unescape(&dedent(body)), true)
    } else {
        let body = token.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(token);
        check_escapes(body, base + 1, errors);
        (unescape(body), false)
    }
}

/// Most strings hold no backslash: one SIMD search says so (`str::contains`
/// searched a byte at a time, 1.3 % of a large check).
fn has_escape(body: &str) -> bool {
    memchr::memchr(b'\\', body.as_bytes()).is_some()
}

/// Reports every escape that is not one of `\" \\ \n \t \u{X..}`.
fn check_escapes(body: &str, base: usize, errors: &mut Vec<SyntaxError>) {
    if !has_escape(body) {
        return;
    }
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            continue;
        }
        match chars.next() {
            Some((_, '"' | '\\' | 'n' | 't')) => {}
            Some((_, 'u')) => {
                let rest = body.get(i + 2..).unwrap_or("");
                match parse_unicode_escape(rest) {
                    Ok(len) => {
                        // skip what was read
                        for _ in 0..len {
                            chars.next();
                        }
                    }
                    Err(len) => errors.push(SyntaxError {
                        span: Span::new(base + i, base + i + 2 + len),
                        message: "invalid unicode escape".into(),
                        help: Some("write `\\u{` and 1 to 6 hexadecimal digits of a Unicode scalar value, then `}`, e.g. `\\u{e9}`".into()),
                    }),
                }
            }
            Some((j, other)) => errors.push(SyntaxError {
                span: Span::new(base + i, base + j + other.len_utf8()),
                message: format!("unknown escape `\\{other}`"),
                help: Some("the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}`".into()),
            }),
            None => errors.push(SyntaxError {
                span: Span::new(base + i, base + i + 1),
                message: "a string cannot end with a lone `\\`".into(),
                help: Some("write `\\\\` for a backslash".into()),
            }),
        }
    }
}

/// `rest` follows `\u`. Ok(chars consumed after `u`) or Err(bytes to underline after `\u`).
fn parse_unicode_escape(rest: &str) -> Result<usize, usize> {
    let Some(inner) = rest.strip_prefix('{') else {
        return Err(0);
    };
    let Some(close) = inner.find('}') else {
        return Err(1);
    };
    let hex = inner.get(..close).unwrap_or("");
    let valid = !hex.is_empty()
        && hex.len() <= 6
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && u32::from_str_radix(hex, 16).ok().and_then(char::from_u32).is_some();
    if valid { Ok(close + 2) } else { Err(close + 2) }
}

fn unescape(body: &str) -> String {
    if !has_escape(body) {
        return body.to_owned();
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find('\\') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i + 1..).unwrap_or("");
        let mut it = after.chars();
        match it.next() {
            Some('"') => {
                out.push('"');
                rest = it.as_str();
            }
            Some('\\') => {
                out.push('\\');
                rest = it.as_str();
            }
            Some('n') => {
                out.push('\n');
                rest = it.as_str();
            }
            Some('t') => {
                out.push('\t');
                rest = it.as_str();
            }
            Some('u') => match parse_unicode_escape(it.as_str()) {
                Ok(len) => {
                    let hex = it.as_str().get(1..len - 1).unwrap_or("");
                    if let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                        out.push(c);
                    }
                    rest = it.as_str().get(len..).unwrap_or("");
                }
                Err(_) => {
                    out.push_str("\\u");
                    rest = it.as_str();
                }
            },
            Some(other) => {
                out.push('\\');
                out.push(other);
                rest = it.as_str();
            }
            None => {
                out.push('\\');
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `"""` rule: a line break right after the opening quotes and a last
/// line of only blanks are dropped, and the indentation common to all
/// non-blank lines is removed.
pub(crate) fn dedent(body: &str) -> String {
    let mut lines: Vec<&str> = body.split('\n').collect();
    if lines.len() > 1 && lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    if lines.len() > 1 && lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(body.len());
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        out.push_str(line.get(indent..).unwrap_or(line));
    }
    out
}

/// Writes `value` as a cadrage string literal (short form), escaping what must be.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> (String, Vec<SyntaxError>) {
        let mut errors = Vec::new();
        let (v, _) = decode(s, 0, &mut errors);
        (v, errors)
    }

    #[test]
    fn escapes() {
        assert_eq!(dec(r#""a\"b\\c\nd\te""#).0, "a\"b\\c\nd\te");
        assert_eq!(dec(r#""caf\u{E9} \u{1F680}""#).0, "café 🚀");
        assert_eq!(dec("\"Réunion d'équipe — fusion 2027 🚀\"").0, "Réunion d'équipe — fusion 2027 🚀");
    }

    #[test]
    fn bad_escapes_are_reported_with_their_span() {
        let (_, errors) = dec(r#""ab\qc""#);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "unknown escape `\\q`");
        assert_eq!(errors[0].span, Span::new(3, 5));
        let (_, errors) = dec(r#""\u{D800}""#);
        assert_eq!(errors[0].message, "invalid unicode escape");
        assert_eq!(errors[0].span, Span::new(1, 9));
        let (_, errors) = dec(r#""\u{1234567}""#);
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn long_strings_lose_their_common_indentation() {
        let s = "\"\"\"\n      Delivering a message\n        is the job\n      of a person.\n    \"\"\"";
        assert_eq!(dec(s).0, "Delivering a message\n  is the job\nof a person.");
        assert_eq!(dec("\"\"\"one line\"\"\"").0, "one line");
        assert_eq!(dec("\"\"\"a\n\n  b\n\"\"\"").0, "a\n\n  b");
    }

    #[test]
    fn quote_round_trips() {
        for s in ["plain", "with \"quotes\" and \\ and\nnewline", "é🚀\t"] {
            assert_eq!(dec(&quote(s)).0, s);
        }
    }
}
