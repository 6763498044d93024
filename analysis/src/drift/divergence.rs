//! Kullback-Leibler divergence and Hellinger distance, as Evidently's legacy `kl_div`
//! and `hellinger` stattests compute them.

use super::binning::{histogram_counts, percents, sturges_edges};
use super::error::{DriftError, Side};
use super::psi::{check_bins, zero_filled};
use super::sample::{CategoryCounts, NumericSample};

/// `scipy.stats.entropy(ref, cur)` over Evidently's bins (the PSI bins) after PSI's zero
/// fill: both share vectors normalised to sum 1, then `sum p ln(p / q)`.
pub fn kl_div(reference_counts: &[u64], current_counts: &[u64]) -> Result<f64, DriftError> {
    check_bins(reference_counts, current_counts)?;
    let p = zero_filled(percents(reference_counts));
    let q = zero_filled(percents(current_counts));
    let (ps, qs): (f64, f64) = (p.iter().sum(), q.iter().sum());
    Ok(p.iter()
        .zip(&q)
        .map(|(a, b)| {
            let (a, b) = (a / ps, b / qs);
            if a > 0.0 {
                a * (a / b).ln()
            } else {
                0.0
            }
        })
        .sum())
}

fn from_affinity(bc: f64) -> f64 {
    (1.0 - bc.clamp(0.0, 1.0)).sqrt()
}

/// Hellinger distance of two categorical distributions: `sqrt(1 - sum sqrt(p_i q_i))`.
pub fn hellinger_counts(table: &CategoryCounts) -> Result<f64, DriftError> {
    check_bins(&table.reference, &table.current)?;
    let (p, q) = (percents(&table.reference), percents(&table.current));
    Ok(from_affinity(
        p.iter().zip(&q).map(|(a, b)| (a * b).sqrt()).sum(),
    ))
}

/// Hellinger distance of two numerical samples as Evidently computes it: Sturges edges
/// over the DISTINCT values of both sides, density histograms of each side, affinity
/// `sum sqrt(d1 d2) * bin_width`.
pub fn hellinger_numeric(r: &NumericSample, c: &NumericSample) -> Result<f64, DriftError> {
    if r.is_empty() {
        return Err(DriftError::EmptySample(Side::Reference));
    }
    if c.is_empty() {
        return Err(DriftError::EmptySample(Side::Current));
    }
    let mut keys: Vec<f64> = r.values().iter().chain(c.values()).copied().collect();
    keys.sort_by(f64::total_cmp);
    keys.dedup();
    let edges = sturges_edges(&keys, &[]);
    let density = |s: &NumericSample| -> Vec<f64> {
        let n = s.len() as f64;
        histogram_counts(s.values(), &edges)
            .iter()
            .zip(edges.windows(2))
            .map(|(&k, w)| k as f64 / n / (w[1] - w[0]))
            .collect()
    };
    let (d1, d2) = (density(r), density(c));
    let first = edges.first().copied().unwrap_or(0.0);
    let last = edges.last().copied().unwrap_or(0.0);
    let width = (last - first) / (edges.len() - 1) as f64;
    Ok(from_affinity(
        d1.iter()
            .zip(&d2)
            .map(|(a, b)| (a * b).sqrt() * width)
            .sum(),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::drift::binning::bin_numeric;

    // Expected values: Evidently 0.7.23's `_kl_div` and `_hellinger_distance`
    // (evidently.legacy.calculations.stattests) on the same data.
    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }

    #[test]
    fn kl_div_and_hellinger_match_evidently() {
        let r: Vec<f64> = (0..60).map(|i| ((i * 37) % 101) as f64 / 7.0).collect();
        let c: Vec<f64> = (0..45)
            .map(|i| ((i * 53) % 89) as f64 / 6.0 + 1.5)
            .collect();
        let (r, c) = (NumericSample::new(&r), NumericSample::new(&c));
        let b = bin_numeric(&r, &c).unwrap();
        close(
            kl_div(b.reference_counts(), b.current_counts()).unwrap(),
            0.19111859879148899,
        );
        close(hellinger_numeric(&r, &c).unwrap(), 0.23201218916685645);

        let (fr, fc) = (
            [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0],
            [2.0, 3.0, 3.0, 4.0, 4.0, 5.0],
        );
        let (fr, fc) = (NumericSample::new(&fr), NumericSample::new(&fc));
        let b = bin_numeric(&fr, &fc).unwrap();
        close(
            kl_div(b.reference_counts(), b.current_counts()).unwrap(),
            1.1775787624394467,
        );
        close(hellinger_numeric(&fr, &fc).unwrap(), 0.3695353769835251);

        let cr: Vec<Option<&str>> = "aabbbccd"
            .split("")
            .filter(|s| !s.is_empty())
            .map(Some)
            .collect();
        let cc: Vec<Option<&str>> = "abbcccce"
            .split("")
            .filter(|s| !s.is_empty())
            .map(Some)
            .collect();
        let t = CategoryCounts::from_text(&cr, &cc);
        close(
            kl_div(&t.reference, &t.current).unwrap(),
            1.0425944200025752,
        );
        close(hellinger_counts(&t).unwrap(), 0.4043311715193278);
    }
}
