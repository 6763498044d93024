//! Files and models that must be rejected with a clear, typed error.

use ndarray::Array2;

use super::builder::*;
use super::fixture::{model_path, read};
use crate::inference::proto::TensorProto;
use crate::inference::{load_onnx, InferenceError, Model};

fn err(bytes: &[u8]) -> InferenceError {
    match load_onnx(bytes) {
        Ok(_) => panic!("the model was accepted"),
        Err(e) => e,
    }
}

#[test]
fn double_output_tree_regressor_is_rejected() {
    let e = err(&read(&model_path("invalid_gbr_double_output.onnx")));
    println!("{e}");
    assert_eq!(
        e,
        InferenceError::OutputTypeMismatch {
            output: "variable".into(),
            declared: "tensor(double)".into(),
            actual: "tensor(float)".into(),
            producer: "TreeEnsembleRegressor".into(),
        }
    );
    // The same tree with a float output is fine.
    assert!(load_onnx(&tree_regressor(vec![], DOUBLE, FLOAT)).is_ok());
    assert!(matches!(
        err(&tree_regressor(vec![], DOUBLE, DOUBLE)),
        InferenceError::OutputTypeMismatch { .. }
    ));
}

#[test]
fn random_bytes_are_rejected() {
    let bytes = read(&model_path("invalid_random_bytes.onnx"));
    let e = err(&bytes);
    println!("{e}");
    assert!(
        matches!(
            e,
            InferenceError::Decode(_) | InferenceError::InvalidModel(_)
        ),
        "{e:?}"
    );
    assert!(Model::load(&bytes).is_err());
    assert!(matches!(err(&[]), InferenceError::InvalidModel(_)));
}

#[test]
fn unsupported_operators_and_opsets_are_named() {
    let conv = model(
        vec![node("Conv", "", &["input"], &["y"], vec![])],
        vec![value("input", FLOAT, &[None, Some(2)])],
        vec![value("y", FLOAT, &[None, Some(2)])],
        vec![],
        ML,
    );
    let e = err(&conv);
    assert_eq!(
        e.to_string(),
        "unsupported operator `ai.onnx:Conv` (node `Conv_node`)"
    );
    let svm = model(
        vec![node(
            "SVMClassifier",
            "ai.onnx.ml",
            &["input"],
            &["l", "p"],
            vec![],
        )],
        vec![value("input", FLOAT, &[None, Some(2)])],
        vec![value("p", FLOAT, &[None, Some(2)])],
        vec![],
        ML,
    );
    assert!(
        matches!(err(&svm), InferenceError::UnsupportedOperator { op_type, .. } if op_type == "SVMClassifier")
    );
    let id = |opsets| {
        model(
            vec![node("Identity", "", &["input"], &["y"], vec![])],
            vec![value("input", FLOAT, &[None, Some(2)])],
            vec![value("y", FLOAT, &[None, Some(2)])],
            vec![],
            opsets,
        )
    };
    assert!(load_onnx(&id(ML)).is_ok());
    assert!(matches!(
        err(&id(&[("", 17), ("ai.onnx.ml", 9)])),
        InferenceError::UnsupportedOpset { version: 9, .. }
    ));
    assert!(matches!(
        err(&id(&[("", 40)])),
        InferenceError::UnsupportedOpset { .. }
    ));
    assert!(matches!(
        err(&id(&[("", 17), ("", 16)])),
        InferenceError::InvalidModel(_)
    ));
    // TreeEnsemble exists from ai.onnx.ml 5 only.
    let te = model(
        vec![node(
            "TreeEnsemble",
            "ai.onnx.ml",
            &["input"],
            &["y"],
            vec![],
        )],
        vec![value("input", FLOAT, &[None, Some(2)])],
        vec![value("y", FLOAT, &[None, Some(1)])],
        vec![],
        ML,
    );
    assert!(matches!(
        err(&te),
        InferenceError::UnsupportedOperator { .. }
    ));
}

#[test]
fn malformed_graphs_are_rejected() {
    let input = || vec![value("input", FLOAT, &[None, Some(2)])];
    let out = |n: &str| vec![value(n, FLOAT, &[None, Some(2)])];
    let cycle = model(
        vec![
            node("Add", "", &["input", "b"], &["a"], vec![]),
            node("Identity", "", &["a"], &["b"], vec![]),
        ],
        input(),
        out("b"),
        vec![],
        ML,
    );
    assert!(err(&cycle).to_string().contains("cycle"));
    let undefined = model(
        vec![node("Add", "", &["input", "zz"], &["a"], vec![])],
        input(),
        out("a"),
        vec![],
        ML,
    );
    assert!(err(&undefined).to_string().contains("`zz`"));
    let twice = model(
        vec![
            node("Identity", "", &["input"], &["a"], vec![]),
            node("Identity", "", &["input"], &["a"], vec![]),
        ],
        input(),
        out("a"),
        vec![],
        ML,
    );
    assert!(err(&twice).to_string().contains("defined twice"));
    let no_output = model(
        vec![node("Identity", "", &["input"], &["a"], vec![])],
        input(),
        out("q"),
        vec![],
        ML,
    );
    assert!(err(&no_output).to_string().contains("`q`"));
    // The input must be float or double with a fixed feature count.
    let int_input = model(
        vec![node("Identity", "", &["input"], &["a"], vec![])],
        vec![value("input", INT64, &[None, Some(2)])],
        vec![value("a", INT64, &[None, Some(2)])],
        vec![],
        ML,
    );
    assert!(matches!(err(&int_input), InferenceError::InvalidModel(_)));
    let open_width = model(
        vec![node("Identity", "", &["input"], &["a"], vec![])],
        vec![value("input", FLOAT, &[None, None])],
        out("a"),
        vec![],
        ML,
    );
    assert!(err(&open_width).to_string().contains("fixed feature count"));
    // Constants kept in external files cannot be loaded from bytes.
    let external = TensorProto {
        name: "w".into(),
        dims: vec![2],
        data_type: FLOAT,
        data_location: 1,
        ..TensorProto::default()
    };
    let ext = model(
        vec![node("Add", "", &["input", "w"], &["a"], vec![])],
        input(),
        out("a"),
        vec![external],
        ML,
    );
    assert!(err(&ext).to_string().contains("external"));
    // Add of float and double.
    let mixed = TensorProto {
        name: "w".into(),
        dims: vec![2],
        data_type: DOUBLE,
        double_data: vec![1.0, 2.0],
        ..TensorProto::default()
    };
    let m = model(
        vec![node("Add", "", &["input", "w"], &["a"], vec![])],
        input(),
        out("a"),
        vec![mixed],
        ML,
    );
    assert!(matches!(err(&m), InferenceError::InvalidNode { .. }));
}

#[test]
fn malformed_trees_are_rejected() {
    let check = |extra, needle: &str| {
        let e = err(&tree_regressor(extra, FLOAT, FLOAT));
        println!("{e}");
        assert!(matches!(e, InferenceError::InvalidNode { .. }), "{e:?}");
        assert!(
            e.to_string().contains(needle),
            "{e} does not mention {needle}"
        );
    };
    // Node 1 becomes a branch pointing back to the root.
    check(
        vec![
            strings("nodes_modes", &["BRANCH_LEQ", "BRANCH_LEQ", "LEAF"]),
            ints("nodes_truenodeids", &[1, 0, 0]),
            ints("nodes_falsenodeids", &[2, 2, 0]),
            ints("target_nodeids", &[2, 2]),
        ],
        "root",
    );
    check(
        vec![
            ints("nodes_truenodeids", &[1, 1, 0]),
            ints("nodes_falsenodeids", &[2, 1, 0]),
            strings("nodes_modes", &["BRANCH_LEQ", "BRANCH_LEQ", "LEAF"]),
            ints("target_nodeids", &[2, 2]),
        ],
        "cycle",
    );
    check(vec![ints("target_nodeids", &[1, 1])], "no weight");
    check(vec![ints("target_ids", &[0, 3])], "target");
    check(
        vec![strings("nodes_modes", &["BRANCH_FOO", "LEAF", "LEAF"])],
        "BRANCH_FOO",
    );
    check(
        vec![ints("nodes_truenodeids", &[7, 0, 0])],
        "missing true node 7",
    );
    check(vec![ints("nodes_featureids", &[0, 0])], "nodes_featureids");
    check(vec![int("n_targets", 1 << 40)], "targets");
    check(vec![strings("post_transform", &[])], "post_transform");
    check(vec![floats("base_values", &[1.0, 2.0])], "base values");
    // Thresholds given both as floats and as a double tensor.
    check(
        vec![tensor_attr(
            "nodes_values_as_tensor",
            doubles(&[0.5, 0.0, 0.0]),
        )],
        "nodes_values",
    );
}

#[test]
fn run_time_errors_are_typed() {
    let m = load_onnx(&tree_regressor(
        vec![ints("nodes_featureids", &[5, 0, 0])],
        FLOAT,
        FLOAT,
    ))
    .unwrap();
    let e = m.run(Array2::zeros((3, 2)).view()).unwrap_err();
    assert!(matches!(e, InferenceError::Runtime { .. }), "{e:?}");
    assert!(e.to_string().contains("feature 5"), "{e}");
    let m = load_onnx(&tree_regressor(vec![], FLOAT, FLOAT)).unwrap();
    assert_eq!(
        m.run(Array2::zeros((3, 4)).view()).unwrap_err(),
        InferenceError::FeatureCount {
            expected: 2,
            got: 4
        }
    );
    // Zero rows are fine.
    let out = m.run(Array2::zeros((0, 2)).view()).unwrap();
    assert_eq!(out.get("variable").unwrap().shape(), &[0, 1]);
}
