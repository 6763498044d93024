//! Building small ONNX models in code (for validation tests), through the module's own
//! protobuf messages.

use prost::Message;

use crate::inference::proto::{
    AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
};

pub const FLOAT: i32 = 1;
pub const INT64: i32 = 7;
pub const DOUBLE: i32 = 11;

/// A tensor value declaration; `None` dimensions are symbolic.
pub fn value(name: &str, elem: i32, dims: &[Option<i64>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            dim_value: *d,
            dim_param: d.is_none().then(|| "N".to_string()),
        })
        .collect();
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type: elem,
                shape: Some(TensorShapeProto { dim }),
            }),
            ..TypeProto::default()
        }),
    }
}

pub fn ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: v.to_vec(),
        r#type: 7,
        ..AttributeProto::default()
    }
}

pub fn floats(name: &str, v: &[f32]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        floats: v.to_vec(),
        r#type: 6,
        ..AttributeProto::default()
    }
}

pub fn strings(name: &str, v: &[&str]) -> AttributeProto {
    let strings = v.iter().map(|s| s.as_bytes().to_vec()).collect();
    AttributeProto {
        name: name.into(),
        strings,
        r#type: 8,
        ..AttributeProto::default()
    }
}

pub fn string_attr(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        s: v.as_bytes().to_vec(),
        r#type: 3,
        ..AttributeProto::default()
    }
}

pub fn int(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i: v,
        r#type: 2,
        ..AttributeProto::default()
    }
}

pub fn tensor_attr(name: &str, t: TensorProto) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        t: Some(t),
        r#type: 4,
        ..AttributeProto::default()
    }
}

pub fn doubles(values: &[f64]) -> TensorProto {
    TensorProto {
        dims: vec![values.len() as i64],
        data_type: DOUBLE,
        double_data: values.to_vec(),
        ..TensorProto::default()
    }
}

pub fn node(
    op: &str,
    domain: &str,
    inputs: &[&str],
    outputs: &[&str],
    attribute: Vec<AttributeProto>,
) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        name: format!("{op}_node"),
        op_type: op.into(),
        attribute,
        domain: domain.into(),
    }
}

/// Encodes a model with the given opsets (domain, version).
pub fn model(
    nodes: Vec<NodeProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<ValueInfoProto>,
    initializer: Vec<TensorProto>,
    opsets: &[(&str, i64)],
) -> Vec<u8> {
    ModelProto {
        ir_version: 8,
        producer_name: "test".into(),
        producer_version: String::new(),
        graph: Some(GraphProto {
            node: nodes,
            name: "g".into(),
            initializer,
            input: inputs,
            output: outputs,
        }),
        opset_import: opsets
            .iter()
            .map(|(d, v)| OperatorSetIdProto {
                domain: d.to_string(),
                version: *v,
            })
            .collect(),
    }
    .encode_to_vec()
}

pub const ML: &[(&str, i64)] = &[("", 17), ("ai.onnx.ml", 3)];

/// A one-tree regressor `x[feature] <= 0.5 ? 1 : 2` with overridable attributes.
pub fn tree_regressor(extra: Vec<AttributeProto>, input: i32, output: i32) -> Vec<u8> {
    let mut attrs = vec![
        int("n_targets", 1),
        ints("nodes_treeids", &[0, 0, 0]),
        ints("nodes_nodeids", &[0, 1, 2]),
        ints("nodes_featureids", &[0, 0, 0]),
        strings("nodes_modes", &["BRANCH_LEQ", "LEAF", "LEAF"]),
        floats("nodes_values", &[0.5, 0.0, 0.0]),
        ints("nodes_truenodeids", &[1, 0, 0]),
        ints("nodes_falsenodeids", &[2, 0, 0]),
        ints("target_treeids", &[0, 0]),
        ints("target_nodeids", &[1, 2]),
        ints("target_ids", &[0, 0]),
        floats("target_weights", &[1.0, 2.0]),
    ];
    for e in extra {
        attrs.retain(|a| a.name != e.name);
        attrs.push(e);
    }
    model(
        vec![node(
            "TreeEnsembleRegressor",
            "ai.onnx.ml",
            &["input"],
            &["variable"],
            attrs,
        )],
        vec![value("input", input, &[None, Some(2)])],
        vec![value("variable", output, &[None, Some(1)])],
        Vec::new(),
        ML,
    )
}
