"""Expected metric values from scikit-learn 1.9.1 / scipy, written to expected.json.

Synthetic cases (seeded, with tied and edge-valued probabilities) and the fixture
models' first 50 rows with their true labels from scikit-learn's bundled data sets,
scored with the probabilities scikit-learn itself predicted (fixtures/models/*.json).
Run: python3 gen_expected.py /path/to/shared/fixtures
"""
import json
import sys

import numpy as np
from scipy import stats
from sklearn import datasets, metrics
from sklearn.calibration import calibration_curve


def clf_metrics(y, proba, classes):
    k = len(classes)
    pred = np.argmax(proba, axis=1)
    p, r, f, s = metrics.precision_recall_fscore_support(y, pred, labels=range(k), zero_division=0)
    out = {
        "accuracy": metrics.accuracy_score(y, pred),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, pred),
        "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
        "macro": [metrics.precision_score(y, pred, average="macro", zero_division=0),
                  metrics.recall_score(y, pred, average="macro", zero_division=0),
                  metrics.f1_score(y, pred, average="macro", zero_division=0)],
        "weighted": [metrics.precision_score(y, pred, average="weighted", zero_division=0),
                     metrics.recall_score(y, pred, average="weighted", zero_division=0),
                     metrics.f1_score(y, pred, average="weighted", zero_division=0)],
        "log_loss": metrics.log_loss(y, proba, labels=list(range(k))),
        "brier_score": metrics.brier_score_loss(y, proba[:, 1] if k == 2 else proba,
                                                labels=None if k == 2 else list(range(k))),
        "confusion_matrix": metrics.confusion_matrix(y, pred, labels=range(k)).tolist(),
    }
    if k == 2:
        out["roc_auc"] = metrics.roc_auc_score(y, proba[:, 1]) if len(set(y)) == 2 else None
        out["pr_auc"] = metrics.average_precision_score(y, proba[:, 1]) if 1 in set(y) else None
        pt, pp = calibration_curve(y, proba[:, 1], n_bins=10)
        out["calibration"] = {"prob_true": pt.tolist(), "prob_pred": pp.tolist()}
    else:
        Y = np.eye(k)[y]
        present = all(0 < Y[:, c].sum() < len(y) for c in range(k))
        out["roc_auc"] = metrics.roc_auc_score(y, proba, multi_class="ovr", average="macro") if present else None
        out["pr_auc"] = metrics.average_precision_score(Y, proba, average="macro") if present else None
    return out


def reg_metrics(y, pred):
    return {
        "mae": metrics.mean_absolute_error(y, pred),
        "rmse": metrics.root_mean_squared_error(y, pred),
        "r2": metrics.r2_score(y, pred),
        "mape": metrics.mean_absolute_percentage_error(y, pred),
    }


def main(fixtures):
    rng = np.random.default_rng(20261127)
    cases = []
    # Binary with ties and values on bin edges.
    y = rng.integers(0, 2, 200)
    p1 = np.clip(np.round(0.3 * y + 0.7 * rng.random(200), 1), 0, 1)
    proba = np.column_stack([1 - p1, p1])
    cases.append({"name": "binary_ties", "y_true": y.tolist(), "proba": proba.tolist(),
                  "expected": clf_metrics(y, proba, [0, 1])})
    # Multiclass.
    y = rng.integers(0, 3, 150)
    logits = rng.normal(size=(150, 3)) + 1.5 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    cases.append({"name": "multiclass", "y_true": y.tolist(), "proba": proba.tolist(),
                  "expected": clf_metrics(y, proba, [0, 1, 2])})
    # Regression with a zero target (MAPE's epsilon guard).
    yt = rng.normal(10, 5, 100)
    yt[3] = 0.0
    yp = yt + rng.normal(0, 2, 100)
    reg = [{"name": "regression", "y_true": yt.tolist(), "y_pred": yp.tolist(), "expected": reg_metrics(yt, yp)}]
    # McNemar: exact (binomial) and chi-square with continuity correction.
    mc = []
    for b, c in [(3, 9), (0, 0), (30, 14), (12, 12)]:
        n = b + c
        if n < 25:
            p = 1.0 if n == 0 else min(1.0, 2 * stats.binom.cdf(min(b, c), n, 0.5))
            mc.append({"b": b, "c": c, "exact": True, "statistic": float(min(b, c)), "p_value": p})
        else:
            s = (abs(b - c) - 1) ** 2 / n
            mc.append({"b": b, "c": c, "exact": False, "statistic": s, "p_value": stats.chi2.sf(s, 1)})
    # Fixture models on their first 50 rows, truth from the bundled data sets.
    truth = {
        "bc": datasets.load_breast_cancer().target[:50].tolist(),
        "iris": datasets.load_iris().target[:50].tolist(),
        "diabetes": datasets.load_diabetes().target[:50].tolist(),
    }
    fx = {}
    for ref, data in [("logreg_bc", "bc"), ("rf_iris", "iris"), ("gbr_diabetes", "diabetes")]:
        r = json.load(open(f"{fixtures}/models/{ref}.json"))
        y = truth[data]
        if r["classifier"]:
            fx[ref] = {"y_true": y, "expected": clf_metrics(np.array(y), np.array(r["predict_proba"]), r["classes"])}
        else:
            fx[ref] = {"y_true": y, "expected": reg_metrics(np.array(y), np.array(r["predict"]))}
    json.dump({"classification": cases, "regression": reg, "mcnemar": mc, "fixtures": fx},
              open("expected.json", "w"), indent=1)


main(sys.argv[1])
