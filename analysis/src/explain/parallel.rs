//! Splits independent per-row work across scoped threads.

use std::thread;

use super::error::{ExplainError, Result};

thread_local! {
    static IN_WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is one of [`map_rows`]' workers: the cores are already
/// shared out, so a model called from here should not split its batch again.
pub fn in_worker() -> bool {
    IN_WORKER.with(std::cell::Cell::get)
}

/// Worker threads to use when the caller does not say: every available core.
pub fn default_threads() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `work(i)` for `i in 0..n` on up to `threads` threads, keeping the output order.
///
/// Contiguous blocks (not interleaving) keep each thread's data access local; the first
/// error in row order wins so results do not depend on scheduling.
pub(crate) fn map_rows<T, F>(n: usize, threads: usize, work: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize) -> Result<T> + Sync,
{
    let threads = threads.clamp(1, n.max(1));
    if threads == 1 {
        return (0..n).map(&work).collect();
    }
    let block = n.div_ceil(threads);
    let work = &work;
    let parts: Vec<Result<Vec<T>>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let lo = (t * block).min(n);
                let hi = ((t + 1) * block).min(n);
                scope.spawn(move || {
                    IN_WORKER.with(|w| w.set(true));
                    (lo..hi).map(work).collect::<Result<Vec<T>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(ExplainError::Numerical("worker panicked".into())))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(n);
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}
