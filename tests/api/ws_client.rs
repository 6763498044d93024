//! A WebSocket client for the real-time tests.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use raia_tests::TestApp;
use serde_json::Value;
use tokio_tungstenite::{
    tungstenite::{client::IntoClientRequest, http::HeaderValue, protocol::CloseFrame, Message},
    MaybeTlsStream, WebSocketStream,
};

/// An open socket.
pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// What reading a socket gave.
#[derive(Debug)]
pub enum Got {
    /// A JSON text message.
    Json(Value),
    /// The server closed with this frame.
    Closed(Option<CloseFrame>),
}

/// Opens `path` (with query) on `app`, authenticating with the token as a subprotocol.
pub async fn connect(app: &TestApp, path: &str, token: &str) -> Socket {
    connect_to(&app.base, path, token).await
}

/// Opens `path` on the server at `base` (`http://...`).
pub async fn connect_to(base: &str, path: &str, token: &str) -> Socket {
    let url = format!("{}{path}", base.replacen("http", "ws", 1));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(&format!("raia.v1, bearer.{token}")).unwrap(),
    );
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(
        resp.headers()
            .get("sec-websocket-protocol")
            .map(|v| v.to_str().unwrap()),
        Some("raia.v1")
    );
    ws
}

/// The next JSON message or close, skipping pings; panics after `secs`.
pub async fn next(ws: &mut Socket, secs: u64) -> Got {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("no message in time");
        match msg {
            None => return Got::Closed(None),
            Some(Err(e)) => panic!("socket error: {e}"),
            Some(Ok(Message::Text(t))) => return Got::Json(serde_json::from_str(&t).unwrap()),
            Some(Ok(Message::Close(f))) => return Got::Closed(f),
            Some(Ok(_)) => {}
        }
    }
}

/// The next `event` message (skipping hello, pong, analytics); panics on close.
pub async fn next_event(ws: &mut Socket, secs: u64) -> Value {
    loop {
        match next(ws, secs).await {
            Got::Json(v) if v["type"] == "event" => return v,
            Got::Json(_) => {}
            Got::Closed(f) => panic!("closed: {f:?}"),
        }
    }
}

/// Events until one satisfies `stop` (included); panics after `secs`.
pub async fn events_until(ws: &mut Socket, secs: u64, stop: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let e = next_event(ws, secs).await;
        let done = stop(&e);
        out.push(e);
        if done {
            return out;
        }
    }
}

/// Sends a text frame.
pub async fn send_text(ws: &mut Socket, text: &str) {
    ws.send(Message::Text(text.to_owned().into()))
        .await
        .unwrap();
}

/// Creates a model over HTTP; returns its id.
pub async fn model(app: &TestApp, token: &str, name: &str) -> String {
    let r = app
        .post(
            "/api/v1/models",
            token,
            &serde_json::json!({"name": name, "type": "llm"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
