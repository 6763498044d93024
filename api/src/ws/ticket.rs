//! Short-lived, single-use tickets for opening a WebSocket from a browser,
//! which cannot set an `Authorization` header: the page asks
//! `POST /api/v1/ws/ticket` with its bearer token and opens
//! `/ws/...?ticket=...` within 30 seconds, on any node.
//!
//! Tickets live in the shared database (`ws_tickets`, a coordination table like
//! `stream_leases`, not a read model), stored as SHA-256 digests only. Redeeming
//! is one `DELETE ... RETURNING`, so of two nodes racing for a ticket exactly
//! one wins.

use std::time::Duration;

use domain::{ids::UserId, Role};
use migrations::Db;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::access::Caller;

/// How long a ticket stays redeemable.
pub const TICKET_TTL: Duration = Duration::from_secs(30);

fn digest(ticket: &str) -> String {
    hex::encode(Sha256::digest(ticket.as_bytes()))
}

/// Issues a ticket for `caller` (and forgets every expired one).
pub async fn issue(db: &Db, caller: &Caller) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    let ticket = hex::encode(bytes);
    let now = commands::store::sql_now();
    sqlx::query("DELETE FROM ws_tickets WHERE expires_at <= $1")
        .bind(now)
        .execute(db.write())
        .await?;
    sqlx::query(
        "INSERT INTO ws_tickets (digest, user_id, role, session_id, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(digest(&ticket))
    .bind(caller.user_id.to_string())
    .bind(caller.role.as_str())
    .bind(caller.session_id.clone())
    .bind(now + TICKET_TTL.as_micros() as i64)
    .execute(db.write())
    .await?;
    Ok(ticket)
}

/// Redeems a ticket once, on any node; `None` if unknown, used or expired.
pub async fn redeem(db: &Db, ticket: &str) -> Result<Option<Caller>, sqlx::Error> {
    let row = sqlx::query(
        "DELETE FROM ws_tickets WHERE digest = $1 RETURNING user_id, role, session_id, expires_at",
    )
    .bind(digest(ticket))
    .fetch_optional(db.write())
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.try_get::<i64, _>("expires_at")? <= commands::store::sql_now() {
        return Ok(None);
    }
    let user: String = row.try_get("user_id")?;
    let role: String = row.try_get("role")?;
    Ok(UserId::parse(&user)
        .zip(Role::parse(&role))
        .map(|(user_id, role)| Caller {
            user_id,
            role,
            session_id: row.try_get("session_id").unwrap_or_default(),
        }))
}
