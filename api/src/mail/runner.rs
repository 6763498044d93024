//! The mail side effect: follows the log from its own cursor and mails each
//! issued one-time token once. Rebuilds and replays never move this cursor, so
//! they never re-send. Sending comes before advancing the cursor (a crash in
//! between re-sends one message rather than losing it); on PostgreSQL one
//! server at a time sends, holding an advisory lock.

use std::{sync::Arc, time::Duration};

use domain::{
    decode::decode,
    ids::UserId,
    upcast::Upcasters,
    user::{TokenPurpose, UserEvent},
    StoredEvent,
};
use migrations::Backend;
use sqlx::Row;
use tokio::sync::watch;

use super::{templates, Mail, Mailer};
use crate::state::AppState;

const CURSOR: &str = "mail";
const LOCK_KEY: i64 = 0x5241_4d4c; // "RAML"

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

/// The e-mail address of `user_id`, read from the log itself (not from a read
/// model that may not have caught up with the registration yet); `None` when
/// the person was erased or never registered.
pub async fn address(state: &AppState, user_id: &str) -> anyhow::Result<Option<String>> {
    let stream = state
        .store
        .read_stream("user", user_id, commands::Until::Now)
        .await?;
    let sealed = stream
        .iter()
        .find_map(|s| match decode::<UserEvent>(s, &Upcasters::domain()) {
            Ok(UserEvent::UserRegistered { email, .. }) => Some(email),
            _ => None,
        });
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    Ok(state.cipher.open(user_id, &sealed).await?)
}

/// The mail an event calls for, if any (`None` also for expired tokens and
/// for people who were erased or have no readable address).
async fn mail_for(state: &AppState, e: &StoredEvent) -> anyhow::Result<Option<Mail>> {
    if e.stream_type != "user" || e.event_type != "OneTimeTokenIssued" {
        return Ok(None);
    }
    let UserEvent::OneTimeTokenIssued {
        purpose,
        nonce,
        expires_at,
        ..
    } = decode::<UserEvent>(e, &Upcasters::domain())?
    else {
        return Ok(None);
    };
    if expires_at < commands::sql_now() {
        return Ok(None);
    }
    let Some(user) = UserId::parse(&e.stream_id) else {
        return Ok(None);
    };
    let Some(to) = address(state, &e.stream_id).await? else {
        return Ok(None);
    };
    let token = commands::one_time::token_for(&state.cipher, purpose, user, &nonce);
    let (path, valid_for) = match purpose {
        TokenPurpose::VerifyEmail => ("verify-email", "48 hours"),
        TokenPurpose::ResetPassword => ("reset-password", "1 hour"),
    };
    let link = format!("{}/{path}?token={token}", state.config.public_url());
    let (subject, text, html) = templates::one_time(purpose, &link, valid_for);
    Ok(Some(Mail {
        user_id: e.stream_id.clone(),
        to,
        subject,
        text,
        html,
        key: format!("{:012}", e.position),
    }))
}

/// Sends what the log asks for after the cursor; returns how many events were
/// passed (0 = nothing new).
pub async fn run_once(state: &AppState, mailer: &Mailer) -> anyhow::Result<usize> {
    let from = cursor(state).await?;
    let head = migrations::events::head_position(state.db.read()).await?;
    let events =
        migrations::events::read_types_after(state.db.read(), from, head, &["user"], 200).await?;
    let mut done = from;
    for e in &events {
        match mail_for(state, e).await {
            Ok(Some(mail)) => {
                let mut attempt = 0;
                loop {
                    match mailer.send(&mail).await {
                        Ok(()) => break,
                        Err(err) if attempt < 2 => {
                            attempt += 1;
                            tracing::warn!(error = %err, position = e.position, attempt, "mail failed; retrying");
                            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                        }
                        Err(err) => {
                            // Keep the cursor before this event: it is tried again later.
                            if done > from {
                                advance(state, done).await?;
                            }
                            return Err(err.into());
                        }
                    }
                }
                metrics::counter!("raia_mail_sent_total").increment(1);
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(error = %err, position = e.position, "cannot compose mail; skipped")
            }
        }
        done = e.position;
    }
    // Nothing of interest up to the head: move past it all at once.
    let done = if events.len() < 200 {
        head.max(done)
    } else {
        done
    };
    if done > from {
        advance(state, done).await?;
    }
    Ok(events.len())
}

/// Runs the mailer until `stop`.
pub async fn run(state: AppState, mailer: Arc<Mailer>, mut stop: watch::Receiver<bool>) {
    let notify = state.store.notifier();
    // On PostgreSQL several servers may share the log: one mails at a time.
    let mut lock_conn: Option<sqlx::pool::PoolConnection<sqlx::Any>> = None;
    loop {
        if *stop.borrow() {
            // Closing the connection releases the advisory lock for another server.
            if let Some(c) = lock_conn.take() {
                let _ = c.close().await;
            }
            return;
        }
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let mut leader = true;
        if state.db.backend() == Backend::Postgres && lock_conn.is_none() {
            leader = false;
            if let Ok(mut conn) = state.db.write().acquire().await {
                let got: Result<bool, _> = sqlx::query("SELECT pg_try_advisory_lock($1)")
                    .bind(LOCK_KEY)
                    .fetch_one(&mut *conn)
                    .await
                    .and_then(|r| r.try_get::<bool, _>(0));
                if got.unwrap_or(false) {
                    lock_conn = Some(conn);
                    leader = true;
                }
            }
        }
        if leader {
            match run_once(&state, &mailer).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mailer paused"),
            }
        }
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => {}
        }
    }
}
