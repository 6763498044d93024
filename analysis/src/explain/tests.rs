//! Fixture tests against shap 0.51 / scikit-learn 1.9.1 (`shared/fixtures/explain` and
//! `shared/fixtures/models`), plus property tests. Feature names, rows and forests come
//! from the fixture files, so the same code checks any fixture set with this layout (set
//! `RAIA_FIXTURES` to its root).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extras;
mod fixture;
mod kernel;
mod lime;
mod onnx_trees;
mod pdp;
mod permutation;
mod properties;
mod shapley;
mod xgboost;
