//! The index-based description every tree-ensemble operator version is read into, and
//! the reader of `TreeEnsembleClassifier`/`Regressor` (ml opset 1 and 3: nodes identified
//! by (tree id, node id), leaves carrying weight lists). `TreeEnsemble` (opset 5) is read
//! by `tree_v5`.

use std::collections::{HashMap, HashSet};

use super::BuildCtx;
use crate::inference::tensor::Tensor;

/// Split comparison of an interior node (`x MODE threshold` selects the true branch),
/// the same type the exported trees carry.
pub(super) use crate::inference::trees::SplitMode as Mode;

/// A child: an interior node or a leaf, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Child {
    Node(usize),
    Leaf(usize),
}

/// An interior node.
#[derive(Debug, Clone)]
pub(super) struct Branch {
    /// Feature (input column) tested.
    pub feature: usize,
    /// Comparison.
    pub mode: Mode,
    /// Split value.
    pub threshold: f64,
    /// A NaN feature takes the true branch.
    pub missing_true: bool,
    /// Child when the test holds.
    pub yes: Child,
    /// Child otherwise.
    pub no: Child,
}

/// The ensemble's structure; values are held as f64 (exact for float attributes).
#[derive(Debug, Clone, Default)]
pub(super) struct Structure {
    /// Interior nodes.
    pub branches: Vec<Branch>,
    /// Per leaf, its (target or class, weight) votes.
    pub leaves: Vec<Vec<(usize, f64)>>,
    /// One root per tree, in evaluation (summation) order.
    pub roots: Vec<Child>,
    /// True when thresholds/weights were given as double tensors.
    pub double: bool,
}

/// An integer-list attribute, empty when absent.
pub(super) fn int_list<'a>(ctx: &BuildCtx<'a>, name: &str) -> Result<&'a [i64], String> {
    Ok(ctx.attrs.ints(name)?.unwrap_or(&[]))
}

/// A float list given either as FLOATS (`name`) or as a double tensor (`name_as_tensor`).
fn values(ctx: &BuildCtx<'_>, name: &str, double: &mut bool) -> Result<Vec<f64>, String> {
    let plain = ctx.attrs.floats(name)?;
    let tensor = ctx.attrs.tensor(&format!("{name}_as_tensor"))?;
    match (plain, tensor) {
        (Some(p), None) => Ok(p.iter().map(|&v| f64::from(v)).collect()),
        (None, Some(Tensor::F64(t))) => {
            *double = true;
            Ok(t.iter().copied().collect())
        }
        (None, Some(Tensor::F32(t))) => Ok(t.iter().map(|&v| f64::from(v)).collect()),
        (None, Some(_)) => Err(format!(
            "`{name}_as_tensor` must be a float or double tensor"
        )),
        (Some(_), Some(_)) => Err(format!("both `{name}` and `{name}_as_tensor` are set")),
        (None, None) => Ok(Vec::new()),
    }
}

/// A non-negative id as an index (`what` names it in the error).
pub(super) fn index(v: i64, what: &str) -> Result<usize, String> {
    usize::try_from(v).map_err(|_| format!("negative {what} {v}"))
}

/// Parses the opset 1/3 attributes. `prefix` is `class` or `target`.
pub(super) fn parse_v3(ctx: &BuildCtx<'_>, prefix: &str) -> Result<(Structure, Vec<f64>), String> {
    let mut s = Structure::default();
    let tree_ids = int_list(ctx, "nodes_treeids")?;
    let node_ids = int_list(ctx, "nodes_nodeids")?;
    let features = int_list(ctx, "nodes_featureids")?;
    let trues = int_list(ctx, "nodes_truenodeids")?;
    let falses = int_list(ctx, "nodes_falsenodeids")?;
    let missing = int_list(ctx, "nodes_missing_value_tracks_true")?;
    let modes = ctx.attrs.strings("nodes_modes")?.unwrap_or_default();
    let thresholds = values(ctx, "nodes_values", &mut s.double)?;
    let n = tree_ids.len();
    if n == 0 {
        return Err("the ensemble has no node".into());
    }
    for (name, len) in [
        ("nodes_nodeids", node_ids.len()),
        ("nodes_featureids", features.len()),
        ("nodes_truenodeids", trues.len()),
        ("nodes_falsenodeids", falses.len()),
        ("nodes_modes", modes.len()),
        ("nodes_values", thresholds.len()),
    ] {
        if len != n {
            return Err(format!(
                "`{name}` has {len} entries, `nodes_treeids` has {n}"
            ));
        }
    }
    if !missing.is_empty() && missing.len() != n {
        return Err("`nodes_missing_value_tracks_true` has the wrong length".into());
    }
    // Interior nodes and leaves get their own index spaces.
    let mut slot: HashMap<(i64, i64), Child> = HashMap::with_capacity(n);
    let mut tree_order: Vec<i64> = Vec::new();
    let mut seen_trees = HashSet::new();
    for i in 0..n {
        let child = if modes[i] == "LEAF" {
            s.leaves.push(Vec::new());
            Child::Leaf(s.leaves.len() - 1)
        } else {
            s.branches.push(Branch {
                feature: index(features[i], "feature id")?,
                mode: parse_mode(&modes[i])?,
                threshold: thresholds[i],
                missing_true: missing.get(i) == Some(&1),
                yes: Child::Leaf(0),
                no: Child::Leaf(0),
            });
            Child::Node(s.branches.len() - 1)
        };
        if slot.insert((tree_ids[i], node_ids[i]), child).is_some() {
            return Err(format!(
                "node {} of tree {} is defined twice",
                node_ids[i], tree_ids[i]
            ));
        }
        if seen_trees.insert(tree_ids[i]) {
            tree_order.push(tree_ids[i]);
        }
    }
    let mut has_parent = vec![false; n];
    let mut position: HashMap<(i64, i64), usize> = HashMap::with_capacity(n);
    for i in 0..n {
        position.insert((tree_ids[i], node_ids[i]), i);
    }
    for i in 0..n {
        let Some(Child::Node(b)) = slot.get(&(tree_ids[i], node_ids[i])).copied() else {
            continue;
        };
        let find = |id: i64, side: &str| {
            let key = (tree_ids[i], id);
            let (Some(&c), Some(&p)) = (slot.get(&key), position.get(&key)) else {
                return Err(format!(
                    "node {} of tree {} points to missing {side} node {id}",
                    node_ids[i], tree_ids[i]
                ));
            };
            Ok((c, p))
        };
        let (yes, py) = find(trues[i], "true")?;
        let (no, pn) = find(falses[i], "false")?;
        has_parent[py] = true;
        has_parent[pn] = true;
        s.branches[b].yes = yes;
        s.branches[b].no = no;
    }
    let mut roots_of: HashMap<i64, Vec<usize>> = HashMap::new();
    for i in (0..n).filter(|&i| !has_parent[i]) {
        roots_of.entry(tree_ids[i]).or_default().push(i);
    }
    for tree in tree_order {
        let roots = roots_of.get(&tree).map(Vec::as_slice).unwrap_or(&[]);
        let [root] = roots else {
            return Err(format!(
                "tree {tree} has {} root nodes, expected 1",
                roots.len()
            ));
        };
        let child = slot
            .get(&(tree, node_ids[*root]))
            .copied()
            .ok_or("internal: root not indexed")?;
        s.roots.push(child);
    }
    // Leaf votes, ordered by (tree, node) then file order, as onnxruntime sorts them.
    let w_trees = int_list(ctx, &format!("{prefix}_treeids"))?;
    let w_nodes = int_list(ctx, &format!("{prefix}_nodeids"))?;
    let w_ids = int_list(ctx, &format!("{prefix}_ids"))?;
    let weights = values(ctx, &format!("{prefix}_weights"), &mut s.double)?;
    let m = w_ids.len();
    if w_trees.len() != m || w_nodes.len() != m || weights.len() != m {
        return Err(format!(
            "the `{prefix}_*` attributes have different lengths"
        ));
    }
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by_key(|&k| (w_trees[k], w_nodes[k], k));
    for k in order {
        let target = index(w_ids[k], "target/class id")?;
        match slot.get(&(w_trees[k], w_nodes[k])) {
            Some(Child::Leaf(l)) => s.leaves[*l].push((target, weights[k])),
            // onnxruntime ignores votes on interior nodes (old onnxmltools wrote them).
            Some(Child::Node(_)) => {}
            None => {
                return Err(format!(
                    "a weight refers to missing node {} of tree {}",
                    w_nodes[k], w_trees[k]
                ))
            }
        }
    }
    if let Some(l) = s.leaves.iter().position(Vec::is_empty) {
        return Err(format!("leaf {l} has no weight"));
    }
    let base = values(ctx, "base_values", &mut s.double)?;
    Ok((s, base))
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    Ok(match s {
        "BRANCH_LEQ" => Mode::Leq,
        "BRANCH_LT" => Mode::Lt,
        "BRANCH_GTE" => Mode::Gte,
        "BRANCH_GT" => Mode::Gt,
        "BRANCH_EQ" => Mode::Eq,
        "BRANCH_NEQ" => Mode::Neq,
        other => return Err(format!("unknown node mode `{other}`")),
    })
}
