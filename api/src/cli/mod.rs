//! The `raia` command line.

mod admin;
pub mod bench;
pub mod demo;
mod replay_cmd;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;

/// RAIA: AI governance with a hash-chained audit log.
#[derive(Debug, Parser)]
#[command(name = "raia", version, about)]
pub struct Cli {
    /// Data directory (SQLite file, keys, files).
    #[arg(long, global = true, env = "RAIA_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "RAIA_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Optional TOML configuration file.
    #[arg(long, global = true, env = "RAIA_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, env = "RAIA_LISTEN")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Administration without the server.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Audit tools over the log.
    #[command(subcommand)]
    Replay(replay_cmd::ReplayCommand),
    /// Benchmarks (print figures; never assert).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Load a demo workspace through the HTTP API (every feature populated).
    Demo(demo::DemoArgs),
}

impl Cli {
    /// The configuration with this invocation's flags on top.
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut c = Config::load(self.config.as_deref())?;
        if let Some(d) = &self.data_dir {
            c.data_dir = d.clone();
        }
        if let Some(u) = &self.database_url {
            c.database_url = Some(u.clone());
        }
        Ok(c)
    }
}

/// Runs the CLI; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    let mut config = cli.config()?;
    crate::telemetry::init_logs(&config.log_format);
    match cli.command {
        Command::Serve { listen } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            let first_run = !config.data_dir.join("keys").join("master.key").exists();
            let server = crate::startup::start(config.clone()).await?;
            if first_run {
                println!(
                    "RAIA initialised its data directory at {dir} (keys in {dir}/keys, mode 0600).\n\
                     Next: create the first admin with\n  \
                     raia admin create --data-dir {dir} --email you@example.org --role admin --password-stdin\n\
                     then log in: curl -s http://{addr}/api/v1/auth/login -H 'content-type: application/json' \
                     -d '{{\"email\":\"you@example.org\",\"password\":\"...\"}}'\n\
                     API docs: http://{addr}/docs",
                    dir = config.data_dir.display(),
                    addr = server.addr
                );
            }
            println!(
                "raia listening on http://{} ({})",
                server.addr,
                crate::startup::redact(&config.database_url())
            );
            server.run_until_signal().await;
            Ok(0)
        }
        Command::Migrate => {
            crate::startup::open(&config).await?;
            println!(
                "migrations applied to {}",
                crate::startup::redact(&config.database_url())
            );
            Ok(0)
        }
        Command::Admin(cmd) => admin::run(config, cmd).await,
        Command::Replay(cmd) => replay_cmd::run(config, cmd).await,
        Command::Bench(cmd) => bench::run(config, cmd).await,
        Command::Demo(args) => demo::run(config, args).await,
    }
}
