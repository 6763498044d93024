//! `raia bench`: figures for the log's speed, printed and never asserted. Each
//! benchmark runs on a fresh SQLite file and a fresh PostgreSQL database.

mod anchors;
mod append;
mod auth;
mod cache;
mod data;
mod data_gen;
mod explain;
mod fairness;
mod fixture;
mod models;
mod rag;
mod realtime;
mod realtime_sockets;
mod replay;
mod reports;

use clap::Subcommand;
use migrations::Db;

use crate::config::Config;

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Events/s for single-event appends (1 and 8 writers) and 100-event
    /// batches, beside plain INSERTs of the same rows (no lock, no hashing).
    Append {
        /// Events per measurement.
        #[arg(long, default_value_t = 2000)]
        events: usize,
        /// Which backends: sqlite, postgres or both.
        #[arg(long, default_value = "both")]
        backend: String,
    },
    /// Events/s replaying the log into every projection.
    Rebuild {
        /// Events in the log.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Which backends: sqlite, postgres or both.
        #[arg(long, default_value = "both")]
        backend: String,
    },
    /// Logins/s (argon2id at the configured parameters) and what a bearer
    /// token adds to a request (p50/p99 with and without).
    Auth {
        /// Logins per measurement.
        #[arg(long, default_value_t = 200)]
        logins: usize,
        /// Requests per latency measurement.
        #[arg(long, default_value_t = 5000)]
        requests: usize,
        /// Which backends: sqlite, postgres or both.
        #[arg(long, default_value = "both")]
        backend: String,
    },
    /// Predict latency and throughput over HTTP for three fixture models,
    /// beside RAIA's engine alone and onnxruntime from Python (`RAIA_FIXTURES`).
    Models {
        /// Single-row requests per model.
        #[arg(long, default_value_t = 2000)]
        calls: usize,
        /// Rows per batch request.
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
    },
    /// Upload + profile + quality of a 1M x 20 CSV and drift on 1M vs 1M rows, beside
    /// pandas and Evidently (`shared/bench/anchors.py`) on the same files when installed.
    Data {
        /// Rows per table.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Directory for the CSV files (kept and reused).
        #[arg(long, default_value = "/var/tmp/raia-bench-data")]
        workdir: std::path::PathBuf,
        /// The anchors script (default `$RAIA_ANCHORS` or `../shared/bench/anchors.py`).
        #[arg(long)]
        anchors: Option<std::path::PathBuf>,
        /// Python with the anchors' requirements.
        #[arg(long, env = "RAIA_ANCHOR_PYTHON", default_value = "python3")]
        python: String,
    },
    /// Per-row SHAP (exact, kernel, TreeSHAP) and explanations through HTTP, beside the
    /// `shap` package (`anchors.py shap`) on the same models, rows and background.
    Explain {
        /// Directory for the anchor's data files (kept and reused).
        #[arg(long, default_value = "/var/tmp/raia-bench-explain")]
        workdir: std::path::PathBuf,
        /// The anchors script (default `$RAIA_ANCHORS` or `../shared/bench/anchors.py`).
        #[arg(long)]
        anchors: Option<std::path::PathBuf>,
        /// Python with the anchors' requirements.
        #[arg(long, env = "RAIA_ANCHOR_PYTHON", default_value = "python3")]
        python: String,
    },
    /// Full fairness metric set + bootstrap on 1M rows (2 x 5 groups), beside fairlearn's
    /// MetricFrame and its bootstrap (`shared/bench/anchors.py fairness`) on the same file.
    Fairness {
        /// Rows.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Bootstrap resamples.
        #[arg(long, default_value_t = 1000)]
        resamples: usize,
        /// Directory for the CSV file (kept and reused).
        #[arg(long, default_value = "/var/tmp/raia-bench-data")]
        workdir: std::path::PathBuf,
        /// The anchors script (default `$RAIA_ANCHORS` or `../shared/bench/anchors.py`).
        #[arg(long)]
        anchors: Option<std::path::PathBuf>,
        /// Python with the anchors' requirements.
        #[arg(long, env = "RAIA_ANCHOR_PYTHON", default_value = "python3")]
        python: String,
    },
    /// Time to build and render the compliance PDF of a model with a long
    /// history (prediction-log events), in parts and over HTTP.
    Reports {
        /// Events of history.
        #[arg(long, default_value_t = 100_000)]
        events: usize,
    },
    /// WebSocket connections, fan-out latency and stream ingest.
    Realtime {
        /// Concurrent WebSocket connections (raise `ulimit -n` first).
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
        /// Events fanned out to every connection.
        #[arg(long, default_value_t = 20)]
        events: usize,
        /// Records ingested through the webhook.
        #[arg(long, default_value_t = 200_000)]
        records: usize,
    },
    /// The WebSocket clients of `realtime`, run as its child process (token in
    /// `RAIA_BENCH_TOKEN`).
    #[command(hide = true)]
    RealtimeClients {
        /// `ws://.../ws/real-time?...`.
        #[arg(long)]
        url: String,
        /// Connections to open.
        #[arg(long)]
        connections: usize,
        /// Events to await on each.
        #[arg(long)]
        events: usize,
    },
    /// RAG: ingest of generated documents (docs/s), HNSW build time and vector search
    /// p50/p99 and recall@10 against exact search per corpus, size and breadth, and
    /// ROUGE-L / BLEU over answer pairs beside rouge-score and sacrebleu (`anchors.py rag`).
    Rag {
        /// Documents to ingest.
        #[arg(long, default_value_t = 10_000)]
        docs: usize,
        /// Index sizes in chunks, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
        sizes: Vec<usize>,
        /// Queries per size.
        #[arg(long, default_value_t = 1000)]
        queries: usize,
        /// HNSW search breadths to measure, comma-separated (one graph, each breadth).
        #[arg(long, value_delimiter = ',', default_value = "32,64,128,256,512")]
        ef: Vec<usize>,
        /// Generated corpora for the vector search figures, comma-separated:
        /// `topical` (chunks drawn from topics, as real corpora are) and
        /// `uniform` (every chunk from one Zipf vocabulary: a stress case).
        #[arg(long, value_delimiter = ',', default_value = "topical,uniform")]
        corpus: Vec<rag::Corpus>,
        /// HNSW links per node (twice that on level 0).
        #[arg(long, default_value_t = analysis::retrieval::hnsw::HnswParams::default().m)]
        m: usize,
        /// HNSW candidate list while building.
        #[arg(long, default_value_t = analysis::retrieval::hnsw::HnswParams::default().ef_construction)]
        ef_construction: usize,
        /// Answer pairs for the text metrics.
        #[arg(long, default_value_t = 10_000)]
        pairs: usize,
        /// Directory for the anchors' data (kept and reused).
        #[arg(long, default_value = "/var/tmp/raia-bench-rag")]
        workdir: std::path::PathBuf,
        /// The anchors script (default `$RAIA_ANCHORS` or `../shared/bench/anchors.py`).
        #[arg(long)]
        anchors: Option<std::path::PathBuf>,
        /// Python with rouge-score and sacrebleu.
        #[arg(long, env = "RAIA_ANCHOR_PYTHON", default_value = "python3")]
        python: String,
    },
    /// Events/s recomputing the hash chain.
    Verify {
        /// Events in the log.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Which backends: sqlite, postgres or both.
        #[arg(long, default_value = "both")]
        backend: String,
    },
}

/// A fresh, migrated database for one measurement.
pub struct Scratch {
    /// The database.
    pub db: Db,
    /// The backend's name.
    pub name: &'static str,
    _dir: tempfile::TempDir,
}

/// Where PostgreSQL benchmarks create their databases (`RAIA_BENCH_PG_URL`).
fn pg_admin() -> String {
    std::env::var("RAIA_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub(crate) async fn scratch(backend: &'static str) -> anyhow::Result<Scratch> {
    let dir = tempfile::tempdir()?;
    let url = if backend == "sqlite" {
        format!("sqlite://{}", dir.path().join("bench.db").display())
    } else {
        use sqlx::Connection;
        let admin = pg_admin();
        let mut c = sqlx::PgConnection::connect(&admin).await?;
        let name = format!("raia_bench_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .await?;
        format!(
            "{}/{name}",
            admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b)
        )
    };
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    Ok(Scratch {
        db,
        name: backend,
        _dir: dir,
    })
}

impl Scratch {
    /// Closes and, on PostgreSQL, drops the database.
    pub async fn drop_it(self) -> anyhow::Result<()> {
        let url = self.db.url().to_owned();
        self.db.close().await;
        if self.name == "postgres" {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&pg_admin()).await?;
            let name = url.rsplit('/').next().unwrap_or_default();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c)
                .await?;
        }
        Ok(())
    }
}

fn backends(which: &str) -> anyhow::Result<Vec<&'static str>> {
    match which {
        "both" => Ok(vec!["sqlite", "postgres"]),
        "sqlite" => Ok(vec!["sqlite"]),
        "postgres" => Ok(vec!["postgres"]),
        other => anyhow::bail!("unknown backend {other} (sqlite, postgres or both)"),
    }
}

/// Prints one figure.
pub fn line(backend: &str, what: &str, events: usize, secs: f64) -> f64 {
    let rate = events as f64 / secs;
    println!("{backend:<9} {what:<44} {events:>9} events {secs:>9.3} s {rate:>12.0} events/s");
    rate
}

/// Runs a benchmark.
pub async fn run(config: Config, cmd: BenchCommand) -> anyhow::Result<i32> {
    if cfg!(debug_assertions) {
        println!("note: this is a debug build; build with --release for meaningful figures");
    }
    match cmd {
        BenchCommand::Append { events, backend } => {
            for b in backends(&backend)? {
                append::run(b, events).await?;
            }
        }
        BenchCommand::Rebuild { events, backend } => {
            for b in backends(&backend)? {
                replay::rebuild(b, events).await?;
            }
        }
        BenchCommand::Auth {
            logins,
            requests,
            backend,
        } => {
            for b in backends(&backend)? {
                auth::run(&config, b, logins, requests).await?;
            }
        }
        BenchCommand::Models { calls, batch } => models::run(calls, batch).await?,
        BenchCommand::Explain {
            workdir,
            anchors,
            python,
        } => {
            let script = anchors.unwrap_or_else(anchors::default_script);
            explain::run(&workdir, &script, &python).await?
        }
        BenchCommand::Data {
            rows,
            workdir,
            anchors,
            python,
        } => {
            data::run(data::Options {
                rows,
                workdir,
                anchors: anchors.unwrap_or_else(anchors::default_script),
                python,
            })
            .await?;
        }
        BenchCommand::Realtime {
            connections,
            events,
            records,
        } => realtime::run(&config, connections, events, records).await?,
        BenchCommand::RealtimeClients {
            url,
            connections,
            events,
        } => realtime_sockets::clients(&url, connections, events).await?,
        BenchCommand::Fairness {
            rows,
            resamples,
            workdir,
            anchors,
            python,
        } => {
            let o = fairness::Options {
                rows,
                resamples,
                workdir,
                anchors: anchors.unwrap_or_else(anchors::default_script),
                python,
            };
            tokio::task::spawn_blocking(move || fairness::run(o)).await??;
        }
        BenchCommand::Reports { events } => reports::run(events).await?,
        BenchCommand::Rag {
            docs,
            sizes,
            queries,
            ef,
            corpus,
            m,
            ef_construction,
            pairs,
            workdir,
            anchors,
            python,
        } => rag::run(rag::Options {
            docs,
            sizes,
            queries,
            ef,
            corpus,
            graph: analysis::retrieval::hnsw::HnswParams {
                m,
                ef_construction,
                ..Default::default()
            },
            pairs,
            workdir,
            anchors: anchors.unwrap_or_else(anchors::default_script),
            python,
        })?,
        BenchCommand::Verify { events, backend } => {
            for b in backends(&backend)? {
                replay::verify(b, events).await?;
            }
        }
    }
    Ok(0)
}

pub(crate) use scratch as fresh;
