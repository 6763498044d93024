//! Compares fixture values with ours, key by key, with the README's tolerances. A key
//! without a known tolerance is a failure, so new fixture keys cannot slip through.

use std::collections::BTreeMap;

use serde_json::Value;

use super::json::Json;

/// How closely a key must match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tol {
    /// Bit-equal numbers, equal strings/bools/lists/objects.
    Exact,
    /// `|a - b| <= tol`.
    Abs(f64),
    /// `|a - b| <= tol * |b|`.
    Rel(f64),
}

/// Tolerance of a dataset/column key (README "Recommended tolerances").
pub fn tolerance(key: &str) -> Option<Tol> {
    const EXACT: &[&str] = &[
        // dataset
        "rows",
        "columns",
        "column_names",
        "duplicate_row_count",
        "duplicate_rows_all_occurrences",
        "rows_after_drop_duplicates",
        "constant_columns",
        "total_cells",
        "total_missing_cells",
        "missing_cell_fraction",
        "rows_with_any_missing",
        "complete_rows",
        "columns_with_missing",
        "numeric_columns",
        "high_cardinality_columns",
        "mixed_type_columns",
        // columns
        "pandas_dtype",
        "pandas_infer_dtype",
        "inferred_type",
        "count",
        "missing_count",
        "missing_fraction",
        "distinct_count",
        "unique_ratio",
        "is_constant",
        "raw_missing_tokens",
        "raw_whitespace_only_count",
        "raw_padded_count",
        "is_numeric",
        "iqr_outlier_count",
        "iqr_outlier_low_count",
        "iqr_outlier_high_count",
        "zscore_outlier_count",
        "zscore_outlier_count_ddof0",
        "top_values",
        "distinct_count_after_strip",
        "numeric_parsable_count",
        "non_numeric_count",
    ];
    const ABS: &[&str] = &[
        "min",
        "max",
        "median",
        "q25",
        "q75",
        "iqr",
        "iqr_lower_fence",
        "iqr_upper_fence",
    ];
    const REL: &[&str] = &["mean", "sum", "std", "std_ddof0"];
    if EXACT.contains(&key) {
        Some(Tol::Exact)
    } else if ABS.contains(&key) {
        Some(Tol::Abs(1e-9))
    } else if REL.contains(&key) {
        Some(Tol::Rel(1e-12))
    } else {
        None
    }
}

/// Collects failures and the largest deviation per key.
#[derive(Default)]
pub struct Checker {
    failures: Vec<String>,
    compared: usize,
    max_err: BTreeMap<String, f64>,
}

impl Checker {
    pub fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    /// Compares every key of the expected object `exp` with `mine` (a serialized struct).
    pub fn object(&mut self, path: &str, exp: &Json, mine: &Value) {
        for (key, e) in exp.entries() {
            let here = format!("{path}.{key}");
            let Some(tol) = tolerance(key) else {
                self.fail(format!("{here}: key has no known tolerance (not compared)"));
                continue;
            };
            match mine.get(key) {
                Some(m) => self.value(&here, key, tol, e, m),
                None => self.fail(format!("{here}: missing from our output")),
            }
        }
    }

    fn value(&mut self, path: &str, key: &str, tol: Tol, exp: &Json, mine: &Value) {
        self.compared += 1;
        match (exp, tol) {
            (Json::Num(_), Tol::Abs(_) | Tol::Rel(_)) => {
                let (e, m) = (exp.as_f64(), mine.as_f64());
                let Some(m) = m else {
                    return self.fail(format!("{path}: expected {e}, got {mine}"));
                };
                let (err, limit) = match tol {
                    Tol::Abs(t) => ((e - m).abs(), t),
                    Tol::Rel(t) => ((e - m).abs() / e.abs().max(f64::MIN_POSITIVE), t),
                    Tol::Exact => unreachable!(),
                };
                let slot = self.max_err.entry(key.to_string()).or_insert(0.0);
                *slot = slot.max(err);
                if err.is_nan() || err > limit {
                    self.fail(format!("{path}: expected {e:?}, got {m:?} (error {err:e})"));
                }
            }
            _ => {
                if !same(exp, mine) {
                    self.fail(format!("{path}: expected {exp:?}, got {mine}"));
                }
            }
        }
    }

    /// Prints the error table and panics on any failure.
    pub fn finish(self) {
        eprintln!(
            "compared {} values; max error per toleranced key:",
            self.compared
        );
        for (k, e) in &self.max_err {
            eprintln!("  {k:<18} {e:e}");
        }
        assert!(self.compared > 0, "nothing compared");
        assert!(
            self.failures.is_empty(),
            "{} mismatches:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// Exact structural equality; numbers compare as f64 bit patterns (the fixture's encoding
/// of non-finite values, `null`/`"inf"`/`"-inf"`, is compared as-is).
pub fn same(exp: &Json, mine: &Value) -> bool {
    match (exp, mine) {
        (Json::Null, Value::Null) => true,
        (Json::Bool(a), Value::Bool(b)) => a == b,
        (Json::Num(_), Value::Number(n)) => n
            .as_f64()
            .is_some_and(|m| m.to_bits() == exp.as_f64().to_bits() || m == exp.as_f64()),
        (Json::Str(a), Value::String(b)) => a == b,
        (Json::Arr(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Json::Obj(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|m| same(v, m)))
        }
        _ => false,
    }
}
