//! [`profile`]: per-column statistics in parallel, then table-level figures, correlations
//! and the quality report.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::correlation::correlations;
use super::duplicates::{duplicates, Duplicates};
use super::infer::{
    infer_dtype, inferred_type, semantic_type, InferredType, SemanticThresholds, SemanticType,
};
use super::lexeme::py_strip;
use super::parallel::{par_map, thread_count};
use super::quality::assess;
use super::rank::{column_values, Ranked};
use super::report::{ColumnProfile, DatasetProfile, ObjectStats, Profile, TopValue};
use super::stats::{numeric_stats, Thresholds};
use super::table::{Column, ColumnData, PandasDtype, Table, MISSING_CODE};

/// Knobs of [`profile`]; `Default` reproduces the fixture README.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileOptions {
    /// How many most frequent values to list [5].
    pub top_values: usize,
    /// Histogram bins of numeric columns [10] (0 disables histograms).
    pub histogram_bins: usize,
    /// `distinct / count` at or above which a non-numeric column is high-cardinality [0.9].
    pub high_cardinality_ratio: f64,
    /// IQR fence multiplier [1.5].
    pub iqr_multiplier: f64,
    /// z-score outlier threshold, strict `>` [3.0].
    pub zscore_threshold: f64,
    /// Compute correlation matrices [false: the fixture's profile has none, and they
    /// cost about as much as the rest of the profile on wide numeric tables].
    pub correlations: bool,
    /// Categorical/boolean columns with 2..=this many distinct values enter Cramér's V [50].
    pub max_categories: usize,
    /// Semantic-type thresholds.
    pub semantic: SemanticThresholds,
    /// Worker threads (0 = available parallelism).
    pub threads: usize,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            top_values: 5,
            histogram_bins: 10,
            high_cardinality_ratio: 0.9,
            iqr_multiplier: 1.5,
            zscore_threshold: 3.0,
            correlations: false,
            max_categories: 50,
            semantic: SemanticThresholds::default(),
            threads: 0,
        }
    }
}

enum Job {
    Column(Box<ColumnProfile>, Option<Ranked>),
    Duplicates(Duplicates),
}

/// Profiles every column and the table as a whole.
pub fn profile(table: &Table, options: &ProfileOptions) -> Profile {
    let threads = thread_count(options.threads);
    let n = table.columns.len();
    // Job n (duplicate detection touches every column) is the heaviest, so it starts first.
    let mut weights = vec![1; n + 1];
    weights[n] = 2;
    let jobs = par_map(n + 1, threads, &weights, |i| match table.columns.get(i) {
        Some(col) => {
            let (profile, ranked) = column_profile(col, table.rows, options);
            Job::Column(Box::new(profile), ranked)
        }
        None => Job::Duplicates(duplicates(&table.columns, table.rows, 1)),
    });
    let mut columns = Vec::with_capacity(n);
    let mut ranked = Vec::new();
    let mut dups = Duplicates {
        later_copies: 0,
        all_occurrences: 0,
    };
    for job in jobs {
        match job {
            Job::Column(c, r) => {
                columns.push(*c);
                ranked.extend(r);
            }
            Job::Duplicates(d) => dups = d,
        }
    }
    let dataset = dataset_profile(table, &columns, dups, options);
    let correlations = options.correlations.then(|| {
        let numeric: Vec<usize> = (0..n).filter(|&i| columns[i].is_numeric).collect();
        let categorical: Vec<usize> = (0..n)
            .filter(|&i| {
                matches!(
                    columns[i].semantic_type,
                    SemanticType::Categorical | SemanticType::Boolean
                )
            })
            .filter(|&i| (2..=options.max_categories).contains(&columns[i].distinct_count))
            .collect();
        correlations(&table.columns, &numeric, ranked, &categorical, threads)
    });
    let quality = assess(&dataset, &columns);
    Profile {
        dataset,
        columns,
        correlations,
        quality,
    }
}

fn names<'a>(columns: impl Iterator<Item = &'a ColumnProfile>) -> Vec<String> {
    columns.map(|c| c.name.clone()).collect()
}

fn dataset_profile(
    table: &Table,
    columns: &[ColumnProfile],
    dups: Duplicates,
    options: &ProfileOptions,
) -> DatasetProfile {
    let rows = table.rows;
    let mut any_missing = vec![false; rows];
    for col in &table.columns {
        for (a, &m) in any_missing.iter_mut().zip(&col.missing) {
            *a |= m;
        }
    }
    let rows_with_any_missing = any_missing.iter().filter(|&&m| m).count();
    let total_cells = rows * columns.len();
    let total_missing_cells = columns.iter().map(|c| c.missing_count).sum();
    DatasetProfile {
        rows,
        columns: columns.len(),
        column_names: names(columns.iter()),
        duplicate_row_count: dups.later_copies,
        duplicate_rows_all_occurrences: dups.all_occurrences,
        rows_after_drop_duplicates: rows - dups.later_copies,
        constant_columns: names(columns.iter().filter(|c| c.is_constant)),
        total_cells,
        total_missing_cells,
        missing_cell_fraction: total_missing_cells as f64 / total_cells as f64,
        rows_with_any_missing,
        complete_rows: rows - rows_with_any_missing,
        columns_with_missing: names(columns.iter().filter(|c| c.missing_count > 0)),
        numeric_columns: names(columns.iter().filter(|c| c.is_numeric)),
        high_cardinality_columns: names(columns.iter().filter(|c| {
            !c.is_numeric && c.count > 0 && c.unique_ratio >= options.high_cardinality_ratio
        })),
        mixed_type_columns: names(
            columns
                .iter()
                .filter(|c| c.inferred_type == InferredType::Mixed),
        ),
    }
}

/// Value counts of a non-numeric column as (value, count), any order.
fn value_counts(col: &Column) -> Vec<(&str, usize)> {
    match &col.data {
        ColumnData::Object(s) => {
            let mut counts = vec![0usize; s.values.len()];
            for &c in &s.codes {
                if c != MISSING_CODE {
                    counts[c as usize] += 1;
                }
            }
            s.values
                .iter()
                .map(String::as_str)
                .zip(counts)
                .filter(|(_, k)| *k > 0)
                .collect()
        }
        ColumnData::Bool(v) => {
            let (mut t, mut f) = (0, 0);
            for (&b, &m) in v.iter().zip(&col.missing) {
                if !m {
                    if b {
                        t += 1;
                    } else {
                        f += 1;
                    }
                }
            }
            [("True", t), ("False", f)]
                .into_iter()
                .filter(|(_, k)| *k > 0)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The `k` most frequent values, by count descending then value ascending (Python's
/// code-point order equals UTF-8 byte order). Selection first, so a million distinct
/// ids are not fully sorted.
fn top_values(mut counts: Vec<(&str, usize)>, k: usize) -> Vec<TopValue> {
    let order = |a: &(&str, usize), b: &(&str, usize)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
    if k == 0 {
        return Vec::new();
    }
    if counts.len() > k {
        counts.select_nth_unstable_by(k - 1, order);
        counts.truncate(k);
    }
    counts.sort_unstable_by(order);
    counts
        .into_iter()
        .map(|(v, c)| TopValue {
            value: v.to_string(),
            count: c,
        })
        .collect()
}

/// One column's profile, plus its ranks when correlations will need them.
fn column_profile(
    col: &Column,
    rows: usize,
    options: &ProfileOptions,
) -> (ColumnProfile, Option<Ranked>) {
    let missing_count = col.missing_count();
    let count = rows - missing_count;
    let thresholds = Thresholds {
        iqr_multiplier: options.iqr_multiplier,
        zscore: options.zscore_threshold,
        bins: options.histogram_bins,
    };
    // Ranking for Spearman sorts the column anyway; the statistics reuse that order.
    let (ranked, sorted) = match column_values(col).filter(|_| options.correlations) {
        Some(values) => {
            let (r, sorted) = Ranked::with_sorted(values);
            (Some(r), Some(sorted))
        }
        None => (None, None),
    };
    let (numeric, distinct, top, object) = match numeric_stats(col, sorted, thresholds) {
        Some((stats, distinct)) => (Some(stats), distinct, None, None),
        None => {
            let counts = value_counts(col);
            let distinct = counts.len();
            let object = (col.dtype == PandasDtype::Object).then(|| ObjectStats {
                distinct_count_after_strip: distinct_after_strip(col, &counts),
                numeric_parsable_count: col.raw.py_numeric,
                non_numeric_count: count - col.raw.py_numeric,
            });
            (
                None,
                distinct,
                Some(top_values(counts, options.top_values)),
                object,
            )
        }
    };
    let inferred = inferred_type(&col.raw, count);
    let profile = ColumnProfile {
        name: col.name.clone(),
        pandas_dtype: col.dtype,
        pandas_infer_dtype: infer_dtype(col, count),
        inferred_type: inferred,
        semantic_type: semantic_type(col, inferred, count, distinct, &options.semantic),
        count,
        missing_count,
        missing_fraction: missing_count as f64 / rows as f64,
        distinct_count: distinct,
        unique_ratio: distinct as f64 / count as f64,
        is_constant: distinct == 1,
        raw_missing_tokens: col.raw.missing_tokens.clone(),
        raw_whitespace_only_count: col.raw.whitespace_only,
        raw_padded_count: col.raw.padded,
        is_numeric: col.dtype.is_numeric(),
        numeric,
        top_values: top,
        object,
    };
    (profile, ranked)
}

/// Distinct values after Python `strip()`; without any padded or whitespace-only field
/// stripping changes nothing, so the hash set is skipped.
fn distinct_after_strip(col: &Column, counts: &[(&str, usize)]) -> usize {
    if col.raw.padded == 0 && col.raw.whitespace_only == 0 {
        return counts.len();
    }
    counts
        .iter()
        .map(|(v, _)| py_strip(v))
        .collect::<HashSet<_>>()
        .len()
}
