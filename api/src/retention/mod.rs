//! Enforcing the retention policies: find what is older than each policy
//! allows, record an event listing it (ids and counts, never the data), then
//! remove it: destroy the day keys of prediction inputs (crypto-shredding),
//! delete stream window rows, delete files of deleted datasets that no live
//! record uses. One node at a time on PostgreSQL (a transaction-scoped advisory
//! lock); a second run removes nothing new.

pub mod blobs;
mod kinds;
pub mod schedule;

use domain::{
    retention::{Enforcement, RecordKind},
    Metadata,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// Advisory lock key of the enforcement (an arbitrary constant).
const LOCK: i64 = 0x7261_6961_7265_7465;

/// What one kind's enforcement did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outcome {
    /// The kind of record.
    pub kind: String,
    /// Days kept.
    pub days: u32,
    /// Records from before this instant were removed (RFC 3339).
    pub cutoff: String,
    /// How many were removed (0: nothing was old enough).
    pub removed: u64,
    /// Log position of the `RetentionEnforced` event, when something was removed.
    pub position: Option<i64>,
}

/// Applies every policy in force at the state's clock.
pub async fn enforce(state: &AppState, meta: Metadata) -> ApiResult<Vec<Outcome>> {
    let mut lock = state.db.write().begin().await?;
    if state.db.backend() == migrations::Backend::Postgres {
        let got: bool = sqlx::Row::try_get(
            &sqlx::query("SELECT pg_try_advisory_xact_lock($1)")
                .bind(LOCK)
                .fetch_one(&mut *lock)
                .await?,
            0,
        )?;
        if !got {
            return Err(ApiError::conflict(
                "retention_running",
                "another node is enforcing retention right now",
            ));
        }
    } else {
        // SQLite has one writer; the transaction would only block our own writes.
        lock.rollback().await?;
        return run(state, meta).await;
    }
    let out = run(state, meta).await;
    lock.commit().await?;
    out
}

async fn run(state: &AppState, meta: Metadata) -> ApiResult<Vec<Outcome>> {
    let now = state.clock.now_micros();
    let policies = commands::retention::policies(state.store.as_ref())
        .await?
        .state
        .policies;
    let mut out = Vec::new();
    for (kind, days) in policies {
        let cutoff = now - i64::from(days) * commands::retention::DAY_MICROS;
        let found = kinds::find(state, kind, cutoff).await?;
        let mut outcome = Outcome {
            kind: kind.name().into(),
            days,
            cutoff: crate::routes::rfc3339(cutoff),
            removed: found.count,
            position: None,
        };
        if found.count > 0 {
            let e = Enforcement {
                kind,
                days,
                cutoff,
                removed: found.ids.clone(),
                count: found.count,
            };
            let events = commands::retention::record(state.store.as_ref(), e, meta.clone()).await?;
            state.settle(&events).await;
            outcome.position = events.last().map(|e| e.position);
            kinds::remove(state, kind, cutoff, &found).await?;
            metrics::counter!("raia_retention_removed_total", "kind" => kind.name())
                .increment(found.count);
            tracing::info!(
                kind = kind.name(),
                removed = found.count,
                "retention enforced"
            );
        }
        out.push(outcome);
    }
    Ok(out)
}

/// The kinds a policy may name.
pub fn kinds() -> Vec<&'static str> {
    RecordKind::ALL.iter().map(|k| k.name()).collect()
}
