//! The two ONNX models of `shared/fixtures/explain` against onnxruntime's recorded
//! P(class 1) on the 10 explained rows.

use super::fixture::{explain_path, get, num, read, read_json, string};
use crate::inference::{load_onnx, ClassLabels, ElementType, OutputRole, Task};

fn read_csv(name: &str) -> ndarray::Array2<f64> {
    let text = String::from_utf8(read(&explain_path(name))).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
        .collect();
    let n = rows[0].len();
    ndarray::Array2::from_shape_vec((rows.len(), n), rows.concat()).unwrap()
}

#[test]
fn explain_models_match_onnxruntime() {
    let expected = read_json(&explain_path("expected.json"));
    let x = read_csv("explain.csv");
    for key in ["logreg", "random_forest"] {
        let onnx = get(get(get(&expected, "models"), key), "onnx");
        let model = load_onnx(&read(&explain_path(string(get(onnx, "file"))))).unwrap();
        let sig = model.signature();
        assert_eq!(sig.input_name.as_deref(), Some("input"));
        assert_eq!(
            (sig.element_type, sig.n_features, sig.task),
            (ElementType::F32, 8, Task::Classification)
        );
        assert_eq!(sig.classes, Some(ClassLabels::Int(vec![0, 1])));
        let roles: Vec<_> = sig
            .outputs
            .iter()
            .map(|o| (o.name.as_str(), o.role))
            .collect();
        assert_eq!(
            roles,
            [
                ("label", OutputRole::Label),
                ("probabilities", OutputRole::Probabilities)
            ]
        );
        let p = model.predict_batch(x.view()).unwrap();
        let proba = p.probabilities.unwrap();
        let want: Vec<f64> = get(onnx, "proba_class1_explain_onnxruntime")
            .as_array()
            .unwrap()
            .iter()
            .map(num)
            .collect();
        let err = proba
            .column(1)
            .iter()
            .zip(&want)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        println!("explain {key}: max |P(class 1) - onnxruntime| = {err:.2e}");
        assert!(err <= 1e-6, "{key}: {err}");
    }
}
