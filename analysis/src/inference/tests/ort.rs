//! The fixture models against onnxruntime 1.32.0 on the reference rows plus perturbed rows
//! with missing values (recorded by `tests/data/gen_ort.py`).

use super::fixture::{boolean, data_path, get, matrix, model_path, num, read, read_json, string};
use crate::inference::json::Json;
use crate::inference::{load_onnx, Tensor};
use ndarray::Array2;

/// The 50 reference rows followed by 50 perturbed copies (NaN cells for tree models).
pub fn ort_inputs(reference: &Json<'static>, nan: bool) -> Array2<f64> {
    let x = matrix(get(reference, "inputs"));
    let (n, m) = x.dim();
    let mut all = Array2::zeros((2 * n, m));
    for i in 0..n {
        for j in 0..m {
            all[[i, j]] = x[[i, j]];
            let k = ((i * 7 + j * 3) % 11) as f64 - 5.0;
            all[[n + i, j]] = if nan && (i * 5 + j) % 17 == 0 {
                f64::NAN
            } else {
                x[[i, j]] * (1.0 + 0.02 * k)
            };
        }
    }
    all
}

/// Max |ours - ort| / max(1, |ort|), and whether all integer outputs are equal.
fn compare(ours: &Tensor, expected: &Json<'static>) -> (f64, usize, usize) {
    let shape: Vec<usize> = get(expected, "shape")
        .as_array()
        .unwrap()
        .iter()
        .map(|v| num(v) as usize)
        .collect();
    assert_eq!(ours.shape(), shape.as_slice(), "shape");
    let want: Vec<f64> = get(expected, "data")
        .as_array()
        .unwrap()
        .iter()
        .map(num)
        .collect();
    let got = ours.to_f64_vec().expect("numeric output");
    let (mut worst, mut same) = (0.0f64, 0usize);
    for (a, b) in got.iter().zip(&want) {
        if a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) {
            same += 1;
            continue;
        }
        worst = worst.max((a - b).abs() / b.abs().max(1.0));
    }
    (worst, same, want.len())
}

#[test]
fn fixture_models_match_onnxruntime() {
    let dir = data_path("ort");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 15);
    for path in files {
        let rec = read_json(&path);
        let file = string(get(&rec, "model"));
        let model = load_onnx(&read(&model_path(file))).unwrap();
        let reference = read_json(&model_path(string(get(&rec, "reference"))));
        let x = ort_inputs(&reference, boolean(get(&rec, "nan")));
        let out = model.run(x.view()).unwrap();
        let double = file.contains("f64") || file.contains("te5");
        for (name, t) in out.iter() {
            let expected = get(get(&rec, "outputs"), name);
            let (worst, same, total) = compare(t, expected);
            println!("{file:38} {name:20} max rel diff {worst:.2e}, bit-identical {same}/{total}");
            let tol = if double { 1e-12 } else { 1e-6 };
            assert!(worst <= tol, "{file} {name}: {worst:e}");
            if matches!(t, Tensor::I64(_) | Tensor::Str(_)) {
                assert_eq!(same, total, "{file} {name}: labels differ from onnxruntime");
            }
        }
    }
}
