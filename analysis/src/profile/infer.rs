//! Type labels of a column: pandas' `infer_dtype`, the README's raw-text type and RAIA's
//! semantic type.

use serde::{Deserialize, Serialize};

use super::lexeme::py_strip;
use super::table::{Column, ColumnData, PandasDtype, RawStats};

/// `pandas.api.types.infer_dtype(col, skipna=True)` for what `read_csv` can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InferDtype {
    /// int64 column.
    Integer,
    /// float64 column (also all-missing ones).
    Floating,
    /// bool column, or object column of booleans with missing values.
    Boolean,
    /// object column of strings.
    String,
    /// object column without values (zero rows).
    Empty,
}

/// The README's type of the raw text of the non-missing fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InferredType {
    /// All are `True`/`False`.
    Boolean,
    /// All parse with Python `float()` and match `^[+-]?\d+$`.
    Integer,
    /// All parse with Python `float()`, some are not plain integers.
    Float,
    /// None parses as a number.
    String,
    /// Some parse as numbers and some do not.
    Mixed,
    /// No non-missing field (the README leaves this case open).
    Empty,
}

/// RAIA's semantic type, used by the API to pick checks and charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SemanticType {
    /// Whole numbers (int64, or float64 only because of missing values).
    Integer,
    /// Real numbers.
    Float,
    /// Two-valued `True`/`False`.
    Boolean,
    /// ISO-8601 dates or timestamps.
    Datetime,
    /// Few distinct strings.
    Categorical,
    /// Free text.
    Text,
    /// Unique-ish tokens such as customer ids.
    Identifier,
    /// No non-missing value.
    Empty,
}

/// Thresholds of [`semantic_type`] (defaults in brackets).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SemanticThresholds {
    /// Identifier: `distinct / count >= ratio` [0.9, the README's high-cardinality bar],
    /// at least [`SemanticThresholds::identifier_min_count`] values, and no value
    /// containing inner whitespace.
    pub identifier_min_ratio: f64,
    /// Minimum non-missing values before a column can be an identifier [10].
    pub identifier_min_count: usize,
    /// Categorical: at most this many distinct values [50] ...
    pub categorical_max_distinct: usize,
    /// ... or a distinct/count ratio at most this [0.05] (repeated labels in big tables).
    pub categorical_max_ratio: f64,
    /// Text wins over categorical when values average at least this many words [3].
    pub text_min_mean_words: f64,
}

impl Default for SemanticThresholds {
    fn default() -> Self {
        SemanticThresholds {
            identifier_min_ratio: 0.9,
            identifier_min_count: 10,
            categorical_max_distinct: 50,
            categorical_max_ratio: 0.05,
            text_min_mean_words: 3.0,
        }
    }
}

/// pandas' `infer_dtype` label.
pub fn infer_dtype(col: &Column, count: usize) -> InferDtype {
    match (&col.dtype, &col.data) {
        (PandasDtype::Int64, _) => InferDtype::Integer,
        (PandasDtype::Float64, _) => InferDtype::Floating,
        (_, ColumnData::Bool(_)) => InferDtype::Boolean,
        _ if count == 0 => InferDtype::Empty,
        _ => InferDtype::String,
    }
}

/// The README's raw-text type from the counts gathered while parsing.
pub fn inferred_type(raw: &RawStats, count: usize) -> InferredType {
    if count == 0 {
        InferredType::Empty
    } else if raw.bool_literal == count {
        InferredType::Boolean
    } else if raw.py_numeric == count {
        if raw.int_pattern == count {
            InferredType::Integer
        } else {
            InferredType::Float
        }
    } else if raw.py_numeric == 0 {
        InferredType::String
    } else {
        InferredType::Mixed
    }
}

/// Semantic type, decided in this order:
/// 1. no value -> empty; booleans -> boolean;
/// 2. numbers (pandas numeric dtype, or raw text all numeric) -> integer when every value
///    is a plain integer, else float;
/// 3. strings that are all ISO-8601 dates/timestamps (after stripping) -> datetime;
/// 4. unique-ish single tokens -> identifier (see [`SemanticThresholds`]);
/// 5. values averaging several words -> text;
/// 6. few distinct values -> categorical; anything else -> text.
///
/// `words` is the mean whitespace-separated word count of the non-missing values.
pub fn semantic_type(
    col: &Column,
    inferred: InferredType,
    count: usize,
    distinct: usize,
    t: &SemanticThresholds,
) -> SemanticType {
    match inferred {
        InferredType::Empty => return SemanticType::Empty,
        InferredType::Boolean => return SemanticType::Boolean,
        InferredType::Integer => return SemanticType::Integer,
        InferredType::Float => return SemanticType::Float,
        _ => {}
    }
    let strings = match &col.data {
        ColumnData::Bool(_) => return SemanticType::Boolean,
        ColumnData::Object(s) => s,
        _ => return SemanticType::Float,
    };
    let values = &strings.values;
    if values.iter().all(|v| is_iso_datetime(py_strip(v))) {
        return SemanticType::Datetime;
    }
    let ratio = distinct as f64 / count as f64;
    let single_token = || {
        values
            .iter()
            .all(|v| !py_strip(v).contains(char::is_whitespace))
    };
    if ratio >= t.identifier_min_ratio && count >= t.identifier_min_count && single_token() {
        return SemanticType::Identifier;
    }
    let mut counts = vec![0usize; values.len()];
    for &c in &strings.codes {
        if let Some(k) = counts.get_mut(c as usize) {
            *k += 1;
        }
    }
    let words: usize = values
        .iter()
        .zip(&counts)
        .map(|(v, &k)| v.split_whitespace().count() * k)
        .sum();
    if words as f64 / count as f64 >= t.text_min_mean_words {
        return SemanticType::Text;
    }
    if distinct <= t.categorical_max_distinct || ratio <= t.categorical_max_ratio {
        SemanticType::Categorical
    } else {
        SemanticType::Text
    }
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.f+]]` and an
/// optional `Z` or `+HH:MM`/`-HH:MM`/`+HHMM` offset; calendar-checked (leap years too).
pub fn is_iso_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let d = b.get(r)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0, |a, &x| a * 10 + u32::from(x - b'0')))
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    if b[4] != b'-' || b[7] != b'-' || !(1..=12).contains(&m) {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d == 0 || d > days[(m - 1) as usize] {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if !matches!(b[10], b'T' | b' ') {
        return false;
    }
    let (Some(hh), Some(mm)) = (num(11..13), num(14..16)) else {
        return false;
    };
    if b.get(13) != Some(&b':') || hh > 23 || mm > 59 {
        return false;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        match num(17..19) {
            Some(ss) if ss <= 60 => i = 19,
            _ => return false,
        }
        if b.get(i) == Some(&b'.') {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return false;
            }
            i += 1 + digits;
        }
    }
    match &b[i..] {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] | [b'+' | b'-', h1, h2, m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}
