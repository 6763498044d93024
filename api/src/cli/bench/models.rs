//! `raia bench models`: HTTP predict latency (single row, p50/p99) and batch
//! throughput (10,000 rows) for the logistic pipeline, the 20-tree forest and
//! the gradient-boosted regressor, beside RAIA's engine alone and onnxruntime
//! from Python on the same files and rows, with the ratios. Figures only.

use std::{path::PathBuf, sync::Arc, time::Instant};

use analysis::inference::Model;
use commands::{model_artifacts, models, password::PasswordParams, users};
use domain::{
    ids::Email,
    model::{Artifact, ModelCommand, ModelSpec, ModelStatus, ModelType, NewVersion},
    Metadata, Role,
};
use ndarray::Array2;
use serde_json::{json, Value};

use crate::config::Config;

const MODELS: [(&str, &str); 3] = [
    ("pipe_scaler_logreg_bc_f32", "pipe_scaler_logreg_bc"),
    ("rf_bc_f32", "rf_bc"),
    ("gbr_diabetes_f32", "gbr_diabetes"),
];
const PASSWORD: &str = "benchmark password 1234";

pub(super) fn fixtures() -> PathBuf {
    std::env::var_os("RAIA_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/fixtures"))
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    pct(&v, 0.5)
}

/// What onnxruntime did on one file: single-row median and p99, batch seconds.
#[derive(Debug, Default, Clone, Copy)]
struct Ort {
    p50: f64,
    p99: f64,
    batch_s: f64,
}

const ORT_SCRIPT: &str = r#"
import json, sys, time
import numpy as np
import onnxruntime as ort
path, ref, calls, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
X50 = np.array(json.load(open(ref))["inputs"], dtype=np.float32)
XB = np.ascontiguousarray(np.tile(X50, (batch // 50 + 1, 1))[:batch])
sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
name = sess.get_inputs()[0].name
rows = [X50[i:i + 1].copy() for i in range(50)]
for k in range(100):
    sess.run(None, {name: rows[k % 50]})
ts = []
for k in range(calls):
    t0 = time.perf_counter(); sess.run(None, {name: rows[k % 50]}); ts.append(time.perf_counter() - t0)
ts.sort()
sess.run(None, {name: XB})
bt = []
for _ in range(5):
    t0 = time.perf_counter(); sess.run(None, {name: XB}); bt.append(time.perf_counter() - t0)
bt.sort()
print(json.dumps({"p50": ts[len(ts) // 2], "p99": ts[min(len(ts) - 1, round(0.99 * (len(ts) - 1)))], "batch_s": bt[2]}))
"#;

fn onnxruntime(file: &PathBuf, reference: &PathBuf, calls: usize, batch: usize) -> Option<Ort> {
    // The anchors' Python (`RAIA_ANCHOR_PYTHON`, as the other benchmarks) has onnxruntime.
    let python = std::env::var("RAIA_ANCHOR_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(ORT_SCRIPT)
        .arg(file)
        .arg(reference)
        .arg(calls.to_string())
        .arg(batch.to_string())
        .output()
        .ok()?;
    if !out.status.success() {
        println!(
            "note: onnxruntime from Python unavailable ({}); pip install onnxruntime",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    Some(Ort {
        p50: v["p50"].as_f64()?,
        p99: v["p99"].as_f64()?,
        batch_s: v["batch_s"].as_f64()?,
    })
}

pub(super) async fn token(
    base: &str,
    client: &reqwest::Client,
    state: &crate::state::AppState,
) -> anyhow::Result<String> {
    let email = "bench@example.org";
    users::register(
        state.store.as_ref(),
        &state.cipher,
        state.config.password,
        users::NewUser {
            email: Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?,
            password: PASSWORD.into(),
            display_name: None,
            role: Role::Admin,
        },
        Metadata::system("bench"),
    )
    .await?;
    state.runner.catch_up().await?;
    let r: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    r["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("login failed: {r}"))
}

/// Registers a model with one version of `bytes` through the command side.
pub(super) async fn install(
    state: &crate::state::AppState,
    name: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<String> {
    let inspected = model_artifacts::inspect(&bytes)?;
    let model_type = if inspected.signature.task == "classification" {
        ModelType::Classification
    } else {
        ModelType::Regression
    };
    let spec = ModelSpec {
        name: name.into(),
        model_type,
        algorithm: None,
        framework: Some("onnx".into()),
        version: None,
        status: ModelStatus::Draft,
        accuracy: None,
        feature_names: Vec::new(),
        metadata: json!({}),
        card: Default::default(),
    };
    let meta = Metadata::system("bench");
    let (id, _) = models::register(state.store.as_ref(), spec, meta.clone()).await?;
    let blob = state.blobs.put_bytes(bytes.into()).await?;
    let cmd = ModelCommand::AddVersion {
        version: NewVersion {
            artifact: Artifact {
                sha256: blob.sha256,
                size: blob.size,
                format: inspected.format,
                filename: Some(format!("{name}.onnx")),
                remote: None,
            },
            signature: inspected.signature,
            description: None,
            metadata: json!({}),
        },
        created_by: "system".into(),
    };
    models::execute(state.store.as_ref(), id, None, cmd, meta).await?;
    state.runner.catch_up().await?;
    Ok(id.to_string())
}

/// Runs the benchmark: `calls` single-row requests and 5 batches of `batch` rows per model.
pub async fn run(calls: usize, batch: usize) -> anyhow::Result<()> {
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
        ..Config::default()
    };
    let server = crate::startup::start(config).await?;
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::new();
    let t = token(&base, &client, &server.state).await?;
    println!("{:<28} {:>10} {:>10} {:>12} {:>12} {:>12}   onnxruntime (Python): {:>9} {:>9} {:>12}   ratios",
        "model", "p50 us", "p99 us", "HTTP rows/s", "engine r/s", "", "p50 us", "p99 us", "rows/s");
    for (file, reference) in MODELS {
        let path = fixtures().join("models").join(format!("{file}.onnx"));
        let ref_path = fixtures().join("models").join(format!("{reference}.json"));
        let bytes = std::fs::read(&path)?;
        let engine = Arc::new(Model::load(&bytes)?);
        let id = install(&server.state, file, bytes).await?;
        let rf: Value = serde_json::from_slice(&std::fs::read(&ref_path)?)?;
        let inputs = rf["inputs"].as_array().cloned().unwrap_or_default();
        let url = format!("{base}/api/v1/models/{id}/predict");
        for k in 0..100 {
            client
                .post(&url)
                .bearer_auth(&t)
                .json(&json!({"rows": [inputs[k % 50]], "version": 1}))
                .send()
                .await?;
        }
        let mut lat = Vec::with_capacity(calls);
        for k in 0..calls {
            let body = json!({"rows": [inputs[k % 50]], "version": 1});
            let t0 = Instant::now();
            let r = client.post(&url).bearer_auth(&t).json(&body).send().await?;
            let _ = r.bytes().await?;
            lat.push(t0.elapsed().as_secs_f64());
        }
        lat.sort_by(f64::total_cmp);
        let rows: Vec<Value> = (0..batch).map(|i| inputs[i % 50].clone()).collect();
        let body = serde_json::to_vec(&json!({"rows": rows, "version": 1}))?;
        let mut http_batch = Vec::new();
        for _ in 0..5 {
            let t0 = Instant::now();
            let r = client
                .post(&url)
                .bearer_auth(&t)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await?;
            anyhow::ensure!(
                r.status().is_success(),
                "batch predict failed: {}",
                r.status()
            );
            let _ = r.bytes().await?;
            http_batch.push(t0.elapsed().as_secs_f64());
        }
        let n_features = engine.signature().n_features;
        let flat: Vec<f64> = (0..batch)
            .flat_map(|i| inputs[i % 50].as_array().cloned().unwrap_or_default())
            .map(|v| v.as_f64().unwrap_or(f64::NAN))
            .collect();
        let x = Array2::from_shape_vec((batch, n_features), flat)?;
        let mut eng = Vec::new();
        for _ in 0..5 {
            let t0 = Instant::now();
            engine.predict_batch(x.view())?;
            eng.push(t0.elapsed().as_secs_f64());
        }
        let (http_rps, eng_rps) = (
            batch as f64 / median(http_batch),
            batch as f64 / median(eng),
        );
        let (p50, p99) = (pct(&lat, 0.5), pct(&lat, 0.99));
        match onnxruntime(&path, &ref_path, calls, batch) {
            Some(o) => {
                let ort_rps = batch as f64 / o.batch_s;
                println!(
                    "{file:<28} {:>10.1} {:>10.1} {:>12.0} {:>12.0} {:>12}   {:>31.1} {:>9.1} {:>12.0}   engine/ort throughput {:.2}x, HTTP/ort throughput {:.2}x, HTTP p50/ort p50 {:.1}x",
                    p50 * 1e6, p99 * 1e6, http_rps, eng_rps, "", o.p50 * 1e6, o.p99 * 1e6, ort_rps,
                    eng_rps / ort_rps, http_rps / ort_rps, p50 / o.p50
                );
            }
            None => println!(
                "{file:<28} {:>10.1} {:>10.1} {:>12.0} {:>12.0}",
                p50 * 1e6,
                p99 * 1e6,
                http_rps,
                eng_rps
            ),
        }
    }
    server.shutdown().await;
    Ok(())
}
