//! The widening per-column accumulator of [`super::column::convert`]:
//! empty -> int -> float, empty -> bool, and anything -> object on the first field that
//! does not fit (pandas tries int64, then float64, then bool, then keeps strings).

use super::column::RawColumn;
use super::intern::Interner;
use super::number::{parse_bool, parse_number, Number};

/// Values parsed so far, full length (placeholders where missing).
pub(crate) enum Acc<'a> {
    /// Only missing values so far (how many).
    Empty(usize),
    Int(Vec<i64>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
    Object(Interner<'a>),
}

/// Interns rows `0..upto` (missing ones get [`super::table::MISSING_CODE`]).
pub(crate) fn intern_rows<'a>(raw: &'a RawColumn, missing: &[bool], upto: usize) -> Interner<'a> {
    let mut it = Interner::new(raw.len());
    for (row, &m) in missing.iter().enumerate().take(upto) {
        if m {
            it.push_missing();
        } else {
            it.push(raw.field(row).0, row);
        }
    }
    it
}

/// Per-column parsing facts besides the values.
#[derive(Default)]
pub(crate) struct Flags {
    /// An integer literal overflowed int64.
    pub(crate) overflow: bool,
    /// A literal with a decimal point, exponent or infinity was seen.
    pub(crate) real_float: bool,
    /// Non-missing fields matching `^[+-]?\d+$` (numeric/bool phases only).
    pub(crate) int_pattern: usize,
    /// Exact `True`/`False` fields (bool phase only).
    pub(crate) bool_literal: usize,
}

impl<'a> Acc<'a> {
    /// Adds the non-missing field `text` of `row`, widening the type when needed. The
    /// common cases mutate in place; only a type change rebuilds the accumulator.
    #[inline]
    pub(crate) fn push(
        &mut self,
        text: &'a [u8],
        row: usize,
        raw: &'a RawColumn,
        missing: &[bool],
        f: &mut Flags,
    ) {
        let number = match self {
            Acc::Object(it) => return it.push(text, row),
            Acc::Bool(v) => {
                if let Some(b) = parse_bool(text) {
                    f.bool_literal += usize::from(text == b"True" || text == b"False");
                    return v.push(b);
                }
                return self.become_object(raw, missing, row, text);
            }
            _ => parse_number(text),
        };
        let value = match (number, &mut *self) {
            (Number::Int(x, plain), Acc::Int(v)) => {
                f.int_pattern += usize::from(plain);
                return v.push(x);
            }
            (Number::Int(x, plain), Acc::Empty(gap)) => {
                f.int_pattern += usize::from(plain);
                let mut v = vec![0; *gap];
                v.reserve(raw.len() - *gap);
                v.push(x);
                *self = Acc::Int(v);
                return;
            }
            (Number::Int(x, plain), _) => {
                f.int_pattern += usize::from(plain);
                x as f64
            }
            (Number::BigInt(Some(x), plain), _) => {
                f.int_pattern += usize::from(plain);
                f.overflow = true;
                x
            }
            (Number::Float(x), _) => {
                f.real_float = true;
                x
            }
            (Number::BigInt(None, _) | Number::No, Acc::Empty(gap)) => {
                if let Some(b) = parse_bool(text) {
                    f.bool_literal += usize::from(text == b"True" || text == b"False");
                    let mut v = vec![false; *gap];
                    v.push(b);
                    *self = Acc::Bool(v);
                    return;
                }
                return self.become_object(raw, missing, row, text);
            }
            (Number::BigInt(None, _) | Number::No, _) => {
                return self.become_object(raw, missing, row, text)
            }
        };
        match self {
            Acc::Float(v) => v.push(value),
            Acc::Int(v) => {
                // pandas parses an int/float mix as float: ints convert exactly as it would.
                let mut fv: Vec<f64> = v
                    .iter()
                    .zip(missing)
                    .map(|(&x, &m)| if m { f64::NAN } else { x as f64 })
                    .collect();
                fv.reserve(raw.len() - fv.len());
                fv.push(value);
                *self = Acc::Float(fv);
            }
            Acc::Empty(gap) => {
                let mut fv = vec![f64::NAN; *gap];
                fv.reserve(raw.len() - *gap);
                fv.push(value);
                *self = Acc::Float(fv);
            }
            Acc::Bool(_) | Acc::Object(_) => self.become_object(raw, missing, row, text),
        }
    }

    /// Switches to object at `row`: earlier rows are interned, then `text`.
    fn become_object(&mut self, raw: &'a RawColumn, missing: &[bool], row: usize, text: &'a [u8]) {
        let mut it = intern_rows(raw, missing, row);
        it.push(text, row);
        *self = Acc::Object(it);
    }

    #[inline]
    pub(crate) fn push_missing(&mut self) {
        match self {
            Acc::Empty(gap) => *gap += 1,
            Acc::Int(v) => v.push(0),
            Acc::Float(v) => v.push(f64::NAN),
            Acc::Bool(v) => v.push(false),
            Acc::Object(it) => it.push_missing(),
        }
    }
}
