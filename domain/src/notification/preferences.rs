//! Per-user notification preferences: which kinds reach a person on which
//! channel (in-app, e-mail, webhook), and where their webhook points.

use serde::{Deserialize, Serialize};

use super::Kind;
use crate::{aggregate::Aggregate, sealed::Sealed};

/// Stream type of notification preferences (stream id: the user id).
pub const PREFERENCES_STREAM: &str = "notification_preferences";

/// Every kind of notification.
pub const ALL_KINDS: [Kind; 6] = [
    Kind::DriftAlert,
    Kind::BiasFound,
    Kind::VersionAwaitingApproval,
    Kind::EvaluationFinished,
    Kind::ExportReady,
    Kind::SecurityEvent,
];

/// A way a notification reaches its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The inbox (`/api/v1/notifications`, `/ws/notifications`).
    InApp,
    /// Mail through the mailer.
    Email,
    /// An HTTP POST to the person's webhook.
    Webhook,
}

impl Channel {
    /// The channel name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InApp => "in_app",
            Self::Email => "email",
            Self::Webhook => "webhook",
        }
    }
}

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `{"text": ...}`, as Slack incoming webhooks expect.
    Slack,
    /// The notification as JSON, signed with HMAC-SHA256.
    Generic,
}

/// Where a person's webhook notifications go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookTarget {
    /// The URL POSTed to.
    pub url: String,
    /// The body shape.
    pub format: WebhookFormat,
    /// The signing secret, sealed under the person's key (required for `generic`).
    pub secret: Option<Sealed>,
}

/// Which kinds go to which channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preferences {
    /// Kinds shown in the inbox.
    pub in_app: Vec<Kind>,
    /// Kinds mailed.
    pub email: Vec<Kind>,
    /// Kinds POSTed to the webhook.
    pub webhook: Vec<Kind>,
    /// The webhook, when one is set.
    pub webhook_target: Option<WebhookTarget>,
}

impl Default for Preferences {
    /// Everything in the inbox, nothing elsewhere.
    fn default() -> Self {
        Self {
            in_app: ALL_KINDS.to_vec(),
            email: Vec::new(),
            webhook: Vec::new(),
            webhook_target: None,
        }
    }
}

impl Preferences {
    /// The channels `kind` goes to.
    pub fn channels(&self, kind: Kind) -> Vec<Channel> {
        [
            (Channel::InApp, &self.in_app),
            (Channel::Email, &self.email),
            (Channel::Webhook, &self.webhook),
        ]
        .into_iter()
        .filter(|(_, kinds)| kinds.contains(&kind))
        .map(|(c, _)| c)
        .collect()
    }
}

/// A person's preferences as folded from their stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NotificationPreferences {
    /// The last preferences set (defaults when none).
    pub preferences: Option<Preferences>,
}

/// What may be asked of someone's preferences.
#[derive(Debug, Clone, PartialEq)]
pub enum PreferencesCommand {
    /// Replace them.
    Set(Preferences),
}

/// What happened to someone's preferences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum PreferencesEvent {
    /// They were replaced.
    NotificationPreferencesSet(Preferences),
}

/// Why preferences were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreferencesError {
    /// Webhook kinds without a webhook.
    #[error("webhook kinds need a webhook (url and format)")]
    MissingWebhook,
    /// A generic webhook without a signing secret.
    #[error("a generic webhook needs a signing secret")]
    MissingSecret,
}

impl Aggregate for NotificationPreferences {
    const STREAM_TYPE: &'static str = PREFERENCES_STREAM;
    type Command = PreferencesCommand;
    type Event = PreferencesEvent;
    type Error = PreferencesError;

    fn decide(&self, cmd: PreferencesCommand) -> Result<Vec<PreferencesEvent>, PreferencesError> {
        let PreferencesCommand::Set(p) = cmd;
        match &p.webhook_target {
            None if !p.webhook.is_empty() => Err(PreferencesError::MissingWebhook),
            Some(t) if t.format == WebhookFormat::Generic && t.secret.is_none() => {
                Err(PreferencesError::MissingSecret)
            }
            _ => Ok(vec![PreferencesEvent::NotificationPreferencesSet(p)]),
        }
    }

    fn apply(&mut self, event: &PreferencesEvent) {
        let PreferencesEvent::NotificationPreferencesSet(p) = event;
        self.preferences = Some(p.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_in_app_only_and_webhooks_need_a_target_and_a_secret() {
        let d = Preferences::default();
        assert_eq!(d.channels(Kind::DriftAlert), vec![Channel::InApp]);
        let state = NotificationPreferences::default();
        let mut p = Preferences {
            webhook: vec![Kind::BiasFound],
            ..Preferences::default()
        };
        assert_eq!(
            state.decide(PreferencesCommand::Set(p.clone())),
            Err(PreferencesError::MissingWebhook)
        );
        p.webhook_target = Some(WebhookTarget {
            url: "http://127.0.0.1:1/h".into(),
            format: WebhookFormat::Generic,
            secret: None,
        });
        assert_eq!(
            state.decide(PreferencesCommand::Set(p.clone())),
            Err(PreferencesError::MissingSecret)
        );
        p.webhook_target = Some(WebhookTarget {
            url: "http://127.0.0.1:1/h".into(),
            format: WebhookFormat::Slack,
            secret: None,
        });
        p.email = vec![Kind::BiasFound];
        let events = state.decide(PreferencesCommand::Set(p.clone())).unwrap();
        let mut s = NotificationPreferences::default();
        s.apply(&events[0]);
        assert_eq!(
            s.preferences.unwrap().channels(Kind::BiasFound),
            vec![Channel::InApp, Channel::Email, Channel::Webhook]
        );
    }
}
