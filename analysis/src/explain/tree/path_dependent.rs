//! Path-dependent TreeSHAP (Lundberg et al. 2020, Algorithm 2), ported from shap's
//! `tree_shap.h` (`tree_shap_recursive` with no conditioning): polynomial time, with the
//! conditional expectation of each tree taken along its own paths, weighted by node cover.

use ndarray::ArrayView2;

use super::model::{SplitRule, Tree, TreeEnsemble};
use crate::explain::error::Result;
use crate::explain::output::RowExplanation;
use crate::explain::parallel::map_rows;

/// Marks "no feature" in the path (the root element).
const NO_FEATURE: usize = usize::MAX;

#[derive(Debug, Clone, Copy, Default)]
struct PathElement {
    feature: usize,
    zero_fraction: f64,
    one_fraction: f64,
    pweight: f64,
}

impl TreeEnsemble {
    /// Path-dependent TreeSHAP values of every row (shap `feature_perturbation=
    /// "tree_path_dependent"`, `model_output="raw"`); base value = cover-weighted expectation.
    pub fn shap_path_dependent(
        &self,
        rows: ArrayView2<f64>,
        threads: usize,
    ) -> Result<Vec<RowExplanation>> {
        self.check_features(rows.ncols())?;
        let base = self.expected_value();
        let maxd = self.max_depth() + 2;
        let inv: Vec<f64> = (0..=maxd + 1).map(|k| 1.0 / k.max(1) as f64).collect();
        map_rows(rows.nrows(), threads, |i| {
            let mut x = Vec::new();
            self.convert(rows.row(i).iter().copied(), &mut x);
            let mut phi = vec![0.0; self.n_features];
            let mut path = vec![PathElement::default(); maxd * (maxd + 1) / 2];
            for tree in &self.trees {
                let mut walk = Walk {
                    tree,
                    rule: self.rule,
                    x: &x,
                    phi: &mut phi,
                    path: &mut path,
                    inv: &inv,
                };
                walk.recurse(0, 0, 0, 1.0, 1.0, NO_FEATURE);
            }
            let values = phi.iter().map(|p| p * self.scale).collect();
            Ok(RowExplanation::new(
                base,
                values,
                self.predict_converted(&x),
            ))
        })
    }
}

struct Walk<'a> {
    tree: &'a Tree,
    rule: SplitRule,
    x: &'a [f64],
    phi: &'a mut [f64],
    path: &'a mut [PathElement],
    /// `inv[k] = 1 / k`.
    inv: &'a [f64],
}

impl Walk<'_> {
    /// `parent` is the offset of the parent's path copy; this call's copy starts right
    /// after it (the triangular buffer layout of the C++ code).
    fn recurse(
        &mut self,
        node: usize,
        parent: usize,
        mut depth: usize,
        zero_fraction: f64,
        one_fraction: f64,
        feature: usize,
    ) {
        let me = parent + depth + 1;
        self.path.copy_within(parent..parent + depth + 1, me);
        extend(
            &mut self.path[me..],
            depth,
            zero_fraction,
            one_fraction,
            feature,
            self.inv,
        );
        let n = self.tree.nodes()[node];
        let Some(split) = n.split else {
            for i in 1..=depth {
                let w = unwound_sum(&self.path[me..], depth, i, self.inv);
                let el = self.path[me + i];
                self.phi[el.feature] += w * (el.one_fraction - el.zero_fraction) * n.value;
            }
            return;
        };
        let hot = split.child(self.x[split.feature], self.rule);
        let cold = if hot == split.left {
            split.right
        } else {
            split.left
        };
        let nodes = self.tree.nodes();
        // A node no training row reached (covers routed from a dataset) has no mass.
        let w = n.cover;
        let frac = |c: usize| if w > 0.0 { nodes[c].cover / w } else { 0.0 };
        let (hot_zero, cold_zero) = (frac(hot), frac(cold));
        let (mut in_zero, mut in_one) = (1.0, 1.0);
        // A feature already on the path is unwound and re-extended with combined fractions.
        if let Some(k) = (0..=depth).find(|&k| self.path[me + k].feature == split.feature) {
            in_zero = self.path[me + k].zero_fraction;
            in_one = self.path[me + k].one_fraction;
            unwind(&mut self.path[me..], depth, k, self.inv);
            depth -= 1;
        }
        // A branch whose path weight is zero both with and without the feature adds
        // nothing (and would divide 0 by 0 when unwound): skip it.
        if hot_zero * in_zero != 0.0 || in_one != 0.0 {
            self.recurse(
                hot,
                me,
                depth + 1,
                hot_zero * in_zero,
                in_one,
                split.feature,
            );
        }
        if cold_zero * in_zero != 0.0 {
            self.recurse(cold, me, depth + 1, cold_zero * in_zero, 0.0, split.feature);
        }
    }
}

fn extend(
    path: &mut [PathElement],
    depth: usize,
    zero: f64,
    one: f64,
    feature: usize,
    inv: &[f64],
) {
    path[depth] = PathElement {
        feature,
        zero_fraction: zero,
        one_fraction: one,
        pweight: if depth == 0 { 1.0 } else { 0.0 },
    };
    // Reciprocals from a table: divisions dominate the cost of this inner loop.
    let r1 = inv[depth + 1];
    for i in (0..depth).rev() {
        path[i + 1].pweight += one * path[i].pweight * (i + 1) as f64 * r1;
        path[i].pweight = zero * path[i].pweight * (depth - i) as f64 * r1;
    }
}

fn unwind(path: &mut [PathElement], depth: usize, index: usize, inv: &[f64]) {
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let mut next_one = path[depth].pweight;
    let d1 = (depth + 1) as f64;
    let r1 = inv[depth + 1];
    if one != 0.0 {
        let inv_one = 1.0 / one;
        for i in (0..depth).rev() {
            let tmp = path[i].pweight;
            path[i].pweight = next_one * d1 * inv[i + 1] * inv_one;
            next_one = tmp - path[i].pweight * zero * (depth - i) as f64 * r1;
        }
    } else {
        let inv_zero = 1.0 / zero;
        for i in (0..depth).rev() {
            path[i].pweight = path[i].pweight * d1 * inv_zero * inv[depth - i];
        }
    }
    for i in index..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

fn unwound_sum(path: &[PathElement], depth: usize, index: usize, inv: &[f64]) -> f64 {
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let mut next_one = path[depth].pweight;
    let mut total = 0.0;
    if one != 0.0 {
        let inv_one = 1.0 / one;
        for i in (0..depth).rev() {
            let tmp = next_one * inv[i + 1] * inv_one;
            total += tmp;
            next_one = path[i].pweight - tmp * zero * (depth - i) as f64;
        }
    } else {
        let inv_zero = 1.0 / zero;
        for i in (0..depth).rev() {
            total += path[i].pweight * inv_zero * inv[depth - i];
        }
    }
    total * (depth + 1) as f64
}
