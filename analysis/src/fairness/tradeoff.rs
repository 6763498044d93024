//! fairlearn's trade-off curve machinery for `ThresholdOptimizer` (simple constraints):
//! one point per distinct score threshold, the upper convex hull, and linear
//! interpolation onto the constraint grid. Each step mirrors
//! `fairlearn/postprocessing/_tradeoff_curve_utilities.py` operation by operation so the
//! chosen thresholds and mixing probabilities agree to the last bit.

use serde::{Deserialize, Serialize};

use super::json_float;

/// Comparison of a threshold rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operator {
    /// `score > threshold` predicts 1.
    #[serde(rename = ">")]
    Greater,
    /// `score < threshold` predicts 1 (only produced with `flip`).
    #[serde(rename = "<")]
    Less,
}

/// fairlearn `ThresholdOperation`: predicts 1 where `score <operator> threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdOperation {
    /// The comparison.
    pub operator: Operator,
    /// The threshold; may be +inf or -inf.
    #[serde(with = "json_float")]
    pub threshold: f64,
}

impl ThresholdOperation {
    /// Whether the rule predicts 1 for `score`.
    pub fn applies(&self, score: f64) -> bool {
        match self.operator {
            Operator::Greater => score > self.threshold,
            Operator::Less => score < self.threshold,
        }
    }
}

/// Metric computed on the confusion counts of a threshold (fairlearn `METRIC_DICT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurveMetric {
    /// (TP + FP) / n.
    SelectionRate,
    /// TP / P.
    TruePositiveRate,
    /// FP / N.
    FalsePositiveRate,
    /// TN / N.
    TrueNegativeRate,
    /// FN / P.
    FalseNegativeRate,
    /// (TP + TN) / n.
    AccuracyScore,
    /// 0.5 TP / P + 0.5 TN / N.
    BalancedAccuracyScore,
}

impl CurveMetric {
    /// Evaluates on counts; integer-valued f64s, so each division rounds once as in numpy.
    pub(crate) fn eval(self, tp: f64, fp: f64, tn: f64, fn_: f64) -> f64 {
        let (p, n) = (tp + fn_, tn + fp);
        let total = tp + tn + fp + fn_;
        match self {
            CurveMetric::SelectionRate => (tp + fp) / total,
            CurveMetric::TruePositiveRate => tp / p,
            CurveMetric::FalsePositiveRate => fp / n,
            CurveMetric::TrueNegativeRate => tn / n,
            CurveMetric::FalseNegativeRate => fn_ / p,
            CurveMetric::AccuracyScore => (tp + tn) / total,
            CurveMetric::BalancedAccuracyScore => 0.5 * tp / p + 0.5 * tn / n,
        }
    }
}

/// A point of the trade-off curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    pub x: f64,
    pub y: f64,
    pub op: ThresholdOperation,
}

/// All threshold points of one group, sorted by (x, y). `rows` holds (score, label) and
/// is sorted here by descending score; it must contain both labels.
pub(crate) fn tradeoff_points(
    rows: &mut [(f64, u8)],
    flip: bool,
    x_metric: CurveMetric,
    y_metric: CurveMetric,
) -> Vec<Point> {
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n_pos = rows.iter().filter(|r| r.1 == 1).count() as f64;
    let n_neg = rows.len() as f64 - n_pos;
    let mut points = Vec::with_capacity(rows.len() + 1);
    let mut count = [0.0f64; 2];
    let mut i = 0;
    // The sentinel -inf after the last score, as fairlearn appends it.
    let score_at = |i: usize| rows.get(i).map_or(f64::NEG_INFINITY, |r| r.0);
    while i < rows.len() {
        let threshold = if points.is_empty() {
            f64::INFINITY
        } else {
            let t = score_at(i);
            while i < rows.len() && rows[i].0 == t {
                count[usize::from(rows[i].1)] += 1.0;
                i += 1;
            }
            (t + score_at(i)) / 2.0
        };
        let (fp, tp) = (count[0], count[1]);
        let (tn, fn_) = (n_neg - fp, n_pos - tp);
        let mut push = |operator, tp, fp, tn, fn_| {
            points.push(Point {
                x: x_metric.eval(tp, fp, tn, fn_),
                y: y_metric.eval(tp, fp, tn, fn_),
                op: ThresholdOperation {
                    operator,
                    threshold,
                },
            })
        };
        push(Operator::Greater, tp, fp, tn, fn_);
        if flip {
            push(Operator::Less, fn_, tn, fp, tp);
        }
    }
    // Stable, like pandas' multi-column sort_values.
    points.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    points
}

/// Upper convex hull by Andrew's monotone chain, with fairlearn's exact drop test.
pub(crate) fn upper_hull(points: &[Point]) -> Vec<Point> {
    let mut hull: Vec<Point> = Vec::with_capacity(points.len());
    for &r2 in points {
        while hull.len() >= 2 {
            let (r0, r1) = (hull[hull.len() - 2], hull[hull.len() - 1]);
            if (r1.y - r0.y) * (r2.x - r0.x) <= (r2.y - r0.y) * (r1.x - r0.x) {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push(r2);
    }
    hull
}

/// numpy `linspace(0, 1, grid_size + 1)`: `i * (1 / grid_size)`, last value exactly 1.
pub(crate) fn linspace_grid(grid_size: usize) -> Vec<f64> {
    let step = 1.0 / grid_size as f64;
    let mut grid: Vec<f64> = (0..=grid_size).map(|i| i as f64 * step + 0.0).collect();
    if let Some(last) = grid.last_mut() {
        *last = 1.0;
    }
    grid
}

/// Interpolation of the hull at one grid value: `(p0, i)` such that the rule is
/// "with p0 use hull[i], with 1 - p0 use hull[i + 1]".
pub(crate) fn interpolate(hull: &[Point], grid: &[f64], k: usize) -> (f64, usize) {
    let g = grid[k];
    let last = hull.len().saturating_sub(2);
    // searchsorted(side="right") - 1, then step left on an exact hit (except at k = 0),
    // as `_get_interpolation_indices` does.
    let mut i = hull.partition_point(|p| p.x <= g).saturating_sub(1);
    if k > 0 && i < hull.len() && hull[i].x == g {
        i = i.saturating_sub(1);
    }
    let i = i.min(last);
    let p0 = (hull[i + 1].x - g) / (hull[i + 1].x - hull[i].x);
    (p0, i)
}
