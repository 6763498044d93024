//! `raia replay`: verify, checkpoint, rebuild, export, state.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use replay::{checkpoint::Checkpoint, export, state, verify};

use crate::{config::Config, routes::as_of::parse_until};

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// JSON Lines (header line, then one line per position).
    Jsonl,
}

/// Replay subcommands.
#[derive(Debug, Subcommand)]
pub enum ReplayCommand {
    /// Recompute the hash chain; exit 1 naming the first bad position.
    Verify {
        /// First position.
        #[arg(long)]
        from: Option<i64>,
        /// Last position.
        #[arg(long)]
        to: Option<i64>,
        /// Also check the log still extends this signed checkpoint.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Also re-run every recorded explanation and report those whose results differ.
        #[arg(long)]
        recompute: bool,
    },
    /// Write a signed statement of the head.
    Checkpoint {
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Reset projections and replay the log into them.
    Rebuild {
        /// One projection (default: all).
        projection: Option<String>,
    },
    /// Export events with their hashes, verifiable without RAIA.
    Export {
        /// Only this stream type.
        #[arg(long)]
        stream_type: Option<String>,
        /// Only this stream id.
        #[arg(long)]
        stream_id: Option<String>,
        /// Only this event type.
        #[arg(long)]
        event_type: Option<String>,
        /// From a position or RFC 3339 time.
        #[arg(long)]
        from: Option<String>,
        /// To a position (inclusive) or RFC 3339 time (exclusive).
        #[arg(long)]
        to: Option<String>,
        /// Format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show a stream's state as it was at a time or position.
    State {
        /// Stream type, e.g. `model`.
        stream_type: String,
        /// Stream id.
        stream_id: String,
        /// RFC 3339 time or position (default: now).
        #[arg(long)]
        at: Option<String>,
    },
}

fn bound(s: Option<&str>) -> anyhow::Result<(Option<i64>, Option<i64>)> {
    match parse_until(s).map_err(|e| anyhow::anyhow!(e.detail))? {
        commands::Until::Now => Ok((None, None)),
        commands::Until::Position(p) => Ok((Some(p), None)),
        commands::Until::Time(t) => Ok((None, Some(t))),
    }
}

/// Re-runs every recorded explanation; 1 when any differs from its record.
async fn recompute_explanations(config: Config) -> anyhow::Result<i32> {
    let state = crate::startup::state(config).await?;
    let report = crate::routes::explain::recompute::recompute_all(&state)
        .await
        .map_err(|e| anyhow::anyhow!(e.detail))?;
    println!("recomputed {} explanations", report.checked);
    for d in &report.differences {
        eprintln!(
            "DIFFERS: explanation {} (position {}): {}",
            d.id, d.position, d.reason
        );
    }
    state.db.close().await;
    Ok(i32::from(!report.differences.is_empty()))
}

/// Runs a replay subcommand.
pub async fn run(config: Config, cmd: ReplayCommand) -> anyhow::Result<i32> {
    let (db, keys) = crate::startup::open(&config).await?;
    let code = match cmd {
        ReplayCommand::Verify {
            from,
            to,
            checkpoint,
            recompute,
        } => {
            let result = match &checkpoint {
                Some(path) => verify::verify_against(&db, &Checkpoint::read(path)?).await,
                None => verify::verify(&db, from, to).await,
            };
            match result {
                Ok(v) => {
                    println!(
                        "verified {} events (positions {}..={}), head {}",
                        v.count, v.from, v.head_position, v.head_hash
                    );
                    if checkpoint.is_some() {
                        println!("the log extends the signed checkpoint");
                    }
                    if recompute {
                        recompute_explanations(config.clone()).await?
                    } else {
                        0
                    }
                }
                Err(verify::VerifyFailure::Replay(e)) => return Err(e.into()),
                Err(e) => {
                    eprintln!("VERIFY FAILED: {e}");
                    if let Some(p) = e.position() {
                        eprintln!("first bad position: {p}");
                    }
                    1
                }
            }
        }
        ReplayCommand::Checkpoint { out } => {
            let cp = Checkpoint::sign_head(&db, &keys.signing).await?;
            std::fs::write(&out, serde_json::to_vec_pretty(&cp)?)
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "signed checkpoint at position {} ({}) written to {}",
                cp.position,
                cp.hash,
                out.display()
            );
            0
        }
        ReplayCommand::Rebuild { projection } => {
            let store = commands::open_store(db.clone());
            let runner = projections::Runner::new(db.clone(), projections::all(), store.notifier());
            let names: Vec<String> = match projection {
                Some(p) => vec![p],
                None => runner.names().into_iter().map(str::to_owned).collect(),
            };
            for n in names {
                let started = std::time::Instant::now();
                let pos = runner.rebuild(&n).await?;
                println!(
                    "rebuilt {n} up to position {pos} in {:.2?}",
                    started.elapsed()
                );
            }
            0
        }
        ReplayCommand::Export {
            stream_type,
            stream_id,
            event_type,
            from,
            to,
            format: Format::Jsonl,
            out,
        } => {
            let (from, from_time) = bound(from.as_deref())?;
            let (to, to_time) = bound(to.as_deref())?;
            let filter = export::Filter {
                stream_type,
                stream_id,
                event_type,
                from,
                to,
                from_time,
                to_time,
            };
            let shown = match out {
                Some(path) => {
                    let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
                    export::export(&db, &filter, &mut f).await?
                }
                None => {
                    let mut lock = std::io::BufWriter::new(std::io::stdout().lock());
                    export::export(&db, &filter, &mut lock).await?
                }
            };
            eprintln!("exported {shown} events");
            0
        }
        ReplayCommand::State {
            stream_type,
            stream_id,
            at,
        } => {
            let until = parse_until(at.as_deref()).map_err(|e| anyhow::anyhow!(e.detail))?;
            let s = state::state_at(&db, &stream_type, &stream_id, until).await?;
            println!("{}", serde_json::to_string_pretty(&s)?);
            0
        }
    };
    db.close().await;
    Ok(code)
}
