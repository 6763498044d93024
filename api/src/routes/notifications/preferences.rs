//! `/api/v1/notifications/preferences`: which kinds reach the caller on which
//! channel (each change an event), and the admins' dead-letter list of
//! deliveries that failed for good.

use axum::{extract::State, Json};
use domain::notification::{
    preferences::{
        NotificationPreferences, PreferencesCommand, PreferencesError, WebhookFormat,
        WebhookTarget, ALL_KINDS,
    },
    Kind, Preferences,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    export::name,
    extract::{ApiJson, Ctx},
    routes::rfc3339,
    state::AppState,
};

impl From<PreferencesError> for ApiError {
    fn from(e: PreferencesError) -> Self {
        match e {
            PreferencesError::MissingWebhook => {
                Self::unprocessable("webhook_required", e.to_string())
            }
            PreferencesError::MissingSecret => {
                Self::unprocessable("webhook_secret_required", e.to_string())
            }
        }
    }
}

/// Kinds: drift_alert, bias_found, version_awaiting_approval, evaluation_finished,
/// export_ready, security_event.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreferencesView {
    /// Kinds shown in the inbox (and pushed over `/ws/notifications`).
    #[schema(value_type = Vec<String>)]
    pub in_app: Vec<Kind>,
    /// Kinds mailed.
    #[schema(value_type = Vec<String>)]
    pub email: Vec<Kind>,
    /// Kinds POSTed to the webhook.
    #[schema(value_type = Vec<String>)]
    pub webhook: Vec<Kind>,
    /// The webhook URL.
    pub webhook_url: Option<String>,
    /// `slack` or `generic`.
    pub webhook_format: Option<String>,
    /// Whether a signing secret is set (it is never shown).
    pub webhook_secret_set: bool,
    /// Every kind there is.
    #[schema(value_type = Vec<String>)]
    pub kinds: Vec<Kind>,
}

fn view(p: Preferences) -> PreferencesView {
    let t = p.webhook_target;
    PreferencesView {
        in_app: p.in_app,
        email: p.email,
        webhook: p.webhook,
        webhook_url: t.as_ref().map(|t| t.url.clone()),
        webhook_format: t.as_ref().map(|t| name(&t.format)),
        webhook_secret_set: t.is_some_and(|t| t.secret.is_some()),
        kinds: ALL_KINDS.to_vec(),
    }
}

/// New preferences (they replace the old ones).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    /// Kinds shown in the inbox.
    #[schema(value_type = Vec<String>)]
    pub in_app: Vec<Kind>,
    /// Kinds mailed.
    #[schema(value_type = Vec<String>)]
    #[serde(default)]
    pub email: Vec<Kind>,
    /// Kinds POSTed to the webhook.
    #[schema(value_type = Vec<String>)]
    #[serde(default)]
    pub webhook: Vec<Kind>,
    /// The webhook URL (http or https).
    pub webhook_url: Option<String>,
    /// `slack` (`{"text": ...}`) or `generic` (signed JSON).
    #[schema(value_type = Option<String>)]
    pub webhook_format: Option<WebhookFormat>,
    /// The HMAC-SHA256 signing secret (16 to 256 characters); omitted, the
    /// current one is kept while the URL stays the same.
    pub webhook_secret: Option<String>,
}

fn dedup(mut k: Vec<Kind>) -> Vec<Kind> {
    let mut out = Vec::new();
    for x in k.drain(..) {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

/// The caller's notification preferences (defaults: everything in-app only).
#[utoipa::path(get, path = "/api/v1/notifications/preferences", tag = "notifications",
    security(("bearer" = [])), responses((status = 200, body = PreferencesView)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<PreferencesView>> {
    let p = crate::notify::preferences::load(&state, &caller.user_id.to_string()).await?;
    Ok(Json(view(p)))
}

/// Replaces the caller's notification preferences (an event; the webhook
/// secret is stored sealed under the caller's key).
#[utoipa::path(put, path = "/api/v1/notifications/preferences", tag = "notifications",
    request_body = PreferencesBody, security(("bearer" = [])),
    responses((status = 200, body = PreferencesView)))]
pub async fn put(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    ApiJson(b): ApiJson<PreferencesBody>,
) -> ApiResult<Json<PreferencesView>> {
    let me = caller.user_id.to_string();
    let current = crate::notify::preferences::load(&state, &me).await?;
    let webhook_target = match (b.webhook_url, b.webhook_format) {
        (None, None) => None,
        (Some(url), Some(format)) => {
            let parsed = reqwest::Url::parse(&url).map_err(|e| {
                ApiError::bad_request("invalid_webhook_url", format!("webhook_url: {e}"))
            })?;
            if !matches!(parsed.scheme(), "http" | "https") || url.len() > 2048 {
                return Err(ApiError::bad_request(
                    "invalid_webhook_url",
                    "webhook_url must be an http or https URL of at most 2048 characters",
                ));
            }
            let secret = match b.webhook_secret {
                Some(s) if !(16..=256).contains(&s.chars().count()) => {
                    return Err(ApiError::bad_request(
                        "invalid_webhook_secret",
                        "webhook_secret must be 16 to 256 characters",
                    ))
                }
                Some(s) => Some(
                    state
                        .cipher
                        .seal(&me, &s)
                        .await
                        .map_err(ApiError::internal)?,
                ),
                None => current
                    .webhook_target
                    .filter(|t| t.url == url)
                    .and_then(|t| t.secret),
            };
            Some(WebhookTarget {
                url,
                format,
                secret,
            })
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_webhook",
                "give webhook_url and webhook_format together",
            ))
        }
    };
    let prefs = Preferences {
        in_app: dedup(b.in_app),
        email: dedup(b.email),
        webhook: dedup(b.webhook),
        webhook_target,
    };
    let loaded = commands::load::<NotificationPreferences>(
        state.store.as_ref(),
        &domain::upcast::Upcasters::domain(),
        &me,
        commands::Until::Now,
    )
    .await?;
    let mut batch = commands::Batch::new(ctx.metadata);
    batch.decide(&loaded, None, PreferencesCommand::Set(prefs))?;
    let stored = state.store.append(batch.into_events()).await?;
    state.settle(&stored).await;
    let p = crate::notify::preferences::load(&state, &me).await?;
    Ok(Json(view(p)))
}

/// A delivery that failed for good.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetter {
    /// `<notification id>/<channel>`.
    pub id: String,
    /// The notification.
    pub notification_id: String,
    /// `email` or `webhook`.
    pub channel: String,
    /// Recipient.
    pub recipient_user_id: String,
    /// Kind.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last error.
    pub last_error: Option<String>,
    /// The receiver's last HTTP status.
    pub http_status: Option<i64>,
    /// When it was queued.
    pub created_at: String,
    /// When it was given up.
    pub failed_at: String,
}

/// Deliveries that failed after the last retry (or could never succeed), newest first.
#[utoipa::path(get, path = "/api/v1/notifications/dead-letters", tag = "notifications",
    security(("bearer" = [])), responses((status = 200, body = [DeadLetter])))]
pub async fn dead_letters(State(state): State<AppState>) -> ApiResult<Json<Vec<DeadLetter>>> {
    let rows = sqlx::query(
        "SELECT * FROM notification_deliveries WHERE status = 'dead' ORDER BY updated_at DESC, id LIMIT 500",
    )
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DeadLetter {
                id: r.try_get("id")?,
                notification_id: r.try_get("notification_id")?,
                channel: r.try_get("channel")?,
                recipient_user_id: r.try_get("recipient_user_id")?,
                kind: r.try_get("kind")?,
                title: r.try_get("title")?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
                http_status: r.try_get("http_status")?,
                created_at: rfc3339(r.try_get("created_at")?),
                failed_at: rfc3339(r.try_get("updated_at")?),
            })
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}
