//! The `raia` binary.

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
