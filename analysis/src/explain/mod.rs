//! Explanations: Shapley values (exact, kernel, permutation, tree), partial dependence, LIME.
//!
//! Model-agnostic explainers see the model only through [`Predictor`] (a batch function of
//! rows to one output) and integrate "absent" features out over a [`Background`]:
//! - [`ExactExplainer`]: exact interventional Shapley values over all 2^M coalitions;
//! - [`KernelExplainer`]: shap's KernelExplainer (weighted linear regression on coalitions);
//! - [`PermutationExplainer`]: antithetic permutation sampling, exactly additive;
//! - [`TreeEnsemble`] with path-dependent and interventional TreeSHAP;
//! - [`partial_dependence`] (sklearn's brute method, with ICE curves);
//! - [`LimeTabular`] (the `lime` package's tabular explainer).
//!
//! Every Shapley method returns [`RowExplanation`]s: base value, one value per feature,
//! model output and the additivity gap.
//!
//! Conventions and deliberate differences from the Python reference implementations:
//! - Randomness is ChaCha8, seeded per explained row (stream = row index), so results are
//!   reproducible and independent of the thread count, but not bit-equal to numpy draws.
//! - Kernel SHAP's default `l1_reg` is shap 0.51's `num_features(10)` (LARS); `Off` and the
//!   deprecated `Auto` (AIC below 20% coverage) are available. With full enumeration and
//!   `Off`/`Auto` the values are exact Shapley values; `num_features` may zero a feature
//!   whose value is ~1e-6 (LARS stops at alpha <= float32 eps, as sklearn does).
//! - Tree expectations divide by the node's own cover (XGBoost's convention), which keeps
//!   path-dependent TreeSHAP exactly additive when float32 covers do not sum; identical to
//!   shap for sklearn trees. Interventional TreeSHAP runs in f64 (shap uses float32 sums).
//! - LIME: when a bin's min equals its max, lime returns a z-score (a bug); we return the
//!   bin's value. `lasso_path` feature selection is not implemented.

#![warn(missing_docs)]

mod background;
mod coalition;
mod counterfactual;
mod error;
pub(crate) mod exact;
mod importance;
mod kernel;
mod kmeans;
mod lars;
pub(crate) mod lime;
mod linalg;
mod output;
mod parallel;
mod pdp;
mod pdp2;
mod permutation;
mod predictor;
mod tree;

pub use background::Background;
pub use coalition::DEFAULT_MAX_BATCH_ROWS;
pub use counterfactual::{counterfactuals, Counterfactual, CounterfactualOptions};
pub use error::{ExplainError, Result};
pub use exact::{ExactExplainer, ExactOptions, MAX_EXACT_FEATURES};
pub use importance::{permutation_importance, PermutationImportance};
pub use kernel::{KernelExplainer, KernelOptions, L1Reg};
pub use kmeans::{kmeans_background, KMeansOptions};
pub use lime::{
    FeatureBins, FeatureSelection, LimeExplanation, LimeOptions, LimeTabular, LimeWeight,
};
pub use output::{ExplanationSet, Link, RowExplanation};
pub use parallel::default_threads;
pub use pdp::{
    mquantile, partial_dependence, partial_dependence_on_grid, pdp_grid, PartialDependence,
    PdpOptions,
};
pub use pdp2::{feature_grid, partial_dependence_2, PartialDependence2};
pub use permutation::{PermutationExplainer, PermutationOptions};
pub use predictor::{FnPredictor, MaskedPredictor, Predictor, Sigmoid};
pub use tree::{
    InputPrecision, Node, SklearnTree, Split, SplitRule, Tree, TreeEnsemble, XgbBooster,
    XgbLearner, XgbModel, XgbModelParam, XgbObjective, XgbTree, XgbTrees,
};

#[cfg(test)]
mod tests;
