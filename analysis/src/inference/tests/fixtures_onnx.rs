//! The scikit-learn ONNX exports against scikit-learn's own outputs.

use super::fixture::{boolean, get, matrix, model_path, read, read_json, vector};
use crate::inference::{load_onnx, Labels, Model};

/// (model file, reference file, probability/value tolerance vs scikit-learn).
const MODELS: &[(&str, &str, f64)] = &[
    ("logreg_bc_f32.onnx", "logreg_bc.json", 1e-6),
    ("logreg_bc_f64.onnx", "logreg_bc.json", 1e-12),
    ("logreg_bc_zipmap_f32.onnx", "logreg_bc.json", 1e-6),
    (
        "pipe_scaler_logreg_bc_f32.onnx",
        "pipe_scaler_logreg_bc.json",
        1e-6,
    ),
    (
        "pipe_scaler_logreg_bc_f64.onnx",
        "pipe_scaler_logreg_bc.json",
        1e-12,
    ),
    (
        "pipe_scaler_logreg_iris_f32.onnx",
        "pipe_scaler_logreg_iris.json",
        1e-6,
    ),
    (
        "pipe_normalizer_logreg_iris_f32.onnx",
        "pipe_normalizer_logreg_iris.json",
        1e-6,
    ),
    ("rf_bc_f32.onnx", "rf_bc.json", 1e-6),
    ("rf_bc_zipmap_f32.onnx", "rf_bc.json", 1e-6),
    ("rf_iris_f32.onnx", "rf_iris.json", 1e-6),
    ("gbc_bc_f32.onnx", "gbc_bc.json", 1e-6),
    ("gbr_diabetes_f32.onnx", "gbr_diabetes.json", 1e-4),
    ("gbr_diabetes_te5.onnx", "gbr_diabetes.json", 1e-11),
    ("rfr_diabetes_f32.onnx", "rfr_diabetes.json", 1e-4),
    ("rfr_diabetes_te5.onnx", "rfr_diabetes.json", 1e-11),
];

#[test]
fn every_fixture_model_matches_scikit_learn() {
    for &(file, reference, tol) in MODELS {
        let model = Model::Onnx(
            load_onnx(&read(&model_path(file))).unwrap_or_else(|e| panic!("{file}: {e}")),
        );
        let r = read_json(&model_path(reference));
        let x = matrix(get(&r, "inputs"));
        let p = model
            .predict_batch(x.view())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let expected = vector(get(&r, "predict"));
        let mut max_err = 0.0f64;
        if boolean(get(&r, "classifier")) {
            let Some(Labels::Int(labels)) = &p.labels else {
                panic!("{file}: no int labels")
            };
            let want: Vec<i64> = expected.iter().map(|&v| v as i64).collect();
            assert_eq!(labels, &want, "{file}: labels");
            let proba = p.probabilities.as_ref().expect("probabilities");
            let want = matrix(get(&r, "predict_proba"));
            assert_eq!(proba.dim(), want.dim(), "{file}");
            for (a, b) in proba.iter().zip(want.iter()) {
                max_err = max_err.max((a - b).abs());
            }
        } else {
            let values = p.values.as_ref().expect("values");
            for (a, b) in values.iter().zip(&expected) {
                max_err = max_err.max((a - b).abs());
            }
        }
        println!("{file:40} max abs error vs scikit-learn {max_err:.3e}");
        assert!(max_err <= tol, "{file}: max error {max_err:e} > {tol:e}");
    }
}

#[test]
fn signatures_describe_the_fixture_models() {
    use crate::inference::{ClassLabels, ElementType, OutputRole, Task};
    for &(file, reference, _) in MODELS {
        let model = load_onnx(&read(&model_path(file))).unwrap();
        let sig = model.signature();
        let r = read_json(&model_path(reference));
        assert_eq!(sig.input_name.as_deref(), Some("input"), "{file}");
        let double = file.contains("_f64") || file.contains("_te5");
        assert_eq!(
            sig.element_type,
            if double {
                ElementType::F64
            } else {
                ElementType::F32
            },
            "{file}"
        );
        assert_eq!(
            sig.n_features as f64,
            super::fixture::num(get(&r, "n_features")),
            "{file}"
        );
        let roles: Vec<OutputRole> = sig.outputs.iter().map(|o| o.role).collect();
        if boolean(get(&r, "classifier")) {
            assert_eq!(sig.task, Task::Classification, "{file}");
            let classes: Vec<i64> = vector(get(&r, "classes"))
                .iter()
                .map(|&c| c as i64)
                .collect();
            assert_eq!(sig.classes, Some(ClassLabels::Int(classes)), "{file}");
            assert_eq!(
                roles,
                [OutputRole::Label, OutputRole::Probabilities],
                "{file}"
            );
        } else {
            assert_eq!(sig.task, Task::Regression, "{file}");
            assert_eq!(sig.classes, None, "{file}");
            assert_eq!(roles, [OutputRole::Value], "{file}");
            assert_eq!(
                sig.outputs[0].value_type,
                if double {
                    "tensor(double)"
                } else {
                    "tensor(float)"
                }
            );
        }
        if file.contains("zipmap") {
            assert_eq!(sig.outputs[1].value_type, "seq(map(int64,tensor(float)))");
        }
    }
}

#[test]
fn large_batches_split_over_threads_give_the_same_results() {
    for file in [
        "logreg_bc_f64.onnx",
        "rf_bc_zipmap_f32.onnx",
        "gbr_diabetes_te5.onnx",
        "pipe_scaler_logreg_iris_f32.onnx",
    ] {
        let model = load_onnx(&read(&model_path(file))).unwrap();
        let reference = match file {
            "logreg_bc_f64.onnx" => "logreg_bc.json",
            "rf_bc_zipmap_f32.onnx" => "rf_bc.json",
            "gbr_diabetes_te5.onnx" => "gbr_diabetes.json",
            _ => "pipe_scaler_logreg_iris.json",
        };
        let x = matrix(get(&read_json(&model_path(reference)), "inputs"));
        let big = ndarray::concatenate(ndarray::Axis(0), &vec![x.view(); 41]).unwrap();
        let small = model.run(x.view()).unwrap();
        let large = model.run(big.view()).unwrap();
        for ((name, s), (_, l)) in small.iter().zip(large.iter()) {
            let (s, l) = (s.to_f64_vec().unwrap(), l.to_f64_vec().unwrap());
            assert_eq!(l.len(), s.len() * 41, "{file} {name}");
            for (i, v) in l.iter().enumerate() {
                assert_eq!(v.to_bits(), s[i % s.len()].to_bits(), "{file} {name} [{i}]");
            }
        }
    }
}
