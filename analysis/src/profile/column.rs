//! Raw per-column field storage and its conversion to a typed [`Column`] with pandas
//! `read_csv` dtype rules.
//!
//! The tokenizer appends every field's bytes to its column's arena (no per-field
//! allocation). Conversion is one pass per column with a widening state machine:
//! empty -> int -> float, empty -> bool, and anything -> object on the first field that
//! does not fit. Object columns intern their fields (a hash map of byte slices borrowed
//! from the arena), so only distinct values become `String`s.

use super::acc::{intern_rows, Acc, Flags};
use super::error::{ProfileError, Result};
use super::intern::Interner;
use super::lexeme::{is_int_pattern, padding, py_float_ok, Padding};
use super::na::NaMatcher;
use super::table::{Column, ColumnData, PandasDtype, RawStats, Strings, MISSING_CODE};

const QUOTED: u64 = 1 << 63;
const PAD: u64 = 1 << 62;
const END_MASK: u64 = PAD - 1;

/// Unescaped field bytes of one column, with per-field quoted/padded flags packed into
/// the top bits of the end offsets.
#[derive(Debug, Default)]
pub(crate) struct RawColumn {
    bytes: Vec<u8>,
    ends: Vec<u64>,
}

impl RawColumn {
    pub(crate) fn push(&mut self, field: &[u8], quoted: bool) {
        self.bytes.extend_from_slice(field);
        self.ends
            .push(self.bytes.len() as u64 | if quoted { QUOTED } else { 0 });
    }

    /// Reserves room for `rows` fields of `bytes` bytes in total.
    pub(crate) fn reserve(&mut self, rows: usize, bytes: usize) {
        self.ends.reserve(rows.saturating_sub(self.ends.len()));
        self.bytes.reserve(bytes.saturating_sub(self.bytes.len()));
    }

    /// Removes the last field (a blank line's only field).
    pub(crate) fn pop(&mut self) {
        self.ends.pop();
        let end = self.ends.last().map_or(0, |&e| (e & END_MASK) as usize);
        self.bytes.truncate(end);
    }

    /// A field missing from a short row (always NaN, like pandas).
    pub(crate) fn push_pad(&mut self) {
        self.ends.push(self.bytes.len() as u64 | PAD);
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Concatenation of consecutive row ranges of one column.
    pub(crate) fn concat(parts: &[RawColumn]) -> RawColumn {
        let mut out = RawColumn {
            bytes: Vec::with_capacity(parts.iter().map(|p| p.bytes.len()).sum()),
            ends: Vec::with_capacity(parts.iter().map(|p| p.ends.len()).sum()),
        };
        for p in parts {
            let offset = out.bytes.len() as u64;
            out.bytes.extend_from_slice(&p.bytes);
            out.ends.extend(
                p.ends
                    .iter()
                    .map(|&e| ((e & END_MASK) + offset) | (e & !END_MASK)),
            );
        }
        out
    }

    pub(crate) fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    #[inline]
    pub(crate) fn field(&self, i: usize) -> (&[u8], u64) {
        let start = if i == 0 {
            0
        } else {
            (self.ends[i - 1] & END_MASK) as usize
        };
        let e = self.ends[i];
        (&self.bytes[start..(e & END_MASK) as usize], e & !END_MASK)
    }
}

/// Converts one raw column; `quoted_na` decides whether a quoted NA token is missing.
pub(crate) fn convert(
    name: String,
    raw: &RawColumn,
    na: &NaMatcher,
    quoted_na: bool,
) -> Result<Column> {
    let n = raw.len();
    let mut missing = vec![false; n];
    let mut stats = RawStats::default();
    let mut na_counts = vec![0usize; na.len()];
    let mut pads = 0usize;
    let mut flags = Flags::default();
    let mut acc = Acc::Empty(0);
    for i in 0..n {
        let (text, bits) = raw.field(i);
        let token = if bits & PAD != 0 {
            pads += 1;
            true
        } else if quoted_na || bits & QUOTED == 0 {
            na.find(text).map(|t| na_counts[t] += 1).is_some()
        } else {
            false
        };
        if token {
            missing[i] = true;
            acc.push_missing();
            continue;
        }
        match padding(text) {
            Padding::None => {}
            Padding::WhitespaceOnly => stats.whitespace_only += 1,
            Padding::Padded => stats.padded += 1,
        }
        acc.push(text, i, raw, &missing, &mut flags);
    }
    for (i, &c) in na_counts.iter().enumerate().filter(|(_, &c)| c > 0) {
        *stats
            .missing_tokens
            .entry(na.token(i).to_string())
            .or_default() += c;
    }
    if pads > 0 {
        *stats.missing_tokens.entry(String::new()).or_default() += pads;
    }
    let count = n - missing.iter().filter(|&&m| m).count();
    let any_missing = count < n;
    stats.int_pattern = flags.int_pattern;
    stats.bool_literal = flags.bool_literal;
    let (dtype, data) = match acc {
        Acc::Empty(_) if n == 0 => (PandasDtype::Object, ColumnData::Object(Strings::default())),
        Acc::Empty(_) => (PandasDtype::Float64, ColumnData::Float64(vec![f64::NAN; n])),
        Acc::Int(v) if any_missing => {
            let f = v
                .iter()
                .zip(&missing)
                .map(|(&x, &m)| if m { f64::NAN } else { x as f64 });
            (PandasDtype::Float64, ColumnData::Float64(f.collect()))
        }
        Acc::Int(v) => (PandasDtype::Int64, ColumnData::Int64(v)),
        // pandas keeps an int column whose values overflow int64 as strings, unless a
        // real float makes it float64 anyway.
        Acc::Float(_) if flags.overflow && !flags.real_float => {
            finish_object(&name, intern_rows(raw, &missing, n), &mut stats)?
        }
        Acc::Float(v) => (PandasDtype::Float64, ColumnData::Float64(v)),
        Acc::Bool(v) if any_missing => (PandasDtype::Object, ColumnData::Bool(v)),
        Acc::Bool(v) => (PandasDtype::Bool, ColumnData::Bool(v)),
        Acc::Object(it) => finish_object(&name, it, &mut stats)?,
    };
    if dtype.is_numeric() {
        // Everything pandas reads as a number, Python's float() accepts too.
        stats.py_numeric = count;
    }
    Ok(Column {
        name,
        dtype,
        data,
        missing,
        raw: stats,
    })
}

/// Validates UTF-8 of distinct values and fills the per-distinct raw statistics.
fn finish_object(
    name: &str,
    it: Interner<'_>,
    stats: &mut RawStats,
) -> Result<(PandasDtype, ColumnData)> {
    // Counts gathered while the column still looked numeric/bool are redone per value.
    stats.py_numeric = 0;
    stats.int_pattern = 0;
    stats.bool_literal = 0;
    let mut counts = vec![0usize; it.values.len()];
    for &c in &it.codes {
        if c != MISSING_CODE {
            counts[c as usize] += 1;
        }
    }
    let mut values = Vec::with_capacity(it.values.len());
    for (k, bytes) in it.values.iter().enumerate() {
        let s = std::str::from_utf8(bytes).map_err(|_| ProfileError::InvalidUtf8 {
            column: name.to_string(),
            row: Some(it.first_row[k]),
        })?;
        let c = counts[k];
        stats.py_numeric += if py_float_ok(s) { c } else { 0 };
        stats.int_pattern += if is_int_pattern(bytes) { c } else { 0 };
        stats.bool_literal += if s == "True" || s == "False" { c } else { 0 };
        values.push(s.to_string());
    }
    Ok((
        PandasDtype::Object,
        ColumnData::Object(Strings {
            codes: it.codes,
            values,
        }),
    ))
}
