//! Checks of `expected.json -> meta`: the NA token list and per-role expectations. Column
//! names come from `meta.roles`, never from this file.

use super::super::{
    ColumnProfile, IssueKind, PandasDtype, Profile, SemanticType, PANDAS_NA_TOKENS,
};
use super::checker::Checker;
use super::json::Json;

/// Keys describing how the fixture was made; read but not compared with our output.
const INFORMATIONAL: &[&str] = &[
    "area",
    "set",
    "generator",
    "seed",
    "data_file",
    "read_with",
    "non_finite_encoding",
    "versions",
];

pub fn check(meta: &Json, profile: &Profile, checker: &mut Checker) {
    for (key, value) in meta.entries() {
        match key.as_str() {
            "pandas_default_na_tokens" => {
                let theirs: Vec<&str> = match value {
                    Json::Arr(items) => items.iter().map(Json::as_str).collect(),
                    other => panic!("na tokens: {other:?}"),
                };
                let mut a = theirs.clone();
                let mut b = PANDAS_NA_TOKENS.to_vec();
                a.sort_unstable();
                b.sort_unstable();
                if a != b {
                    checker.fail(format!(
                        "meta.pandas_default_na_tokens: {theirs:?} != {b:?}"
                    ));
                }
            }
            "roles" => {
                for (role, name) in value.entries() {
                    match profile.column(name.as_str()) {
                        Some(col) => role_check(role, col, profile, checker),
                        None => checker.fail(format!("role {role}: no column {name:?}")),
                    }
                }
            }
            k if INFORMATIONAL.contains(&k) => {}
            k => checker.fail(format!("meta.{k}: unknown key (not compared)")),
        }
    }
}

fn has_issue(profile: &Profile, kind: IssueKind, column: &str) -> bool {
    profile
        .quality
        .issues
        .iter()
        .any(|i| i.kind == kind && i.column.as_deref() == Some(column))
}

/// What each role implies beyond expected.json's numbers (semantic types, issues).
fn role_check(role: &str, c: &ColumnProfile, p: &Profile, checker: &mut Checker) {
    let n = c.name.as_str();
    let numeric = |c: &ColumnProfile| c.numeric.clone().unwrap();
    let ok = match role {
        "id" => {
            c.semantic_type == SemanticType::Identifier
                && p.dataset.high_cardinality_columns.iter().any(|x| x == n)
        }
        "integer_with_missing_and_outliers" => {
            c.semantic_type == SemanticType::Integer
                && c.pandas_dtype == PandasDtype::Float64
                && numeric(c).iqr_outlier_count > 0
                && has_issue(p, IssueKind::MissingValues, n)
        }
        "heavy_tailed_float_with_missing" => {
            c.semantic_type == SemanticType::Float && has_issue(p, IssueKind::IqrOutliers, n)
        }
        "float_with_zscore_outliers" => {
            c.semantic_type == SemanticType::Float && has_issue(p, IssueKind::ZscoreOutliers, n)
        }
        "categorical_with_whitespace_and_na_tokens" => {
            c.semantic_type == SemanticType::Categorical
                && has_issue(p, IssueKind::WhitespaceVariants, n)
                && has_issue(p, IssueKind::MultipleMissingTokens, n)
        }
        "constant" => has_issue(p, IssueKind::ConstantColumn, n),
        "mixed_type" => has_issue(p, IssueKind::MixedTypes, n),
        "free_text_with_empty_strings" => {
            c.pandas_dtype == PandasDtype::Object
                && has_issue(p, IssueKind::WhitespaceOnlyValues, n)
                && has_issue(p, IssueKind::PaddedValues, n)
        }
        "boolean" => c.semantic_type == SemanticType::Boolean,
        "integer_no_missing_with_outliers" => {
            c.semantic_type == SemanticType::Integer && c.pandas_dtype == PandasDtype::Int64
        }
        // A role this test does not know: the column's existence was checked above.
        _ => true,
    };
    if !ok {
        checker.fail(format!(
            "role {role} ({n}): semantic/issue expectations not met: {c:?}"
        ));
    }
}
