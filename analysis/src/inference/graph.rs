//! The execution plan: the graph's values numbered into slots, constants decoded once,
//! nodes compiled into kernels and put in dependency order (Kahn's algorithm), with every
//! node's output types inferred and checked against the declared graph outputs.

use std::collections::HashMap;

use super::attrs::Attrs;
use super::error::{InferenceError, Result};
use super::initializer::decode_tensor;
use super::ops::{self, BuildCtx, BuildError, Kernel};
use super::order::topological_order;
use super::proto::{GraphProto, NodeProto};
use super::signature::declared_type;
use super::tensor::{Tensor, ValueType};

/// One compiled node.
#[derive(Debug)]
pub(crate) struct Step {
    /// Node name for errors (or its first output when unnamed).
    pub name: String,
    /// Operator name.
    pub op_type: String,
    /// The compiled kernel.
    pub kernel: Box<dyn Kernel>,
    /// Input slots.
    pub inputs: Vec<usize>,
    /// Output slots (`None` for outputs the node leaves unnamed).
    pub outputs: Vec<Option<usize>>,
}

/// A graph ready to run.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Number of value slots.
    pub n_slots: usize,
    /// Slot of the graph input.
    pub input_slot: usize,
    /// Name and declared type of the graph input.
    pub input: (String, ValueType),
    /// Declared shape of the graph input (`None` = unknown dimension).
    pub input_shape: Option<Vec<Option<usize>>>,
    /// Constant value of each slot, if it is an initializer.
    pub consts: Vec<Option<Tensor>>,
    /// Nodes in dependency order.
    pub steps: Vec<Step>,
    /// Graph outputs: name, slot, type.
    pub outputs: Vec<(String, usize, ValueType)>,
}

fn node_label(n: &NodeProto) -> String {
    if !n.name.is_empty() {
        n.name.clone()
    } else {
        n.output
            .first()
            .cloned()
            .unwrap_or_else(|| n.op_type.clone())
    }
}

/// An [`InferenceError::InvalidModel`].
pub(crate) fn invalid(msg: String) -> InferenceError {
    InferenceError::InvalidModel(msg)
}

/// Builds the plan. `opsets` maps normalised domains to imported versions.
pub(crate) fn build_plan(g: &GraphProto, opsets: &HashMap<String, i64>) -> Result<Plan> {
    let mut slot_of: HashMap<&str, usize> = HashMap::new();
    let mut consts: Vec<Option<Tensor>> = Vec::new();
    let mut types: Vec<Option<ValueType>> = Vec::new();
    for t in &g.initializer {
        let value = decode_tensor(t).map_err(invalid)?;
        if slot_of.insert(t.name.as_str(), consts.len()).is_some() {
            return Err(invalid(format!(
                "initializer `{}` is defined twice",
                t.name
            )));
        }
        types.push(Some(value.value_type()));
        consts.push(Some(value));
    }
    // Older IR versions also list initializers among the inputs; the real input is the rest.
    let real: Vec<_> = g
        .input
        .iter()
        .filter(|i| !slot_of.contains_key(i.name.as_str()))
        .collect();
    let [input] = real.as_slice() else {
        return Err(invalid(format!(
            "expected exactly one graph input, found {}",
            real.len()
        )));
    };
    let (input_type, input_shape) = declared_type(input)
        .map_err(invalid)?
        .ok_or_else(|| invalid(format!("input `{}` has no declared type", input.name)))?;
    let input_slot = consts.len();
    slot_of.insert(input.name.as_str(), input_slot);
    consts.push(None);
    types.push(Some(input_type.clone()));
    // Every node output gets a fresh slot; a name defined twice is invalid (SSA).
    for n in &g.node {
        for o in n.output.iter().filter(|o| !o.is_empty()) {
            if slot_of.insert(o.as_str(), consts.len()).is_some() {
                return Err(invalid(format!("value `{o}` is defined twice")));
            }
            consts.push(None);
            types.push(None);
        }
    }
    let order = topological_order(g, &slot_of)?;
    let mut steps = Vec::with_capacity(order.len());
    for i in order {
        let n = &g.node[i];
        let name = node_label(n);
        let inputs = input_slots(n, &slot_of)?;
        let domain = match n.domain.as_str() {
            "ai.onnx" => "",
            d => d,
        };
        let version = *opsets.get(domain).ok_or_else(|| {
            invalid(format!(
                "node `{name}` uses domain `{domain}`, which the model does not import"
            ))
        })?;
        let ctx = BuildCtx {
            node: n,
            attrs: Attrs::of(n),
            version,
            inputs: inputs
                .iter()
                .map(|&s| types[s].clone())
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid(format!("node `{name}` reads a value of unknown type")))?,
        };
        let built = ops::build(domain, &ctx).map_err(|e| match e {
            BuildError::Unsupported => InferenceError::UnsupportedOperator {
                domain: if domain.is_empty() {
                    "ai.onnx".into()
                } else {
                    domain.into()
                },
                op_type: n.op_type.clone(),
                node: name.clone(),
            },
            BuildError::Invalid(message) => InferenceError::InvalidNode {
                node: name.clone(),
                op_type: n.op_type.clone(),
                message,
            },
        })?;
        if n.output.len() > built.outputs.len() {
            return Err(InferenceError::InvalidNode {
                node: name,
                op_type: n.op_type.clone(),
                message: format!(
                    "declares {} outputs, the operator has {}",
                    n.output.len(),
                    built.outputs.len()
                ),
            });
        }
        let mut outputs = Vec::with_capacity(n.output.len());
        for (o, t) in n.output.iter().zip(&built.outputs) {
            let slot = (!o.is_empty())
                .then(|| slot_of.get(o.as_str()).copied())
                .flatten();
            if let Some(s) = slot {
                types[s] = Some(t.clone());
            }
            outputs.push(slot);
        }
        steps.push(Step {
            name,
            op_type: n.op_type.clone(),
            kernel: built.kernel,
            inputs,
            outputs,
        });
    }
    let mut outputs = Vec::with_capacity(g.output.len());
    for o in &g.output {
        let slot = *slot_of
            .get(o.name.as_str())
            .ok_or_else(|| invalid(format!("output `{}` is not produced by the graph", o.name)))?;
        let actual = types[slot]
            .clone()
            .ok_or_else(|| invalid(format!("output `{}` has no type", o.name)))?;
        if let Some((declared, _)) = declared_type(o).map_err(invalid)? {
            if declared != actual {
                let producer = steps
                    .iter()
                    .find(|s| s.outputs.contains(&Some(slot)))
                    .map_or_else(|| "the graph".to_string(), |s| s.op_type.clone());
                return Err(InferenceError::OutputTypeMismatch {
                    output: o.name.clone(),
                    declared: declared.to_string(),
                    actual: actual.to_string(),
                    producer,
                });
            }
        }
        outputs.push((o.name.clone(), slot, actual));
    }
    if outputs.is_empty() {
        return Err(invalid("the graph has no output".into()));
    }
    Ok(Plan {
        n_slots: consts.len(),
        input_slot,
        input: (input.name.clone(), input_type),
        input_shape,
        consts,
        steps,
        outputs,
    })
}

/// The slots a node reads; omitted optional inputs are only supported at the end.
pub(crate) fn input_slots(n: &NodeProto, slot_of: &HashMap<&str, usize>) -> Result<Vec<usize>> {
    // Omitted optional inputs are empty names; only trailing ones are supported.
    let used = n
        .input
        .iter()
        .rposition(|i| !i.is_empty())
        .map_or(0, |p| p + 1);
    n.input[..used]
        .iter()
        .map(|i| {
            slot_of.get(i.as_str()).copied().ok_or_else(|| {
                invalid(format!(
                    "node `{}` reads `{i}`, which is never defined",
                    node_label(n)
                ))
            })
        })
        .collect()
}

impl Plan {
    /// Evaluates the graph on `input`; returns the graph outputs in declaration order.
    pub fn run(&self, input: Tensor) -> Result<Vec<Tensor>> {
        let mut values: Vec<Option<Tensor>> = (0..self.n_slots).map(|_| None).collect();
        values[self.input_slot] = Some(input);
        for step in &self.steps {
            let outs = {
                let ins = step
                    .inputs
                    .iter()
                    .map(|&s| self.consts[s].as_ref().or(values[s].as_ref()))
                    .collect::<Option<Vec<&Tensor>>>()
                    .ok_or_else(|| self.fail(step, "an input was not computed".into()))?;
                step.kernel.run(&ins).map_err(|m| self.fail(step, m))?
            };
            for (slot, t) in step.outputs.iter().zip(outs) {
                if let Some(s) = slot {
                    values[*s] = Some(t);
                }
            }
        }
        // Outputs are moved out of their slots; a constant or a repeated output is cloned.
        let mut result: Vec<Tensor> = Vec::with_capacity(self.outputs.len());
        for (k, (name, s, _)) in self.outputs.iter().enumerate() {
            let t = if let Some(c) = &self.consts[*s] {
                c.clone()
            } else if let Some(t) = values[*s].take() {
                t
            } else if let Some(j) = self.outputs[..k].iter().position(|o| o.1 == *s) {
                result[j].clone()
            } else {
                return Err(invalid(format!("output `{name}` was not computed")));
            };
            result.push(t);
        }
        Ok(result)
    }

    fn fail(&self, step: &Step, message: String) -> InferenceError {
        InferenceError::Runtime {
            node: format!("{} ({})", step.name, step.op_type),
            message,
        }
    }
}
