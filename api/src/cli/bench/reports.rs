//! `raia bench reports`: the compliance PDF of a model with a long history
//! (prediction-log events), timed in its parts and over HTTP.

use std::time::Instant;

use commands::password::PasswordParams;
use domain::{export::ExportContent, export::ExportFormat, ExpectedVersion, Metadata, NewEvent};
use serde_json::json;

use super::{line, models};
use crate::{config::Config, export};

/// Fills `events` prediction-log events for one model, then times the report.
pub async fn run(events: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        listen: "127.0.0.1:0".parse()?,
        password: PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        },
        log_format: "pretty".into(),
        notifications: false,
        ..Config::default()
    };
    let server = crate::startup::start(config).await?;
    let state = server.state.clone();
    let bytes = std::fs::read(models::fixtures().join("models").join("rf_iris_f32.onnx"))?;
    let id = models::install(&state, "rf_iris_f32", bytes).await?;
    let t = Instant::now();
    let mut i = 0;
    while i < events {
        let end = (i + 1000).min(events);
        let batch = (i..end)
            .map(|n| NewEvent {
                event_id: uuid::Uuid::now_v7().to_string(),
                stream_type: domain::model::PREDICTION_STREAM.into(),
                stream_id: id.clone(),
                expected: ExpectedVersion::Any,
                event_type: "PredictionsLogged".into(),
                schema_version: 1,
                payload: json!({"model_id": id, "records": [{
                    "id": uuid::Uuid::now_v7().to_string(), "version": 1,
                    "input": [5.1, 3.5, 1.4, (n % 10) as f64 / 10.0],
                    "output": {"label": "0"}, "confidence": 0.9,
                    "at": commands::sql_now(), "request_id": null}]}),
                metadata: Metadata::system("bench"),
            })
            .collect();
        state.store.append(batch).await?;
        i = end;
    }
    line(
        "sqlite",
        "fill: prediction-log history",
        events,
        t.elapsed().as_secs_f64(),
    );
    let t = Instant::now();
    state.runner.catch_up().await?;
    line(
        "sqlite",
        "projections catch up",
        events,
        t.elapsed().as_secs_f64(),
    );
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    for round in 1..=3 {
        let t = Instant::now();
        let report = export::content::build(&state, ExportContent::Compliance, Some(&id))
            .await
            .map_err(|e| anyhow::anyhow!(e.problem().detail))?;
        let build = ms(t);
        let t = Instant::now();
        let pdf = export::render(ExportFormat::Pdf, &report)
            .map_err(|e| anyhow::anyhow!(e.problem().detail))?;
        let render = ms(t);
        println!(
            "sqlite    compliance report, round {round}: build {build:>8.1} ms, PDF render {render:>8.1} ms ({} bytes, {} evidence events)",
            pdf.len(),
            report.evidence.len()
        );
    }
    let client = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    let token = models::token(&base, &client, &state).await?;
    let t = Instant::now();
    let r = client
        .post(format!("{base}/api/v1/export/pdf"))
        .bearer_auth(&token)
        .json(&json!({"content": "compliance", "subject_id": id}))
        .send()
        .await?;
    println!(
        "sqlite    POST /api/v1/export/pdf (compliance, {events} events of history): {:.1} ms, status {}",
        ms(t),
        r.status()
    );
    super::cache::hit_vs_miss(&state, &base, &client, &token).await?;
    server.shutdown().await;
    Ok(())
}
