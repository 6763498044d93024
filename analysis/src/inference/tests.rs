//! Tests of the inference module: the scikit-learn / XGBoost fixtures in
//! `shared/fixtures/models` and `shared/fixtures/explain` (root overridable with
//! `RAIA_FIXTURES`), onnxruntime outputs recorded for extra inputs and edge-case models
//! (`tests/data`), rejection of invalid files, and robustness to corrupted bytes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod builder;
mod explain;
mod fixture;
mod fixtures_onnx;
mod fuzz;
mod invalid;
mod masked;
mod ort;
mod synthetic;
mod xgb;
