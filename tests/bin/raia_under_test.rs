//! The `raia` binary, built inside the test package so that crash tests can
//! start and SIGKILL a real server process (`CARGO_BIN_EXE_raia-under-test`).

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = api::cli::Cli::parse();
    match api::cli::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("raia: {e:#}");
            std::process::exit(2);
        }
    }
}
