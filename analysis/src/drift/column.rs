//! One column's drift verdict (Evidently's `get_one_column_drift`, statistics only).

use serde::{Deserialize, Serialize};

use super::binning::bin_numeric;
use super::chi_square::chi_square;
use super::divergence::{hellinger_counts, hellinger_numeric, kl_div};
use super::error::{DriftError, Side};
use super::evidently::{default_stat_test, ColumnKind, StatTest};
use super::jensen_shannon::jensen_shannon;
use super::json_float;
use super::ks::{ks_2samp, KsMethod};
use super::psi::psi;
use super::sample::{n_unique_combined, CategoryCounts, NumericSample};
use super::wasserstein::wasserstein_normed;
use super::z_test::z_test;

/// Values of one column on both sides.
#[derive(Debug, Clone, Copy)]
pub enum ColumnData<'a> {
    /// Numbers; NaN and +-inf are missing.
    Numerical {
        /// Reference values.
        reference: &'a [f64],
        /// Current values.
        current: &'a [f64],
    },
    /// Labels; `None` is missing.
    Categorical {
        /// Reference values.
        reference: &'a [Option<&'a str>],
        /// Current values.
        current: &'a [Option<&'a str>],
    },
}

/// A column to check, with optional overrides of Evidently's default test and threshold.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec<'a> {
    /// Column name, copied into the result.
    pub name: &'a str,
    /// The values.
    pub data: ColumnData<'a>,
    /// Test to run instead of the default choice.
    pub test: Option<StatTest>,
    /// Threshold instead of the test's default.
    pub threshold: Option<f64>,
}

impl<'a> ColumnSpec<'a> {
    /// A numerical column with default test and threshold.
    pub fn numerical(name: &'a str, reference: &'a [f64], current: &'a [f64]) -> Self {
        Self::new(name, ColumnData::Numerical { reference, current })
    }

    /// A categorical column with default test and threshold.
    pub fn categorical(
        name: &'a str,
        reference: &'a [Option<&'a str>],
        current: &'a [Option<&'a str>],
    ) -> Self {
        Self::new(name, ColumnData::Categorical { reference, current })
    }

    fn new(name: &'a str, data: ColumnData<'a>) -> Self {
        Self {
            name,
            data,
            test: None,
            threshold: None,
        }
    }

    /// Overrides the test.
    pub fn with_test(mut self, test: StatTest) -> Self {
        self.test = Some(test);
        self
    }

    /// Overrides the threshold.
    pub fn with_threshold(mut self, threshold: f64) -> Self {
        self.threshold = Some(threshold);
        self
    }
}

/// Drift verdict of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    /// Column name.
    pub column: String,
    /// Column kind.
    pub kind: ColumnKind,
    /// Test that was run.
    pub test: StatTest,
    /// Test statistic: KS D, raw Wasserstein distance, PSI, JS distance, chi-square or z.
    #[serde(with = "json_float")]
    pub statistic: f64,
    /// p-value for KS, chi-square and z; `None` for distances.
    #[serde(with = "json_float::option")]
    pub p_value: Option<f64>,
    /// Value compared with the threshold (Evidently's `drift_score`): the p-value, the
    /// normed Wasserstein distance, PSI or JS distance.
    #[serde(with = "json_float")]
    pub score: f64,
    /// Threshold used.
    pub threshold: f64,
    /// Verdict by the test's [`super::DriftRule`].
    pub drift_detected: bool,
    /// Reference rows, missing included.
    pub n_reference: usize,
    /// Current rows, missing included.
    pub n_current: usize,
    /// Missing (or non-finite) reference values.
    pub n_reference_missing: usize,
    /// Missing (or non-finite) current values.
    pub n_current_missing: usize,
    /// Distinct non-missing reference values.
    pub n_reference_unique: usize,
    /// Distinct non-missing values of both sides together.
    pub n_combined_unique: usize,
}

/// Statistic, optional p-value, score.
type Outcome = (f64, Option<f64>, f64);

/// Runs the chosen (or default) test on one column.
pub fn detect_column(spec: &ColumnSpec<'_>) -> Result<ColumnDrift, DriftError> {
    if let Some(threshold) = spec.threshold.filter(|t| !t.is_finite()) {
        return Err(DriftError::InvalidThreshold {
            column: spec.name.to_owned(),
            threshold,
        });
    }
    let empty = |side| DriftError::EmptyColumn {
        column: spec.name.to_owned(),
        side,
    };
    let choose = |kind, n_reference, n_unique| -> Result<StatTest, DriftError> {
        let test = spec
            .test
            .unwrap_or_else(|| default_stat_test(kind, n_reference, n_unique));
        if test.applies_to(kind) {
            Ok(test)
        } else {
            Err(DriftError::TestNotApplicable {
                column: spec.name.to_owned(),
                test,
                kind,
            })
        }
    };
    let (kind, test, outcome, counts) = match spec.data {
        ColumnData::Numerical { reference, current } => {
            let (r, c) = (NumericSample::new(reference), NumericSample::new(current));
            if r.is_empty() {
                return Err(empty(Side::Reference));
            }
            if c.is_empty() {
                return Err(empty(Side::Current));
            }
            let n_unique = n_unique_combined(&r, &c);
            let test = choose(ColumnKind::Numerical, r.len(), n_unique)?;
            let outcome = numerical_outcome(test, &r, &c)?;
            let counts = [
                reference.len(),
                current.len(),
                r.n_missing(),
                c.n_missing(),
                r.n_unique(),
                n_unique,
            ];
            (ColumnKind::Numerical, test, outcome, counts)
        }
        ColumnData::Categorical { reference, current } => {
            let table = CategoryCounts::from_text(reference, current);
            if table.n_reference() == 0 {
                return Err(empty(Side::Reference));
            }
            if table.n_current() == 0 {
                return Err(empty(Side::Current));
            }
            let n_unique = table.categories.len();
            let test = choose(
                ColumnKind::Categorical,
                table.n_reference() as usize,
                n_unique,
            )?;
            let outcome = counts_outcome(test, &table)?;
            let counts = [
                reference.len(),
                current.len(),
                table.reference_missing,
                table.current_missing,
                table.n_reference_unique(),
                n_unique,
            ];
            (ColumnKind::Categorical, test, outcome, counts)
        }
    };
    let (statistic, p_value, score) = outcome;
    let threshold = spec.threshold.unwrap_or(test.default_threshold());
    Ok(ColumnDrift {
        column: spec.name.to_owned(),
        kind,
        test,
        statistic,
        p_value,
        score,
        threshold,
        drift_detected: test.drift_rule().detects(score, threshold),
        n_reference: counts[0],
        n_current: counts[1],
        n_reference_missing: counts[2],
        n_current_missing: counts[3],
        n_reference_unique: counts[4],
        n_combined_unique: counts[5],
    })
}

fn numerical_outcome(
    test: StatTest,
    r: &NumericSample,
    c: &NumericSample,
) -> Result<Outcome, DriftError> {
    match test {
        StatTest::Ks => {
            let k = ks_2samp(r, c, KsMethod::Auto)?;
            Ok((k.statistic, Some(k.p_value), k.p_value))
        }
        StatTest::Wasserstein => {
            let w = wasserstein_normed(r, c)?;
            Ok((w.distance, None, w.normed))
        }
        StatTest::Hellinger => {
            let h = hellinger_numeric(r, c)?;
            Ok((h, None, h))
        }
        StatTest::Psi | StatTest::JensenShannon | StatTest::KlDiv => {
            let bins = bin_numeric(r, c)?;
            binned_outcome(test, bins.reference_counts(), bins.current_counts())
        }
        StatTest::ChiSquare | StatTest::Z => {
            counts_outcome(test, &CategoryCounts::from_numeric(r, c))
        }
    }
}

fn counts_outcome(test: StatTest, table: &CategoryCounts) -> Result<Outcome, DriftError> {
    match test {
        StatTest::ChiSquare => {
            let x = chi_square(&table.reference, &table.current)?;
            Ok((x.statistic, Some(x.p_value), x.p_value))
        }
        StatTest::Z => {
            let z = z_test(&table.reference, &table.current)?;
            Ok((z.z, Some(z.p_value), z.p_value))
        }
        StatTest::Hellinger => {
            let h = hellinger_counts(table)?;
            Ok((h, None, h))
        }
        // Callers reject KS and Wasserstein for categorical columns before getting here.
        _ => binned_outcome(test, &table.reference, &table.current),
    }
}

fn binned_outcome(
    test: StatTest,
    reference: &[u64],
    current: &[u64],
) -> Result<Outcome, DriftError> {
    let value = match test {
        StatTest::Psi => psi(reference, current)?.value,
        StatTest::KlDiv => kl_div(reference, current)?,
        _ => jensen_shannon(reference, current)?,
    };
    Ok((value, None, value))
}
