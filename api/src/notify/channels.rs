//! Sending one notification by e-mail (the mailer, with its template) or to
//! the recipient's webhook (Slack-compatible `{"text"}` or generic JSON signed
//! with HMAC-SHA256 like event webhooks).

use domain::notification::preferences::WebhookFormat;
use serde_json::json;

use crate::{
    mail::{runner::address, templates, Mail},
    routes::events::webhooks::signature,
    state::AppState,
};

/// A notification waiting to be delivered on one channel.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `<notification id>/<channel>`: also the receivers' idempotency key.
    pub id: String,
    /// The notification.
    pub notification_id: String,
    /// Recipient.
    pub recipient: String,
    /// Kind name.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// API path to look at.
    pub link: String,
}

/// Why a delivery attempt failed.
#[derive(Debug)]
pub struct Failure {
    /// Retrying cannot help (no address, no webhook any more).
    pub permanent: bool,
    /// The receiver's HTTP status, if it answered.
    pub http: Option<i64>,
    /// What went wrong.
    pub error: String,
}

impl Failure {
    fn permanent(error: &str) -> Self {
        Self {
            permanent: true,
            http: None,
            error: error.to_owned(),
        }
    }

    fn transient(http: Option<i64>, error: String) -> Self {
        Self {
            permanent: false,
            http,
            error,
        }
    }
}

fn url(state: &AppState, link: &str) -> String {
    format!("{}{link}", state.config.public_url())
}

/// Mails `d` to its recipient.
pub async fn email(state: &AppState, d: &Delivery) -> Result<(), Failure> {
    let to = address(state, &d.recipient)
        .await
        .map_err(|e| Failure::transient(None, e.to_string()))?
        .ok_or_else(|| Failure::permanent("the recipient has no readable e-mail address"))?;
    let (subject, text, html) = templates::notification(&d.title, &d.body, &url(state, &d.link));
    let mail = Mail {
        user_id: d.recipient.clone(),
        to,
        subject,
        text,
        html,
        key: format!("notification-{}", d.id.replace([':', '/'], "-")),
    };
    state
        .mailer
        .send(&mail)
        .await
        .map_err(|e| Failure::transient(None, e.to_string()))
}

/// POSTs `d` to its recipient's webhook; returns the HTTP status.
pub async fn webhook(
    state: &AppState,
    client: &reqwest::Client,
    d: &Delivery,
) -> Result<i64, Failure> {
    let prefs = super::preferences::load(state, &d.recipient)
        .await
        .map_err(|e| Failure::transient(None, e.problem().detail.clone()))?;
    let target = prefs
        .webhook_target
        .ok_or_else(|| Failure::permanent("the recipient no longer has a webhook"))?;
    let link = url(state, &d.link);
    let body = match target.format {
        WebhookFormat::Slack => json!({"text": format!("*{}*\n{}\n<{link}>", d.title, d.body)}),
        WebhookFormat::Generic => json!({
            "delivery_id": d.id,
            "notification_id": d.notification_id,
            "recipient_user_id": d.recipient,
            "kind": d.kind,
            "title": d.title,
            "body": d.body,
            "link": link,
        }),
    }
    .to_string();
    let mut req = client
        .post(&target.url)
        .header("content-type", "application/json")
        .header("x-raia-delivery-id", &d.id);
    if let Some(sealed) = &target.secret {
        let secret = state
            .cipher
            .open(&d.recipient, sealed)
            .await
            .map_err(|e| Failure::transient(None, e.to_string()))?
            .ok_or_else(|| Failure::permanent("the webhook secret was erased"))?;
        req = req.header("x-raia-signature", signature(&secret, body.as_bytes()));
    }
    match req.body(body).send().await {
        Ok(r) if r.status().is_success() => Ok(i64::from(r.status().as_u16())),
        Ok(r) => Err(Failure::transient(
            Some(i64::from(r.status().as_u16())),
            format!("the webhook answered {}", r.status()),
        )),
        Err(e) => Err(Failure::transient(None, e.to_string())),
    }
}
