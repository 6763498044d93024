//! WebSockets: `/ws/real-time`, `/ws/notifications`, `/ws/model-updates` and
//! `/ws/data-streams`, all served from the event feed ([`crate::feed`]).
//!
//! Authentication: the bearer token as a subprotocol (`Sec-WebSocket-Protocol:
//! raia.v1, bearer.<token>`; the server answers `raia.v1`), or a single-use
//! ticket (`?ticket=`, see [`ticket`]). A long-lived token never goes in a URL.
//! Resume with `?after=<position>`. The server pings every 15 s and closes a
//! client silent for 45 s; close codes are in [`close`].

pub mod close;
mod session;
pub mod ticket;

use axum::{
    extract::{ws::WebSocketUpgrade, Query, State},
    http::HeaderMap,
    response::Response,
};

use crate::{
    access::Caller,
    error::ApiError,
    feed::{Filter, FilterParams},
    state::AppState,
};

/// The subprotocol RAIA speaks.
pub const PROTOCOL: &str = "raia.v1";

/// Bytes read from a socket at a time.
const READ_CHUNK: usize = 4 * 1024;

/// Query parameters of every socket: filters, resume position and ticket.
pub type WsParams = FilterParams;

/// Streams the model's side of the log: lifecycle, predictions, drift, explanations, fairness.
pub const MODEL_STREAMS: &[&str] = &[
    "model",
    "model_predictions",
    "drift",
    "explanation",
    "fairness_report",
    "evaluation",
];

/// Streams about data streams: lifecycle and alerts.
pub const DATA_STREAMS: &[&str] = &["data_stream"];

async fn caller(state: &AppState, headers: &HeaderMap, p: &WsParams) -> Result<Caller, ApiError> {
    if let Some(t) = &p.ticket {
        return ticket::redeem(&state.db, t)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the ticket is unknown, used or expired"));
    }
    let token = headers
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find_map(|p| p.strip_prefix("bearer."))
        .map(str::to_owned);
    match token {
        Some(t) => crate::access::authenticate(state, &t).await,
        None => Err(ApiError::unauthorized(
            "send the token as subprotocol `bearer.<token>` or use a ticket",
        )),
    }
}

async fn open(
    state: AppState,
    headers: HeaderMap,
    params: WsParams,
    ws: WebSocketUpgrade,
    scope: impl FnOnce(Filter) -> Filter,
) -> Result<Response, ApiError> {
    let c = caller(&state, &headers, &params).await?;
    let filter = scope(Filter::new(c.role, c.user_id, &params));
    let after = params.after;
    let max = state.config.ws_max_message_bytes;
    Ok(ws
        .protocols([PROTOCOL])
        // Clients send little (pings, subscriptions): a 4 KiB read chunk instead of
        // tungstenite's 128 KiB keeps 10,000 sockets in tens of megabytes; larger
        // frames (up to `max`) still arrive, in more reads.
        .read_buffer_size(READ_CHUNK)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| session::run(state, socket, c, filter, after)))
}

/// `GET /ws/real-time`: every event the caller's role may read, filtered.
pub async fn real_time(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<WsParams>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    open(state, headers, p, ws, |f| f).await
}

/// `GET /ws/notifications`: the caller's own `NotificationCreated` events.
pub async fn notifications(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<WsParams>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    open(state, headers, p, ws, Filter::notifications).await
}

/// `GET /ws/model-updates`: model lifecycle, predictions, drift.
pub async fn model_updates(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<WsParams>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    open(state, headers, p, ws, |f| f.scoped(MODEL_STREAMS)).await
}

/// `GET /ws/data-streams`: data-stream lifecycle and alerts.
pub async fn data_streams(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<WsParams>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    open(state, headers, p, ws, |f| f.scoped(DATA_STREAMS)).await
}
