//! Edge-case models built with onnx.helper against onnxruntime 1.32.0
//! (`tests/data/gen_synthetic.py`): tree modes, NaN routing, aggregates, post-transforms,
//! binary conventions, string labels, TreeEnsemble v5 membership, linear operators,
//! Scaler/Normalizer on double input, default-domain arithmetic.

use super::fixture::{data_path, get, matrix, num, read, read_json};
use crate::inference::json::Json;
use crate::inference::{load_onnx, Tensor};

fn check_output(model: &str, name: &str, ours: &Tensor, expected: &Json<'static>) -> usize {
    let shape: Vec<usize> = get(expected, "shape")
        .as_array()
        .unwrap()
        .iter()
        .map(|v| num(v) as usize)
        .collect();
    assert_eq!(ours.shape(), shape.as_slice(), "{model} {name}: shape");
    let data = get(expected, "data").as_array().unwrap();
    if let Tensor::Str(a) = ours {
        let want: Vec<&str> = data.iter().map(|v| v.as_str().unwrap()).collect();
        let got: Vec<&str> = a.iter().map(String::as_str).collect();
        assert_eq!(got, want, "{model} {name}");
        return want.len();
    }
    let got = ours.to_f64_vec().unwrap();
    let want: Vec<f64> = data.iter().map(num).collect();
    let double = matches!(ours, Tensor::F64(_));
    let mut same = 0;
    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
        if a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) {
            same += 1;
            continue;
        }
        let tol = if double { 1e-12 } else { 1e-6 };
        assert!(
            matches!(ours, Tensor::F32(_) | Tensor::F64(_) | Tensor::SeqMap(_))
                && (a - b).abs() <= tol * b.abs().max(1.0),
            "{model} {name}[{i}]: ours {a}, onnxruntime {b}"
        );
    }
    same
}

#[test]
fn edge_case_models_match_onnxruntime() {
    let dir = data_path("synthetic");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            e.unwrap()
                .file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    for name in names {
        let rec = read_json(&dir.join(format!("{name}.json")));
        let model = load_onnx(&read(&dir.join(format!("{name}.onnx"))))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let x = matrix(get(&rec, "inputs"));
        let out = model
            .run(x.view())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = get(&rec, "outputs");
        for (output, t) in out.iter() {
            let same = check_output(&name, output, t, get(expected, output));
            println!(
                "{name:36} {output:20} bit-identical {same}/{}",
                t.shape().iter().product::<usize>()
            );
        }
    }
}
