//! `raia bench auth`: password logins per second (argon2id at the configured
//! parameters, one and eight clients) and what authentication adds to a
//! request: p50/p99 of `GET /api/v1/health` with and without a bearer token.

use std::time::{Duration, Instant};

use domain::{ids::Email, Metadata, Role};

use crate::config::Config;

const PASSWORD: &str = "bench passphrase for logins";

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

async fn latencies(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    n: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut rq = client.get(url);
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        let t0 = Instant::now();
        let r = rq.send().await?;
        anyhow::ensure!(r.status().is_success(), "GET {url}: {}", r.status());
        r.bytes().await?;
        out.push(t0.elapsed());
    }
    out.sort();
    Ok(out)
}

async fn logins(
    client: &reqwest::Client,
    url: &str,
    email: &str,
    n: usize,
    clients: usize,
) -> anyhow::Result<f64> {
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, email) = (client.clone(), url.to_owned(), email.to_owned());
        tasks.push(tokio::spawn(async move {
            for _ in 0..n / clients {
                let r = client
                    .post(&url)
                    .json(&serde_json::json!({"email": email, "password": PASSWORD}))
                    .send()
                    .await?;
                anyhow::ensure!(r.status().is_success(), "login: {}", r.status());
                r.bytes().await?;
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((n / clients * clients) as f64 / t0.elapsed().as_secs_f64())
}

/// Runs the auth benchmark on one backend.
pub async fn run(
    base: &Config,
    backend: &'static str,
    logins_n: usize,
    requests: usize,
) -> anyhow::Result<()> {
    let scratch = super::scratch(backend).await?;
    let dir = tempfile::tempdir()?;
    let mut config = base.clone();
    config.listen = "127.0.0.1:0".parse()?;
    config.data_dir = dir.path().to_path_buf();
    config.database_url = Some(scratch.db.url().to_owned());
    config.nats_url = None;
    config.address_lock_after = 0;
    let server = crate::startup::start(config.clone()).await?;
    let s = &server.state;
    let email = format!("bench-{}@example.org", uuid::Uuid::new_v4().simple());
    commands::users::register(
        s.store.as_ref(),
        &s.cipher,
        config.password,
        commands::users::NewUser {
            email: Email::parse(&email)?,
            password: PASSWORD.into(),
            display_name: None,
            role: Role::Viewer,
        },
        Metadata::system("bench"),
    )
    .await?;
    s.runner.sync().await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(16)
        .build()?;
    let base_url = format!("http://{}", server.addr);
    let login_url = format!("{base_url}/api/v1/auth/login");
    let p = config.password;
    println!(
        "{backend:<9} argon2id m={} KiB t={} p={}",
        p.memory_kib, p.iterations, p.parallelism
    );
    for clients in [1, 8] {
        let rate = logins(&client, &login_url, &email, logins_n, clients).await?;
        println!(
            "{backend:<9} logins, {clients} client(s){:<24} {rate:>10.1} logins/s",
            ""
        );
    }
    let token = client
        .post(&login_url)
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await?
        .json::<serde_json::Value>()
        .await?["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let health = format!("{base_url}/api/v1/health");
    // Warm both paths before measuring.
    latencies(&client, &health, None, 200).await?;
    latencies(&client, &health, Some(&token), 200).await?;
    let anon = latencies(&client, &health, None, requests).await?;
    let auth = latencies(&client, &health, Some(&token), requests).await?;
    for (what, l) in [
        ("GET /api/v1/health, no token", &anon),
        ("GET /api/v1/health, bearer JWT", &auth),
    ] {
        println!(
            "{backend:<9} {what:<36} p50 {:>8.1} µs  p99 {:>8.1} µs  ({requests} requests)",
            pct(l, 0.5),
            pct(l, 0.99)
        );
    }
    println!(
        "{backend:<9} authentication adds               p50 {:>8.1} µs  p99 {:>8.1} µs",
        pct(&auth, 0.5) - pct(&anon, 0.5),
        pct(&auth, 0.99) - pct(&anon, 0.99)
    );
    server.shutdown().await;
    scratch.drop_it().await
}
