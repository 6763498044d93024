//! The coalitions kernel SHAP evaluates and their weights, as shap 0.51's
//! `KernelExplainer.explain` chooses them.
//!
//! Subset sizes s and M - s are "paired". Sizes are visited from small to large; a size
//! (with its complement) is fully enumerated, with exact Shapley-kernel weights, while the
//! remaining budget covers all its subsets. The rest of the budget is drawn at random: a
//! size from the remaining kernel weight, a uniformly random subset of that size, and its
//! complement; repeated draws increase the weight of the existing sample instead of adding
//! a row. Random samples then share the kernel weight left over.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::Rng;

/// Masks (row-major `[n, m]`, true = feature from x) and kernel weights.
pub(crate) struct Design {
    pub m: usize,
    pub masks: Vec<bool>,
    pub weights: Vec<f64>,
}

impl Design {
    pub(crate) fn len(&self) -> usize {
        self.weights.len()
    }

    pub(crate) fn mask(&self, k: usize) -> &[bool] {
        &self.masks[k * self.m..(k + 1) * self.m]
    }

    fn push(&mut self, mask: &[bool], w: f64) {
        self.masks.extend_from_slice(mask);
        self.weights.push(w);
    }
}

/// scipy's `binom(n, k)` as a float.
fn binom(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Builds the design for `m` varying features and a budget of `nsamples` coalitions
/// (already capped at 2^m - 2 by the caller).
pub(crate) fn design<R: Rng>(m: usize, nsamples: usize, rng: &mut R) -> Design {
    let mut d = Design {
        m,
        masks: Vec::with_capacity(nsamples * m),
        weights: Vec::with_capacity(nsamples),
    };
    // ceil((M-1)/2) sizes are distinct up to complement; floor((M-1)/2) of them have a
    // complement of a different size (for even M the middle size is its own complement).
    let num_subset_sizes = m.saturating_sub(1).div_ceil(2);
    let num_paired = m.saturating_sub(1) / 2;
    let mut weight_vector: Vec<f64> = (1..=num_subset_sizes)
        .map(|i| (m as f64 - 1.0) / (i as f64 * (m - i) as f64))
        .collect();
    for w in weight_vector.iter_mut().take(num_paired) {
        *w *= 2.0;
    }
    let total: f64 = weight_vector.iter().sum();
    weight_vector.iter_mut().for_each(|w| *w /= total);

    let mut num_full = 0;
    let mut samples_left = nsamples as f64;
    let mut remaining = weight_vector.clone();
    let mut mask = vec![false; m];
    for size in 1..=num_subset_sizes {
        let paired = size <= num_paired;
        let nsubsets = binom(m, size) * if paired { 2.0 } else { 1.0 };
        if samples_left * remaining[size - 1] / nsubsets < 1.0 - 1e-8 {
            break;
        }
        num_full += 1;
        samples_left -= nsubsets;
        if remaining[size - 1] < 1.0 {
            let denom = 1.0 - remaining[size - 1];
            remaining.iter_mut().for_each(|w| *w /= denom);
        }
        let mut w = weight_vector[size - 1] / binom(m, size);
        if paired {
            w /= 2.0;
        }
        for_each_combination(m, size, |inds| {
            mask.iter_mut().for_each(|b| *b = false);
            inds.iter().for_each(|&i| mask[i] = true);
            d.push(&mask, w);
            if paired {
                mask.iter_mut().for_each(|b| *b = !*b);
                d.push(&mask, w);
            }
        });
    }

    let nfixed = d.len();
    let mut left = nsamples.saturating_sub(nfixed);
    if num_full != num_subset_sizes && left > 0 {
        let mut probs: Vec<f64> = weight_vector.clone();
        for p in probs.iter_mut().take(num_paired) {
            *p /= 2.0;
        }
        let probs = &probs[num_full..];
        let psum: f64 = probs.iter().sum();
        let cdf: Vec<f64> = probs
            .iter()
            .scan(0.0, |acc, p| {
                *acc += p / psum;
                Some(*acc)
            })
            .collect();
        let mut perm: Vec<usize> = (0..m).collect();
        let mut used: HashMap<Vec<bool>, usize> = HashMap::new();
        for _ in 0..4 * left {
            if left == 0 {
                break;
            }
            // np.random.choice(p=...): first cdf entry above a uniform draw.
            let u: f64 = rng.gen();
            let ind = cdf.iter().position(|&c| u < c).unwrap_or(cdf.len() - 1);
            let size = ind + num_full + 1;
            perm.shuffle(rng);
            mask.iter_mut().for_each(|b| *b = false);
            perm[..size].iter().for_each(|&i| mask[i] = true);
            let paired = size <= num_paired;
            match used.get(&mask) {
                None => {
                    used.insert(mask.clone(), d.len());
                    left -= 1;
                    d.push(&mask, 1.0);
                    if left > 0 && paired {
                        mask.iter_mut().for_each(|b| *b = !*b);
                        left -= 1;
                        d.push(&mask, 1.0);
                    }
                }
                Some(&k) => {
                    d.weights[k] += 1.0;
                    if left > 0 && paired {
                        d.weights[k + 1] += 1.0;
                    }
                }
            }
        }
        let weight_left: f64 = weight_vector[num_full..].iter().sum();
        let drawn: f64 = d.weights[nfixed..].iter().sum();
        if drawn > 0.0 {
            d.weights[nfixed..]
                .iter_mut()
                .for_each(|w| *w *= weight_left / drawn);
        }
    }
    d
}

/// Calls `f` with every k-subset of 0..n in lexicographic order (`itertools.combinations`).
fn for_each_combination(n: usize, k: usize, mut f: impl FnMut(&[usize])) {
    if k > n {
        return;
    }
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        f(&idx);
        let Some(i) = (0..k).rev().find(|&i| idx[i] != i + n - k) else {
            return;
        };
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}
