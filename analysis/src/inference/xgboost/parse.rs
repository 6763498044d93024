//! Reading XGBoost's JSON model format (`Booster.save_model("*.json")`, gbtree only).

use super::tree::XgbTree;
use crate::inference::error::{InferenceError, Result};
use crate::inference::json::Json;

/// The raw content of a model file.
#[derive(Debug)]
pub(super) struct Parsed {
    /// Trees in file order.
    pub trees: Vec<XgbTree>,
    /// `learner_model_param.base_score`, one value or one per output group.
    pub base_score: Vec<f32>,
    /// `learner.objective.name`.
    pub objective: String,
    /// `num_feature`.
    pub n_features: usize,
    /// `num_class` (0 for single-output objectives).
    pub n_class: usize,
    /// `feature_names` (often empty).
    pub feature_names: Vec<String>,
}

fn bad(msg: String) -> InferenceError {
    InferenceError::Xgboost(msg)
}

fn at<'j, 'a>(j: &'j Json<'a>, path: &[&str]) -> Result<&'j Json<'a>> {
    let mut cur = j;
    for (i, key) in path.iter().enumerate() {
        cur = cur
            .get(key)
            .ok_or_else(|| bad(format!("missing `{}`", path[..=i].join("."))))?;
    }
    Ok(cur)
}

/// A number stored as a number or as a quoted string (XGBoost quotes its parameters).
fn num<T: std::str::FromStr>(j: &Json<'_>, what: &str) -> Result<T> {
    j.number_text()
        .and_then(|t| t.trim().parse::<T>().ok())
        .ok_or_else(|| bad(format!("`{what}` is not a valid number")))
}

fn array<T: std::str::FromStr>(tree: &Json<'_>, key: &str, k: usize) -> Result<Vec<T>> {
    at(tree, &[key])?
        .as_array()
        .ok_or_else(|| bad(format!("tree {k}: `{key}` is not an array")))?
        .iter()
        .map(|v| num::<T>(v, key))
        .collect()
}

fn bools(tree: &Json<'_>, key: &str, k: usize) -> Result<Vec<bool>> {
    at(tree, &[key])?
        .as_array()
        .ok_or_else(|| bad(format!("tree {k}: `{key}` is not an array")))?
        .iter()
        .map(|v| match v {
            Json::Bool(b) => Ok(*b),
            other => num::<i64>(other, key).map(|i| i != 0),
        })
        .collect()
}

/// `base_score` is written as `"5E-1"` (XGBoost < 2) or `"[5E-1]"` / `"[a,b,c]"` (vectors).
fn base_scores(j: &Json<'_>) -> Result<Vec<f32>> {
    let text = j
        .number_text()
        .ok_or_else(|| bad("`base_score` is not a string".into()))?;
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<f32>()
                .map_err(|_| bad(format!("invalid base_score `{text}`")))
        })
        .collect()
}

fn parse_tree(t: &Json<'_>, k: usize, group: usize) -> Result<XgbTree> {
    let split_types: Vec<i64> = match t.get("split_type") {
        Some(_) => array(t, "split_type", k)?,
        None => Vec::new(),
    };
    if split_types.iter().any(|&s| s != 0) {
        return Err(bad(format!(
            "tree {k} has categorical splits, which are not supported"
        )));
    }
    if let Some(size) = t.get("tree_param").and_then(|p| p.get("size_leaf_vector")) {
        if num::<usize>(size, "size_leaf_vector")? > 1 {
            return Err(bad(
                "vector-leaf (multi-target) trees are not supported".into()
            ));
        }
    }
    let left: Vec<i32> = array(t, "left_children", k)?;
    let conditions: Vec<f32> = array(t, "split_conditions", k)?;
    let split_features = array::<i64>(t, "split_indices", k)?
        .into_iter()
        .map(|f| usize::try_from(f).map_err(|_| bad(format!("tree {k}: negative split index"))))
        .collect::<Result<Vec<_>>>()?;
    // For leaves, `split_conditions` holds the leaf value (already scaled by eta).
    let leaf_values = left
        .iter()
        .zip(&conditions)
        .map(|(&l, &c)| if l < 0 { c } else { 0.0 })
        .collect();
    Ok(XgbTree {
        right_children: array(t, "right_children", k)?,
        split_features,
        thresholds: conditions,
        default_left: bools(t, "default_left", k)?,
        leaf_values,
        covers: array(t, "sum_hessian", k)?,
        left_children: left,
        group,
    })
}

/// Reads the learner: parameters, objective and gbtree trees.
pub(super) fn parse_model(doc: &Json<'_>) -> Result<Parsed> {
    let learner = at(doc, &["learner"])?;
    let params = at(learner, &["learner_model_param"])?;
    let booster = at(learner, &["gradient_booster"])?;
    let name = at(booster, &["name"])?.as_str().unwrap_or_default();
    if name != "gbtree" {
        return Err(bad(format!(
            "booster `{name}` is not supported (gbtree is)"
        )));
    }
    let model = at(booster, &["model"])?;
    let trees_json = at(model, &["trees"])?
        .as_array()
        .ok_or_else(|| bad("`trees` is not an array".into()))?;
    let groups: Vec<usize> = match model.get("tree_info") {
        Some(info) => info
            .as_array()
            .ok_or_else(|| bad("`tree_info` is not an array".into()))?
            .iter()
            .map(|g| num::<usize>(g, "tree_info"))
            .collect::<Result<_>>()?,
        None => vec![0; trees_json.len()],
    };
    if groups.len() != trees_json.len() {
        return Err(bad("`tree_info` and `trees` have different lengths".into()));
    }
    let trees = trees_json
        .iter()
        .zip(&groups)
        .enumerate()
        .map(|(k, (t, &g))| parse_tree(t, k, g))
        .collect::<Result<Vec<_>>>()?;
    let feature_names = learner
        .get("feature_names")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok(Parsed {
        trees,
        base_score: base_scores(at(params, &["base_score"])?)?,
        objective: at(learner, &["objective", "name"])?
            .as_str()
            .unwrap_or_default()
            .to_string(),
        n_features: num(at(params, &["num_feature"])?, "num_feature")?,
        n_class: match params.get("num_class") {
            Some(c) => num(c, "num_class")?,
            None => 0,
        },
        feature_names,
    })
}
