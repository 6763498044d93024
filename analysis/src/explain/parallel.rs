//! Splits independent per-row work across scoped threads.

pub use crate::parallel::default_threads;

use super::error::{ExplainError, Result};

/// Runs `work(i)` for `i in 0..n` on up to `threads` threads, keeping the output order.
///
/// The first error in row order wins so results do not depend on scheduling.
pub(crate) fn map_rows<T, F>(n: usize, threads: usize, work: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize) -> Result<T> + Sync,
{
    let mut slots = vec![(); threads.clamp(1, n.max(1))];
    let parts = crate::parallel::blocks(n, &mut slots, |rows, _| {
        rows.map(&work).collect::<Result<Vec<T>>>()
    });
    let mut out = Vec::with_capacity(n);
    for part in parts {
        out.extend(
            part.unwrap_or_else(|_| Err(ExplainError::Numerical("worker panicked".into())))?,
        );
    }
    Ok(out)
}
