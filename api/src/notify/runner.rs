//! Follows the log and creates the notifications its rules call for.

use std::time::Duration;

use domain::{
    notification::{self, Audience, NewNotification, NotificationCommand},
    Metadata, Role, StoredEvent,
};
use sqlx::Row;
use tokio::sync::watch;

use crate::{error::ApiError, state::AppState};

const CURSOR: &str = "notify";
const BATCH: i64 = 500;

async fn cursor(state: &AppState) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT position FROM relay_cursors WHERE name = $1")
        .bind(CURSOR)
        .fetch_optional(state.db.write())
        .await?;
    Ok(match row {
        Some(r) => r.try_get(0)?,
        None => 0,
    })
}

async fn advance(state: &AppState, position: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO relay_cursors (name, position, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
    )
    .bind(CURSOR)
    .bind(position)
    .bind(commands::sql_now())
    .execute(state.db.write())
    .await?;
    Ok(())
}

async fn with_roles(state: &AppState, roles: &[Role]) -> Result<Vec<String>, sqlx::Error> {
    let mut out = Vec::new();
    for r in sqlx::query("SELECT id, role FROM users WHERE is_active = 1 ORDER BY id")
        .fetch_all(state.db.read())
        .await?
    {
        let role: String = r.try_get("role")?;
        if Role::parse(&role).is_some_and(|x| roles.contains(&x)) {
            out.push(r.try_get("id")?);
        }
    }
    Ok(out)
}

async fn recipients(state: &AppState, audience: &Audience) -> Result<Vec<String>, sqlx::Error> {
    Ok(match audience {
        Audience::Roles { roles, except } => with_roles(state, roles)
            .await?
            .into_iter()
            .filter(|u| Some(u) != except.as_ref())
            .collect(),
        Audience::User(u) => vec![u.clone()],
        Audience::UserAndAdmins(u) => {
            let mut v = vec![u.clone()];
            v.extend(
                with_roles(state, &[Role::Admin])
                    .await?
                    .into_iter()
                    .filter(|a| a != u),
            );
            v
        }
    })
}

/// Creates the notifications `e` calls for; returns how many were new.
async fn notify(state: &AppState, e: &StoredEvent) -> Result<usize, ApiError> {
    let payload = e.payload_json().unwrap_or_default();
    let actor = e.metadata().ok().and_then(|m| m.actor_id);
    let Some(rule) = notification::decide(
        &e.stream_type,
        &e.stream_id,
        &e.event_type,
        &payload,
        actor.as_deref(),
    ) else {
        return Ok(0);
    };
    let mut created = 0;
    for user in recipients(state, &rule.audience).await? {
        let channels = super::preferences::load(state, &user)
            .await?
            .channels(rule.kind);
        if channels.is_empty() {
            // The recipient turned this kind off everywhere.
            continue;
        }
        let id = notification::stream_id(&e.event_id, &user);
        let metadata = Metadata {
            causation_id: Some(e.event_id.clone()),
            ..Metadata::system("notify")
        };
        let cmd = NotificationCommand::Create(NewNotification {
            recipient_user_id: user,
            kind: rule.kind,
            title: rule.title.clone(),
            body: rule.body.clone(),
            link: rule.link.clone(),
            source_position: e.position,
            channels,
        });
        match super::execute(state, metadata, &id, cmd).await {
            Ok(_) => created += 1,
            // Created before a restart (or by another node): nothing to do.
            Err(err)
                if err.problem().code == "already_exists"
                    || err.problem().code == "version_conflict" => {}
            Err(err) => return Err(err),
        }
    }
    metrics::counter!("raia_notifications_created_total").increment(created as u64);
    Ok(created)
}

/// Processes the log after the cursor; returns how many events were read.
pub async fn run_once(state: &AppState) -> Result<usize, ApiError> {
    // Recipients come from the users table: let it catch up with the log first.
    state.runner.catch_up().await?;
    let from = cursor(state).await?;
    let events = state.store.read_all(from, BATCH).await?;
    let mut done = from;
    for e in &events {
        if let Err(err) = notify(state, e).await {
            // Keep the cursor before this event: it is tried again later.
            advance(state, done).await?;
            return Err(err);
        }
        done = e.position;
    }
    if done > from {
        advance(state, done).await?;
    }
    Ok(events.len())
}

/// Runs the notifier until `stop`.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let notify_hint = state.store.notifier();
    loop {
        if *stop.borrow() {
            return;
        }
        let notified = notify_hint.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        match run_once(&state).await {
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e.problem().detail, "notifier paused"),
        }
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => {}
        }
    }
}
