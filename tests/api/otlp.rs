//! OpenTelemetry: with `RAIA_OTLP_ENDPOINT` set, every request becomes a server
//! span sent over OTLP/HTTP protobuf to a collector (here a fake one on
//! 127.0.0.1 that decodes `ExportTraceServiceRequest`); shutdown sends the rest.

use std::sync::{Arc, Mutex};

use api::otlp::proto::{any_value, ExportTraceServiceRequest, Span};
use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
use domain::Role;
use prost::Message;
use raia_tests::{both_backends, Backend, TestApp};

type Received = Arc<Mutex<Vec<(ExportTraceServiceRequest, String)>>>;

async fn collector() -> (String, Received) {
    let got: Received = Arc::default();
    let app = Router::new()
        .route(
            "/v1/traces",
            post(
                |State(got): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    let ct = headers["content-type"].to_str().unwrap().to_owned();
                    got.lock()
                        .unwrap()
                        .push((ExportTraceServiceRequest::decode(body).unwrap(), ct));
                    ""
                },
            ),
        )
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), got)
}

fn attr(span: &Span, key: &str) -> Option<any_value::Value> {
    span.attributes
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| a.value.clone()?.value)
}

async fn requests_are_exported_as_spans_and_shutdown_flushes(backend: Backend) {
    let (endpoint, got) = collector().await;
    let app = TestApp::spawn_with(backend, |c| c.otlp_endpoint = Some(endpoint)).await;
    let admin = app.token(Role::Admin).await;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let r = app
        .client
        .get(app.url(&format!("/api/v1/models/{}", uuid::Uuid::new_v4())))
        .bearer_auth(&admin)
        .header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    // Stopped at once: the spans still queued go out on shutdown.
    app.stop().await;
    let got = got.lock().unwrap();
    assert!(got.iter().all(|(_, ct)| ct == "application/x-protobuf"));
    let resource = got[0].0.resource_spans[0].resource.clone().unwrap();
    assert!(resource.attributes.iter().any(|a| a.key == "service.name"
        && a.value.clone().unwrap().value == Some(any_value::Value::String("raia".into()))));
    let spans: Vec<Span> = got
        .iter()
        .flat_map(|(r, _)| r.resource_spans.iter())
        .flat_map(|r| r.scope_spans.iter())
        .flat_map(|s| s.spans.clone())
        .collect();
    assert!(spans.iter().any(|s| s.name == "POST /api/v1/auth/login"));
    let span = spans
        .iter()
        .find(|s| s.name == "GET /api/v1/models/{id}")
        .expect("the model read's span");
    assert_eq!(span.kind, 2, "server span");
    assert_eq!(hex::encode(&span.trace_id), trace);
    assert_eq!(hex::encode(&span.parent_span_id), "00f067aa0ba902b7");
    assert_eq!(span.span_id.len(), 8);
    assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
    assert_eq!(
        attr(span, "http.route"),
        Some(any_value::Value::String("/api/v1/models/{id}".into()))
    );
    assert_eq!(
        attr(span, "http.response.status_code"),
        Some(any_value::Value::Int(404))
    );
    assert_eq!(
        attr(span, "raia.request_id"),
        Some(any_value::Value::String(request_id))
    );
}
both_backends!(
    requests_are_exported_as_spans_and_shutdown_flushes,
    requests_are_exported_as_spans_and_shutdown_flushes
);
