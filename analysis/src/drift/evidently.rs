//! Evidently's legacy data-drift rules (0.4.x-0.6.x, `evidently.legacy` in 0.7): the
//! registry of tests with their thresholds and verdict directions, and the default test
//! choice per column.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use super::column::{detect_column, ColumnData, ColumnDrift, ColumnSpec};
pub use super::parallel::{
    dataset_drift, detect_all, detect_all_with_threads, DatasetDrift, DriftReport,
    DEFAULT_DRIFT_SHARE,
};

/// Evidently's column types that drift is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Numbers (`ColumnType.Numerical`, `"num"`).
    Numerical,
    /// Labels (`ColumnType.Categorical`, `"cat"`).
    Categorical,
}

impl ColumnKind {
    /// Evidently's short name: `"num"` or `"cat"`.
    pub fn evidently_name(self) -> &'static str {
        match self {
            ColumnKind::Numerical => "num",
            ColumnKind::Categorical => "cat",
        }
    }
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnKind::Numerical => "numerical",
            ColumnKind::Categorical => "categorical",
        })
    }
}

/// The drift tests implemented here, named as in Evidently's registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StatTest {
    /// Two-sample Kolmogorov-Smirnov; score = p-value.
    #[serde(rename = "ks")]
    Ks,
    /// Wasserstein distance normed by the reference std; score = normed distance.
    #[serde(rename = "wasserstein")]
    Wasserstein,
    /// Population Stability Index; score = PSI.
    #[serde(rename = "psi")]
    Psi,
    /// Jensen-Shannon distance; score = distance.
    #[serde(rename = "jensenshannon")]
    JensenShannon,
    /// Pearson chi-square against scaled reference counts; score = p-value.
    #[serde(rename = "chisquare")]
    ChiSquare,
    /// Two-proportion z-test; score = p-value.
    #[serde(rename = "z")]
    Z,
    /// Kullback-Leibler divergence over the PSI bins; score = divergence.
    #[serde(rename = "kl_div")]
    KlDiv,
    /// Hellinger distance; score = distance.
    #[serde(rename = "hellinger")]
    Hellinger,
}

/// How a score is compared with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftRule {
    /// Drift when `score <= threshold` (KS p-value).
    ScoreAtMost,
    /// Drift when `score < threshold` (chi-square and z p-values).
    ScoreBelow,
    /// Drift when `score >= threshold` (distances and PSI).
    ScoreAtLeast,
}

impl DriftRule {
    /// Applies the rule; a NaN score never signals drift (Python comparisons are false).
    pub fn detects(self, score: f64, threshold: f64) -> bool {
        match self {
            DriftRule::ScoreAtMost => score <= threshold,
            DriftRule::ScoreBelow => score < threshold,
            DriftRule::ScoreAtLeast => score >= threshold,
        }
    }

    /// The rule as text, e.g. `"score <= threshold"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DriftRule::ScoreAtMost => "score <= threshold",
            DriftRule::ScoreBelow => "score < threshold",
            DriftRule::ScoreAtLeast => "score >= threshold",
        }
    }
}

impl StatTest {
    /// Every implemented test.
    pub const ALL: [StatTest; 8] = [
        StatTest::Ks,
        StatTest::Wasserstein,
        StatTest::Psi,
        StatTest::JensenShannon,
        StatTest::ChiSquare,
        StatTest::Z,
        StatTest::KlDiv,
        StatTest::Hellinger,
    ];

    /// Registry name (`stattest` in Evidently's output).
    pub fn name(self) -> &'static str {
        match self {
            StatTest::Ks => "ks",
            StatTest::Wasserstein => "wasserstein",
            StatTest::Psi => "psi",
            StatTest::JensenShannon => "jensenshannon",
            StatTest::ChiSquare => "chisquare",
            StatTest::Z => "z",
            StatTest::KlDiv => "kl_div",
            StatTest::Hellinger => "hellinger",
        }
    }

    /// Evidently's `display_name` (`stattest_name` in its column results).
    pub fn display_name(self) -> &'static str {
        match self {
            StatTest::Ks => "K-S p_value",
            StatTest::Wasserstein => "Wasserstein distance (normed)",
            StatTest::Psi => "PSI",
            StatTest::JensenShannon => "Jensen-Shannon distance",
            StatTest::ChiSquare => "chi-square p_value",
            StatTest::Z => "Z-test p_value",
            StatTest::KlDiv => "Kullback-Leibler divergence",
            StatTest::Hellinger => "Hellinger distance",
        }
    }

    /// Evidently's default threshold.
    pub fn default_threshold(self) -> f64 {
        match self {
            StatTest::Ks | StatTest::ChiSquare | StatTest::Z => 0.05,
            StatTest::Wasserstein
            | StatTest::Psi
            | StatTest::JensenShannon
            | StatTest::KlDiv
            | StatTest::Hellinger => 0.1,
        }
    }

    /// Direction of the verdict.
    pub fn drift_rule(self) -> DriftRule {
        match self {
            StatTest::Ks => DriftRule::ScoreAtMost,
            StatTest::ChiSquare | StatTest::Z => DriftRule::ScoreBelow,
            StatTest::Wasserstein
            | StatTest::Psi
            | StatTest::JensenShannon
            | StatTest::KlDiv
            | StatTest::Hellinger => DriftRule::ScoreAtLeast,
        }
    }

    /// Whether the test can run on a column of this kind. KS and Wasserstein need an
    /// order on the values; the others work on category counts, and Evidently's default
    /// choice applies chi-square and z to low-cardinality numerical columns too.
    pub fn applies_to(self, kind: ColumnKind) -> bool {
        match self {
            StatTest::Ks | StatTest::Wasserstein => kind == ColumnKind::Numerical,
            _ => true,
        }
    }
}

impl fmt::Display for StatTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for StatTest {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StatTest::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| format!("unknown drift test `{s}`"))
    }
}

/// Reference sizes up to this use p-value tests by default, larger ones distances.
pub const SMALL_REFERENCE_MAX: usize = 1000;

/// Evidently's `_get_default_stattest`. `n_reference` counts non-missing reference
/// values; `n_unique` counts distinct non-missing values of both sides together.
pub fn default_stat_test(kind: ColumnKind, n_reference: usize, n_unique: usize) -> StatTest {
    let small = n_reference <= SMALL_REFERENCE_MAX;
    match (kind, small) {
        (ColumnKind::Numerical, true) if n_unique > 5 => StatTest::Ks,
        (_, true) if n_unique > 2 => StatTest::ChiSquare,
        (_, true) => StatTest::Z,
        (ColumnKind::Numerical, false) if n_unique > 5 => StatTest::Wasserstein,
        (_, false) => StatTest::JensenShannon,
    }
}
