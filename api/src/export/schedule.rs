//! Scheduled exports: a loop that runs each schedule's due occurrence once.
//!
//! One node at a time runs schedules (the `export_schedules` lease in
//! `stream_leases`). An occurrence is claimed by appending
//! `ExportScheduleRan` with the schedule's expected version before the export
//! starts, so a second node (or a second tick) that saw the same occurrence
//! gets a conflict and runs nothing. Occurrences missed while no server ran
//! collapse into one run: the latest. Time is the server clock
//! ([`crate::compliance::Clock`]), which tests move forward.

use std::{str::FromStr, time::Duration};

use chrono::{DateTime, Utc};
use commands::{load, Batch, Until};
use croner::Cron;
use domain::{
    export::schedule::{ExportSchedule, ScheduleCommand, ScheduleError},
    upcast::Upcasters,
    Metadata, Role,
};
use sqlx::Row;
use tokio::sync::watch;

use super::{record_failed, start, Order, Requester};
use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    state::AppState,
};

const LEASE_KEY: &str = "export_schedules";
/// Occurrences walked at most when catching up on missed ones.
const MAX_STEPS: usize = 100_000;

impl From<ScheduleError> for ApiError {
    fn from(e: ScheduleError) -> Self {
        match e {
            ScheduleError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
            ScheduleError::NotFound => Self::not_found("export schedule"),
            ScheduleError::AlreadyRan => Self::conflict("already_ran", e.to_string()),
        }
    }
}

/// Parses a cron expression (5 fields, or 6 with seconds first).
pub fn parse(cron: &str) -> ApiResult<Cron> {
    Cron::from_str(cron).map_err(|e| {
        ApiError::unprocessable("invalid_cron", format!("cron expression {cron:?}: {e}"))
    })
}

/// The first occurrence strictly after `after` (µs since the epoch), in UTC.
pub fn next_after(cron: &Cron, after: i64) -> Option<i64> {
    let t: DateTime<Utc> = DateTime::from_timestamp_micros(after)?;
    cron.find_next_occurrence(&t, false)
        .ok()
        .map(|n| n.timestamp_micros())
}

/// The latest occurrence in `(after, now]`, if any.
pub fn due(cron: &Cron, after: i64, now: i64) -> Option<i64> {
    let mut at = next_after(cron, after).filter(|t| *t <= now)?;
    for _ in 0..MAX_STEPS {
        match next_after(cron, at) {
            Some(n) if n <= now => at = n,
            _ => break,
        }
    }
    Some(at)
}

/// The owner's role, if they are still active.
async fn owner_role(state: &AppState, owner: &str) -> ApiResult<Option<Role>> {
    let row = sqlx::query("SELECT role FROM users WHERE id = $1 AND is_active = 1")
        .bind(owner.to_owned())
        .fetch_optional(state.db.read())
        .await?;
    Ok(match row {
        Some(r) => Role::parse(&r.try_get::<String, _>("role")?),
        None => None,
    })
}

/// Claims occurrence `due_at` of schedule `id` and starts its export.
/// Returns false when the occurrence was already claimed.
async fn run(state: &AppState, id: &str, due_at: i64) -> ApiResult<bool> {
    let loaded =
        load::<ExportSchedule>(state.store.as_ref(), &Upcasters::domain(), id, Until::Now).await?;
    let Some(spec) = loaded.state.spec.clone() else {
        return Ok(false);
    };
    let mut order = Order::new(spec.format, spec.content, spec.subject_id.clone());
    order.schedule_id = Some(id.to_owned());
    let role = owner_role(state, &spec.owner).await?;
    let mut batch = Batch::new(Metadata::system("export-schedule"));
    let claim = ScheduleCommand::RecordRun {
        due_at,
        export_id: order.export_id.clone(),
    };
    match batch.decide(&loaded, None, claim) {
        Ok(_) => {}
        Err(commands::CommandError::Rejected(ScheduleError::AlreadyRan)) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    let claimed = match state.store.append(batch.into_events()).await {
        Ok(s) => s,
        Err(commands::StoreError::Conflict { .. }) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    state.settle(&claimed).await;
    // The export is the owner's, caused by the run.
    let metadata = Metadata {
        actor_id: Some(spec.owner.clone()),
        actor_role: role,
        auth_method: Some("schedule".into()),
        causation_id: claimed.first().map(|e| e.event_id.clone()),
        ..Metadata::default()
    };
    let who = Requester {
        user_id: spec.owner.clone(),
        role: role.unwrap_or(Role::Viewer),
    };
    let started = match role {
        None => Err(ApiError::forbidden(
            "the schedule's owner is no longer an active user",
        )),
        Some(_) => {
            let ctx = Ctx {
                caller: None,
                metadata: metadata.clone(),
            };
            start(state, &ctx, &who, order.clone()).await.map(|_| ())
        }
    };
    if let Err(e) = started {
        let why = e.problem().detail.clone();
        tracing::warn!(schedule = id, error = %why, "scheduled export failed");
        record_failed(state, metadata, &who, order, why).await?;
    }
    Ok(true)
}

/// Runs every due occurrence once; returns how many ran.
pub async fn run_once(state: &AppState) -> ApiResult<usize> {
    if !crate::routes::streams::processor::lease(state, LEASE_KEY).await? {
        return Ok(0);
    }
    state.runner.catch_up().await?;
    let now = state.clock.now_micros();
    let rows = sqlx::query(
        "SELECT id, cron, starts_after, last_due_at FROM export_schedules ORDER BY created_at, id",
    )
    .fetch_all(state.db.read())
    .await?;
    let mut ran = 0;
    for r in rows {
        let id: String = r.try_get("id")?;
        let after = r
            .try_get::<Option<i64>, _>("last_due_at")?
            .unwrap_or(r.try_get("starts_after")?);
        let Ok(cron) = parse(&r.try_get::<String, _>("cron")?) else {
            continue;
        };
        if let Some(at) = due(&cron, after, now) {
            if run(state, &id, at).await? {
                ran += 1;
            }
        }
    }
    Ok(ran)
}

/// Runs schedules until `stop`, checking every `tick`.
pub async fn run_loop(state: AppState, tick: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = run_once(&state).await {
            tracing::warn!(error = %e.problem().detail, "export schedules paused");
        }
        if let Err(e) = super::fail_orphans(&state).await {
            tracing::warn!(error = %e.problem().detail, "orphaned exports not closed");
        }
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000_000;

    #[test]
    fn missed_occurrences_collapse_into_the_latest() {
        let every_5 = parse("*/5 * * * *").unwrap();
        // 1970-01-01 00:00 UTC; occurrences at :05, :10, :15.
        assert_eq!(next_after(&every_5, 0), Some(5 * MIN));
        assert_eq!(due(&every_5, 0, 4 * MIN), None);
        assert_eq!(due(&every_5, 0, 17 * MIN), Some(15 * MIN));
        assert_eq!(due(&every_5, 15 * MIN, 17 * MIN), None);
        assert!(parse("61 * * * *").is_err());
        assert!(parse("not cron").is_err());
    }
}
