//! The data-quality assessment: the profile's findings (see `analysis::profile::quality`
//! for the score), plus almost-constant columns, empty strings and out-of-range values,
//! each with sample rows and a recommendation.
//!
//! Score (stored as `quality_score`, in [0, 1]):
//! `0.4 completeness + 0.2 uniqueness + 0.2 validity + 0.2 consistency` where
//! completeness = 1 - missing cells / cells, uniqueness = 1 - duplicate rows / rows,
//! validity = 1 - (padded + whitespace-only + minority-type values) / cells and
//! consistency = 1 - (constant columns, columns with whitespace variants, columns with
//! several spellings of missing) / columns.

use std::collections::HashMap;

use analysis::profile::{
    ColumnData, ColumnProfile, IssueKind, Profile, QualityIssue, Severity, Table,
};
use domain::dataset::{QualityAssessment, QualityFinding};

/// Sample rows kept per finding.
pub const SAMPLE_ROWS: usize = 5;
/// Share of one value at or above which a non-constant column is almost constant.
pub const ALMOST_CONSTANT_SHARE: f64 = 0.95;

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

fn kind_str(k: IssueKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn recommendation(kind: &str) -> &'static str {
    match kind {
        "duplicate_rows" => "Drop exact duplicate rows, or find why the source emits them twice.",
        "constant_column" => "Drop the column: a single value carries no information.",
        "almost_constant_column" => "Check whether the rare values are errors; consider dropping the column.",
        "missing_values" => "Impute (median for numbers, mode for labels) or drop the rows; find why values are missing.",
        "multiple_missing_tokens" => "Use one spelling for missing values at the source.",
        "mixed_types" => "Separate numbers from words: fix the entries of the minority type or split the column.",
        "padded_values" => "Trim leading and trailing whitespace.",
        "whitespace_only_values" => "Treat whitespace-only values as missing or fix them at the source.",
        "whitespace_variants" => "Trim whitespace so that variants of one value become one value.",
        "iqr_outliers" => "Inspect values beyond the IQR fences; clip them or fix data-entry errors.",
        "zscore_outliers" => "Inspect values more than 3 standard deviations from the mean.",
        "high_cardinality" => "Treat the column as an identifier, not as a feature.",
        "empty_strings" => "Empty strings are read as missing; store an explicit value if they mean something.",
        "out_of_range_values" => "Negative values in an otherwise non-negative column: check their sign or unit.",
        _ => "Review the affected rows.",
    }
}

fn severity_of(fraction: f64) -> &'static str {
    if fraction >= 0.3 {
        "critical"
    } else if fraction >= 0.05 {
        "warning"
    } else {
        "info"
    }
}

fn first_rows(n: usize, mut hit: impl FnMut(usize) -> bool) -> Vec<u64> {
    (0..n)
        .filter(|&r| hit(r))
        .take(SAMPLE_ROWS)
        .map(|r| r as u64)
        .collect()
}

fn is_padded(v: &str) -> bool {
    let t = v.trim();
    !t.is_empty() && t.len() != v.len()
}

fn is_blank(v: &str) -> bool {
    !v.is_empty() && v.trim().is_empty()
}

fn is_number(v: &str) -> bool {
    v.trim().parse::<f64>().is_ok()
}

/// Rows equal to an earlier row in every column (pandas `duplicated()`), first few.
fn duplicate_rows(table: &Table) -> Vec<u64> {
    use std::hash::{Hash, Hasher};
    let hash = |r: usize| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for c in &table.columns {
            c.missing[r].hash(&mut h);
            if !c.missing[r] {
                match &c.data {
                    ColumnData::Int64(v) => v[r].hash(&mut h),
                    ColumnData::Float64(v) => v[r].to_bits().hash(&mut h),
                    ColumnData::Bool(v) => v[r].hash(&mut h),
                    ColumnData::Object(s) => s.codes[r].hash(&mut h),
                }
            }
        }
        h.finish()
    };
    let equal = |a: usize, b: usize| {
        table.columns.iter().all(|c| {
            c.missing[a] == c.missing[b]
                && (c.missing[a]
                    || match &c.data {
                        ColumnData::Int64(v) => v[a] == v[b],
                        ColumnData::Float64(v) => v[a] == v[b],
                        ColumnData::Bool(v) => v[a] == v[b],
                        ColumnData::Object(s) => s.codes[a] == s.codes[b],
                    })
        })
    };
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut out = Vec::new();
    for r in 0..table.rows {
        let bucket = seen.entry(hash(r)).or_default();
        if bucket.iter().any(|&e| equal(e, r)) {
            out.push(r as u64);
            if out.len() == SAMPLE_ROWS {
                break;
            }
        } else {
            bucket.push(r);
        }
    }
    out
}

fn samples(table: &Table, profile: &ColumnProfile, kind: IssueKind) -> Vec<u64> {
    let Some(col) = table.column(&profile.name) else {
        return Vec::new();
    };
    let n = table.rows;
    let text = |r: usize| match &col.data {
        ColumnData::Object(s) if !col.missing[r] => s.get(r),
        _ => None,
    };
    match kind {
        IssueKind::MissingValues | IssueKind::MultipleMissingTokens => {
            first_rows(n, |r| col.missing[r])
        }
        IssueKind::PaddedValues | IssueKind::WhitespaceVariants => {
            first_rows(n, |r| text(r).is_some_and(is_padded))
        }
        IssueKind::WhitespaceOnlyValues => first_rows(n, |r| text(r).is_some_and(is_blank)),
        IssueKind::MixedTypes => {
            let numbers_rare = profile
                .object
                .as_ref()
                .is_some_and(|o| o.numeric_parsable_count <= o.non_numeric_count);
            first_rows(n, |r| text(r).is_some_and(|v| is_number(v) == numbers_rare))
        }
        IssueKind::IqrOutliers => match &profile.numeric {
            Some(s) => first_rows(n, |r| {
                col.f64_at(r)
                    .is_some_and(|x| x < s.iqr_lower_fence || x > s.iqr_upper_fence)
            }),
            None => Vec::new(),
        },
        IssueKind::ZscoreOutliers => match &profile.numeric {
            Some(s) => first_rows(n, |r| {
                col.f64_at(r)
                    .is_some_and(|x| ((x - s.mean) / s.std).abs() > 3.0)
            }),
            None => Vec::new(),
        },
        IssueKind::DuplicateRows | IssueKind::ConstantColumn | IssueKind::HighCardinality => {
            Vec::new()
        }
    }
}

fn finding(table: &Table, profile: &Profile, i: &QualityIssue) -> QualityFinding {
    let kind = kind_str(i.kind);
    let sample_rows = match (&i.column, i.kind) {
        (None, IssueKind::DuplicateRows) => duplicate_rows(table),
        (Some(c), k) => profile
            .column(c)
            .map(|p| samples(table, p, k))
            .unwrap_or_default(),
        (None, _) => Vec::new(),
    };
    QualityFinding {
        recommendation: recommendation(&kind).to_owned(),
        kind,
        column: i.column.clone(),
        severity: severity_str(i.severity).to_owned(),
        count: i.count as u64,
        fraction: i.fraction,
        sample_rows,
    }
}

fn extra(table: &Table, profile: &Profile) -> Vec<QualityFinding> {
    let mut out = Vec::new();
    let n = table.rows;
    for (cp, col) in profile.columns.iter().zip(&table.columns) {
        let mut push = |kind: &str, count: usize, of: usize, sev: Option<&str>, rows| {
            if count > 0 {
                let fraction = count as f64 / of.max(1) as f64;
                out.push(QualityFinding {
                    kind: kind.to_owned(),
                    column: Some(cp.name.clone()),
                    severity: sev.unwrap_or_else(|| severity_of(fraction)).to_owned(),
                    count: count as u64,
                    fraction,
                    sample_rows: rows,
                    recommendation: recommendation(kind).to_owned(),
                });
            }
        };
        let top = cp
            .top_values
            .as_ref()
            .and_then(|t| t.first())
            .map(|t| t.count);
        if let Some(top) = top.filter(|_| !cp.is_constant && cp.count > 0) {
            let share = top as f64 / cp.count as f64;
            if share >= ALMOST_CONSTANT_SHARE {
                push(
                    "almost_constant_column",
                    cp.count - top,
                    cp.count,
                    Some("info"),
                    Vec::new(),
                );
            }
        }
        let empties = cp.raw_missing_tokens.get("").copied().unwrap_or(0);
        if !cp.is_numeric && empties > 0 {
            let rows = first_rows(n, |r| col.missing[r]);
            push("empty_strings", empties, n, None, rows);
        }
        if let Some(s) = &cp.numeric {
            let negative = (0..n)
                .filter(|&r| col.f64_at(r).is_some_and(|x| x < 0.0))
                .count();
            if negative > 0 && (negative as f64) <= 0.05 * cp.count as f64 && s.median > 0.0 {
                let rows = first_rows(n, |r| col.f64_at(r).is_some_and(|x| x < 0.0));
                push(
                    "out_of_range_values",
                    negative,
                    cp.count,
                    Some("warning"),
                    rows,
                );
            }
        }
    }
    out
}

fn rank(severity: &str) -> u8 {
    match severity {
        "critical" => 0,
        "warning" => 1,
        _ => 2,
    }
}

/// Assesses a table whose profile is known.
pub fn assess(table: &Table, profile: &Profile) -> QualityAssessment {
    let q = &profile.quality;
    let mut issues: Vec<QualityFinding> = q
        .issues
        .iter()
        .map(|i| finding(table, profile, i))
        .chain(extra(table, profile))
        .collect();
    issues.sort_by_key(|i| rank(&i.severity));
    let unit = |x: f64| {
        if x.is_finite() {
            x.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    QualityAssessment {
        score: unit(q.score / 100.0),
        completeness: unit(q.completeness),
        uniqueness: unit(q.uniqueness),
        validity: unit(q.validity),
        consistency: unit(q.consistency),
        issues,
    }
}
