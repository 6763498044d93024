//! Classification metrics as scikit-learn computes them, from class indices
//! (0..k) and, when the model has them, class probabilities.

use ndarray::ArrayView2;
use serde::Serialize;

use super::{
    calibration::{calibration_curve, Calibration},
    check_len,
    ranking::{average_precision, roc_auc},
    MetricsError,
};

/// Precision, recall, F1 and support of one class (0 where undefined, as
/// scikit-learn's `zero_division="warn"` reports).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScores {
    /// TP / (TP + FP).
    pub precision: f64,
    /// TP / (TP + FN).
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
    /// True rows of the class.
    pub support: u64,
}

/// Macro or weighted averages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Averages {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

/// Everything measured on a classifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationReport {
    /// Rows.
    pub n: usize,
    /// Share of rows predicted right.
    pub accuracy: f64,
    /// Mean recall over the classes present in the truth.
    pub balanced_accuracy: f64,
    /// Per class, in class order.
    pub per_class: Vec<ClassScores>,
    /// Unweighted mean over the classes seen in the truth or the predictions.
    pub macro_avg: Averages,
    /// Mean weighted by support.
    pub weighted_avg: Averages,
    /// ROC AUC (binary: of the second class; multiclass: one-vs-rest, macro).
    pub roc_auc: Option<f64>,
    /// Average precision (binary: of the second class; multiclass: macro one-vs-rest).
    pub pr_auc: Option<f64>,
    /// Cross-entropy, probabilities clipped to [ε, 1 − ε].
    pub log_loss: Option<f64>,
    /// Brier score (binary: mean squared error of the second class's probability;
    /// multiclass: mean over rows of the summed squared errors).
    pub brier_score: Option<f64>,
    /// `confusion_matrix[true][predicted]`.
    pub confusion_matrix: Vec<Vec<u64>>,
    /// Reliability curve of the second class (binary only), 10 uniform bins.
    pub calibration: Option<Calibration>,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

/// Computes the report. `proba`, when given, is `[rows, k]` in class order.
pub fn classification(
    y_true: &[usize],
    y_pred: &[usize],
    proba: Option<ArrayView2<'_, f64>>,
    k: usize,
) -> Result<ClassificationReport, MetricsError> {
    let n = y_true.len();
    if n == 0 {
        return Err(MetricsError::Empty);
    }
    check_len("predictions", y_pred.len(), n)?;
    if let Some(&c) = y_true.iter().chain(y_pred).find(|&&c| c >= k) {
        return Err(MetricsError::Invalid(format!("class index {c} >= {k}")));
    }
    let mut cm = vec![vec![0u64; k]; k];
    for (&t, &p) in y_true.iter().zip(y_pred) {
        cm[t][p] += 1;
    }
    let correct: u64 = (0..k).map(|c| cm[c][c]).sum();
    let mut per_class = Vec::with_capacity(k);
    for (c, row) in cm.iter().enumerate() {
        let tp = row[c] as f64;
        let support: u64 = row.iter().sum();
        let predicted: u64 = cm.iter().map(|r| r[c]).sum();
        let precision = ratio(tp, predicted as f64);
        let recall = ratio(tp, support as f64);
        let f1 = ratio(2.0 * tp, support as f64 + predicted as f64);
        per_class.push(ClassScores {
            precision,
            recall,
            f1,
            support,
        });
    }
    // scikit-learn averages over the labels present in the truth or the predictions.
    let seen: Vec<&ClassScores> = (0..k)
        .filter(|&c| per_class[c].support > 0 || (0..k).any(|r| cm[r][c] > 0))
        .map(|c| &per_class[c])
        .collect();
    let kf = seen.len() as f64;
    let macro_avg = Averages {
        precision: seen.iter().map(|s| s.precision).sum::<f64>() / kf,
        recall: seen.iter().map(|s| s.recall).sum::<f64>() / kf,
        f1: seen.iter().map(|s| s.f1).sum::<f64>() / kf,
    };
    let nf = n as f64;
    let weighted = |f: fn(&ClassScores) -> f64| {
        per_class
            .iter()
            .map(|s| f(s) * s.support as f64)
            .sum::<f64>()
            / nf
    };
    let weighted_avg = Averages {
        precision: weighted(|s| s.precision),
        recall: weighted(|s| s.recall),
        f1: weighted(|s| s.f1),
    };
    let present: Vec<&ClassScores> = per_class.iter().filter(|s| s.support > 0).collect();
    let balanced_accuracy =
        present.iter().map(|s| s.recall).sum::<f64>() / present.len().max(1) as f64;
    let mut report = ClassificationReport {
        n,
        accuracy: correct as f64 / nf,
        balanced_accuracy,
        per_class,
        macro_avg,
        weighted_avg,
        roc_auc: None,
        pr_auc: None,
        log_loss: None,
        brier_score: None,
        confusion_matrix: cm,
        calibration: None,
    };
    if let Some(p) = proba {
        probabilistic(&mut report, y_true, p, k)?;
    }
    Ok(report)
}

fn probabilistic(
    report: &mut ClassificationReport,
    y_true: &[usize],
    p: ArrayView2<'_, f64>,
    k: usize,
) -> Result<(), MetricsError> {
    let n = y_true.len();
    if p.nrows() != n || p.ncols() != k {
        return Err(MetricsError::Invalid(format!(
            "probabilities are {}x{}, expected {n}x{k}",
            p.nrows(),
            p.ncols()
        )));
    }
    if p.iter().any(|v| !v.is_finite()) {
        return Err(MetricsError::Invalid("probabilities must be finite".into()));
    }
    let nf = n as f64;
    let eps = f64::EPSILON;
    report.log_loss = Some(
        -y_true
            .iter()
            .enumerate()
            .map(|(i, &t)| p[[i, t]].clamp(eps, 1.0 - eps).ln())
            .sum::<f64>()
            / nf,
    );
    let mut brier = 0.0;
    for (i, &t) in y_true.iter().enumerate() {
        for c in 0..k {
            let y = if c == t { 1.0 } else { 0.0 };
            brier += (y - p[[i, c]]).powi(2);
        }
    }
    brier /= nf;
    if k < 3 {
        brier *= 0.5;
    }
    report.brier_score = Some(brier);
    if k == 2 {
        let pos: Vec<bool> = y_true.iter().map(|&t| t == 1).collect();
        let scores: Vec<f64> = p.column(1).to_vec();
        report.roc_auc = roc_auc(&pos, &scores);
        report.pr_auc = average_precision(&pos, &scores);
        report.calibration = Some(calibration_curve(&pos, &scores, 10)?);
    } else {
        let (mut aucs, mut aps) = (Vec::new(), Vec::new());
        for c in 0..k {
            let pos: Vec<bool> = y_true.iter().map(|&t| t == c).collect();
            let scores: Vec<f64> = p.column(c).to_vec();
            aucs.push(roc_auc(&pos, &scores));
            aps.push(average_precision(&pos, &scores));
        }
        let mean = |v: Vec<Option<f64>>| -> Option<f64> {
            let all: Option<Vec<f64>> = v.into_iter().collect();
            all.map(|a| a.iter().sum::<f64>() / a.len() as f64)
        };
        report.roc_auc = mean(aucs);
        report.pr_auc = mean(aps);
    }
    Ok(())
}
