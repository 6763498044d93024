//! `raia demo`: loads a realistic workspace through the public HTTP API —
//! people in every role, seeded datasets, a model version approved by a second
//! person, predictions, a quality assessment, drift and fairness findings,
//! SHAP explanations, a local LLM with a document and a chat, exports and
//! notifications — against a running server (`--url`), or against the data
//! directory by starting one in-process for the duration.

mod data;
mod http;
mod workspace;

use std::io::Read;

use anyhow::Context;
use clap::Args;
use domain::{ids::Email, Metadata, Role};

pub use http::Api;
pub use workspace::{load, Summary, DEMO_PASSWORD};

use crate::config::Config;

/// The admin the in-process demo creates when the data directory has none.
const DEMO_ADMIN: &str = "admin@demo.raia.example";

/// `raia demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// A running server, e.g. http://127.0.0.1:8080 (default: start one on the data directory).
    #[arg(long)]
    pub url: Option<String>,
    /// An admin's e-mail (with --url).
    #[arg(long)]
    pub email: Option<String>,
    /// Read the admin's password from standard input (with --url).
    #[arg(long)]
    pub password_stdin: bool,
    /// Seed of the generated data (the same seed loads the same data).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

fn print(s: &Summary, base: &str, started: std::time::Instant) {
    println!(
        "RAIA demo workspace loaded in {:.1} s at {base}",
        started.elapsed().as_secs_f64()
    );
    for (email, role) in &s.users {
        println!("  user     {email:32} {role:15} password: {DEMO_PASSWORD}");
    }
    println!("  datasets {}", s.datasets.join(", "));
    println!(
        "  model    {} version {} (approved by a second person), {} predictions logged",
        s.model_id, s.version, s.predictions
    );
    println!(
        "  findings drift {}, bias {}",
        if s.drift_detected { "detected" } else { "none" },
        if s.bias_detected { "detected" } else { "none" }
    );
    println!("  chat     {}", s.chat_answer);
    println!("  eval     {} (recorded answers, scored)", s.evaluation_id);
    println!(
        "  exports  job {} and weekly schedule {}",
        s.export_id, s.schedule_id
    );
}

/// Logs the in-process admin in, creating them on first use.
async fn demo_admin(api: &Api, state: &crate::state::AppState) -> anyhow::Result<String> {
    if let Ok(t) = api.login(DEMO_ADMIN, DEMO_PASSWORD).await {
        return Ok(t);
    }
    let new = commands::users::NewUser {
        email: Email::parse(DEMO_ADMIN).context("demo admin address")?,
        password: DEMO_PASSWORD.into(),
        display_name: Some("Demo Admin".into()),
        role: Role::Admin,
    };
    commands::users::register(
        state.store.as_ref(),
        &state.cipher,
        state.config.password,
        new,
        Metadata::system("demo"),
    )
    .await
    .context("creating the demo admin")?;
    api.login(DEMO_ADMIN, DEMO_PASSWORD).await
}

/// Runs `raia demo`.
pub async fn run(mut config: Config, args: DemoArgs) -> anyhow::Result<i32> {
    let started = std::time::Instant::now();
    if let Some(url) = &args.url {
        let email = args
            .email
            .as_deref()
            .context("--url needs --email (an admin)")?;
        anyhow::ensure!(args.password_stdin, "--url needs --password-stdin");
        let mut password = String::new();
        std::io::stdin().read_to_string(&mut password)?;
        let api = Api::new(url)?;
        let admin = api
            .login(email, password.trim_end_matches(['\r', '\n']))
            .await?;
        let s = load(&api, &admin, args.seed).await?;
        print(&s, url, started);
        return Ok(0);
    }
    config.listen = ([127, 0, 0, 1], 0).into();
    let server = crate::startup::start(config).await?;
    let base = format!("http://{}", server.addr);
    let api = Api::new(&base)?;
    let outcome = async {
        let admin = demo_admin(&api, &server.state).await?;
        load(&api, &admin, args.seed).await
    }
    .await;
    // Let the notifier and the mailer catch up before the server stops.
    if outcome.is_ok() {
        let _ = crate::notify::run_once(&server.state).await;
    }
    server.shutdown().await;
    let s = outcome?;
    print(&s, &base, started);
    println!("  admin    {DEMO_ADMIN} password: {DEMO_PASSWORD}\nServe it with: raia serve");
    Ok(0)
}
