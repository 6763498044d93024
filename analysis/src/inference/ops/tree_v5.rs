//! Reading `TreeEnsemble` (ai.onnx.ml 5) attributes: interior nodes and leaves in separate
//! arrays, children flagged as leaf or node, set-membership splits, `tree_roots`.

use super::tree_attrs::{index, int_list, Branch, Child, Mode, Structure};
use super::BuildCtx;
use crate::inference::tensor::Tensor;

/// A float or double tensor attribute of `TreeEnsemble`, as f64 plus whether it was double.
fn tensor_values(ctx: &BuildCtx<'_>, name: &str) -> Result<Option<(Vec<f64>, bool)>, String> {
    Ok(match ctx.attrs.tensor(name)? {
        None => None,
        Some(Tensor::F32(t)) => Some((t.iter().map(|&v| f64::from(v)).collect(), false)),
        Some(Tensor::F64(t)) => Some((t.iter().copied().collect(), true)),
        Some(_) => return Err(format!("`{name}` must be a float or double tensor")),
    })
}

/// Parses `TreeEnsemble` (ml opset 5); set-membership nodes become chains of equality tests.
pub(super) fn parse_v5(ctx: &BuildCtx<'_>) -> Result<Structure, String> {
    let mut s = Structure::default();
    let features = int_list(ctx, "nodes_featureids")?;
    let trues = int_list(ctx, "nodes_truenodeids")?;
    let falses = int_list(ctx, "nodes_falsenodeids")?;
    let true_leaf = int_list(ctx, "nodes_trueleafs")?;
    let false_leaf = int_list(ctx, "nodes_falseleafs")?;
    let missing = int_list(ctx, "nodes_missing_value_tracks_true")?;
    let roots = int_list(ctx, "tree_roots")?;
    let targets = int_list(ctx, "leaf_targetids")?;
    let modes = match ctx.attrs.tensor("nodes_modes")? {
        Some(Tensor::I32(t)) => t.iter().map(|&m| i64::from(m)).collect::<Vec<_>>(),
        Some(Tensor::I64(t)) => t.iter().copied().collect(),
        None => Vec::new(),
        Some(_) => return Err("`nodes_modes` must be an integer tensor".into()),
    };
    let (splits, d1) = tensor_values(ctx, "nodes_splits")?.unwrap_or_default();
    let (weights, d2) = tensor_values(ctx, "leaf_weights")?.ok_or("`leaf_weights` is missing")?;
    let (members, _) = tensor_values(ctx, "membership_values")?.unwrap_or_default();
    s.double = d1 || d2;
    let n = features.len();
    for (name, len) in [
        ("nodes_truenodeids", trues.len()),
        ("nodes_falsenodeids", falses.len()),
        ("nodes_trueleafs", true_leaf.len()),
        ("nodes_falseleafs", false_leaf.len()),
        ("nodes_modes", modes.len()),
        ("nodes_splits", splits.len()),
    ] {
        if len != n {
            return Err(format!(
                "`{name}` has {len} entries, `nodes_featureids` has {n}"
            ));
        }
    }
    if (!missing.is_empty() && missing.len() != n) || targets.len() != weights.len() {
        return Err("node or leaf attributes have inconsistent lengths".into());
    }
    for (t, w) in targets.iter().zip(&weights) {
        s.leaves.push(vec![(index(*t, "target id")?, *w)]);
    }
    // Set members are listed node after node, each set ending with a NaN.
    let mut member_sets = members.split(|v| v.is_nan());
    let mut first = Vec::with_capacity(n);
    let mut chain: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut next = 0usize;
    for &mode in &modes {
        let set = if mode == 6 {
            let set = member_sets.next().unwrap_or(&[]).to_vec();
            if set.is_empty() {
                return Err(format!("membership node {} has no member", first.len()));
            }
            set
        } else {
            Vec::new()
        };
        // Where node i's (first) interior node will sit once chains are unrolled.
        first.push(next);
        next += set.len().max(1);
        chain.push(set);
    }
    let n_leaves = s.leaves.len();
    let child = |is_leaf: i64, id: i64| -> Result<Child, String> {
        let id = index(id, "child index")?;
        if is_leaf != 0 {
            (id < n_leaves).then_some(Child::Leaf(id))
        } else {
            first.get(id).map(|&f| Child::Node(f))
        }
        .ok_or_else(|| format!("child index {id} out of range"))
    };
    let mut branches = Vec::new();
    for i in 0..n {
        let feature = index(features[i], "feature id")?;
        let missing_true = missing.get(i) == Some(&1);
        let (yes, no) = (
            child(true_leaf[i], trues[i])?,
            child(false_leaf[i], falses[i])?,
        );
        let mode = match modes[i] {
            0 => Mode::Leq,
            1 => Mode::Lt,
            2 => Mode::Gte,
            3 => Mode::Gt,
            4 => Mode::Eq,
            5 => Mode::Neq,
            6 => {
                let set = &chain[i];
                for (k, &v) in set.iter().enumerate() {
                    let next = if k + 1 < set.len() {
                        Child::Node(first[i] + k + 1)
                    } else {
                        no
                    };
                    branches.push(Branch {
                        feature,
                        mode: Mode::Eq,
                        threshold: v,
                        missing_true,
                        yes,
                        no: next,
                    });
                }
                continue;
            }
            m => return Err(format!("unknown node mode {m}")),
        };
        branches.push(Branch {
            feature,
            mode,
            threshold: splits[i],
            missing_true,
            yes,
            no,
        });
    }
    s.branches = branches;
    for &r in roots {
        let r = index(r, "tree root")?;
        // A single-leaf tree: both children are the same leaf (onnx reference rule).
        let is_leaf = true_leaf.get(r) == Some(&1)
            && false_leaf.get(r) == Some(&1)
            && trues.get(r) == falses.get(r);
        s.roots.push(if is_leaf {
            child(1, r as i64)?
        } else {
            child(0, r as i64)?
        });
    }
    if s.roots.is_empty() {
        return Err("the ensemble has no tree".into());
    }
    Ok(s)
}
