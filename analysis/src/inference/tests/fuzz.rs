//! Corrupted inputs never panic: every truncation step and random byte mutations of the
//! fixture models (ONNX and XGBoost JSON) either load and run, or fail with an error.

use std::collections::BTreeSet;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::fixture::{data_path, model_path, read};
use crate::inference::{load_onnx, load_xgboost, Model};

/// Variants of `bytes`: ~120 prefixes plus `mutations` randomly edited copies.
fn variants(bytes: &[u8], mutations: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let step = (bytes.len() / 120).max(1);
    let mut out: Vec<Vec<u8>> = (0..bytes.len())
        .step_by(step)
        .map(|n| bytes[..n].to_vec())
        .collect();
    for k in 0..mutations {
        let mut b = bytes.to_vec();
        for _ in 0..=(k % 4) {
            let i = rng.gen_range(0..b.len());
            b[i] = if k % 3 == 0 {
                rng.gen()
            } else {
                b[i] ^ (1 << rng.gen_range(0..8))
            };
        }
        out.push(b);
    }
    out
}

/// Loads and (when the feature count is sane) runs a variant; returns the error text.
fn exercise(bytes: &[u8], rows: usize) -> Option<String> {
    let model = match Model::load(bytes) {
        Ok(m) => m,
        Err(e) => return Some(e.to_string()),
    };
    let n = model.signature().n_features;
    if n > 4096 {
        return None;
    }
    let x = Array2::from_shape_fn((rows, n), |(i, j)| {
        if (i + j) % 7 == 0 {
            f64::NAN
        } else {
            (i * 3 + j) as f64 * 0.37 - 4.0
        }
    });
    model.predict_batch(x.view()).err().map(|e| e.to_string())
}

#[test]
fn corrupted_onnx_models_never_panic() {
    let files = [
        "logreg_bc_f32.onnx",
        "logreg_bc_f64.onnx",
        "logreg_bc_zipmap_f32.onnx",
        "pipe_scaler_logreg_bc_f64.onnx",
        "pipe_normalizer_logreg_iris_f32.onnx",
        "rf_iris_f32.onnx",
        "gbc_bc_f32.onnx",
        "gbr_diabetes_te5.onnx",
        "rfr_diabetes_f32.onnx",
    ];
    let mut messages = BTreeSet::new();
    let (mut loaded, mut total) = (0, 0);
    for (k, f) in files.iter().enumerate() {
        let bytes = read(&model_path(f));
        assert!(load_onnx(&bytes).is_ok());
        for v in variants(&bytes, 150, k as u64) {
            total += 1;
            match exercise(&v, 20) {
                None => loaded += 1,
                Some(m) => {
                    messages.insert(m.chars().take(90).collect::<String>());
                }
            }
        }
    }
    println!(
        "{total} corrupted ONNX variants: {loaded} ran, {} distinct errors, e.g.",
        messages.len()
    );
    for m in messages.iter().step_by((messages.len() / 12).max(1)) {
        println!("  {m}");
    }
}

#[test]
fn corrupted_xgboost_models_never_panic() {
    let paths = [
        model_path("xgb_clf_bc.json"),
        data_path("xgb_softprob_nan.json"),
    ];
    let mut errors = 0;
    for (k, p) in paths.iter().enumerate() {
        let bytes = read(p);
        assert!(load_xgboost(&bytes).is_ok());
        for v in variants(&bytes, 150, 100 + k as u64) {
            errors += usize::from(exercise(&v, 10).is_some());
        }
    }
    assert!(errors > 0);
    // Structurally hostile JSON.
    for bad in [
        "",
        "{",
        "[[[[",
        "{\"learner\":1}",
        "\"\\u12",
        "{\"a\":1e}",
        "[1,]",
        "nul",
    ] {
        assert!(load_xgboost(bad.as_bytes()).is_err(), "{bad}");
    }
    let deep = "[".repeat(100_000);
    assert!(load_xgboost(deep.as_bytes()).is_err());
}
