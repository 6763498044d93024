//! pandas' number and boolean parsing of one field, in one pass over its bytes.
//!
//! Rules (pandas 2.3.3 C parser, checked case by case): ASCII whitespace may surround a
//! number; integers are `[+-]?\d+` within int64; floats are `[+-]?(\d+\.?\d*|\.\d+)` with
//! an optional exponent, or exactly `[+-]?inf`/`infinity` in any case without spaces;
//! a finite literal that overflows to infinity is not a number (pandas keeps `1e500` as a
//! string). Values are correctly rounded, like `float_precision="round_trip"`.

use super::lexeme::is_int_pattern;

/// What one field is to pandas' numeric parsers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// An int64; the flag tells whether the raw text matches `^[+-]?\d+$`.
    Int(i64, bool),
    /// Integer syntax outside int64, with its float value if finite.
    BigInt(Option<f64>, bool),
    /// A float (decimal point, exponent or infinity).
    Float(f64),
    /// Not a number.
    No,
}

/// C `isspace` in the C locale.
#[inline]
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[inline]
fn trim_c_space(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|&b| !is_c_space(b))
        .unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|&b| !is_c_space(b))
        .map_or(start, |e| e + 1);
    &text[start..end]
}

/// Exact powers of ten (Clinger's fast path needs them exact: up to 1e22).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Classifies and converts one field.
#[inline]
pub(crate) fn parse_number(text: &[u8]) -> Number {
    let spaced =
        text.first().is_some_and(|&b| is_c_space(b)) || text.last().is_some_and(|&b| is_c_space(b));
    let s = if spaced { trim_c_space(text) } else { text };
    let mut i = 0;
    let neg = match s.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    // Mantissa digits without leading zeros, at most 19 (fits u64); more sets `dropped`.
    let (mut m, mut nd, mut exp10, mut dropped) = (0u64, 0u32, 0i64, false);
    let mut digit = |d: u64, frac: bool, exp10: &mut i64| {
        if m == 0 && d == 0 {
            *exp10 -= i64::from(frac);
        } else if nd < 19 {
            m = m * 10 + d;
            nd += 1;
            *exp10 -= i64::from(frac);
        } else {
            dropped = true;
            *exp10 += i64::from(!frac);
        }
    };
    let int_start = i;
    while let Some(&b) = s.get(i).filter(|b| b.is_ascii_digit()) {
        digit(u64::from(b - b'0'), false, &mut exp10);
        i += 1;
    }
    let mut digits = i - int_start;
    let mut is_int = true;
    if s.get(i) == Some(&b'.') {
        is_int = false;
        i += 1;
        let frac_start = i;
        while let Some(&b) = s.get(i).filter(|b| b.is_ascii_digit()) {
            digit(u64::from(b - b'0'), true, &mut exp10);
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return inf_word(text);
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        is_int = false;
        i += 1;
        let eneg = match s.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut e: i64 = 0;
        while let Some(&b) = s.get(i).filter(|b| b.is_ascii_digit()) {
            e = (e * 10 + i64::from(b - b'0')).min(1 << 40);
            i += 1;
        }
        if i == start {
            return Number::No;
        }
        exp10 += if eneg { -e } else { e };
    }
    if i != s.len() {
        return Number::No;
    }
    if is_int {
        let plain = !spaced || is_int_pattern(text);
        let limit = if neg { 1u64 << 63 } else { i64::MAX as u64 };
        return if !dropped && m <= limit {
            // m <= 2^63 here, so the negation is exact (i64::MIN included).
            let v = if neg {
                (m as i64).wrapping_neg()
            } else {
                m as i64
            };
            Number::Int(v, plain)
        } else {
            Number::BigInt(slow(s), plain)
        };
    }
    let value = if !dropped && m <= 1 << 53 && exp10.abs() <= 22 {
        // Clinger: both operands exact, one correctly rounded operation.
        let x = m as f64;
        let v = if exp10 >= 0 {
            x * POW10[exp10 as usize]
        } else {
            x / POW10[(-exp10) as usize]
        };
        Some(if neg { -v } else { v })
    } else {
        slow(s)
    };
    value.map_or(Number::No, Number::Float)
}

/// Correctly rounded conversion through the standard library; `None` when infinite.
fn slow(s: &[u8]) -> Option<f64> {
    let v: f64 = std::str::from_utf8(s).ok()?.parse().ok()?;
    v.is_finite().then_some(v)
}

fn inf_word(text: &[u8]) -> Number {
    let (neg, word) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if word.eq_ignore_ascii_case(b"inf") || word.eq_ignore_ascii_case(b"infinity") {
        Number::Float(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        })
    } else {
        Number::No
    }
}

/// pandas boolean literals (`true_values`/`false_values` defaults).
#[inline]
pub(crate) fn parse_bool(text: &[u8]) -> Option<bool> {
    match text {
        b"True" | b"TRUE" | b"true" => Some(true),
        b"False" | b"FALSE" | b"false" => Some(false),
        _ => None,
    }
}
