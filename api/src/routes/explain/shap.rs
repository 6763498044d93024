//! `/api/v1/explainability/shap/{modelId}`: Shapley values by shap's methods.

use analysis::{
    explain::{
        default_threads, ExactExplainer, ExactOptions, KernelExplainer, KernelOptions, L1Reg, Link,
        PermutationExplainer, PermutationOptions, RowExplanation, TreeEnsemble,
    },
    inference::{Model, TreeOutput},
};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    bad, explain_err,
    input::{load_background, load_cover_rows, prepare, Prepared},
    model_fn::{ModelFn, Output},
    Computed, Target, MAX_EVALUATIONS, MAX_EXACT_FEATURES, MAX_SAMPLES,
};
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The kind recorded for SHAP runs.
pub const KIND: &str = "shap";

/// How to compute Shapley values.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ShapOptions {
    /// `auto` (shap's choice: tree for tree ensembles, exact up to 10 features, else
    /// permutation),
    /// `exact`, `kernel`, `permutation` or `tree`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Kernel: coalitions per row (default `2 M + 2048`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nsamples: Option<usize>,
    /// Kernel: `identity` (default) or `logit` (values add up in log-odds of the probability).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Kernel: `num_features(k)` (default k = 10), `off`, `aic`, `bic` or `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l1_reg: Option<String>,
    /// Permutation: model evaluations per row (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_evals: Option<usize>,
    /// Tree: `interventional` (default, against the background) or `tree_path_dependent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_perturbation: Option<String>,
    /// Tree, path-dependent, ONNX models: dataset whose rows are routed through the trees
    /// to count node covers (default: the background dataset, else the model card's
    /// training dataset). XGBoost models carry their covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_dataset_id: Option<String>,
}

/// A SHAP request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ShapRequest {
    /// Model version, rows, background, output, seed.
    #[serde(flatten)]
    pub target: Target,
    /// Method and its options.
    #[serde(flatten)]
    pub options: ShapOptions,
}

fn parse_l1(s: Option<&str>) -> ApiResult<L1Reg> {
    let s = match s {
        None => return Ok(L1Reg::NumFeatures(10)),
        Some(s) => s.trim(),
    };
    Ok(match s {
        "off" | "false" | "0" => L1Reg::Off,
        "aic" => L1Reg::Aic,
        "bic" => L1Reg::Bic,
        "auto" => L1Reg::Auto,
        _ => {
            let k = s
                .strip_prefix("num_features(")
                .and_then(|r| r.strip_suffix(')'))
                .and_then(|k| k.parse().ok())
                .ok_or_else(|| {
                    bad(
                        "invalid_l1_reg",
                        format!("l1_reg `{s}`: use num_features(k), off, aic, bic or auto"),
                    )
                })?;
            L1Reg::NumFeatures(k)
        }
    })
}

/// The output as the trees of an ONNX ensemble see it.
fn tree_output(o: Output) -> TreeOutput {
    match o {
        Output::Probability(k) => TreeOutput::Probability(k),
        Output::LogOdds(k) => TreeOutput::LogOdds(k),
        Output::Regression => TreeOutput::Value,
    }
}

/// Whether TreeSHAP can explain the output: XGBoost margins, or ONNX tree ensembles
/// whose explained output is a sum of tree outputs (e.g. a random forest's probability).
fn tree_explainable(p: &Prepared) -> bool {
    match &*p.model {
        Model::Xgboost(_) => matches!(p.output, Output::LogOdds(_) | Output::Regression),
        Model::Onnx(m) => m
            .trees()
            .is_some_and(|t| t.output(tree_output(p.output)).is_some()),
    }
}

/// The method `auto` picks, as shap's `Explainer` does (tree models go to TreeSHAP).
fn auto_method(p: &Prepared) -> &'static str {
    if tree_explainable(p) {
        "tree"
    } else if p.features.len() <= 10 {
        "exact"
    } else {
        "permutation"
    }
}

fn too_costly(what: &str, evaluations: f64) -> ApiError {
    bad(
        "too_expensive",
        format!(
            "{what} would cost {evaluations:.3e} model evaluations; one request may cost at most \
             {MAX_EVALUATIONS:.0e}: explain fewer rows, or use a smaller background (background_size / background_kmeans)"
        ),
    )
}

fn check_samples(name: &str, n: usize) -> ApiResult<()> {
    if n == 0 || n > MAX_SAMPLES {
        return Err(bad(
            "too_many_samples",
            format!("{name} = {n}; it must be between 1 and {MAX_SAMPLES}"),
        ));
    }
    Ok(())
}

/// The model of a version as a tree ensemble: an ONNX ensemble's explained output, or
/// an XGBoost margin (of the class explained).
async fn tree_model(state: &AppState, p: &Prepared) -> ApiResult<TreeEnsemble> {
    if let Model::Onnx(m) = &*p.model {
        let trees = m
            .trees()
            .ok_or_else(|| bad("method_unsupported", "the model is not a tree ensemble"))?;
        return TreeEnsemble::from_onnx(&trees, tree_output(p.output), p.features.len())
            .map_err(explain_err);
    }
    let group = match p.output {
        Output::LogOdds(k) => {
            if p.model
                .signature()
                .classes
                .as_ref()
                .is_some_and(|c| c.len() > 2)
            {
                k
            } else {
                0
            }
        }
        Output::Regression | Output::Probability(_) => 0,
    };
    let bytes = state
        .blobs
        .read(&p.provenance.sha256)
        .await
        .map_err(ApiError::internal)?;
    let parsed: analysis::explain::XgbModel =
        serde_json::from_slice(&bytes).map_err(|e| bad("invalid_tree_model", e.to_string()))?;
    TreeEnsemble::from_xgboost(&parsed, group).map_err(explain_err)
}

/// The method a request runs, checked against the model before any data is loaded.
pub fn choose(p: &Prepared, o: &ShapOptions) -> ApiResult<&'static str> {
    let m = p.features.len();
    let method = match o.method.as_deref() {
        None | Some("auto") => auto_method(p),
        Some("exact") => "exact",
        Some("kernel") => "kernel",
        Some("permutation") => "permutation",
        Some("tree") => "tree",
        Some(other) => {
            return Err(bad(
                "invalid_method",
                format!("unknown method `{other}`: auto, exact, kernel, permutation or tree"),
            ))
        }
    };
    match method {
        "exact" if m > MAX_EXACT_FEATURES => Err(bad(
            "too_many_features",
            format!(
                "method exact enumerates 2^M coalitions and accepts at most {MAX_EXACT_FEATURES} features; \
                 the model reads {m}: use method kernel or permutation"
            ),
        )),
        "kernel" => check_samples("nsamples", o.nsamples.unwrap_or(2 * m + 2048)).map(|_| method),
        "permutation" => check_samples("max_evals", o.max_evals.unwrap_or(500)).map(|_| method),
        "tree" => {
            let trees = match &*p.model {
                Model::Xgboost(_) => true,
                Model::Onnx(m) => m.trees().is_some(),
            };
            if !trees {
                return Err(bad(
                    "method_unsupported",
                    "method `tree` explains tree ensembles (XGBoost, ONNX TreeEnsemble); for this model use exact, kernel or permutation",
                ));
            }
            if !tree_explainable(p) {
                return Err(bad(
                    "method_unsupported",
                    "TreeSHAP explains what the trees add up to: for this model that is not this output (use output=log_odds, or method exact/kernel/permutation)",
                ));
            }
            match o.feature_perturbation.as_deref() {
                None | Some("interventional" | "tree_path_dependent") => Ok(method),
                Some(other) => Err(bad(
                    "invalid_feature_perturbation",
                    format!("`{other}`: interventional or tree_path_dependent"),
                )),
            }
        }
        _ => Ok(method),
    }
}

/// Checks the request, loads the background when the method needs one, and computes
/// Shapley values of `p.rows` (the method actually run, one explanation per row).
pub async fn explain_rows(
    state: &AppState,
    p: &mut Prepared,
    t: &Target,
    o: &ShapOptions,
) -> ApiResult<(String, Vec<RowExplanation>)> {
    let method = choose(p, o)?;
    let path_dependent =
        method == "tree" && o.feature_perturbation.as_deref() == Some("tree_path_dependent");
    if !path_dependent && p.background.is_none() {
        load_background(state, p, t).await?;
    }
    let cover = match &*p.model {
        Model::Onnx(_) if path_dependent => {
            Some(load_cover_rows(state, p, t, o.cover_dataset_id.as_deref()).await?)
        }
        _ => None,
    };
    shap_rows(state, p, o, method, cover).await
}

/// Shapley values of `p.rows` by `method` (validated by [`choose`]).
async fn shap_rows(
    state: &AppState,
    p: &Prepared,
    o: &ShapOptions,
    method: &str,
    cover: Option<Array2<f64>>,
) -> ApiResult<(String, Vec<RowExplanation>)> {
    let m = p.features.len();
    let n = p.rows.nrows() as f64;
    let bg = p.background.as_ref().map(|b| b.len()).unwrap_or(1) as f64;
    let seed = p.provenance.seed;
    let model = ModelFn {
        model: p.model.clone(),
        output: p.output,
    };
    let rows = p.rows.clone();
    let background = p.background.clone();
    let need_bg = || {
        background
            .clone()
            .ok_or_else(|| ApiError::internal("the background was not loaded"))
    };
    let link = match o.link.as_deref() {
        None | Some("identity") => Link::Identity,
        Some("logit") if method == "kernel" && matches!(p.output, Output::Probability(_)) => {
            Link::Logit
        }
        Some("logit") => {
            return Err(bad(
                "invalid_link",
                "link=logit applies to method=kernel with output=probability; use output=log_odds otherwise",
            ))
        }
        Some(other) => return Err(bad("invalid_link", format!("unknown link `{other}`"))),
    };
    let threads = default_threads();
    let (name, result) = match method {
        "exact" => {
            let cost = n * 2f64.powi(m as i32) * bg;
            if cost > MAX_EVALUATIONS {
                return Err(too_costly("exact SHAP", cost));
            }
            let bg = need_bg()?;
            let r = tokio::task::spawn_blocking(move || {
                ExactExplainer::new(&model, &bg, ExactOptions::default())
                    .and_then(|e| e.explain(rows.view()))
            })
            .await;
            ("exact".to_owned(), r)
        }
        "kernel" => {
            let nsamples = o.nsamples.unwrap_or(2 * m + 2048);
            let cost = n * nsamples as f64 * bg;
            if cost > MAX_EVALUATIONS {
                return Err(too_costly("kernel SHAP", cost));
            }
            let options = KernelOptions {
                nsamples: o.nsamples,
                link,
                l1_reg: parse_l1(o.l1_reg.as_deref())?,
                seed,
                threads,
                ..KernelOptions::default()
            };
            let bg = need_bg()?;
            let r = tokio::task::spawn_blocking(move || {
                KernelExplainer::new(&model, &bg, options).and_then(|e| e.explain(rows.view()))
            })
            .await;
            ("kernel".to_owned(), r)
        }
        "permutation" => {
            let max_evals = o.max_evals.unwrap_or(500);
            let cost = n * max_evals as f64 * bg;
            if cost > MAX_EVALUATIONS {
                return Err(too_costly("permutation SHAP", cost));
            }
            let options = PermutationOptions {
                max_evals,
                seed,
                threads,
                ..PermutationOptions::default()
            };
            let bg = need_bg()?;
            let r = tokio::task::spawn_blocking(move || {
                PermutationExplainer::new(&model, &bg, options).and_then(|e| e.explain(rows.view()))
            })
            .await;
            ("permutation".to_owned(), r)
        }
        _ => {
            let ens = tree_model(state, p).await?;
            if o.feature_perturbation.as_deref() == Some("tree_path_dependent") {
                let r = tokio::task::spawn_blocking(move || {
                    let ens = match &cover {
                        Some(c) => ens.with_routed_covers(c.view(), None)?,
                        None => ens,
                    };
                    ens.shap_path_dependent(rows.view(), threads)
                })
                .await;
                ("tree_path_dependent".to_owned(), r)
            } else {
                let bg = need_bg()?;
                let r = tokio::task::spawn_blocking(move || {
                    ens.shap_interventional(rows.view(), &bg, threads)
                })
                .await;
                ("tree_interventional".to_owned(), r)
            }
        }
    };
    let rows = result.map_err(ApiError::internal)?.map_err(explain_err)?;
    Ok((name, rows))
}

/// The results document of a set of Shapley rows.
pub fn results(p: &Prepared, rows: &[RowExplanation]) -> serde_json::Value {
    serde_json::json!({
        "features": p.features,
        "output": p.output.name(),
        "class_index": match p.output { Output::Probability(k) | Output::LogOdds(k) => Some(k), Output::Regression => None },
        "rows": rows,
    })
}

/// Runs a SHAP request.
pub async fn compute(state: &AppState, model_id: &str, b: &ShapRequest) -> ApiResult<Computed> {
    let mut p = prepare(state, model_id, &b.target, false).await?;
    let (method, rows) = explain_rows(state, &mut p, &b.target, &b.options).await?;
    Ok(Computed {
        results: results(&p, &rows),
        prepared: p.provenance,
        method,
    })
}

super::endpoints!(
    ShapRequest,
    "/api/v1/explainability/shap/{id}",
    "Shapley values of rows"
);
