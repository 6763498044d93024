//! Chat over documents: answers with citations, sessions private to their
//! user, streaming, usage and cost per configuration, user and day.

use domain::Role;
use raia_tests::{both_backends, expect_problem, fake_llm::FakeLlm, Backend, TestApp};
use serde_json::{json, Value};

use crate::{
    llm::{configure, frames, KEY},
    rag::{upload_doc, FRANCE},
};

async fn chat_answers_cite_sources_and_sessions_stay_private(backend: Backend) {
    let fake = FakeLlm::start(KEY).await;
    let app = TestApp::spawn(backend).await;
    let ada = app.token(Role::DataScientist).await;
    let bob = app.token(Role::Viewer).await;
    let doc = upload_doc(
        &app,
        &ada,
        "france.txt",
        FRANCE.as_bytes().to_vec(),
        json!({}),
    )
    .await;
    let local = configure(
        &app,
        &ada,
        json!({"name": "local", "provider": "local", "model": "raia-extractive-v1"}),
    )
    .await;
    let r = app
        .post(
            "/api/v1/chat",
            &ada,
            &json!({"configuration_id": local["id"], "message": "What is the capital of France?"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["answer"], "Paris is the capital of France.");
    assert_eq!(a["citations"][0]["document_id"], doc["id"]);
    assert_eq!(a["provider"], "local");
    let session = a["session_id"].as_str().unwrap().to_owned();
    // A second turn in the same session, through a priced OpenAI-compatible model, streamed.
    let gpt = configure(
        &app,
        &ada,
        json!({"name": "gpt", "provider": "openai_compatible", "model": "gpt-4o-mini", "base_url": fake.base, "api_key": KEY}),
    )
    .await;
    let r = app
        .post(
            "/api/v1/chat",
            &ada,
            &json!({"configuration_id": gpt["id"], "message": "And which river flows there?", "session_id": session, "stream": true}),
        )
        .await;
    let f = frames(&r.text().await.unwrap());
    let (last, done) = f.last().unwrap();
    assert_eq!(last, "done", "{f:?}");
    assert_eq!(done["session_id"], session);
    assert_eq!(done["answer"], raia_tests::fake_llm::ANSWER);
    let cost = done["cost_usd"].as_f64().unwrap();
    assert!(
        (cost - (12.0 * 0.15 + 7.0 * 0.6) / 1e6).abs() < 1e-12,
        "{cost}"
    );
    // The provider saw the history and the retrieved context.
    let sent = fake.seen().last().unwrap().body.clone();
    let msgs = sent["messages"].as_array().unwrap();
    assert!(
        msgs.iter()
            .any(|m| m["content"] == "Paris is the capital of France."),
        "history: {sent}"
    );
    assert!(
        msgs.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("Seine"),
        "context: {sent}"
    );
    // Without retrieval there are no citations.
    let r: Value = app
        .post(
            "/api/v1/chat",
            &ada,
            &json!({"configuration_id": gpt["id"], "message": "Hello", "retrieval": false}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["citations"], json!([]));
    let sessions: Value = app
        .get("/api/v1/chat/sessions", &ada)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    let history: Value = app
        .get(&format!("/api/v1/chat/sessions/{session}/history"), &ada)
        .await
        .json()
        .await
        .unwrap();
    let h = history.as_array().unwrap();
    assert_eq!(h.len(), 4);
    assert_eq!(
        (h[0]["role"].as_str(), h[1]["role"].as_str()),
        (Some("user"), Some("assistant"))
    );
    assert_eq!(h[3]["prompt_tokens"], 12);
    assert_eq!(h[1]["citations"][0]["document_id"], doc["id"]);
    // Bob sees none of it and cannot touch it.
    let none: Value = app
        .get("/api/v1/chat/sessions", &bob)
        .await
        .json()
        .await
        .unwrap();
    assert!(none.as_array().unwrap().is_empty());
    expect_problem(
        app.get(&format!("/api/v1/chat/sessions/{session}/history"), &bob)
            .await,
        404,
        "not_found",
    )
    .await;
    let r = app
        .post(
            "/api/v1/chat",
            &bob,
            &json!({"configuration_id": local["id"], "message": "hi", "session_id": session}),
        )
        .await;
    expect_problem(r, 404, "not_found").await;
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/chat/sessions/{session}")))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Usage: per configuration, user and day, with latency percentiles.
    let admin = app.token(Role::Admin).await;
    let by_cfg: Value = app
        .get("/api/v1/llm/usage?group_by=configuration", &admin)
        .await
        .json()
        .await
        .unwrap();
    let g = by_cfg
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == gpt["id"])
        .unwrap()
        .clone();
    assert_eq!(
        (g["calls"].as_u64(), g["prompt_tokens"].as_u64()),
        (Some(2), Some(24))
    );
    assert!(g["latency_p95_ms"].as_u64() >= g["latency_p50_ms"].as_u64());
    let by_day: Value = app
        .get("/api/v1/llm/usage?group_by=day", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_day[0]["calls"], 3);
    expect_problem(
        app.get("/api/v1/llm/usage?group_by=nope", &admin).await,
        400,
        "invalid_group_by",
    )
    .await;
    assert_eq!(app.get("/api/v1/llm/usage", &bob).await.status(), 403);
    // Delete one, clear the rest; usage stays.
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/chat/sessions/{session}")))
        .bearer_auth(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    expect_problem(
        app.get(&format!("/api/v1/chat/sessions/{session}/history"), &ada)
            .await,
        404,
        "not_found",
    )
    .await;
    let cleared: Value = app
        .post("/api/v1/chat/clear", &ada, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["deleted"], 1);
    let sessions: Value = app
        .get("/api/v1/chat/sessions", &ada)
        .await
        .json()
        .await
        .unwrap();
    assert!(sessions.as_array().unwrap().is_empty());
    let by_user: Value = app
        .get("/api/v1/llm/usage?group_by=user", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_user[0]["calls"], 3);
    expect_problem(
        app.post(
            "/api/v1/chat",
            &ada,
            &json!({"configuration_id": local["id"], "message": " "}),
        )
        .await,
        422,
        "empty_message",
    )
    .await;
}
both_backends!(
    chat_answers_cite_sources_and_sessions_stay_private,
    chat_answers_cite_sources_and_sessions_stay_private
);
