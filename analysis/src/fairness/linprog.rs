//! A small dense linear-program solver (two-phase simplex with Bland's rule), enough for
//! the LP step of `ExponentiatedGradient`: scipy's `linprog` form,
//! `min c·x  s.t.  A_ub x <= b_ub,  A_eq x = b_eq,  x >= 0` (or free, per variable).
//! Bland's rule (lowest index enters, lowest basic index leaves among ties) cannot cycle,
//! so degenerate programs terminate.

use thiserror::Error;

/// Why a program has no optimum.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LpError {
    /// No point satisfies the constraints.
    #[error("the linear program is infeasible")]
    Infeasible,
    /// The objective decreases without bound.
    #[error("the linear program is unbounded")]
    Unbounded,
    /// Row or column counts disagree.
    #[error("inconsistent linear program dimensions: {0}")]
    Dimension(&'static str),
}

/// A program in scipy's `linprog` form (rows are dense).
#[derive(Debug, Clone, Default)]
pub struct LinearProgram {
    /// Objective coefficients (minimised).
    pub c: Vec<f64>,
    /// Inequality rows `A_ub x <= b_ub`.
    pub a_ub: Vec<Vec<f64>>,
    /// Inequality bounds.
    pub b_ub: Vec<f64>,
    /// Equality rows `A_eq x = b_eq`.
    pub a_eq: Vec<Vec<f64>>,
    /// Equality right-hand sides.
    pub b_eq: Vec<f64>,
    /// Variables without the `x >= 0` bound (empty: none).
    pub free: Vec<bool>,
}

/// Pivot and optimality tolerance.
const TOL: f64 = 1e-11;
/// Phase-one objective above this means infeasible.
const FEASIBILITY_TOL: f64 = 1e-9;

struct Tableau {
    /// `rows x (cols + 1)`, the last column is the right-hand side.
    t: Vec<Vec<f64>>,
    basis: Vec<usize>,
    cols: usize,
}

impl Tableau {
    fn pivot(&mut self, r: usize, j: usize) {
        let p = self.t[r][j];
        self.t[r].iter_mut().for_each(|v| *v /= p);
        let pivot_row = self.t[r].clone();
        for (i, row) in self.t.iter_mut().enumerate() {
            let f = row[j];
            if i != r && f != 0.0 {
                row.iter_mut()
                    .zip(&pivot_row)
                    .for_each(|(v, p)| *v -= f * p);
                row[j] = 0.0;
            }
        }
        self.basis[r] = j;
    }

    /// Minimises `cost` over the columns `allowed` may enter; returns false if unbounded.
    fn optimise(&mut self, cost: &[f64], allowed: usize) -> bool {
        loop {
            let reduced = |j: usize| {
                cost[j]
                    - self
                        .t
                        .iter()
                        .zip(&self.basis)
                        .map(|(row, &b)| cost[b] * row[j])
                        .sum::<f64>()
            };
            let Some(j) = (0..allowed).find(|&j| !self.basis.contains(&j) && reduced(j) < -TOL)
            else {
                return true;
            };
            let mut leave: Option<(usize, f64)> = None;
            for (i, row) in self.t.iter().enumerate() {
                if row[j] > TOL {
                    let ratio = row[self.cols] / row[j];
                    let better = match leave {
                        None => true,
                        Some((l, best)) => {
                            ratio < best - TOL
                                || (ratio <= best + TOL && self.basis[i] < self.basis[l])
                        }
                    };
                    if better {
                        leave = Some((i, ratio));
                    }
                }
            }
            match leave {
                Some((r, _)) => self.pivot(r, j),
                None => return false,
            }
        }
    }
}

/// Solves the program; returns an optimal `x`.
pub fn linprog(p: &LinearProgram) -> Result<Vec<f64>, LpError> {
    let n = p.c.len();
    if p.a_ub.len() != p.b_ub.len() || p.a_eq.len() != p.b_eq.len() {
        return Err(LpError::Dimension("rows and right-hand sides"));
    }
    if p.a_ub.iter().chain(&p.a_eq).any(|r| r.len() != n) {
        return Err(LpError::Dimension("row length differs from the objective"));
    }
    if !p.free.is_empty() && p.free.len() != n {
        return Err(LpError::Dimension("free flags"));
    }
    let is_free = |j: usize| p.free.get(j).copied().unwrap_or(false);
    // Structural columns: x_j, then x_j^- for each free variable (x_j = x_j^+ - x_j^-).
    let negatives: Vec<usize> = (0..n).filter(|&j| is_free(j)).collect();
    let n_struct = n + negatives.len();
    let (m_ub, m) = (p.a_ub.len(), p.a_ub.len() + p.a_eq.len());
    let n_real = n_struct + m_ub;
    let cols = n_real + m;
    let mut t = Vec::with_capacity(m);
    let mut basis = Vec::with_capacity(m);
    for (i, (row, &b)) in p
        .a_ub
        .iter()
        .zip(&p.b_ub)
        .chain(p.a_eq.iter().zip(&p.b_eq))
        .enumerate()
    {
        let mut r = vec![0.0; cols + 1];
        r[..n].copy_from_slice(row);
        for (k, &j) in negatives.iter().enumerate() {
            r[n + k] = -row[j];
        }
        if i < m_ub {
            r[n_struct + i] = 1.0;
        }
        r[cols] = b;
        let sign = if b < 0.0 { -1.0 } else { 1.0 };
        r.iter_mut().for_each(|v| *v *= sign);
        // A slack with +1 starts the basis; other rows get an artificial column.
        if i < m_ub && sign > 0.0 {
            basis.push(n_struct + i);
        } else {
            r[n_real + i] = 1.0;
            basis.push(n_real + i);
        }
        t.push(r);
    }
    let mut tab = Tableau { t, basis, cols };
    let mut phase1 = vec![0.0; cols];
    phase1[n_real..].iter_mut().for_each(|v| *v = 1.0);
    tab.optimise(&phase1, cols);
    let infeasibility: f64 = tab
        .t
        .iter()
        .zip(&tab.basis)
        .filter(|(_, &b)| b >= n_real)
        .map(|(row, _)| row[cols])
        .sum();
    if infeasibility > FEASIBILITY_TOL {
        return Err(LpError::Infeasible);
    }
    // Drive artificials out of the basis; a row with no other entry is redundant and its
    // artificial stays basic at zero (it can never enter again).
    for r in 0..m {
        if tab.basis[r] >= n_real {
            if let Some(j) = (0..n_real).find(|&j| tab.t[r][j].abs() > TOL) {
                tab.pivot(r, j);
            }
        }
    }
    let mut cost = vec![0.0; cols];
    cost[..n].copy_from_slice(&p.c);
    for (k, &j) in negatives.iter().enumerate() {
        cost[n + k] = -p.c[j];
    }
    if !tab.optimise(&cost, n_real) {
        return Err(LpError::Unbounded);
    }
    let mut value = vec![0.0; n_struct];
    for (row, &b) in tab.t.iter().zip(&tab.basis) {
        if b < n_struct {
            value[b] = row[cols];
        }
    }
    let mut x = value[..n].to_vec();
    for (k, &j) in negatives.iter().enumerate() {
        x[j] -= value[n + k];
    }
    Ok(x)
}
