//! LLM configurations and providers through the API, against fake OpenAI,
//! Anthropic and TGI servers speaking the real wire formats.

use std::time::Instant;

use domain::Role;
use raia_tests::{both_backends, expect_problem, fake_llm::FakeLlm, Backend, TestApp};
use serde_json::{json, Value};

pub const KEY: &str = "sk-test-0123456789abcdefSECRET";

/// `(event, data)` frames of an SSE body.
pub fn frames(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut event = "message".to_owned();
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = serde_json::from_str(v.trim()).ok();
                }
            }
            data.map(|d| (event, d))
        })
        .collect()
}

pub async fn configure(app: &TestApp, t: &str, body: Value) -> Value {
    let r = app.post("/api/v1/llm/configurations", t, &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn test_call(app: &TestApp, t: &str, id: &Value, stream: bool) -> reqwest::Response {
    app.post(
        "/api/v1/llm/test-configuration",
        t,
        &json!({"configuration_id": id, "prompt": "What is the capital of France?", "stream": stream}),
    )
    .await
}

async fn configurations_keep_keys_write_only_and_version_templates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let c = configure(
        &app,
        &t,
        json!({"name": "gpt", "provider": "openai", "model": "gpt-4o-mini", "api_key": KEY,
               "prompt_template": "Context: {{context}}\nQ: {{question}}", "parameters": {"temperature": 0.2}}),
    )
    .await;
    assert_eq!(c["has_api_key"], true);
    assert_eq!(c["template_version"], 1);
    assert!(!c.to_string().contains(KEY));
    let id = c["id"].as_str().unwrap();
    let r = app
        .client
        .put(app.url(&format!("/api/v1/llm/configurations/{id}")))
        .bearer_auth(&t)
        .json(&json!({"prompt_template": "{{question}} (answer briefly)", "active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let u: Value = r.json().await.unwrap();
    assert_eq!(
        (u["template_version"].as_i64(), u["active"].as_bool()),
        (Some(2), Some(false))
    );
    let versions: Value = app
        .get(&format!("/api/v1/llm/configurations/{id}/templates"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[1]["variables"], json!(["question"]));
    // Inactive configurations cannot be called.
    expect_problem(
        test_call(&app, &t, &c["id"], false).await,
        422,
        "configuration_inactive",
    )
    .await;
    // Bad input: unknown provider, missing base URL, malformed template, viewer role.
    for (body, code) in [
        (
            json!({"name": "x", "provider": "nope", "model": "m"}),
            "invalid_configuration",
        ),
        (
            json!({"name": "x", "provider": "tgi", "model": "m"}),
            "invalid_configuration",
        ),
        (
            json!({"name": "x", "provider": "openai", "model": "m", "prompt_template": "{{a"}),
            "invalid_template",
        ),
        (
            json!({"name": "x", "provider": "openai", "model": "m", "parameters": {"temperature": 9}}),
            "invalid_configuration",
        ),
    ] {
        expect_problem(
            app.post("/api/v1/llm/configurations", &t, &body).await,
            422,
            code,
        )
        .await;
    }
    let viewer = app.token(Role::Viewer).await;
    let r = app
        .post(
            "/api/v1/llm/configurations",
            &viewer,
            &json!({"name": "x", "provider": "local"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    let list: Value = app
        .get("/api/v1/llm/configurations", &viewer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let providers: Value = app
        .get("/api/v1/llm/providers", &viewer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(providers.as_array().unwrap().len(), 5);
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/llm/configurations/{id}")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let list: Value = app
        .get("/api/v1/llm/configurations", &t)
        .await
        .json()
        .await
        .unwrap();
    assert!(list.as_array().unwrap().is_empty());
}
both_backends!(
    configurations_keep_keys_write_only_and_version_templates,
    configurations_keep_keys_write_only_and_version_templates
);

async fn each_provider_answers_whole_and_streamed_over_its_real_protocol(backend: Backend) {
    let fake = FakeLlm::start(KEY).await;
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let configs = [
        (
            "openai_compatible",
            "ok-gpt".to_owned(),
            fake.base.clone(),
            12,
            7,
        ),
        (
            "anthropic",
            "ok-claude".to_owned(),
            fake.base.clone(),
            15,
            8,
        ),
        ("tgi", String::new(), format!("{}/ok-tgi", fake.base), 0, 9),
    ];
    for (provider, model, base, prompt_tokens, completion_tokens) in configs {
        let c = configure(
            &app,
            &t,
            json!({"name": provider, "provider": provider, "model": if model.is_empty() { "tgi" } else { &model },
                   "base_url": base, "api_key": KEY}),
        )
        .await;
        let r = test_call(&app, &t, &c["id"], false).await;
        assert_eq!(r.status(), 200, "{provider}");
        let a: Value = r.json().await.unwrap();
        assert_eq!(a["text"], raia_tests::fake_llm::ANSWER, "{provider}");
        assert_eq!(a["completion_tokens"], completion_tokens, "{provider}");
        if prompt_tokens > 0 {
            assert_eq!(a["prompt_tokens"], prompt_tokens, "{provider}");
        }
        let r = test_call(&app, &t, &c["id"], true).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        let f = frames(&r.text().await.unwrap());
        let text: String = f
            .iter()
            .filter(|(e, _)| e == "delta")
            .map(|(_, d)| d["text"].as_str().unwrap())
            .collect();
        assert_eq!(text, raia_tests::fake_llm::ANSWER, "{provider} streamed");
        assert!(
            f.iter().filter(|(e, _)| e == "delta").count() >= 3,
            "{provider} arrived in pieces"
        );
        let (last, done) = f.last().unwrap();
        assert_eq!(last, "done", "{provider}");
        assert_eq!(
            done["completion_tokens"], completion_tokens,
            "{provider} streamed usage"
        );
    }
    let seen = fake.seen();
    assert!(seen
        .iter()
        .all(|s| s.credential.as_deref().is_some_and(|c| c.ends_with(KEY))));
    let anthropic = seen.iter().find(|s| s.path == "/v1/messages").unwrap();
    assert!(
        anthropic.credential.as_deref() == Some(KEY),
        "x-api-key, not bearer"
    );
    let openai = seen
        .iter()
        .find(|s| s.path == "/v1/chat/completions" && s.body["stream"] == true)
        .unwrap();
    assert_eq!(openai.body["stream_options"]["include_usage"], true);
}
both_backends!(
    each_provider_answers_whole_and_streamed_over_its_real_protocol,
    each_provider_answers_whole_and_streamed_over_its_real_protocol
);

async fn provider_failures_are_retried_or_reported_precisely(backend: Backend) {
    let fake = FakeLlm::start(KEY).await;
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::Admin).await;
    let cfg = |model: &str, key: &str, extra: Value| {
        let mut b = json!({"name": model, "provider": "openai_compatible", "model": model, "base_url": fake.base, "api_key": key});
        b["parameters"] = extra;
        b
    };
    // 401: the provider refuses the key; no retry.
    let c = configure(&app, &t, cfg("ok-a", "sk-wrong-key", json!({}))).await;
    let doc = expect_problem(
        test_call(&app, &t, &c["id"], false).await,
        502,
        "llm_unauthorized",
    )
    .await;
    assert!(!doc.to_string().contains("sk-wrong-key"));
    assert_eq!(fake.calls("ok-a"), 1);
    // 429 with Retry-After: 1, then success: waited and retried.
    let c = configure(&app, &t, cfg("limit-once-b", KEY, json!({}))).await;
    let start = Instant::now();
    let r = test_call(&app, &t, &c["id"], false).await;
    assert_eq!(r.status(), 200);
    assert!(
        start.elapsed().as_millis() >= 1000,
        "Retry-After was honoured"
    );
    assert_eq!(fake.calls("limit-once-b"), 2);
    // 429 that persists: passed on as 429 with Retry-After.
    let c = configure(
        &app,
        &t,
        cfg("limit-always", KEY, json!({"max_retries": 1})),
    )
    .await;
    let r = test_call(&app, &t, &c["id"], false).await;
    assert_eq!(r.headers().get("retry-after").unwrap(), "1");
    expect_problem(r, 429, "llm_rate_limited").await;
    assert_eq!(fake.calls("limit-always"), 2);
    // 500: retried with backoff, then a 502.
    let c = configure(&app, &t, cfg("broken", KEY, json!({"max_retries": 2}))).await;
    expect_problem(
        test_call(&app, &t, &c["id"], false).await,
        502,
        "llm_upstream_error",
    )
    .await;
    assert_eq!(fake.calls("broken"), 3);
    // A stream cut in the middle: the pieces so far, then an error event.
    for (provider, model, base) in [
        ("openai_compatible", "cut", fake.base.clone()),
        ("anthropic", "cut", fake.base.clone()),
        ("tgi", "cut", format!("{}/cut", fake.base)),
    ] {
        let c = configure(
            &app,
            &t,
            json!({"name": "cut", "provider": provider, "model": model, "base_url": base, "api_key": KEY}),
        )
        .await;
        let r = test_call(&app, &t, &c["id"], true).await;
        let status = r.status();
        let body = r.text().await.unwrap();
        let f = frames(&body);
        let (last, err) = f
            .last()
            .unwrap_or_else(|| panic!("{provider}: {status} {body}"));
        assert_eq!(last, "error", "{provider}: {f:?}");
        assert_eq!(err["code"], "llm_stream_interrupted", "{provider}");
        assert!(!f.iter().any(|(e, _)| e == "done"));
    }
    // RAIA's own per-configuration rate limit.
    let c = configure(
        &app,
        &t,
        cfg("ok-c", KEY, json!({"requests_per_minute": 1})),
    )
    .await;
    assert_eq!(test_call(&app, &t, &c["id"], false).await.status(), 200);
    let r = test_call(&app, &t, &c["id"], false).await;
    assert!(r.headers().get("retry-after").is_some());
    expect_problem(r, 429, "llm_rate_limited").await;
    assert_eq!(fake.calls("ok-c"), 1);
    // Unreachable server.
    let dead = configure(
        &app,
        &t,
        json!({"name": "dead", "provider": "openai_compatible", "model": "m", "base_url": "http://127.0.0.1:9",
               "parameters": {"max_retries": 0}}),
    )
    .await;
    expect_problem(
        test_call(&app, &t, &dead["id"], false).await,
        502,
        "llm_unreachable",
    )
    .await;
}
both_backends!(
    provider_failures_are_retried_or_reported_precisely,
    provider_failures_are_retried_or_reported_precisely
);

#[tokio::test]
async fn openai_embeddings_come_back_in_input_order() {
    use api::llm::providers::{embed, Target};
    use domain::llm::{LlmParameters, Provider};
    let fake = FakeLlm::start(KEY).await;
    let target = Target::new(
        Provider::OpenaiCompatible,
        Some(&format!("{}/v1", fake.base)),
        "ok-embed",
        Some(KEY.into()),
        LlmParameters::default(),
    );
    let http = reqwest::Client::new();
    let v = embed(&http, &target, &["a".into(), "bbb".into()])
        .await
        .unwrap();
    assert_eq!(v, vec![vec![1.0, 1.0, 0.5], vec![3.0, 1.0, 0.5]]);
    let local = Target::new(Provider::Local, None, "", None, LlmParameters::default());
    let v = embed(&http, &local, &["governance".into()]).await.unwrap();
    assert_eq!(v[0].len(), analysis::retrieval::embed::DIM);
    let tgi = Target::new(
        Provider::Tgi,
        Some(&fake.base),
        "m",
        None,
        LlmParameters::default(),
    );
    assert!(embed(&http, &tgi, &["x".into()]).await.is_err());
}
