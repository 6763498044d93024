//! Dataset-level verdict and the multi-column driver.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use serde::{Deserialize, Serialize};

use super::column::{detect_column, ColumnDrift, ColumnSpec};
use super::error::DriftError;

/// Evidently's default `drift_share`: the dataset drifts when at least half the columns do.
pub const DEFAULT_DRIFT_SHARE: f64 = 0.5;

/// Dataset-level verdict (Evidently's `DatasetDriftMetric`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetDrift {
    /// Share of drifted columns at which the dataset is declared drifted.
    pub drift_share: f64,
    /// Columns checked.
    pub number_of_columns: usize,
    /// Columns whose test detected drift.
    pub number_of_drifted_columns: usize,
    /// `number_of_drifted_columns / number_of_columns`.
    pub share_of_drifted_columns: f64,
    /// `share_of_drifted_columns >= drift_share`.
    pub dataset_drift: bool,
}

/// Per-column verdicts (in input order) and the dataset verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// One entry per input column, same order.
    pub columns: Vec<ColumnDrift>,
    /// Dataset-level verdict.
    pub dataset: DatasetDrift,
}

/// Evidently's `get_dataset_drift` over already computed columns.
pub fn dataset_drift(
    columns: &[ColumnDrift],
    drift_share: f64,
) -> Result<DatasetDrift, DriftError> {
    if !(0.0..=1.0).contains(&drift_share) {
        return Err(DriftError::InvalidDriftShare(drift_share));
    }
    if columns.is_empty() {
        return Err(DriftError::NoColumns);
    }
    let drifted = columns.iter().filter(|c| c.drift_detected).count();
    let share = drifted as f64 / columns.len() as f64;
    Ok(DatasetDrift {
        drift_share,
        number_of_columns: columns.len(),
        number_of_drifted_columns: drifted,
        share_of_drifted_columns: share,
        dataset_drift: share >= drift_share,
    })
}

/// Checks every column, one worker thread per available core, and the dataset verdict.
pub fn detect_all(specs: &[ColumnSpec<'_>], drift_share: f64) -> Result<DriftReport, DriftError> {
    let threads = thread::available_parallelism().map_or(1, |n| n.get());
    detect_all_with_threads(specs, drift_share, threads)
}

/// [`detect_all`] with an explicit number of worker threads (1 runs inline).
///
/// Columns are independent, so workers pull the next column index from a shared counter;
/// that balances uneven column costs without any locking of the results.
pub fn detect_all_with_threads(
    specs: &[ColumnSpec<'_>],
    drift_share: f64,
    threads: usize,
) -> Result<DriftReport, DriftError> {
    if !(0.0..=1.0).contains(&drift_share) {
        return Err(DriftError::InvalidDriftShare(drift_share));
    }
    let threads = threads.clamp(1, specs.len().max(1));
    let results: Vec<Result<ColumnDrift, DriftError>> = if threads == 1 {
        specs.iter().map(detect_column).collect()
    } else {
        run_pooled(specs, threads)
    };
    let columns = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let dataset = dataset_drift(&columns, drift_share)?;
    Ok(DriftReport { columns, dataset })
}

fn run_pooled(specs: &[ColumnSpec<'_>], threads: usize) -> Vec<Result<ColumnDrift, DriftError>> {
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<Result<ColumnDrift, DriftError>>> =
        (0..specs.len()).map(|_| None).collect();
    thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(spec) = specs.get(index) else { break };
                        done.push((index, detect_column(spec)));
                    }
                    done
                })
            })
            .collect();
        for worker in workers {
            // A panicking worker leaves its slots empty; they become errors below.
            if let Ok(done) = worker.join() {
                for (i, result) in done {
                    if let Some(slot) = slots.get_mut(i) {
                        *slot = Some(result);
                    }
                }
            }
        }
    });
    slots
        .into_iter()
        .map(|s| s.unwrap_or(Err(DriftError::WorkerPanicked)))
        .collect()
}
