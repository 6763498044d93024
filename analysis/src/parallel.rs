//! Contiguous blocks of independent work on scoped threads, shared by the
//! explainers (rows) and the HNSW build (nodes of a batch).

use std::{ops::Range, thread};

thread_local! {
    static IN_WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is one of [`blocks`]' workers: the cores are already
/// shared out, so a model called from here should not split its batch again.
pub(crate) fn in_worker() -> bool {
    IN_WORKER.with(std::cell::Cell::get)
}

/// Worker threads to use when the caller does not say: every available core.
pub fn default_threads() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// Splits `0..n` into one contiguous block per entry of `states` (at most `n`)
/// and runs `work(block, state)` for each on its own thread, returning each
/// block's result (or its panic) in block order. With one block it runs on the
/// calling thread. Contiguous blocks keep each thread's data access local.
pub(crate) fn blocks<S, B, F>(n: usize, states: &mut [S], work: F) -> Vec<thread::Result<B>>
where
    S: Send,
    B: Send,
    F: Fn(Range<usize>, &mut S) -> B + Sync,
{
    let threads = states.len().clamp(1, n.max(1));
    if threads == 1 {
        return match states.first_mut() {
            Some(state) => vec![Ok(work(0..n, state))],
            None => Vec::new(),
        };
    }
    let block = n.div_ceil(threads);
    let work = &work;
    thread::scope(|scope| {
        let handles: Vec<_> = states
            .iter_mut()
            .take(threads)
            .enumerate()
            .map(|(t, state)| {
                let range = (t * block).min(n)..((t + 1) * block).min(n);
                scope.spawn(move || {
                    IN_WORKER.with(|w| w.set(true));
                    work(range, state)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    })
}
