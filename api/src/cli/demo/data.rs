//! The demo's generated data: a seeded credit-applications table and a small
//! gradient-boosted tree model over it, written as an XGBoost JSON artifact.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// The model's input features, in order.
pub const FEATURES: [&str; 4] = ["age", "income", "debt_ratio", "years_employed"];

/// One applicant.
#[derive(Debug, Clone)]
pub struct Applicant {
    /// Feature values in [`FEATURES`] order.
    pub x: [f64; 4],
    /// `f` or `m`.
    pub sex: &'static str,
    /// Whether they defaulted (the label).
    pub default: u8,
}

/// Questions to the policy assistant: question, reference answer, the answer it
/// gave, and whether it ranked the policy document first.
pub const EVALUATION: [(&str, &str, &str, bool); 6] = [
    (
        "Who must approve a credit-risk model version?",
        "a second person with the ml engineer role",
        "a second person with the ml engineer role",
        true,
    ),
    (
        "How often is drift checked?",
        "every week",
        "every week",
        true,
    ),
    (
        "Which fairness rule applies?",
        "the four-fifths rule",
        "the four-fifths rule",
        true,
    ),
    (
        "How long are prediction inputs kept?",
        "ninety days",
        "one year",
        false,
    ),
    (
        "Who may export the audit log?",
        "auditors and admins",
        "auditors and admins",
        true,
    ),
    (
        "What is logged for each prediction?",
        "inputs outputs and the caller",
        "the outputs",
        false,
    ),
];

/// `n` applicants; `shift` moves incomes down and debt up (a drifted population).
pub fn applicants(seed: u64, n: usize, shift: f64) -> Vec<Applicant> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let sex = if rng.gen_bool(0.5) { "f" } else { "m" };
            let age = rng.gen_range(21.0..70.0_f64).round();
            // Incomes differ by group in the synthetic population, so a model
            // that reads income treats the groups differently.
            let base = if sex == "f" { 32_000.0 } else { 58_000.0 };
            let income = (base * (1.0 - 0.35 * shift) + rng.gen_range(-12_000.0..12_000.0_f64))
                .max(8_000.0)
                .round();
            let debt_ratio = (rng.gen_range(0.05..0.6_f64) + 0.25 * shift).min(0.95);
            let years_employed = (rng.gen_range(0.0..(age - 20.0)).min(30.0)).round();
            let risk = -1.2 + 4.0 * debt_ratio - income / 40_000.0 - years_employed / 20.0;
            let p = 1.0 / (1.0 + (-risk).exp());
            Applicant {
                x: [
                    age,
                    income,
                    (debt_ratio * 1000.0).round() / 1000.0,
                    years_employed,
                ],
                sex,
                default: u8::from(rng.gen_bool(p.clamp(0.01, 0.99))),
            }
        })
        .collect()
}

/// The table as CSV: features, `sex`, `default`, and a `prediction` column when given.
pub fn csv(rows: &[Applicant], predictions: Option<&[u8]>) -> Vec<u8> {
    let mut s = format!("{},sex,default", FEATURES.join(","));
    if predictions.is_some() {
        s.push_str(",prediction");
    }
    s.push('\n');
    for (i, a) in rows.iter().enumerate() {
        s.push_str(&format!(
            "{},{},{},{},{},{}",
            a.x[0], a.x[1], a.x[2], a.x[3], a.sex, a.default
        ));
        if let Some(p) = predictions {
            s.push_str(&format!(",{}", p.get(i).copied().unwrap_or(0)));
        }
        s.push('\n');
    }
    s.into_bytes()
}

/// One depth-2 tree: split on `f0` at `t0`, then on `f1` at `t1` (left) and
/// `f2` at `t2` (right); `leaves` are the four margins; `cover` the rows per node.
struct Tree {
    splits: [(usize, f64); 3],
    leaves: [f64; 4],
    cover: [f64; 7],
}

fn tree_json(id: usize, t: &Tree) -> Value {
    let [(f0, t0), (f1, t1), (f2, t2)] = t.splits;
    let [a, b, c, d] = t.leaves;
    json!({
        "id": id,
        "left_children": [1, 3, 5, -1, -1, -1, -1],
        "right_children": [2, 4, 6, -1, -1, -1, -1],
        "parents": [2_147_483_647_i64, 0, 0, 1, 1, 2, 2],
        "split_indices": [f0, f1, f2, 0, 0, 0, 0],
        "split_conditions": [t0, t1, t2, a, b, c, d],
        "split_type": [0, 0, 0, 0, 0, 0, 0],
        "default_left": [1, 1, 1, 0, 0, 0, 0],
        "sum_hessian": t.cover,
        "base_weights": [0.0, 0.0, 0.0, a, b, c, d],
        "loss_changes": [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
        "tree_param": {"num_deleted": "0", "num_feature": FEATURES.len().to_string(), "num_nodes": "7", "size_leaf_vector": "1"},
    })
}

/// A binary:logistic gradient-boosted model of default risk (three trees on
/// debt ratio, income and years employed), as XGBoost saves it.
pub fn model_json() -> Vec<u8> {
    let trees = [
        Tree {
            splits: [(2, 0.35), (1, 30_000.0), (1, 45_000.0)],
            leaves: [0.2, -0.9, 1.1, 0.1],
            cover: [100.0, 55.0, 45.0, 15.0, 40.0, 20.0, 25.0],
        },
        Tree {
            splits: [(1, 40_000.0), (3, 3.0), (2, 0.5)],
            leaves: [0.6, 0.1, -0.5, 0.4],
            cover: [100.0, 45.0, 55.0, 12.0, 33.0, 40.0, 15.0],
        },
        Tree {
            splits: [(3, 10.0), (0, 30.0), (2, 0.45)],
            leaves: [0.3, 0.0, -0.4, 0.2],
            cover: [100.0, 60.0, 40.0, 20.0, 40.0, 30.0, 10.0],
        },
    ];
    let doc = json!({
        "version": [2, 1, 0],
        "learner": {
            "attributes": {},
            "feature_names": FEATURES,
            "feature_types": ["float", "float", "float", "float"],
            "learner_model_param": {"base_score": "3E-1", "boost_from_average": "1", "num_class": "0",
                                    "num_feature": FEATURES.len().to_string(), "num_target": "1"},
            "objective": {"name": "binary:logistic", "reg_loss_param": {"scale_pos_weight": "1"}},
            "gradient_booster": {
                "name": "gbtree",
                "model": {
                    "gbtree_model_param": {"num_parallel_tree": "1", "num_trees": trees.len().to_string()},
                    "iteration_indptr": (0..=trees.len()).collect::<Vec<_>>(),
                    "tree_info": vec![0; trees.len()],
                    "trees": trees.iter().enumerate().map(|(i, t)| tree_json(i, t)).collect::<Vec<_>>(),
                },
            },
        },
    });
    doc.to_string().into_bytes()
}

/// A short policy document for the chat demo.
pub const POLICY: &str = "Credit model governance policy. Every credit-risk model version is \
reviewed and approved by a second person before deployment. Fairness across sex and age groups \
is assessed before each release and every quarter; a demographic parity difference above 0.1 \
blocks the release until mitigated. Drift in income or debt ratio is checked weekly against the \
training data. Predictions are logged for seven years for audit.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_table() {
        let a = csv(&applicants(7, 50, 0.0), None);
        assert_eq!(a, csv(&applicants(7, 50, 0.0), None));
        assert_ne!(a, csv(&applicants(8, 50, 0.0), None));
        let text = String::from_utf8(a).unwrap();
        assert_eq!(text.lines().count(), 51);
        assert!(text.starts_with("age,income,debt_ratio,years_employed,sex,default\n"));
    }

    #[test]
    fn the_model_parses_as_xgboost_json() {
        let v: Value = serde_json::from_slice(&model_json()).unwrap();
        assert_eq!(
            v["learner"]["gradient_booster"]["model"]["trees"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }
}
