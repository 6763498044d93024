//! Coalition values v(S) = E_b f(x_S, b_notS) over a background, evaluated in large batches.

use std::cell::Cell;

use ndarray::{Array2, ArrayView1, ArrayView2};

use super::background::Background;
use super::error::{ExplainError, Result};
use super::predictor::{predict_checked, Predictor};

/// Default cap on rows per model call: big enough to amortise per-call overhead (ONNX
/// runtimes), small enough that the batch and the model's intermediate tensors stay
/// in the core's cache (256 KiB per 8 features in f64; a 30-feature pipeline's float
/// copies are about 0.5 MiB each).
pub const DEFAULT_MAX_BATCH_ROWS: usize = 4096;

thread_local! {
    static SCRATCH: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
}

/// Evaluates coalition values for one explained row against a background.
pub(crate) struct CoalitionGame<'a, P: ?Sized> {
    model: &'a P,
    background: &'a Background,
    x: Vec<f64>,
    max_batch_rows: usize,
}

impl<'a, P: Predictor + ?Sized> CoalitionGame<'a, P> {
    /// Prepares the game for row `x` (length checked against the background).
    pub(crate) fn new(
        model: &'a P,
        background: &'a Background,
        x: ArrayView1<f64>,
        max_batch_rows: usize,
    ) -> Result<Self> {
        background.check_features(x.len())?;
        if x.iter().any(|v| v.is_infinite()) {
            return Err(ExplainError::NonFinite("explained row"));
        }
        Ok(Self {
            model,
            background,
            x: x.to_vec(),
            max_batch_rows: max_batch_rows.max(1),
        })
    }

    /// Number of features (players).
    pub(crate) fn n_features(&self) -> usize {
        self.x.len()
    }

    /// v(S) for `n_masks` coalitions; `fill(k, mask)` writes coalition k (true = from x).
    ///
    /// Each coalition becomes a block of background rows with the coalition's columns
    /// overwritten by x, and blocks are stacked so the model sees few, large batches. A
    /// model with a masked-row evaluator scores the blocks without their being built.
    pub(crate) fn values_with<F>(&self, n_masks: usize, mut fill: F) -> Result<Vec<f64>>
    where
        F: FnMut(usize, &mut [bool]),
    {
        let m = self.n_features();
        let n_bg = self.background.data().nrows();
        let per_chunk = (self.max_batch_rows / n_bg).clamp(1, n_masks.max(1));
        let mut masks = vec![false; per_chunk * m];
        let mut preds = Vec::new();
        let mut out = Vec::with_capacity(n_masks);
        let weights = self.background.weights();
        let mut start = 0;
        while start < n_masks {
            let count = per_chunk.min(n_masks - start);
            let masks = &mut masks[..count * m];
            masks.iter_mut().for_each(|b| *b = false);
            for (k, mask) in masks.chunks_exact_mut(m.max(1)).enumerate() {
                fill(start + k, mask);
            }
            self.predict_blocks(masks, &mut preds)?;
            for block in preds.chunks_exact(n_bg) {
                out.push(block.iter().zip(weights).map(|(p, w)| p * w).sum());
            }
            start += count;
        }
        Ok(out)
    }

    /// The model's outputs for every background row of each coalition in `masks`
    /// (`n_features` flags each), coalition by coalition, into `preds`.
    fn predict_blocks(&self, masks: &[bool], preds: &mut Vec<f64>) -> Result<()> {
        let m = self.n_features();
        let bg = self.background.data();
        let n_bg = bg.nrows();
        let count = masks.len() / m.max(1);
        preds.clear();
        if let Some(masked) = self.model.masked() {
            preds.resize(count * n_bg, 0.0);
            return masked.predict_masked(&self.x, bg, masks, preds);
        }
        // The batch buffer is reused across rows of a thread: allocating and zeroing
        // megabytes per explained row costs as much as building the batch. `take` (not a
        // borrow) keeps a re-entrant predictor safe.
        let bg_rows = bg.as_standard_layout();
        let bg_flat = bg_rows.as_slice().unwrap_or_default();
        let mut buf = SCRATCH.take();
        buf.clear();
        buf.reserve(count * n_bg * m);
        let mut on = Vec::with_capacity(m);
        for mask in masks.chunks_exact(m.max(1)) {
            on.clear();
            on.extend((0..m).filter(|&j| mask[j]));
            let at = buf.len();
            buf.extend_from_slice(bg_flat);
            for row in buf[at..].chunks_exact_mut(m.max(1)) {
                for &j in &on {
                    row[j] = self.x[j];
                }
            }
        }
        let result = ArrayView2::from_shape((count * n_bg, m), &buf[..])
            .map_err(|e| ExplainError::Numerical(e.to_string()))
            .and_then(|view| predict_checked(self.model, view));
        SCRATCH.set(buf);
        preds.extend(result?);
        Ok(())
    }

    /// f(x) itself, evaluated as a one-row batch.
    pub(crate) fn output(&self) -> Result<f64> {
        let row = Array2::from_shape_vec((1, self.x.len()), self.x.clone())
            .map_err(|e| ExplainError::Numerical(e.to_string()))?;
        Ok(predict_checked(self.model, row.view())?[0])
    }
}

/// Expected model output over the background: v(empty set).
pub(crate) fn background_mean<P: Predictor + ?Sized>(
    model: &P,
    background: &Background,
) -> Result<f64> {
    let preds = predict_checked(model, background.data())?;
    Ok(background.mean_of(preds.view()))
}
