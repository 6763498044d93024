//! XGBoost JSON models against XGBoost 3.2.0's own outputs: the two fixtures in
//! `shared/fixtures/models` and two models with missing values (`tests/data/gen_xgb.py`).

use ndarray::Array2;

use super::fixture::{data_path, get, matrix, model_path, read, read_json, vector};
use crate::inference::{load_xgboost, ClassLabels, Labels, Model, Objective, Task};

fn max_abs(a: impl IntoIterator<Item = f64>, b: impl IntoIterator<Item = f64>) -> f64 {
    a.into_iter()
        .zip(b)
        .fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

#[test]
fn binary_classifier_matches_xgboost() {
    let model = load_xgboost(&read(&model_path("xgb_clf_bc.json"))).unwrap();
    let r = read_json(&model_path("xgb_clf_bc_ref.json"));
    let x = matrix(get(&r, "inputs"));
    assert_eq!(model.objective(), Objective::BinaryLogistic);
    let sig = model.signature();
    assert_eq!((sig.n_features, sig.task), (30, Task::Classification));
    assert_eq!(sig.classes, Some(ClassLabels::Int(vec![0, 1])));
    assert_eq!(model.trees().len(), 20);
    // Margins are bit-identical: float sums from the logit of base_score, trees in order.
    let margin = model.margin(x.view()).unwrap();
    assert_eq!(margin.column(0).to_vec(), vector(get(&r, "margin")));
    let proba = model.predict_proba(x.view()).unwrap();
    let want = matrix(get(&r, "predict_proba"));
    let err = max_abs(proba.iter().copied(), want.iter().copied());
    println!("xgb_clf_bc: margin exact, max |proba - xgboost| {err:.2e}");
    assert!(err <= 1e-7, "{err}");
    assert_eq!(model.predict(x.view()).unwrap(), vector(get(&r, "predict")));
    // The exposed trees reproduce the margin: base margin + sum of the leaves reached.
    for (i, row) in x.rows().into_iter().enumerate() {
        let xf: Vec<f32> = row.iter().map(|&v| v as f32).collect();
        let mut m = model.base_margin()[0];
        for t in model.trees() {
            m += t.predict_leaf(&xf);
        }
        assert_eq!(f64::from(m), margin[[i, 0]]);
    }
    // Covers are sums of hessians: each parent covers its two children.
    for t in model.trees() {
        for n in 0..t.n_nodes() {
            if !t.is_leaf(n) {
                let (l, r) = (t.left_children[n] as usize, t.right_children[n] as usize);
                let sum = t.covers[l] + t.covers[r];
                assert!(
                    (t.covers[n] - sum).abs() <= 1e-3 * t.covers[n],
                    "{} vs {sum}",
                    t.covers[n]
                );
            }
        }
    }
}

#[test]
fn regressor_matches_xgboost() {
    let model = Model::load(&read(&model_path("xgb_reg_diabetes.json"))).unwrap();
    let Model::Xgboost(xgb) = &model else {
        panic!("JSON must load as XGBoost")
    };
    assert_eq!(xgb.objective(), Objective::Regression);
    let r = read_json(&model_path("xgb_reg_diabetes_ref.json"));
    let x = matrix(get(&r, "inputs"));
    assert_eq!(model.signature().task, Task::Regression);
    let p = model.predict_batch(x.view()).unwrap();
    assert_eq!(p.values.unwrap(), vector(get(&r, "predict")));
    assert_eq!(
        xgb.margin(x.view()).unwrap().column(0).to_vec(),
        vector(get(&r, "margin"))
    );
    assert!(p.labels.is_none() && p.probabilities.is_none());
}

#[test]
fn missing_values_follow_default_left() {
    // binary:logistic with NaNs: `predict` is XGBoost's Booster.predict (P(class 1)).
    let model = load_xgboost(&read(&data_path("xgb_logistic_nan.json"))).unwrap();
    let r = read_json(&data_path("xgb_logistic_nan_ref.json"));
    let x = matrix(get(&r, "inputs"));
    assert!(x.iter().any(|v| v.is_nan()));
    assert_eq!(
        model.margin(x.view()).unwrap().column(0).to_vec(),
        vector(get(&r, "margin"))
    );
    let p1: Vec<f64> = model.predict_proba(x.view()).unwrap().column(1).to_vec();
    assert_eq!(p1, vector(get(&r, "predict")));

    // multi:softprob with NaNs: one margin per class, softmax probabilities.
    let model = load_xgboost(&read(&data_path("xgb_softprob_nan.json"))).unwrap();
    let r = read_json(&data_path("xgb_softprob_nan_ref.json"));
    let x = matrix(get(&r, "inputs"));
    assert_eq!(model.objective(), Objective::Multiclass);
    assert_eq!(model.base_margin().len(), 3);
    assert_eq!(model.margin(x.view()).unwrap(), matrix(get(&r, "margin")));
    let proba = model.predict_proba(x.view()).unwrap();
    let want: Array2<f64> = matrix(get(&r, "predict"));
    let err = max_abs(proba.iter().copied(), want.iter().copied());
    assert!(err <= 1e-7, "{err}");
    let batch = Model::Xgboost(model.clone())
        .predict_batch(x.view())
        .unwrap();
    let Some(Labels::Int(labels)) = batch.labels else {
        panic!("labels")
    };
    for (row, l) in want.rows().into_iter().zip(labels) {
        let best = row
            .iter()
            .enumerate()
            .fold(0, |b, (i, &v)| if v > row[b] { i } else { b });
        assert_eq!(l as usize, best);
    }
}

#[test]
fn large_batches_split_over_threads_give_the_same_results() {
    let model = load_xgboost(&read(&model_path("xgb_clf_bc.json"))).unwrap();
    let r = read_json(&model_path("xgb_clf_bc_ref.json"));
    let x = matrix(get(&r, "inputs"));
    let big = ndarray::concatenate(ndarray::Axis(0), &vec![x.view(); 30]).unwrap();
    let m_big = model.margin(big.view()).unwrap();
    let m = model.margin(x.view()).unwrap();
    for (i, row) in m_big.rows().into_iter().enumerate() {
        assert_eq!(row, m.row(i % x.nrows()));
    }
}
