//! Column-parallel work on scoped threads with dynamic scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `requested`, or the machine's available parallelism when 0.
pub(crate) fn thread_count(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Computes `f(i)` for every `i` in `0..n` on up to `threads` threads and returns the
/// results in index order. Jobs are taken in the order of `weights` descending (largest
/// first keeps the threads busy until the end); pass an empty slice for natural order.
pub(crate) fn par_map<R, F>(n: usize, threads: usize, weights: &[usize], f: F) -> Vec<R>
where
    R: Send,
    F: Fn(usize) -> R + Sync,
{
    let threads = threads.min(n).max(1);
    if threads == 1 {
        return (0..n).map(&f).collect();
    }
    let mut order: Vec<usize> = (0..n).collect();
    if weights.len() == n {
        order.sort_by_key(|&i| std::cmp::Reverse(weights[i]));
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = Vec::with_capacity(n);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&i) = order.get(k) else { break };
                        out.push((i, f(i)));
                    }
                    out
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(part) => done.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}
