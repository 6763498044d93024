//! `raia bench`: figures for the log's speed (printed, never asserted).

use clap::Subcommand;

use crate::config::Config;

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Append throughput against plain INSERTs.
    Append,
}

/// Runs a benchmark.
pub async fn run(_config: Config, _cmd: BenchCommand) -> anyhow::Result<i32> {
    Ok(0)
}
