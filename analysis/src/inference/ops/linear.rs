//! `ai.onnx.ml` LinearClassifier and LinearRegressor, computed in float32 like
//! onnxruntime (inputs of other types are cast to float first, scores are float).

use std::sync::Arc;

use ndarray::{Array1, Array2};

use super::numeric::rows_as;
use super::post::{logistic, mlas_logistic, probit, PostTransform};
use super::{BuildCtx, Built, Kernel, LinearStage};
use crate::inference::tensor::{ClassLabels, ElemType, Tensor, ValueType};

/// Scores `X W^T + b`, one row of `n_targets` per input row.
#[derive(Debug, Clone)]
pub(crate) struct Affine {
    coefficients: Vec<f32>,
    /// The same, widened once for the FMA emulation.
    coefficients64: Vec<f64>,
    intercepts: Vec<f32>,
    n_targets: usize,
}

impl Affine {
    fn read(ctx: &BuildCtx<'_>, n_targets: Option<usize>) -> Result<Self, String> {
        ctx.expect_inputs(1, 1)?;
        if !ctx.tensor_input(0)?.is_numeric() {
            return Err("input must be numeric".into());
        }
        let coefficients = ctx
            .attrs
            .floats("coefficients")?
            .ok_or("attribute `coefficients` is missing")?
            .to_vec();
        let intercepts = ctx.attrs.floats("intercepts")?.unwrap_or(&[]).to_vec();
        let n_targets = match n_targets {
            Some(n) => n,
            // onnxruntime's LinearClassifier takes the class count from the intercepts.
            None if intercepts.is_empty() => return Err("attribute `intercepts` is missing".into()),
            None => intercepts.len(),
        };
        if n_targets == 0 || coefficients.is_empty() || coefficients.len() % n_targets != 0 {
            return Err(format!(
                "{} coefficients cannot be split into {n_targets} rows",
                coefficients.len()
            ));
        }
        let intercepts = match intercepts.len() {
            0 => vec![0.0; n_targets],
            n if n == n_targets => intercepts,
            n => return Err(format!("{n} intercepts for {n_targets} targets")),
        };
        Ok(Self {
            coefficients64: coefficients.iter().map(|&w| f64::from(w)).collect(),
            coefficients,
            intercepts,
            n_targets,
        })
    }

    /// Number of scores per row.
    pub(crate) fn n_targets(&self) -> usize {
        self.n_targets
    }

    /// Number of input features.
    pub(crate) fn n_features(&self) -> usize {
        self.coefficients.len() / self.n_targets
    }

    /// Target `t`'s coefficients widened to f64 (as `scores` multiplies them) and intercept.
    pub(crate) fn target(&self, t: usize) -> (&[f64], f32) {
        let m = self.n_features();
        (&self.coefficients64[t * m..(t + 1) * m], self.intercepts[t])
    }

    /// Scores as onnxruntime's GEMM on x86-64: per output, a fused multiply-add chain over
    /// the features starting from 0, then the intercept added. Rows go in blocks of 32 so
    /// independent chains overlap (one chain is latency bound).
    fn scores(&self, x: &Tensor) -> Result<Array2<f32>, String> {
        const BLOCK: usize = 32;
        let (n, width, data) = rows_as::<f32>(x)?;
        let n_features = self.coefficients.len() / self.n_targets;
        if width != n_features {
            return Err(format!(
                "input has {width} features, the coefficients expect {n_features}"
            ));
        }
        let k = self.n_targets;
        let mut out = vec![0.0f32; n * k];
        // The block is transposed (feature-major) so the per-row chains of one feature sit
        // side by side and the inner loop vectorises. Values are widened to f64 once: a
        // float FMA is exact as f64 `x * w + acc` (the product of two floats is exact in
        // f64) rounded back to float (see `fma32`).
        let mut xt = Vec::with_capacity(width * BLOCK.min(n));
        for (b, block) in data.chunks(width * BLOCK).enumerate() {
            let rows = block.len() / width;
            xt.clear();
            for j in 0..width {
                xt.extend(block.chunks_exact(width).map(|row| f64::from(row[j])));
            }
            let cols = xt.chunks_exact(rows);
            for (t, (w, bias)) in self
                .coefficients64
                .chunks_exact(width)
                .zip(&self.intercepts)
                .enumerate()
            {
                let mut acc = [0.0f32; BLOCK];
                let acc = &mut acc[..rows];
                for (col, &wj) in cols.clone().zip(w) {
                    for (a, &x) in acc.iter_mut().zip(col) {
                        *a = (x * wj + f64::from(*a)) as f32;
                    }
                }
                for (r, a) in acc.iter().enumerate() {
                    out[(b * BLOCK + r) * k + t] = a + bias;
                }
            }
        }
        Array2::from_shape_vec((n, k), out).map_err(|e| e.to_string())
    }
}

/// Applies a LinearClassifier/LinearRegressor post-transform to rows of two or more
/// scores: onnxruntime uses MLAS's logistic there (the tree operators use `exp`),
/// element-wise over the whole batch.
fn transform(post: PostTransform, scores: &mut Array2<f32>) {
    match post {
        PostTransform::None => {}
        PostTransform::Logistic => scores.mapv_inplace(mlas_logistic),
        _ => scores.rows_mut().into_iter().for_each(|mut row| {
            if let Some(r) = row.as_slice_mut() {
                transform_row(post, r);
            }
        }),
    }
}

/// `transform` for one row of two or more scores.
pub(crate) fn transform_row(post: PostTransform, row: &mut [f32]) {
    match post {
        PostTransform::Logistic => row.iter_mut().for_each(|v| *v = mlas_logistic(*v)),
        _ => post.apply_row(row),
    }
}

/// P(second class) of a classifier with one score column; onnxruntime applies its
/// scalar `ComputeLogistic` here, not MLAS.
pub(crate) fn binary_probability(post: PostTransform, score: f32) -> f32 {
    if post == PostTransform::Logistic {
        logistic(score)
    } else {
        score
    }
}

/// The value of a regressor with one target: onnxruntime only applies PROBIT there.
pub(crate) fn single_value(post: PostTransform, score: f32) -> f32 {
    if post == PostTransform::Probit {
        probit(score)
    } else {
        score
    }
}

/// `LinearClassifier`.
#[derive(Debug)]
struct LinearClassifier {
    affine: Affine,
    labels: Arc<ClassLabels>,
    post: PostTransform,
}

/// Compiles `LinearClassifier`.
pub(super) fn classifier(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    let affine = Affine::read(ctx, None)?;
    let labels = class_labels(ctx, "classlabels_ints")?;
    let post = PostTransform::parse(&ctx.attrs.string("post_transform")?.unwrap_or("NONE".into()))?;
    if affine.n_targets == 1 {
        if labels.len() != 2 {
            return Err("one row of coefficients needs exactly 2 class labels".into());
        }
        if post == PostTransform::Probit {
            return Err("PROBIT with one row of coefficients is not supported".into());
        }
    } else if labels.len() != affine.n_targets {
        return Err(format!(
            "{} class labels for {} rows of coefficients",
            labels.len(),
            affine.n_targets
        ));
    }
    let label_type = ValueType::Tensor(labels.elem_type());
    let kernel = LinearClassifier {
        affine,
        labels: Arc::new(labels),
        post,
    };
    Ok(Built::new(
        kernel,
        vec![label_type, ValueType::Tensor(ElemType::F32)],
    ))
}

/// Reads `classlabels_ints`/`classlabels_int64s` (named by `int_attr`) or `classlabels_strings`.
pub(super) fn class_labels(ctx: &BuildCtx<'_>, int_attr: &str) -> Result<ClassLabels, String> {
    let ints = ctx.attrs.ints(int_attr)?.filter(|v| !v.is_empty());
    let strings = ctx
        .attrs
        .strings("classlabels_strings")?
        .filter(|v| !v.is_empty());
    match (ints, strings) {
        (Some(i), None) => Ok(ClassLabels::Int(i.to_vec())),
        (None, Some(s)) => Ok(ClassLabels::Str(s)),
        (Some(_), Some(_)) => Err(format!(
            "both `{int_attr}` and `classlabels_strings` are set"
        )),
        (None, None) => Err(format!(
            "neither `{int_attr}` nor `classlabels_strings` is set"
        )),
    }
}

/// Builds the label tensor from class indices.
pub(super) fn label_tensor(labels: &ClassLabels, idx: &[usize]) -> Result<Tensor, String> {
    let missing = || "class index out of range".to_string();
    Ok(match labels {
        ClassLabels::Int(v) => Tensor::I64(
            idx.iter()
                .map(|&i| v.get(i).copied().ok_or_else(missing))
                .collect::<Result<Array1<_>, _>>()?
                .into_dyn(),
        ),
        ClassLabels::Str(v) => Tensor::Str(
            idx.iter()
                .map(|&i| v.get(i).cloned().ok_or_else(missing))
                .collect::<Result<Array1<_>, _>>()?
                .into_dyn(),
        ),
    })
}

impl Kernel for LinearClassifier {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let x = inputs.first().ok_or("missing input")?;
        let scores = self.affine.scores(x)?;
        let n = scores.nrows();
        let mut idx = Vec::with_capacity(n);
        let probabilities = if self.affine.n_targets == 1 {
            // Binary with one score column: label from the raw score's sign, then the
            // second column is added as onnxruntime does ([1 - p, p]).
            let mut out = Array2::<f32>::zeros((n, 2));
            for (s, mut o) in scores.column(0).iter().zip(out.rows_mut()) {
                idx.push(usize::from(*s > 0.0));
                let p = binary_probability(self.post, *s);
                o[0] = 1.0 - p;
                o[1] = p;
            }
            out
        } else {
            let mut scores = scores;
            for row in scores.rows() {
                // First maximum wins, like onnxruntime's strict `>` scan.
                let mut best = 0;
                for (j, v) in row.iter().enumerate() {
                    if *v > row[best] {
                        best = j;
                    }
                }
                idx.push(best);
            }
            transform(self.post, &mut scores);
            scores
        };
        Ok(vec![
            label_tensor(&self.labels, &idx)?,
            Tensor::F32(probabilities.into_dyn()),
        ])
    }

    fn class_labels(&self) -> Option<&ClassLabels> {
        Some(&self.labels)
    }

    fn linear_stage(&self) -> Option<LinearStage<'_>> {
        Some(LinearStage::Classify {
            affine: &self.affine,
            post: self.post,
        })
    }
}

/// `LinearRegressor`.
#[derive(Debug)]
struct LinearRegressor {
    affine: Affine,
    post: PostTransform,
}

/// Compiles `LinearRegressor`.
pub(super) fn regressor(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    let targets = ctx.attrs.int("targets")?.unwrap_or(1);
    let targets = usize::try_from(targets)
        .ok()
        .filter(|&t| t > 0)
        .ok_or_else(|| format!("invalid `targets` {targets}"))?;
    let affine = Affine::read(ctx, Some(targets))?;
    let post = PostTransform::parse(&ctx.attrs.string("post_transform")?.unwrap_or("NONE".into()))?;
    Ok(Built::new(
        LinearRegressor { affine, post },
        vec![ValueType::Tensor(ElemType::F32)],
    ))
}

impl Kernel for LinearRegressor {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let x = inputs.first().ok_or("missing input")?;
        let mut scores = self.affine.scores(x)?;
        if scores.ncols() == 1 {
            scores.mapv_inplace(|s| single_value(self.post, s));
        } else {
            transform(self.post, &mut scores);
        }
        Ok(vec![Tensor::F32(scores.into_dyn())])
    }

    fn linear_stage(&self) -> Option<LinearStage<'_>> {
        Some(LinearStage::Regress {
            affine: &self.affine,
            post: self.post,
        })
    }
}
