//! The periodic enforcement: every `RAIA_RETENTION_INTERVAL_SECS`, when any
//! policy is in force, a `retention` job runs [`super::enforce`] as the system.

use std::time::Duration;

use domain::Metadata;
use tokio::sync::watch;

use crate::{extract::Ctx, state::AppState};

/// Metadata of the system's own enforcements.
pub fn system() -> Metadata {
    Metadata {
        actor_id: Some("system".into()),
        auth_method: Some("scheduler".into()),
        ..Metadata::default()
    }
}

/// Queues one enforcement job; returns its id.
pub async fn submit(
    state: &AppState,
    meta: Metadata,
) -> crate::error::ApiResult<domain::ids::JobId> {
    let ctx = Ctx {
        caller: None,
        metadata: meta.clone(),
    };
    let s = state.clone();
    crate::jobs::spawn(
        state,
        &ctx,
        "retention",
        serde_json::json!({}),
        move |_| async move {
            match super::enforce(&s, meta).await {
                Ok(out) => serde_json::to_value(out).map_err(|e| e.to_string()),
                Err(e) => Err(e.problem().detail),
            }
        },
    )
    .await
}

/// Runs until `stop`; the first enforcement comes one interval after start.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let secs = state.config.retention_interval_secs;
    if secs == 0 {
        return;
    }
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(secs)) => {}
            _ = stop.changed() => return,
        }
        let any = commands::retention::policies(state.store.as_ref())
            .await
            .map(|l| !l.state.policies.is_empty());
        match any {
            Ok(true) => {
                if let Err(e) = submit(&state, system()).await {
                    tracing::warn!(error = %e.problem().detail, "retention job not queued");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "retention policies unreadable"),
        }
    }
}
