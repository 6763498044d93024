//! `POST /api/v1/ws/ticket`: a single-use ticket to open a WebSocket with.

use axum::{extract::State, Json};
use serde_json::{json, Value};

use crate::{
    access::Caller,
    error::ApiResult,
    state::AppState,
    ws::ticket::{self, TICKET_TTL},
};

/// Issues a ticket for the caller, redeemable once within 30 seconds on any node.
#[utoipa::path(post, path = "/api/v1/ws/ticket", tag = "realtime", security(("bearer" = [])), responses((status = 200, description = "A single-use ticket, redeemable for 30 s")))]
pub async fn ticket(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let t = ticket::issue(&state.db, &caller).await?;
    Ok(Json(
        json!({"ticket": t, "expires_in": TICKET_TTL.as_secs()}),
    ))
}
