//! Building a graph, or adding many nodes to one, on every core.
//!
//! The first [`SEED_NODES`] are inserted one by one; after them nodes are added in
//! batches of [`BATCH`]: each node of a batch searches the graph built so far
//! (in parallel, the graph read-only) and also weighs the batch's earlier nodes
//! exactly, then the batch's links are applied in id order and every list that
//! overflowed is pruned once. Each node's plan depends only on the graph before
//! its batch, so the graph is the same whatever the number of threads.

use std::ops::Range;

use super::{dot, Cand, Hnsw, HnswParams, Stamps, Vectors};

/// Nodes inserted one at a time before batches start.
const SEED_NODES: usize = 1024;
/// Nodes planned together against the same graph.
const BATCH: usize = 256;

/// One node's links per level (level 0 first), planned against a frozen graph.
type Plan = Vec<Vec<u32>>;

impl Hnsw {
    /// Builds a graph over every vector of `vs`, in id order, on every core.
    pub fn build(vs: &Vectors, params: HnswParams) -> Self {
        let mut g = Self::new(params);
        g.extend(vs, 0..vs.len() as u32);
        g
    }

    /// Adds vectors `ids` of `vs` (the next ids, in order) on every core.
    pub fn extend(&mut self, vs: &Vectors, ids: Range<u32>) {
        self.extend_with_threads(vs, ids, crate::parallel::default_threads());
    }

    /// [`Hnsw::extend`] on `threads` threads (the graph does not depend on it).
    pub fn extend_with_threads(&mut self, vs: &Vectors, ids: Range<u32>, threads: usize) {
        // One visited array per thread, kept across calls: sizing and zeroing them
        // per document would cost more than its inserts on a large index.
        let mut stamps = std::mem::take(&mut self.stamps);
        if stamps.len() < threads.max(1) {
            stamps.resize_with(threads.max(1), Stamps::default);
        }
        let stamps_used = &mut stamps[..threads.max(1)];
        let mut batch: Vec<(u32, usize)> = Vec::with_capacity(BATCH);
        for id in ids {
            let level = self.draw_level();
            if (id as usize) < SEED_NODES || self.entry.is_none() || level > self.top {
                // A node that raises the top level becomes the entry: insert it alone.
                self.add_batch(vs, &batch, stamps_used);
                batch.clear();
                self.insert_at(vs, id, level, &mut stamps_used[0]);
                continue;
            }
            batch.push((id, level));
            if batch.len() == BATCH {
                self.add_batch(vs, &batch, stamps_used);
                batch.clear();
            }
        }
        self.add_batch(vs, &batch, stamps_used);
        self.stamps = stamps;
    }

    /// Plans every node of `batch` in parallel, then links them in id order.
    fn add_batch(&mut self, vs: &Vectors, batch: &[(u32, usize)], stamps: &mut [Stamps]) {
        if batch.is_empty() {
            return;
        }
        debug_assert_eq!(batch[0].0 as usize, self.links.len());
        let graph = &*self;
        let plans: Vec<Plan> = par_map(batch.len(), stamps, |i, st| {
            graph.plan(vs, batch[i].0, batch[i].1, &batch[..i], st)
        });
        for plan in &plans {
            self.links.push(plan.clone());
        }
        let mut touched: Vec<(u32, usize)> = Vec::new();
        for (&(id, _), plan) in batch.iter().zip(&plans) {
            for (l, chosen) in plan.iter().enumerate() {
                let max = self.max_links(l);
                for &nb in chosen {
                    let links = &mut self.links[nb as usize][l];
                    links.push(id);
                    if links.len() == max + 1 {
                        touched.push((nb, l));
                    }
                }
            }
        }
        touched.sort_unstable();
        let graph = &*self;
        let pruned: Vec<Vec<u32>> = par_map(touched.len(), stamps, |i, _| {
            let (nb, l) = touched[i];
            Self::prune(vs, nb, &graph.links[nb as usize][l], graph.max_links(l))
        });
        for ((nb, l), links) in touched.into_iter().zip(pruned) {
            self.links[nb as usize][l] = links;
        }
    }

    /// The links node `id` at `level` would get against the graph as it is, with
    /// `earlier` (the batch's nodes before it, not yet in the graph) weighed exactly.
    fn plan(
        &self,
        vs: &Vectors,
        id: u32,
        level: usize,
        earlier: &[(u32, usize)],
        stamps: &mut Stamps,
    ) -> Plan {
        let q = vs.get(id);
        let entry = self.entry.unwrap_or(0);
        let mut ep = vec![Cand(dot(q, vs.get(entry)), entry)];
        for l in (level + 1..=self.top).rev() {
            stamps.reset(vs.len());
            ep = self.layer_search(vs, q, &ep, 1, l, stamps);
        }
        let mut plan: Plan = vec![Vec::new(); level + 1];
        for l in (0..=level).rev() {
            stamps.reset(vs.len());
            let found = self.layer_search(vs, q, &ep, self.params.ef_construction, l, stamps);
            let mut cands = found.clone();
            cands.extend(
                earlier
                    .iter()
                    .filter(|&&(_, lv)| lv >= l)
                    .map(|&(b, _)| Cand(dot(q, vs.get(b)), b)),
            );
            cands.sort_by(|a, b| b.cmp(a));
            plan[l] = Self::select(vs, &cands, self.params.m);
            ep = found;
        }
        plan
    }
}

/// `work(i, state)` for `i in 0..n`, one contiguous block (and one `states`
/// entry) per thread, results in index order; a worker's panic is re-raised.
fn par_map<T, S, F>(n: usize, states: &mut [S], work: F) -> Vec<T>
where
    T: Send,
    S: Send,
    F: Fn(usize, &mut S) -> T + Sync,
{
    crate::parallel::blocks(n, states, |range, state| {
        range.map(|i| work(i, state)).collect::<Vec<T>>()
    })
    .into_iter()
    .flat_map(|part| part.unwrap_or_else(|p| std::panic::resume_unwind(p)))
    .collect()
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn random_unit_vectors(n: usize, dim: usize, seed: u64) -> Vectors {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut vs = Vectors::new(dim);
        for _ in 0..n {
            let mut v: Vec<f32> = (0..dim).map(|_| rng.gen_range(-1.0..1.0)).collect();
            crate::retrieval::embed::normalize(&mut v);
            vs.push(&v);
        }
        vs
    }

    #[test]
    fn the_graph_does_not_depend_on_the_number_of_threads() {
        let vs = random_unit_vectors(SEED_NODES + 3 * BATCH + 17, 16, 5);
        let built_on = |threads| {
            let mut g = Hnsw::new(HnswParams::default());
            g.extend_with_threads(&vs, 0..vs.len() as u32, threads);
            g
        };
        let (one, three) = (built_on(1), built_on(3));
        assert_eq!(one.links, three.links);
        assert_eq!((one.entry, one.top), (three.entry, three.top));
        assert!(one.links.iter().all(|node| node
            .iter()
            .enumerate()
            .all(|(l, links)| links.len() <= one.max_links(l))));
    }

    #[test]
    fn nodes_added_a_few_at_a_time_are_found_like_a_bulk_build() {
        let vs = random_unit_vectors(3000, 32, 9);
        let mut g = Hnsw::new(HnswParams::default());
        for start in (0..3000u32).step_by(7) {
            g.extend_with_threads(&vs, start..(start + 7).min(3000), 2);
        }
        assert_eq!(g.len(), 3000);
        let mut found = 0;
        for i in 0..100 {
            let q = vs.get(i * 29).to_vec();
            let exact = vs.search(&q, 10, &|_| true);
            let approx = g.search(&vs, &q, 10, 64);
            found += approx
                .iter()
                .filter(|h| exact.iter().any(|e| e.id == h.id))
                .count();
        }
        assert!(found >= 950, "recall@10 {}", found as f64 / 1000.0);
    }
}
