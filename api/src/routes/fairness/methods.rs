//! The five mitigations, each fitted on the training rows and measured on the held-out
//! rows against a baseline: the model's own predictions for post-processing, RAIA's
//! logistic regression without mitigation for pre- and in-processing.

use analysis::fairness::{
    fit_equalized_odds, fit_exponentiated_gradient, fit_reject_option, fit_threshold_optimizer,
    reweighing, ConfusionTable, CorrelationRemover, CurveMetric, ExponentiatedGradientConfig,
    GroupIndex, LogisticModel, ParityConstraint, Predictions, RejectOptionConfig,
    RejectOptionMetric, ThresholdOptimizerConfig,
};
use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::split::{pick, Split};
use crate::error::{ApiError, ApiResult};

/// Inputs of a run.
pub struct RunInput<'a> {
    /// 0/1 labels.
    pub y_true: &'a [u8],
    /// Existing 0/1 predictions, if any.
    pub y_pred: Option<&'a [u8]>,
    /// Favourable-label probability, if any.
    pub score: Option<&'a [f64]>,
    /// Features for RAIA's learner, if any.
    pub x: Option<&'a Array2<f64>>,
    /// Groups (intersection of the sensitive features).
    pub groups: &'a GroupIndex,
    /// Privileged group key, if given.
    pub privileged: Option<&'a Vec<String>>,
    /// Split.
    pub split: &'a Split,
    /// Seed for randomized predictions.
    pub seed: u64,
    /// `constraint` from the request.
    pub constraint: Option<&'a str>,
    /// CorrelationRemover alpha.
    pub alpha: f64,
    /// ExponentiatedGradient eps.
    pub eps: f64,
}

/// Result of a run: predictions on the held-out rows before and after, fitted parameters,
/// and the per-row weights of reweighing.
pub struct RunOutput {
    /// Held-out predictions without mitigation.
    pub before: Vec<u8>,
    /// Held-out predictions with it.
    pub after: Vec<u8>,
    /// What was fitted.
    pub parameters: serde_json::Value,
    /// What the baseline is.
    pub baseline: &'static str,
    /// Reweighing: one weight per dataset row.
    pub weights: Option<Vec<f64>>,
}

fn bad(code: &'static str, d: impl Into<String>) -> ApiError {
    ApiError::unprocessable(code, d)
}

fn err(e: analysis::fairness::FairnessError) -> ApiError {
    bad("invalid_fairness_input", e.to_string())
}

fn need_x<'a>(i: &RunInput<'a>) -> ApiResult<&'a Array2<f64>> {
    i.x.ok_or_else(|| {
        bad(
            "feature_columns_required",
            "this method trains RAIA's logistic regression: name `feature_columns`",
        )
    })
}

fn need_score<'a>(i: &RunInput<'a>) -> ApiResult<&'a [f64]> {
    i.score.ok_or_else(|| {
        bad(
            "scores_required",
            "this method needs scores: a `score_column` or a model version with probabilities",
        )
    })
}

fn rows_of(x: &Array2<f64>, rows: &[usize]) -> Array2<f64> {
    x.select(Axis(0), rows)
}

fn codes_of(groups: &GroupIndex, rows: &[usize]) -> ApiResult<GroupIndex> {
    GroupIndex::from_codes(pick(groups.codes(), rows), groups.keys().to_vec()).map_err(err)
}

/// Baseline logistic regression predictions on the held-out rows.
fn baseline(
    i: &RunInput<'_>,
    x: &Array2<f64>,
    w: Option<&[f64]>,
) -> ApiResult<(LogisticModel, Vec<u8>)> {
    let s = i.split;
    let ytr = pick(i.y_true, &s.train);
    let ones = vec![1.0; s.train.len()];
    let m = LogisticModel::fit(rows_of(x, &s.train).view(), &ytr, w.unwrap_or(&ones), 1.0)
        .map_err(err)?;
    let p = m.predict(rows_of(x, &s.test).view());
    Ok((m, p))
}

/// Model predictions on the held-out rows (or `score >= 0.5`).
fn model_before(i: &RunInput<'_>) -> ApiResult<Vec<u8>> {
    match (i.y_pred, i.score) {
        (Some(p), _) => Ok(pick(p, &i.split.test)),
        (None, Some(s)) => Ok(i
            .split
            .test
            .iter()
            .map(|&r| u8::from(s[r] >= 0.5))
            .collect()),
        (None, None) => Err(bad(
            "predictions_required",
            "no predictions to compare with",
        )),
    }
}

/// Runs `method`.
pub fn run(method: &str, i: &RunInput<'_>) -> ApiResult<RunOutput> {
    let s = i.split;
    match method {
        "reweighing" => {
            let x = need_x(i)?;
            let train_groups = codes_of(i.groups, &s.train)?;
            let ytr = pick(i.y_true, &s.train);
            let table = ConfusionTable::build(&Predictions::new(&ytr, &ytr), &train_groups)
                .map_err(err)?;
            let rw = reweighing(&table);
            let weights = rw.row_weights(i.y_true, i.groups).map_err(err)?;
            let wtr = pick(&weights, &s.train);
            let (_, before) = baseline(i, x, None)?;
            let (m, after) = baseline(i, x, Some(&wtr))?;
            Ok(RunOutput {
                before,
                after,
                parameters: json!({"cells": rw.cells, "model": m}),
                baseline: "raia_logistic_regression_unweighted",
                weights: Some(weights),
            })
        }
        "correlation_remover" => {
            let x = need_x(i)?;
            let k = i.groups.n_groups();
            let onehot = Array2::from_shape_fn((i.y_true.len(), k), |(r, j)| {
                f64::from(u8::from(i.groups.codes()[r] as usize == j))
            });
            let cr = CorrelationRemover::fit(
                rows_of(x, &s.train).view(),
                rows_of(&onehot, &s.train).view(),
                i.alpha,
            )
            .map_err(err)?;
            let filtered = cr.transform(x.view(), onehot.view()).map_err(err)?;
            let (_, before) = baseline(i, x, None)?;
            let (m, after) = baseline(i, &filtered, None)?;
            Ok(RunOutput {
                before,
                after,
                parameters: json!({"remover": cr, "model": m}),
                baseline: "raia_logistic_regression_on_raw_features",
                weights: None,
            })
        }
        "exponentiated_gradient" => {
            let x = need_x(i)?;
            let constraint = match i.constraint.unwrap_or("demographic_parity") {
                "demographic_parity" => ParityConstraint::DemographicParity,
                "equalized_odds" => ParityConstraint::EqualizedOdds,
                other => return Err(bad("invalid_constraint", format!("ExponentiatedGradient takes demographic_parity or equalized_odds, not {other}"))),
            };
            let config = ExponentiatedGradientConfig {
                constraint,
                eps: i.eps,
                ..Default::default()
            };
            let gtr: Vec<usize> = s.train.iter().map(|&r| i.groups.codes()[r] as usize).collect();
            let fit = fit_exponentiated_gradient(
                rows_of(x, &s.train).view(),
                &pick(i.y_true, &s.train),
                &gtr,
                i.groups.n_groups(),
                &config,
            )
            .map_err(err)?;
            let (_, before) = baseline(i, x, None)?;
            let after = fit.predict(rows_of(x, &s.test).view(), i.seed);
            Ok(RunOutput {
                before,
                after,
                parameters: serde_json::to_value(&fit).map_err(ApiError::internal)?,
                baseline: "raia_logistic_regression_unconstrained",
                weights: None,
            })
        }
        "threshold_optimizer" => {
            let score = need_score(i)?;
            let constraint = match i.constraint.unwrap_or("demographic_parity") {
                "demographic_parity" => CurveMetric::SelectionRate,
                "true_positive_rate_parity" => CurveMetric::TruePositiveRate,
                "false_positive_rate_parity" => CurveMetric::FalsePositiveRate,
                "true_negative_rate_parity" => CurveMetric::TrueNegativeRate,
                "false_negative_rate_parity" => CurveMetric::FalseNegativeRate,
                "equalized_odds" => return threshold_eo(i, score),
                other => return Err(bad("invalid_constraint", format!("unknown constraint {other}"))),
            };
            let config = ThresholdOptimizerConfig {
                constraint,
                ..Default::default()
            };
            let train_groups = codes_of(i.groups, &s.train)?;
            let fit = fit_threshold_optimizer(
                &pick(i.y_true, &s.train),
                &pick(score, &s.train),
                &train_groups,
                &config,
            )
            .map_err(err)?;
            let test_groups = codes_of(i.groups, &s.test)?;
            let mut rng = ChaCha8Rng::seed_from_u64(i.seed);
            let after = fit
                .predict(&pick(score, &s.test), &test_groups, &mut rng)
                .map_err(err)?;
            let expected = fit
                .evaluate(&pick(i.y_true, &s.test), &pick(score, &s.test), &test_groups)
                .map_err(err)?;
            Ok(RunOutput {
                before: model_before(i)?,
                after,
                parameters: json!({"fit": fit, "expected_on_held_out": expected}),
                baseline: "model_predictions",
                weights: None,
            })
        }
        "reject_option" => {
            let score = need_score(i)?;
            let p = i.privileged.ok_or_else(|| {
                bad("privileged_groups_required", "reject option classification needs privileged_groups")
            })?;
            let pcode = i.groups.require(p).map_err(err)?;
            let metric = match i.constraint.unwrap_or("statistical_parity_difference") {
                "statistical_parity_difference" => RejectOptionMetric::StatisticalParityDifference,
                "average_odds_difference" => RejectOptionMetric::AverageOddsDifference,
                "equal_opportunity_difference" => RejectOptionMetric::EqualOpportunityDifference,
                other => return Err(bad("invalid_constraint", format!("reject option takes statistical_parity_difference, average_odds_difference or equal_opportunity_difference, not {other}"))),
            };
            let privileged: Vec<bool> = i.groups.codes().iter().map(|&c| c as usize == pcode).collect();
            let fit = fit_reject_option(
                &pick(score, &s.train),
                &pick(i.y_true, &s.train),
                &pick(&privileged, &s.train),
                &RejectOptionConfig {
                    metric,
                    ..Default::default()
                },
            )
            .map_err(err)?;
            let after = fit.predict(&pick(score, &s.test), &pick(&privileged, &s.test));
            Ok(RunOutput {
                before: model_before(i)?,
                after,
                parameters: json!({"fit": fit, "privileged": p}),
                baseline: "model_predictions",
                weights: None,
            })
        }
        other => Err(bad(
            "invalid_method",
            format!("unknown method {other}; use reweighing, correlation_remover, threshold_optimizer, reject_option or exponentiated_gradient"),
        )),
    }
}

/// ThresholdOptimizer with equalized odds.
fn threshold_eo(i: &RunInput<'_>, score: &[f64]) -> ApiResult<RunOutput> {
    let s = i.split;
    let train_groups = codes_of(i.groups, &s.train)?;
    let fit = fit_equalized_odds(
        &pick(i.y_true, &s.train),
        &pick(score, &s.train),
        &train_groups,
        CurveMetric::AccuracyScore,
        1000,
        false,
    )
    .map_err(err)?;
    let test_groups = codes_of(i.groups, &s.test)?;
    let mut rng = ChaCha8Rng::seed_from_u64(i.seed);
    let after = fit
        .predict(&pick(score, &s.test), &test_groups, &mut rng)
        .map_err(err)?;
    Ok(RunOutput {
        before: model_before(i)?,
        after,
        parameters: json!({ "fit": fit }),
        baseline: "model_predictions",
        weights: None,
    })
}
