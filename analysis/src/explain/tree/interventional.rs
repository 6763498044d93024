//! Interventional TreeSHAP: exact Shapley values of v(S) = E_r f(x_S, r_notS) for tree
//! ensembles, in f64 (shap's `tree_shap_indep` keeps float32 partial sums, hence its ~1e-8).
//!
//! For one tree and one reference r, walk the tree with the "hybrid" row: where x and r go
//! the same way nothing is decided; where they differ on a feature not yet fixed, both
//! branches are explored, fixing the feature to x (set A) or to r (set B). A leaf reached
//! with sets A, B contributes `value * [A in S, B not in S]`, whose Shapley values are
//! `value * (|A|-1)! |B|! / (|A|+|B|)!` for features of A and `-value * |A|! (|B|-1)! /
//! (|A|+|B|)!` for features of B. Summing over trees and references gives phi.

use ndarray::ArrayView2;

use super::model::{Tree, TreeEnsemble};
use crate::explain::background::Background;
use crate::explain::error::Result;
use crate::explain::output::RowExplanation;
use crate::explain::parallel::map_rows;

impl TreeEnsemble {
    /// Interventional TreeSHAP of every row against a (weighted) background; the base value
    /// is the weighted mean output over the background.
    pub fn shap_interventional(
        &self,
        rows: ArrayView2<f64>,
        background: &Background,
        threads: usize,
    ) -> Result<Vec<RowExplanation>> {
        self.check_features(rows.ncols())?;
        self.check_features(background.n_features())?;
        // Split directions of every background row at every node, computed once and shared
        // by all explained rows (the walk then only reads booleans).
        let offsets: Vec<usize> = self
            .trees
            .iter()
            .scan(0, |acc, t| {
                let o = *acc;
                *acc += t.nodes().len();
                Some(o)
            })
            .collect();
        let mut buf = Vec::new();
        let mut base = 0.0;
        let mut ref_dirs = Vec::with_capacity(background.len());
        for (r, w) in background
            .data()
            .rows()
            .into_iter()
            .zip(background.weights())
        {
            self.convert(r.iter().copied(), &mut buf);
            base += w * self.predict_converted(&buf);
            ref_dirs.push(self.directions(&buf));
        }
        let weights = background.weights();
        let table = WeightTable::new(self.max_depth() + 1);
        map_rows(rows.nrows(), threads, |i| {
            let mut x = Vec::new();
            self.convert(rows.row(i).iter().copied(), &mut x);
            let mut phi = vec![0.0; self.n_features];
            let mut per_ref = vec![0.0; self.n_features];
            let mut state = vec![0i8; self.n_features];
            let (mut on_x, mut on_r) = (Vec::new(), Vec::new());
            let xd = self.directions(&x);
            for (rd, w) in ref_dirs.iter().zip(weights) {
                per_ref.iter_mut().for_each(|p| *p = 0.0);
                for (tree, &o) in self.trees.iter().zip(&offsets) {
                    let n = tree.nodes().len();
                    let mut walk = Walk {
                        tree,
                        xd: &xd[o..o + n],
                        rd: &rd[o..o + n],
                        table: &table,
                        state: &mut state,
                        on_x: &mut on_x,
                        on_r: &mut on_r,
                        phi: &mut per_ref,
                    };
                    walk.recurse(0);
                }
                for (p, q) in phi.iter_mut().zip(&per_ref) {
                    *p += w * q;
                }
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

impl TreeEnsemble {
    /// 1 where a converted row goes left, for every node of every tree (0 at leaves).
    fn directions(&self, x: &[f64]) -> Vec<u8> {
        let mut out = Vec::new();
        for t in &self.trees {
            out.extend(t.nodes().iter().map(|n| {
                n.split
                    .map_or(0, |s| u8::from(s.goes_left(x[s.feature], self.rule)))
            }));
        }
        out
    }
}

/// `g(p, q) = p! q! / (p + q + 1)!` for p, q up to the tree depth.
struct WeightTable {
    n: usize,
    g: Vec<f64>,
}

impl WeightTable {
    fn new(n: usize) -> Self {
        let mut g = vec![0.0; n * n];
        for p in 0..n {
            for q in 0..n {
                // p! q! / (p+q+1)! = 1 / ((p+q+1) * C(p+q, p)), C built by a stable product.
                let mut c = 1.0_f64;
                for k in 1..=p {
                    c = c * (q + k) as f64 / k as f64;
                }
                g[p * n + q] = 1.0 / ((p + q + 1) as f64 * c);
            }
        }
        Self { n, g }
    }

    fn get(&self, p: usize, q: usize) -> f64 {
        self.g[p * self.n + q]
    }
}

struct Walk<'a> {
    tree: &'a Tree,
    /// 1 where the explained row goes left, per node of this tree.
    xd: &'a [u8],
    /// The same for the reference row.
    rd: &'a [u8],
    table: &'a WeightTable,
    /// +1: feature fixed to x on this path, -1: fixed to r, 0: free.
    state: &'a mut [i8],
    on_x: &'a mut Vec<usize>,
    on_r: &'a mut Vec<usize>,
    phi: &'a mut [f64],
}

impl Walk<'_> {
    fn recurse(&mut self, node: usize) {
        let n = self.tree.nodes()[node];
        let Some(split) = n.split else {
            let (a, b) = (self.on_x.len(), self.on_r.len());
            if a > 0 {
                let w = n.value * self.table.get(a - 1, b);
                for &f in self.on_x.iter() {
                    self.phi[f] += w;
                }
            }
            if b > 0 {
                let w = n.value * self.table.get(a, b - 1);
                for &f in self.on_r.iter() {
                    self.phi[f] -= w;
                }
            }
            return;
        };
        let f = split.feature;
        let side = |left: u8| if left == 1 { split.left } else { split.right };
        let x_child = side(self.xd[node]);
        let r_child = side(self.rd[node]);
        match self.state[f] {
            1 => self.recurse(x_child),
            -1 => self.recurse(r_child),
            _ if x_child == r_child => self.recurse(x_child),
            _ => {
                self.state[f] = 1;
                self.on_x.push(f);
                self.recurse(x_child);
                self.on_x.pop();
                self.state[f] = -1;
                self.on_r.push(f);
                self.recurse(r_child);
                self.on_r.pop();
                self.state[f] = 0;
            }
        }
    }
}
