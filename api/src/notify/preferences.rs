//! Reading a person's notification preferences (defaults when they set none).

use domain::{
    notification::{
        preferences::{WebhookFormat, WebhookTarget},
        Preferences,
    },
    sealed::Sealed,
};
use sqlx::Row;

use crate::{error::ApiResult, state::AppState};

fn kinds(s: &str) -> Vec<domain::notification::Kind> {
    serde_json::from_str(s).unwrap_or_default()
}

/// `user_id`'s preferences as the read model holds them.
pub async fn load(state: &AppState, user_id: &str) -> ApiResult<Preferences> {
    let row = sqlx::query("SELECT * FROM notification_preferences WHERE user_id = $1")
        .bind(user_id.to_owned())
        .fetch_optional(state.db.read())
        .await?;
    let Some(r) = row else {
        return Ok(Preferences::default());
    };
    let url: Option<String> = r.try_get("webhook_url")?;
    let format: Option<String> = r.try_get("webhook_format")?;
    let secret: Option<String> = r.try_get("webhook_secret")?;
    let webhook_target = match (url, format) {
        (Some(url), Some(format)) => Some(WebhookTarget {
            url,
            format: if format == "slack" {
                WebhookFormat::Slack
            } else {
                WebhookFormat::Generic
            },
            secret: secret.map(Sealed::from_ciphertext),
        }),
        _ => None,
    };
    Ok(Preferences {
        in_app: kinds(&r.try_get::<String, _>("in_app")?),
        email: kinds(&r.try_get::<String, _>("email")?),
        webhook: kinds(&r.try_get::<String, _>("webhook")?),
        webhook_target,
    })
}
