//! `POST /api/v1/ws/ticket`: a single-use ticket to open a WebSocket with.

use axum::{extract::State, Json};
use serde_json::{json, Value};

use crate::{access::Caller, state::AppState, ws::ticket::TICKET_TTL};

/// Issues a ticket for the caller, redeemable once within 30 seconds.
#[utoipa::path(post, path = "/api/v1/ws/ticket", tag = "realtime", security(("bearer" = [])), responses((status = 200, description = "A single-use ticket, redeemable for 30 s")))]
pub async fn ticket(State(state): State<AppState>, caller: Caller) -> Json<Value> {
    let t = state.realtime.tickets.issue(caller);
    Json(json!({"ticket": t, "expires_in": TICKET_TTL.as_secs()}))
}
