//! Loads the demo workspace through the public API, as its people would.

use anyhow::Context;
use reqwest::Method;
use serde_json::{json, Value};

use super::{
    data::{self, FEATURES},
    http::{id, Api},
};

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "raia demo workspace 2026";

/// What the demo created.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Demo users (e-mail, role).
    pub users: Vec<(String, String)>,
    /// Dataset ids.
    pub datasets: Vec<String>,
    /// The model.
    pub model_id: String,
    /// Its approved version.
    pub version: i64,
    /// Predictions logged.
    pub predictions: usize,
    /// Whether drift was found.
    pub drift_detected: bool,
    /// Whether the fairness analysis found bias.
    pub bias_detected: bool,
    /// The chat's answer.
    pub chat_answer: String,
    /// The export job and the export schedule.
    pub export_id: String,
    /// The schedule.
    pub schedule_id: String,
    /// The evaluation of the assistant's recorded answers.
    pub evaluation_id: String,
}

const PEOPLE: [(&str, &str, &str); 5] = [
    ("alice", "ml_engineer", "Alice Martin"),
    ("bob", "ml_engineer", "Bob Okafor"),
    ("dana", "data_scientist", "Dana Silva"),
    ("audrey", "auditor", "Audrey Chen"),
    ("victor", "viewer", "Victor Novak"),
];

/// Registers (or finds) the demo people; returns their tokens in [`PEOPLE`] order.
async fn people(api: &Api, admin: &str, s: &mut Summary) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::new();
    for (name, role, display) in PEOPLE {
        let email = format!("{name}@demo.raia.example");
        let body = json!({"email": email, "password": DEMO_PASSWORD, "role": role, "display_name": display});
        // 409: loaded by an earlier run; the same password still logs in.
        api.call(
            Method::POST,
            "/api/v1/auth/register",
            Some(admin),
            Some(&body),
            &[201, 409],
        )
        .await?;
        tokens.push(api.login(&email, DEMO_PASSWORD).await?);
        s.users.push((email, role.to_owned()));
    }
    Ok(tokens)
}

async fn dataset(api: &Api, t: &str, name: &str, bytes: Vec<u8>) -> anyhow::Result<String> {
    let v = api
        .upload(
            "/api/v1/datasets/upload",
            t,
            vec![
                ("name", None, name.as_bytes().to_vec()),
                ("file", Some(format!("{name}.csv")), bytes),
            ],
        )
        .await?;
    id(&v)
}

/// Scores recorded answers of the policy assistant (no LLM call) and waits for the run.
async fn evaluation(api: &Api, t: &str, seed: u64) -> anyhow::Result<String> {
    let lines: String = data::EVALUATION
        .iter()
        .enumerate()
        .map(|(i, (q, reference, answer, hit))| {
            let retrieved = if *hit {
                ["policy", "faq"]
            } else {
                ["faq", "policy"]
            };
            format!(
                "{}\n",
                json!({"id": format!("q{i}"), "question": q, "reference_answer": reference,
                "generated_answer": answer, "retrieved_ids": retrieved, "relevant_ids": ["policy"]})
            )
        })
        .collect();
    let ds = api
        .upload(
            "/api/v1/datasets/upload",
            t,
            vec![
                ("name", None, b"assistant answers".to_vec()),
                (
                    "file",
                    Some("assistant-answers.jsonl".into()),
                    lines.into_bytes(),
                ),
            ],
        )
        .await?;
    let e = api
        .post(
            "/api/v1/evaluations",
            t,
            &json!({"name": format!("policy assistant, recorded answers ({seed})"),
            "dataset_id": id(&ds)?, "seed": seed}),
        )
        .await?;
    let eid = id(&e)?;
    let started = api
        .post(&format!("/api/v1/evaluations/{eid}/start"), t, &json!({}))
        .await?;
    let location = started["location"]
        .as_str()
        .context("the evaluation start names no job")?
        .to_owned();
    for _ in 0..600 {
        let job = api.get(&location, t).await?;
        match job["status"].as_str() {
            Some("succeeded") => return Ok(eid),
            Some("failed" | "cancelled") => anyhow::bail!("the evaluation job ended: {job}"),
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    anyhow::bail!("the evaluation did not finish in 60 s")
}

/// Registers the model, taking a fresh name when an earlier run holds it.
async fn model(api: &Api, t: &str, train: &str) -> anyhow::Result<String> {
    for n in 0..20 {
        let name = match n {
            0 => "credit-risk".to_owned(),
            n => format!("credit-risk-{n}"),
        };
        let body = json!({"name": name, "type": "classification", "algorithm": "xgboost",
            "feature_names": FEATURES, "intended_use": "ranking consumer credit applications for manual review",
            "out_of_scope_use": "automatic rejection without human review", "limitations": "trained on one synthetic market",
            "ethical_considerations": "income correlates with sex; fairness is assessed before each release",
            "owners": ["credit-risk-team"], "training_dataset_id": train, "target_column": "default",
            "risk_tier": "high"});
        let (status, v) = api
            .call(
                Method::POST,
                "/api/v1/models",
                Some(t),
                Some(&body),
                &[201, 409],
            )
            .await?;
        if status == 201 {
            return id(&v);
        }
    }
    anyhow::bail!("no free model name credit-risk[-N]")
}

/// The model's 0/1 predictions for `rows`, logged by the server.
async fn predict(
    api: &Api,
    t: &str,
    model: &str,
    version: i64,
    rows: &[data::Applicant],
) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for chunk in rows.chunks(100) {
        let x: Vec<Vec<f64>> = chunk.iter().map(|a| a.x.to_vec()).collect();
        let v = api
            .post(
                &format!("/api/v1/models/{model}/predict"),
                t,
                &json!({"rows": x, "version": version}),
            )
            .await?;
        for p in v["predictions"].as_array().context("predictions")? {
            let label = match &p["label"] {
                Value::Number(n) => n.as_f64().unwrap_or(0.0) >= 0.5,
                Value::String(s) => s == "1" || s == "1.0" || s == "true",
                Value::Bool(b) => *b,
                _ => false,
            };
            out.push(u8::from(label));
        }
    }
    Ok(out)
}

/// Loads the whole workspace; `admin` is an admin's access token.
pub async fn load(api: &Api, admin: &str, seed: u64) -> anyhow::Result<Summary> {
    let mut s = Summary::default();
    let t = people(api, admin, &mut s).await?;
    let (alice, bob, dana, audrey, victor) = (&t[0], &t[1], &t[2], &t[3], &t[4]);
    // The auditor also wants bias and drift findings by e-mail.
    api.call(Method::PUT, "/api/v1/notifications/preferences", Some(audrey), Some(&json!({
        "in_app": ["drift_alert", "bias_found", "version_awaiting_approval", "evaluation_finished", "export_ready", "security_event"],
        "email": ["bias_found", "drift_alert"]})), &[200]).await?;
    let (train_rows, holdout_rows, current_rows) = (
        data::applicants(seed, 600, 0.0),
        data::applicants(seed + 1, 300, 0.0),
        data::applicants(seed + 2, 400, 1.0),
    );
    let train = dataset(
        api,
        dana,
        "credit-applications-2025",
        data::csv(&train_rows, None),
    )
    .await?;
    let holdout = dataset(
        api,
        dana,
        "credit-holdout-2025",
        data::csv(&holdout_rows, None),
    )
    .await?;
    let current = dataset(
        api,
        dana,
        "credit-applications-2026-q3",
        data::csv(&current_rows, None),
    )
    .await?;
    api.post(
        &format!("/api/v1/data-quality/assess/{train}"),
        dana,
        &json!({}),
    )
    .await?;
    let m = model(api, alice, &train).await?;
    let v = api
        .upload(
            &format!("/api/v1/models/{m}/versions"),
            alice,
            vec![(
                "artifact",
                Some("credit_risk_xgb.json".into()),
                data::model_json(),
            )],
        )
        .await?;
    let version = v["version"].as_i64().context("version")?;
    let predictions = predict(api, victor, &m, version, &holdout_rows).await?;
    let vpath = format!("/api/v1/models/{m}/versions/{version}");
    api.post(&format!("{vpath}/submit"), alice, &json!({}))
        .await?;
    api.post(&format!("{vpath}/approve"), bob, &json!({}))
        .await?;
    api.post(
        &format!("/api/v1/models/{m}/evaluate"),
        alice,
        &json!({"dataset_id": holdout, "version": version}),
    )
    .await?;
    let drift = api
        .post(
            "/api/v1/drift/detect",
            dana,
            &json!({"reference_dataset_id": train, "current_dataset_id": current, "model_id": m}),
        )
        .await?;
    let scored = dataset(
        api,
        dana,
        "credit-holdout-2025-scored",
        data::csv(&holdout_rows, Some(&predictions)),
    )
    .await?;
    let fairness = api
        .post(
            &format!("/api/v1/fairness/analyze/{m}"),
            dana,
            &json!({"dataset_id": scored, "label_column": "default",
            "prediction_column": "prediction", "sensitive_features": ["sex"]}),
        )
        .await?;
    let rows: Vec<Vec<f64>> = holdout_rows.iter().take(5).map(|a| a.x.to_vec()).collect();
    api.post(
        &format!("/api/v1/explainability/shap/{m}"),
        dana,
        &json!({"version": version, "method": "exact",
        "rows": rows, "background_dataset_id": train, "background_size": 20, "class_index": 1}),
    )
    .await?;
    let llm = api
        .post("/api/v1/llm/configurations", dana, &json!({"name": format!("policy-assistant-{seed}"), "provider": "local", "model": "raia-extractive-v1"}))
        .await?;
    api.upload(
        "/api/v1/documents/upload",
        dana,
        vec![
            (
                "file",
                Some("credit-model-policy.txt".into()),
                data::POLICY.as_bytes().to_vec(),
            ),
            (
                "metadata",
                None,
                json!({"topic": "governance"}).to_string().into_bytes(),
            ),
        ],
    )
    .await?;
    let chat = api
        .post(
            "/api/v1/chat",
            victor,
            &json!({"configuration_id": id(&llm)?,
            "message": "Who must approve a credit-risk model version before deployment?"}),
        )
        .await?;
    s.evaluation_id = evaluation(api, dana, seed).await?;
    let export = api
        .post(
            "/api/v1/export/pdf",
            audrey,
            &json!({"content": "compliance", "subject_id": m}),
        )
        .await?;
    let schedule = api
        .post(
            "/api/v1/export/schedules",
            audrey,
            &json!({"name": "Weekly compliance report",
            "cron": "0 6 * * MON", "format": "pdf", "content": "compliance", "subject_id": m}),
        )
        .await?;
    s.datasets = vec![train, holdout, current, scored];
    s.model_id = m;
    s.version = version;
    s.predictions = predictions.len();
    s.drift_detected = drift["drifted_columns"].as_i64().unwrap_or(0) > 0;
    s.bias_detected = fairness["bias_detected"].as_bool().unwrap_or(false);
    s.chat_answer = chat["answer"].as_str().unwrap_or_default().to_owned();
    s.export_id = id(&export)?;
    s.schedule_id = id(&schedule)?;
    Ok(s)
}
