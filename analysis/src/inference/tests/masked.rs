//! The masked-row evaluator of linear pipelines against running the built rows through
//! the graph, bit for bit: the fixtures' pipelines and built models covering every head
//! (one score column, a score per class under each transform, a regressor, a Scaler with
//! one value for all features); graphs of any other shape have no evaluator.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::builder::{floats, ints, model, node, string_attr, value, FLOAT, ML};
use super::fixture::{explain_path, model_path, read};
use crate::inference::{load_onnx, MaskedOutput};

/// Random x, background and coalitions; the evaluator's outputs against `predict_batch`
/// on the rows built from them.
fn check(bytes: &[u8], outputs: &[MaskedOutput], seed: u64) {
    let model = load_onnx(bytes).unwrap();
    let pipe = model.linear_pipeline().expect("a linear pipeline");
    let m = pipe.n_features();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = || rng.gen_range(-4.0..4.0) * 10f64.powi(rng.gen_range(-1..3));
    let x: Vec<f64> = (0..m).map(|_| draw()).collect();
    let bg = Array2::from_shape_fn((9, m), |_| draw());
    let n_coalitions = 17;
    let masks: Vec<bool> = (0..n_coalitions * m)
        .map(|i| (i * 7 + i / m).is_multiple_of(3))
        .collect();
    let mut rows = Array2::zeros((n_coalitions * bg.nrows(), m));
    for (c, mask) in masks.chunks(m).enumerate() {
        for (b, src) in bg.rows().into_iter().enumerate() {
            for j in 0..m {
                rows[[c * bg.nrows() + b, j]] = if mask[j] { x[j] } else { src[j] };
            }
        }
    }
    let p = model.predict_batch(rows.view()).unwrap();
    for &output in outputs {
        let want: Vec<f64> = match output {
            MaskedOutput::Probability(k) => p.probabilities.as_ref().unwrap().column(k).to_vec(),
            MaskedOutput::Value => p.values.clone().unwrap(),
        };
        let mut got = vec![0.0; want.len()];
        pipe.predict_masked(&x, bg.view(), &masks, output, &mut got)
            .unwrap();
        let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want), "{output:?}");
    }
}

#[test]
fn fixture_pipelines_match_built_rows_bit_for_bit() {
    let both = [MaskedOutput::Probability(0), MaskedOutput::Probability(1)];
    check(
        &read(&model_path("pipe_scaler_logreg_bc_f32.onnx")),
        &both,
        1,
    );
    check(&read(&model_path("logreg_bc_f32.onnx")), &both, 2);
    check(&read(&explain_path("model_logreg.onnx")), &both, 3);
}

fn linear(
    op: &str,
    attrs: Vec<crate::inference::proto::AttributeProto>,
    scaler: Option<(&[f32], &[f32])>,
    n_out: usize,
) -> Vec<u8> {
    let mut nodes = Vec::new();
    let mut feeds = "input";
    if let Some((offset, scale)) = scaler {
        nodes.push(node(
            "Scaler",
            "ai.onnx.ml",
            &["input"],
            &["scaled"],
            vec![floats("offset", offset), floats("scale", scale)],
        ));
        feeds = "scaled";
    }
    let outputs = if op == "LinearClassifier" {
        nodes.push(node(
            op,
            "ai.onnx.ml",
            &[feeds],
            &["label", "probabilities"],
            attrs,
        ));
        vec![
            value("label", super::builder::INT64, &[None]),
            value("probabilities", FLOAT, &[None, Some(n_out as i64)]),
        ]
    } else {
        nodes.push(node(op, "ai.onnx.ml", &[feeds], &["variable"], attrs));
        vec![value("variable", FLOAT, &[None, Some(1)])]
    };
    model(
        nodes,
        vec![value("input", FLOAT, &[None, Some(3)])],
        outputs,
        Vec::new(),
        ML,
    )
}

const W3: [f32; 9] = [0.7, -1.3, 0.25, -0.4, 0.9, 1.1, 0.05, -0.6, 0.33];

#[test]
fn every_head_matches_built_rows_bit_for_bit() {
    let scaler: (&[f32], &[f32]) = (&[0.5, -1.5, 2.0], &[1.3, 0.2, 0.77]);
    let one_value: (&[f32], &[f32]) = (&[0.25], &[1.7]);
    let classes = |post: &str| {
        vec![
            floats("coefficients", &W3),
            floats("intercepts", &[0.1, -0.2, 0.3]),
            ints("classlabels_ints", &[0, 1, 2]),
            string_attr("post_transform", post),
        ]
    };
    let three = [0, 1, 2].map(MaskedOutput::Probability);
    for post in ["SOFTMAX", "SOFTMAX_ZERO", "LOGISTIC", "NONE", "PROBIT"] {
        check(
            &linear("LinearClassifier", classes(post), Some(scaler), 3),
            &three,
            4,
        );
    }
    for post in ["LOGISTIC", "NONE"] {
        let binary = vec![
            floats("coefficients", &W3[..3]),
            floats("intercepts", &[0.15]),
            ints("classlabels_ints", &[0, 1]),
            string_attr("post_transform", post),
        ];
        let both = [MaskedOutput::Probability(0), MaskedOutput::Probability(1)];
        check(
            &linear("LinearClassifier", binary, Some(one_value), 2),
            &both,
            5,
        );
    }
    for (post, scaling) in [("NONE", Some(scaler)), ("PROBIT", None)] {
        let attrs = vec![
            floats("coefficients", &W3[3..6]),
            floats("intercepts", &[-0.05]),
            string_attr("post_transform", post),
        ];
        check(
            &linear("LinearRegressor", attrs, scaling, 1),
            &[MaskedOutput::Value],
            6,
        );
    }
}

#[test]
fn other_graphs_have_no_masked_evaluator() {
    for name in [
        "logreg_bc_zipmap_f32.onnx",
        "pipe_normalizer_logreg_iris_f32.onnx",
        "pipe_scaler_logreg_iris_f32.onnx",
        "logreg_bc_f64.onnx",
        "rf_bc_f32.onnx",
    ] {
        let model = load_onnx(&read(&model_path(name))).unwrap();
        assert!(model.linear_pipeline().is_none(), "{name}");
    }
}

#[test]
fn wrong_shapes_are_errors_not_panics() {
    let model = load_onnx(&read(&model_path("logreg_bc_f32.onnx"))).unwrap();
    let pipe = model.linear_pipeline().unwrap();
    let m = pipe.n_features();
    let bg = Array2::zeros((2, m));
    let mut out = vec![0.0; 2];
    let x = vec![0.0; m];
    let mask = vec![true; m];
    assert!(pipe
        .predict_masked(
            &x[1..],
            bg.view(),
            &mask,
            MaskedOutput::Probability(1),
            &mut out
        )
        .is_err());
    assert!(pipe
        .predict_masked(
            &x,
            bg.view(),
            &mask[1..],
            MaskedOutput::Probability(1),
            &mut out
        )
        .is_err());
    assert!(pipe
        .predict_masked(&x, bg.view(), &mask, MaskedOutput::Probability(2), &mut out)
        .is_err());
    assert!(pipe
        .predict_masked(&x, bg.view(), &mask, MaskedOutput::Value, &mut out)
        .is_err());
    assert!(pipe
        .predict_masked(
            &x,
            bg.view(),
            &mask,
            MaskedOutput::Probability(1),
            &mut out[..1]
        )
        .is_err());
    pipe.predict_masked(&x, bg.view(), &mask, MaskedOutput::Probability(1), &mut out)
        .unwrap();
}

/// P(class 1) of an ONNX model, with or without its masked-row evaluator.
struct Proba(crate::inference::OnnxModel, bool);

impl crate::explain::Predictor for Proba {
    fn predict(
        &self,
        rows: ndarray::ArrayView2<f64>,
    ) -> crate::explain::Result<ndarray::Array1<f64>> {
        let p = self.0.predict_batch(rows).unwrap();
        Ok(p.probabilities.unwrap().column(1).to_owned())
    }

    fn masked(&self) -> Option<&dyn crate::explain::MaskedPredictor> {
        self.1.then_some(self as _)
    }
}

impl crate::explain::MaskedPredictor for Proba {
    fn predict_masked(
        &self,
        x: &[f64],
        background: ndarray::ArrayView2<f64>,
        masks: &[bool],
        out: &mut [f64],
    ) -> crate::explain::Result<()> {
        let pipe = self.0.linear_pipeline().unwrap();
        pipe.predict_masked(x, background, masks, MaskedOutput::Probability(1), out)
            .map_err(|e| crate::explain::ExplainError::Predictor(e.to_string()))
    }
}

#[test]
fn explainers_give_the_same_bits_through_the_evaluator() {
    use crate::explain::{
        Background, ExactExplainer, ExactOptions, KernelExplainer, KernelOptions, L1Reg,
        RowExplanation,
    };
    let bytes = read(&model_path("pipe_scaler_logreg_bc_f32.onnx"));
    let with = Proba(load_onnx(&bytes).unwrap(), true);
    let without = Proba(load_onnx(&bytes).unwrap(), false);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let data = Array2::from_shape_fn((24, 30), |(_, j)| {
        (j as f64 + 1.0) * rng.gen_range(0.5..1.5)
    });
    let bg = Background::uniform(data.slice(ndarray::s![..20, ..]).to_owned()).unwrap();
    let rows = data.slice(ndarray::s![20.., ..]);
    let bits = |r: Vec<RowExplanation>| {
        format!(
            "{:?}",
            r.iter()
                .map(|e| (
                    e.base_value.to_bits(),
                    e.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                ))
                .collect::<Vec<_>>()
        )
    };
    let kernel = |p: &Proba, l1_reg| {
        let opts = KernelOptions {
            l1_reg,
            threads: 2,
            ..KernelOptions::default()
        };
        KernelExplainer::new(p, &bg, opts)
            .unwrap()
            .explain(rows)
            .unwrap()
    };
    for l1 in [L1Reg::Off, L1Reg::NumFeatures(5)] {
        assert_eq!(bits(kernel(&with, l1)), bits(kernel(&without, l1)));
    }
    // Exact on the first 8 features of an 8-feature model.
    let bytes = read(&explain_path("model_logreg.onnx"));
    let with = Proba(load_onnx(&bytes).unwrap(), true);
    let without = Proba(load_onnx(&bytes).unwrap(), false);
    let bg8 = Background::uniform(data.slice(ndarray::s![..20, ..8]).to_owned()).unwrap();
    let exact = |p: &Proba| {
        ExactExplainer::new(p, &bg8, ExactOptions::default())
            .unwrap()
            .explain(data.slice(ndarray::s![20.., ..8]))
            .unwrap()
    };
    assert_eq!(bits(exact(&with)), bits(exact(&without)));
}
