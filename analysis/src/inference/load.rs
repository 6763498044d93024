//! Loading an ONNX model from bytes and running it on a batch of rows.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use ndarray::{concatenate, ArrayView2, ArrayViewD, Axis};

use super::error::{InferenceError, Result};
use super::graph::{build_plan, Plan};
use super::masked::{linear_pipeline, LinearPipeline};
use super::proto::{decode_model, OperatorSetIdProto};
use super::signature::{onnx_signature, ElementType, Signature};
use super::tensor::{SeqMap, Tensor};

/// Highest operator set versions implemented: the default domain and `ai.onnx.ml`.
const MAX_DEFAULT_OPSET: i64 = 23;
const MAX_ML_OPSET: i64 = 5;
/// IR versions accepted (3 introduced operator set imports; 11 is the newest known).
const IR_VERSIONS: std::ops::RangeInclusive<i64> = 3..=11;
/// Batches at least this long are split across threads.
const PARALLEL_MIN_ROWS: usize = 512;
/// At most this many threads evaluate one batch.
const MAX_THREADS: usize = 2;
/// Rows per pass through the graph. Every operator allocates its output per pass: for
/// this many rows those buffers stay in the core's cache and below malloc's mmap
/// threshold, where a pass over thousands of rows would fault in fresh pages per operator.
const BLOCK_ROWS: usize = 256;

/// A loaded, validated ONNX model with its execution plan.
#[derive(Debug)]
pub struct OnnxModel {
    plan: Plan,
    signature: Signature,
    output_names: Arc<[String]>,
    /// The masked-row evaluator, when the graph is a linear pipeline.
    linear: Option<Box<LinearPipeline>>,
}

/// The outputs of one evaluation, in the model's output order.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// Shared with the model: a run does not copy the names.
    names: Arc<[String]>,
    values: Vec<Tensor>,
}

impl Outputs {
    /// The output called `name`.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.names
            .iter()
            .position(|n| n == name)
            .and_then(|i| self.values.get(i))
    }

    /// `(name, value)` pairs in model order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Tensor)> {
        self.names.iter().map(String::as_str).zip(&self.values)
    }

    /// Number of outputs.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the model has no output (never the case for a loaded model).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Decodes and validates an ONNX model (operator sets, operators, attribute consistency,
/// declared types against the ONNX specification) and compiles its execution plan.
pub fn load_onnx(bytes: &[u8]) -> Result<OnnxModel> {
    let model = decode_model(bytes).map_err(InferenceError::Decode)?;
    if !IR_VERSIONS.contains(&model.ir_version) {
        return Err(InferenceError::InvalidModel(format!(
            "IR version {} is not supported ({}..={} are)",
            model.ir_version,
            IR_VERSIONS.start(),
            IR_VERSIONS.end()
        )));
    }
    let opsets = opset_map(&model.opset_import)?;
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| InferenceError::InvalidModel("the model has no graph".into()))?;
    let plan = build_plan(graph, &opsets)?;
    let signature = onnx_signature(&plan)?;
    let output_names = plan.outputs.iter().map(|(n, _, _)| n.clone()).collect();
    let linear = linear_pipeline(&plan, &signature).map(Box::new);
    Ok(OnnxModel {
        plan,
        signature,
        output_names,
        linear,
    })
}

fn opset_map(imports: &[OperatorSetIdProto]) -> Result<HashMap<String, i64>> {
    let mut map: HashMap<String, i64> = HashMap::new();
    for o in imports {
        let domain = if o.domain == "ai.onnx" {
            ""
        } else {
            o.domain.as_str()
        };
        let shown = if domain.is_empty() { "ai.onnx" } else { domain };
        let max = match domain {
            "" => MAX_DEFAULT_OPSET,
            "ai.onnx.ml" => MAX_ML_OPSET,
            // Other domains are accepted here; a node using one is reported as unsupported.
            _ => i64::MAX,
        };
        if o.version < 1 || o.version > max {
            return Err(InferenceError::UnsupportedOpset {
                domain: shown.into(),
                version: o.version,
            });
        }
        match map.insert(domain.to_string(), o.version) {
            Some(v) if v != o.version => {
                return Err(InferenceError::InvalidModel(format!(
                    "domain `{shown}` is imported twice, with versions {v} and {}",
                    o.version
                )))
            }
            _ => {}
        }
    }
    if map.is_empty() {
        return Err(InferenceError::InvalidModel(
            "the model imports no operator set".into(),
        ));
    }
    Ok(map)
}

impl OnnxModel {
    /// The model's interface.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The masked-row evaluator of a linear pipeline (`[Scaler] -> LinearClassifier |
    /// LinearRegressor` on float input); `None` for other graphs.
    pub fn linear_pipeline(&self) -> Option<&LinearPipeline> {
        self.linear.as_deref()
    }

    /// The trees of a tree-ensemble model (one tree operator on the raw input), for
    /// TreeSHAP; `None` for other graphs.
    pub fn trees(&self) -> Option<super::trees::ExportedTrees> {
        let f32_input = self.signature.element_type == ElementType::F32;
        self.plan.trees(f32_input)
    }

    /// Evaluates a batch (one row per sample). Values are cast to the model's element
    /// type first; large batches are split over two threads.
    pub fn run(&self, input: ArrayView2<'_, f64>) -> Result<Outputs> {
        if input.ncols() != self.signature.n_features {
            return Err(InferenceError::FeatureCount {
                expected: self.signature.n_features,
                got: input.ncols(),
            });
        }
        let rows = input.nrows();
        let threads = worker_threads();
        // An explainer's worker already has its core: splitting again only adds
        // thread spawns and oversubscription.
        let nested = crate::parallel::in_worker();
        let values = if rows >= PARALLEL_MIN_ROWS && threads > 1 && !nested {
            self.run_split(input, threads)?
        } else {
            self.run_chunk(input)?
        };
        let names = Arc::clone(&self.output_names);
        Ok(Outputs { names, values })
    }

    /// Runs one thread's rows, block by block (see `BLOCK_ROWS`).
    fn run_chunk(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Tensor>> {
        if x.nrows() < 2 * BLOCK_ROWS {
            return self.run_block(x);
        }
        let blocks: Vec<ArrayView2<'_, f64>> = x.axis_chunks_iter(Axis(0), BLOCK_ROWS).collect();
        let parts = blocks
            .iter()
            .map(|b| self.run_block(*b))
            .collect::<Result<Vec<_>>>()?;
        self.stack(&parts, &blocks)
            .map_or_else(|| self.run_block(x), Ok)
    }

    fn run_block(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Tensor>> {
        let t = match self.signature.element_type {
            ElementType::F32 => Tensor::F32(x.mapv(|v| v as f32).into_dyn()),
            ElementType::F64 => Tensor::F64(x.to_owned().into_dyn()),
        };
        self.plan.run(t)
    }

    /// Runs row chunks in parallel and stacks the results.
    fn run_split(&self, x: ArrayView2<'_, f64>, threads: usize) -> Result<Vec<Tensor>> {
        let per = x.nrows().div_ceil(threads);
        let chunks: Vec<ArrayView2<'_, f64>> = x.axis_chunks_iter(Axis(0), per).collect();
        let results: Vec<Result<Vec<Tensor>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunks[1..]
                .iter()
                .map(|c| scope.spawn(move || self.run_chunk(*c)))
                .collect();
            let mut out = vec![self.run_chunk(chunks[0])];
            for h in handles {
                out.push(h.join().unwrap_or_else(|_| {
                    Err(InferenceError::Prediction(
                        "a worker thread panicked".into(),
                    ))
                }));
            }
            out
        });
        let parts = results.into_iter().collect::<Result<Vec<_>>>()?;
        self.stack(&parts, &chunks)
            .map_or_else(|| self.run_block(x), Ok)
    }

    /// The outputs of consecutive row chunks stacked into one run's outputs; `None` when
    /// an output is not row-aligned (its first dimension is not its chunk's row count),
    /// and the caller runs the whole batch at once instead.
    fn stack(&self, parts: &[Vec<Tensor>], chunks: &[ArrayView2<'_, f64>]) -> Option<Vec<Tensor>> {
        let mut stacked = Vec::with_capacity(self.plan.outputs.len());
        for k in 0..self.plan.outputs.len() {
            let pieces: Vec<&Tensor> = parts.iter().filter_map(|p| p.get(k)).collect();
            let aligned = pieces
                .iter()
                .zip(chunks)
                .all(|(t, c)| t.shape().first() == Some(&c.nrows()));
            if !(aligned && pieces.len() == chunks.len()) {
                return None;
            }
            stacked.push(stack_rows(&pieces)?);
        }
        Some(stacked)
    }
}

/// Threads to use for a large batch: the available parallelism (looked up once: the
/// lookup reads cgroup files on Linux), at most `MAX_THREADS`.
pub(crate) fn worker_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
    })
}

/// Concatenates same-typed tensors along their first axis.
fn stack_rows(parts: &[&Tensor]) -> Option<Tensor> {
    fn cat<T: Clone>(views: Vec<ArrayViewD<'_, T>>) -> Option<ndarray::ArrayD<T>> {
        concatenate(Axis(0), &views).ok()
    }
    macro_rules! gather {
        ($variant:ident) => {{
            let views = parts
                .iter()
                .map(|t| match t {
                    Tensor::$variant(a) => Some(a.view()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Tensor::$variant(cat(views)?))
        }};
    }
    match parts.first()? {
        Tensor::F32(_) => gather!(F32),
        Tensor::F64(_) => gather!(F64),
        Tensor::I64(_) => gather!(I64),
        Tensor::I32(_) => gather!(I32),
        Tensor::Str(_) => gather!(Str),
        Tensor::SeqMap(first) => {
            let views = parts
                .iter()
                .map(|t| match t {
                    Tensor::SeqMap(m) => Some(m.values.view()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            let values = concatenate(Axis(0), &views).ok()?;
            Some(Tensor::SeqMap(SeqMap {
                keys: first.keys.clone(),
                values,
            }))
        }
    }
}
