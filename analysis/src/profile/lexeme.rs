//! Python-side views of a raw field: `float()` acceptance, the `^[+-]?\d+$` pattern and
//! `str.strip()` whitespace. pandas-side parsing lives in [`super::number`].

/// `[+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)?`; with `underscores`, Python's rule that
/// a single `_` may separate two digits.
fn is_decimal_literal(s: &[u8], underscores: bool) -> bool {
    let mut i = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| -> usize {
        let start = *i;
        while *i < s.len() {
            // A `_` is allowed only between two digits.
            let separator = underscores
                && s[*i] == b'_'
                && *i > start
                && s.get(*i + 1).is_some_and(u8::is_ascii_digit);
            if !(s[*i].is_ascii_digit() || separator) {
                break;
            }
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if s.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == s.len()
}

/// Python `str.isspace` for one character: Unicode White_Space plus the ASCII
/// separators U+001C..U+001F that Python also strips.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python `str.strip()`.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Whether Python `float(s)` succeeds: surrounding whitespace, then a decimal literal
/// with `_` digit separators, or `inf`/`infinity`/`nan` with a sign, in any case.
/// Only ASCII digits are accepted (Python also takes other Unicode decimal digits).
pub(crate) fn py_float_ok(s: &str) -> bool {
    let body = py_strip(s).as_bytes();
    if is_decimal_literal(body, true) {
        return true;
    }
    let word = match body.first() {
        Some(b'+' | b'-') => &body[1..],
        _ => body,
    };
    [&b"inf"[..], b"infinity", b"nan"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

/// Python `re.match(r"^[+-]?\d+$", s)`: `$` also matches before one final `\n`.
/// Only ASCII digits are accepted.
pub(crate) fn is_int_pattern(s: &[u8]) -> bool {
    let s = s.strip_suffix(b"\n").unwrap_or(s);
    let digits = match s.first() {
        Some(b'+' | b'-') => &s[1..],
        _ => s,
    };
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// Whitespace shape of a non-missing raw field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Padding {
    /// No leading or trailing whitespace (or empty).
    None,
    /// Non-empty and only whitespace.
    WhitespaceOnly,
    /// Has content and leading or trailing whitespace.
    Padded,
}

/// Classifies surrounding whitespace; the common ASCII case is decided from two bytes.
#[inline]
pub(crate) fn padding(text: &[u8]) -> Padding {
    let (Some(&first), Some(&last)) = (text.first(), text.last()) else {
        return Padding::None;
    };
    let plain = |b: u8| b.is_ascii() && !is_py_space(b as char);
    if plain(first) && plain(last) {
        return Padding::None;
    }
    let s = String::from_utf8_lossy(text);
    let stripped = py_strip(&s);
    if stripped.is_empty() {
        Padding::WhitespaceOnly
    } else if stripped.len() != s.len() {
        Padding::Padded
    } else {
        Padding::None
    }
}
