//! Compiling a tree [`Structure`] into flat arrays for fast evaluation.
//!
//! Interior nodes are laid out in depth-first preorder (the true child usually sits right
//! after its parent) and every leaf becomes a sentinel node whose two children are itself.
//! A walk of exactly `depth` steps from a root therefore always ends on the right leaf,
//! without testing for leaves on the way: several rows can walk one tree in lockstep with
//! no data-dependent branch, so their dependent memory loads overlap. Compilation rejects
//! cycles, so depths are finite.

use super::numeric::Real;
use super::tree_attrs::{Child, Mode, Structure};

/// Flag bit: a NaN feature takes the true branch.
const MISSING_TRUE: u8 = 8;

/// A node: an interior split, or a leaf sentinel (`next == [self, self]`).
#[derive(Debug, Clone, Copy)]
pub(super) struct FlatNode<T> {
    /// Split value (unused by sentinels).
    pub threshold: T,
    /// Feature tested (0 for sentinels).
    pub feature: u32,
    /// `[true child, false child]`.
    pub next: [u32; 2],
}

/// One leaf: its votes are `votes[first .. first + len]`; `single` is the first vote's
/// weight (the whole contribution when the ensemble has one target).
#[derive(Debug, Clone, Copy)]
pub(super) struct FlatLeaf<T> {
    /// Index of the first vote.
    pub first: u32,
    /// Number of votes.
    pub len: u32,
    /// Weight of the first vote.
    pub single: T,
}

/// A compiled ensemble.
#[derive(Debug)]
pub(super) struct Forest<T> {
    /// Interior nodes (preorder), then one sentinel per leaf.
    pub nodes: Vec<FlatNode<T>>,
    /// Per node: mode code (0..=5) | `MISSING_TRUE`.
    pub flags: Vec<u8>,
    /// Every split is `x <= threshold` and no node sends NaN to the true side.
    pub all_leq: bool,
    /// Index of the first sentinel: node `first_leaf + l` is leaf `l`.
    pub first_leaf: usize,
    /// Leaves, by leaf index.
    pub leaves: Vec<FlatLeaf<T>>,
    /// (target or class, weight).
    pub votes: Vec<(u32, T)>,
    /// Root node and depth (steps to any leaf at most) of each tree, in summation order.
    pub roots: Vec<(u32, u32)>,
    /// Largest feature index read, if any.
    pub max_feature: Option<usize>,
}

fn mode_code(m: Mode) -> u8 {
    match m {
        Mode::Leq => 0,
        Mode::Lt => 1,
        Mode::Gte => 2,
        Mode::Gt => 3,
        Mode::Eq => 4,
        Mode::Neq => 5,
    }
}

/// Preorder of the interior nodes reachable from the roots and the height of each (the
/// longest path to a leaf); errors on a cycle.
fn layout(s: &Structure) -> Result<(Vec<usize>, Vec<u32>), String> {
    let n = s.branches.len();
    // 0 = unseen, 1 = on the current path, 2 = finished.
    let mut color = vec![0u8; n];
    let mut height = vec![0u32; n];
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<(usize, bool)> = Vec::new();
    let h = |c: Child, height: &[u32]| match c {
        Child::Node(b) => height.get(b).map_or(0, |v| v + 1),
        Child::Leaf(_) => 1,
    };
    for root in &s.roots {
        let Child::Node(r) = *root else { continue };
        stack.push((r, false));
        while let Some((b, finished)) = stack.pop() {
            if finished {
                let br = &s.branches[b];
                // Children finished first (post-order), so their heights are final.
                height[b] = h(br.yes, &height).max(h(br.no, &height));
                color[b] = 2;
                continue;
            }
            match color.get(b) {
                Some(0) => {}
                Some(1) => return Err(format!("the trees contain a cycle through node {b}")),
                Some(_) => continue, // shared subtree, already laid out
                None => return Err(format!("node index {b} out of range")),
            }
            color[b] = 1;
            order.push(b);
            stack.push((b, true));
            let br = &s.branches[b];
            for c in [br.no, br.yes] {
                if let Child::Node(c) = c {
                    stack.push((c, false));
                }
            }
        }
    }
    Ok((order, height))
}

/// Compiles `s`, checking votes against `n_targets`.
pub(super) fn compile<T: Real>(s: &Structure, n_targets: usize) -> Result<Forest<T>, String> {
    if s.branches.len() + s.leaves.len() >= u32::MAX as usize {
        return Err("the ensemble is too large".into());
    }
    let (order, height) = layout(s)?;
    let first_leaf = order.len();
    let mut new_index = vec![0u32; s.branches.len()];
    for (k, &b) in order.iter().enumerate() {
        new_index[b] = k as u32;
    }
    let encode = |c: Child| -> Result<u32, String> {
        match c {
            Child::Node(b) => new_index
                .get(b)
                .copied()
                .ok_or_else(|| format!("node index {b} out of range")),
            Child::Leaf(l) if l < s.leaves.len() => Ok((first_leaf + l) as u32),
            Child::Leaf(l) => Err(format!("leaf index {l} out of range")),
        }
    };
    let total = order.len() + s.leaves.len();
    let mut forest = Forest {
        nodes: Vec::with_capacity(total),
        flags: Vec::with_capacity(total),
        all_leq: true,
        first_leaf,
        leaves: Vec::with_capacity(s.leaves.len()),
        votes: Vec::new(),
        roots: Vec::with_capacity(s.roots.len()),
        max_feature: None,
    };
    for &b in &order {
        let br = &s.branches[b];
        let feature = u32::try_from(br.feature)
            .map_err(|_| format!("feature id {} too large", br.feature))?;
        forest.max_feature = forest.max_feature.max(Some(br.feature));
        forest.nodes.push(FlatNode {
            threshold: T::from_f64(br.threshold),
            feature,
            next: [encode(br.yes)?, encode(br.no)?],
        });
        let flag = mode_code(br.mode) | if br.missing_true { MISSING_TRUE } else { 0 };
        forest.all_leq &= flag == 0;
        forest.flags.push(flag);
    }
    for (l, leaf) in s.leaves.iter().enumerate() {
        // Sentinel: reads feature 0 (present whenever any split exists) and stays put.
        let me = (first_leaf + l) as u32;
        forest.nodes.push(FlatNode {
            threshold: T::ZERO,
            feature: 0,
            next: [me, me],
        });
        forest.flags.push(0);
        let first = forest.votes.len();
        for &(target, w) in leaf {
            if target >= n_targets {
                return Err(format!(
                    "vote for target/class {target}, but there are {n_targets}"
                ));
            }
            forest.votes.push((target as u32, T::from_f64(w)));
        }
        let single = leaf.first().map_or(T::ZERO, |&(_, w)| T::from_f64(w));
        let (Ok(first), Ok(len)) = (u32::try_from(first), u32::try_from(leaf.len())) else {
            return Err("too many votes".into());
        };
        forest.leaves.push(FlatLeaf { first, len, single });
    }
    for &r in &s.roots {
        let depth = match r {
            Child::Node(b) => height.get(b).copied().unwrap_or(0),
            Child::Leaf(_) => 0,
        };
        forest.roots.push((encode(r)?, depth));
    }
    Ok(forest)
}

impl<T: Real> Forest<T> {
    /// One step from node `c` for feature row `row` (general modes and NaN routing).
    #[inline]
    fn step(&self, c: u32, row: &[T]) -> u32 {
        let b = &self.nodes[c as usize];
        let x = row[b.feature as usize];
        let flag = self.flags[c as usize];
        let hit = match flag & 7 {
            0 => x <= b.threshold,
            1 => x < b.threshold,
            2 => x >= b.threshold,
            3 => x > b.threshold,
            4 => x == b.threshold,
            _ => x != b.threshold,
        } || (flag & MISSING_TRUE != 0 && x.is_nan());
        b.next[usize::from(!hit)]
    }

    /// The leaves (indices into `leaves`) reached by up to 16 rows from `root`, written to
    /// `out`. Rows must be longer than `max_feature` (checked once per batch by the caller).
    #[inline]
    pub fn leaves_block(&self, (root, depth): (u32, u32), rows: &[&[T]], out: &mut [usize]) {
        let mut c = [root; 16];
        let n = rows.len().min(c.len()).min(out.len());
        if self.all_leq {
            for _ in 0..depth {
                for (ci, row) in c[..n].iter_mut().zip(rows) {
                    let b = &self.nodes[*ci as usize];
                    let hit = row[b.feature as usize] <= b.threshold;
                    *ci = b.next[usize::from(!hit)];
                }
            }
        } else {
            for _ in 0..depth {
                for (ci, row) in c[..n].iter_mut().zip(rows) {
                    *ci = self.step(*ci, row);
                }
            }
        }
        for (o, ci) in out.iter_mut().zip(&c[..n]) {
            *o = (*ci as usize).wrapping_sub(self.first_leaf);
        }
    }

    /// The votes of a leaf.
    #[inline]
    pub fn votes_of(&self, leaf: &FlatLeaf<T>) -> &[(u32, T)] {
        let start = leaf.first as usize;
        self.votes
            .get(start..start + leaf.len as usize)
            .unwrap_or(&[])
    }
}
