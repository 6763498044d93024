//! Small dense linear algebra (row-major `Vec<f64>`), enough for kernel SHAP's weighted least
//! squares, LARS and LIME's ridge: n is the number of features, so O(n^3) is cheap.

/// Solves `a x = b` by LU with partial pivoting, like `np.linalg.solve` (LAPACK gesv).
/// Returns `None` when a pivot is exactly zero, numpy's `LinAlgError: Singular matrix`.
pub(crate) fn lu_solve(a: &[f64], n: usize, b: &[f64]) -> Option<Vec<f64>> {
    let mut m = a.to_vec();
    let mut x = b.to_vec();
    for k in 0..n {
        let p = (k..n).max_by(|&i, &j| m[i * n + k].abs().total_cmp(&m[j * n + k].abs()))?;
        if m[p * n + k] == 0.0 || !m[p * n + k].is_finite() {
            return None;
        }
        if p != k {
            for c in 0..n {
                m.swap(k * n + c, p * n + c);
            }
            x.swap(k, p);
        }
        let pivot = m[k * n + k];
        for i in k + 1..n {
            let f = m[i * n + k] / pivot;
            if f != 0.0 {
                for c in k..n {
                    m[i * n + c] -= f * m[k * n + c];
                }
                x[i] -= f * x[k];
            }
        }
    }
    for k in (0..n).rev() {
        let s: f64 = (k + 1..n).map(|c| m[k * n + c] * x[c]).sum();
        x[k] = (x[k] - s) / m[k * n + k];
    }
    Some(x)
}

/// Lower Cholesky factor of a symmetric positive definite matrix, `None` if not PD.
pub(crate) fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let d = a[i * n + i] - s;
                if d <= 0.0 || !d.is_finite() {
                    return None;
                }
                l[i * n + i] = d.sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - s) / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Solves `L L^T x = b` given the lower factor.
pub(crate) fn cholesky_solve(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[i * n + k] * y[k]).sum();
        y[i] = (y[i] - s) / l[i * n + i];
    }
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[k * n + i] * y[k]).sum();
        y[i] = (y[i] - s) / l[i * n + i];
    }
    y
}

/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations:
/// returns (eigenvalues, eigenvectors as columns of a row-major matrix).
pub(crate) fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j] * m[i * n + j])
            .sum();
        let diag: f64 = (0..n).map(|i| m[i * n + i] * m[i * n + i]).sum();
        if off <= f64::EPSILON * f64::EPSILON * diag || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| m[i * n + i]).collect(), v)
}

/// Minimum-norm solution of the normal equations `a x = b` (a = B^T B symmetric PSD),
/// i.e. `pinv(a) b`, the answer `np.linalg.lstsq` gives on the underlying B. Eigenvalues
/// below `rows * eps * max(eigenvalue)` count as zero (lstsq's rcond on singular values,
/// squared because a is a Gram matrix).
pub(crate) fn pinv_solve(a: &[f64], n: usize, b: &[f64], rows: usize) -> Vec<f64> {
    let (vals, vecs) = symmetric_eigen(a, n);
    let max = vals.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let rcond = f64::EPSILON * rows.max(n) as f64;
    let cut = max * rcond * rcond;
    let mut x = vec![0.0; n];
    for (k, &lam) in vals.iter().enumerate() {
        if lam.abs() <= cut || lam == 0.0 {
            continue;
        }
        let proj: f64 = (0..n).map(|i| vecs[i * n + k] * b[i]).sum::<f64>() / lam;
        for (i, xi) in x.iter_mut().enumerate() {
            *xi += vecs[i * n + k] * proj;
        }
    }
    x
}

/// `np.linalg.solve`, falling back to the least-squares solution when singular (what
/// shap's kernel solver and sklearn's ridge `cholesky` solver both do).
pub(crate) fn solve_or_lstsq(a: &[f64], n: usize, b: &[f64], rows: usize) -> Vec<f64> {
    lu_solve(a, n, b)
        .filter(|x| x.iter().all(|v| v.is_finite()))
        .unwrap_or_else(|| pinv_solve(a, n, b, rows))
}

/// Weighted ridge regression with intercept (sklearn `Ridge(alpha, fit_intercept=True)`
/// with `sample_weight`): centres X and y at their weighted means, solves
/// `(Xc^T W Xc + alpha I) beta = Xc^T W yc`. `x` is row-major `[n_rows, p]`.
/// Returns (intercept, coefficients).
pub(crate) fn weighted_ridge(
    x: &[f64],
    p: usize,
    y: &[f64],
    w: &[f64],
    alpha: f64,
) -> (f64, Vec<f64>) {
    let sw: f64 = w.iter().sum();
    let mut xm = vec![0.0; p];
    let mut ym = 0.0;
    for (r, (&yi, &wi)) in y.iter().zip(w).enumerate() {
        ym += wi * yi;
        for j in 0..p {
            xm[j] += wi * x[r * p + j];
        }
    }
    ym /= sw;
    xm.iter_mut().for_each(|v| *v /= sw);
    let mut a = vec![0.0; p * p];
    let mut b = vec![0.0; p];
    let mut xc = vec![0.0; p];
    for (r, (&yi, &wi)) in y.iter().zip(w).enumerate() {
        for j in 0..p {
            xc[j] = x[r * p + j] - xm[j];
        }
        let yc = yi - ym;
        for j in 0..p {
            let wj = wi * xc[j];
            b[j] += wj * yc;
            for k in 0..=j {
                a[j * p + k] += wj * xc[k];
            }
        }
    }
    for j in 0..p {
        for k in 0..j {
            a[k * p + j] = a[j * p + k];
        }
        a[j * p + j] += alpha;
    }
    let coef = match cholesky(&a, p) {
        Some(l) => cholesky_solve(&l, p, &b),
        None => pinv_solve(&a, p, &b, y.len()),
    };
    let intercept = ym - xm.iter().zip(&coef).map(|(m, c)| m * c).sum::<f64>();
    (intercept, coef)
}
