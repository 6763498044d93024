//! Notifications: what the rules decided a person should hear about, created
//! once per source event and recipient, read and deleted by that person.

pub mod preferences;
pub mod rules;
#[cfg(test)]
mod tests;

pub use preferences::{Channel, Preferences};
pub use rules::{decide, Audience, Kind, Rule};

use serde::{Deserialize, Serialize};

use crate::aggregate::Aggregate;

/// Stream type of notifications.
pub const NOTIFICATION_STREAM: &str = "notification";

/// The stream id of the notification `source_event_id` gives `recipient`: the
/// same pair always maps to the same stream, so a replayed rule creates nothing twice.
pub fn stream_id(source_event_id: &str, recipient: &str) -> String {
    format!("{source_event_id}:{recipient}")
}

/// A notification's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewNotification {
    /// The user it is for.
    pub recipient_user_id: String,
    /// Its kind.
    pub kind: Kind,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Where to look.
    pub link: String,
    /// The log position of the event that caused it.
    pub source_position: i64,
    /// Where it goes, from the recipient's preferences when it was created
    /// (notifications from before channels existed were in-app only).
    #[serde(default = "in_app_only")]
    pub channels: Vec<Channel>,
}

fn in_app_only() -> Vec<Channel> {
    vec![Channel::InApp]
}

impl NewNotification {
    /// Whether it belongs in the recipient's inbox.
    pub fn in_app(&self) -> bool {
        self.channels.contains(&Channel::InApp)
    }
}

/// A notification's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Notification {
    /// Set once created.
    pub content: Option<NewNotification>,
    /// Whether its recipient read it.
    pub read: bool,
    /// Whether it was deleted.
    pub deleted: bool,
}

/// What may be asked of a notification.
#[derive(Debug, Clone, PartialEq)]
pub enum NotificationCommand {
    /// Create it.
    Create(NewNotification),
    /// Mark it read.
    MarkRead,
    /// Delete it.
    Delete,
}

/// What happened to a notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum NotificationEvent {
    /// It was created for its recipient.
    NotificationCreated(NewNotification),
    /// Its recipient read it.
    NotificationRead {},
    /// Its recipient deleted it.
    NotificationDeleted {},
}

/// Why a notification command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// Create on an existing notification.
    #[error("notification already exists")]
    AlreadyExists,
    /// Command on a missing or deleted notification.
    #[error("notification not found")]
    NotFound,
    /// Mark-read of a read notification.
    #[error("notification is already read")]
    AlreadyRead,
}

impl Aggregate for Notification {
    const STREAM_TYPE: &'static str = NOTIFICATION_STREAM;
    type Command = NotificationCommand;
    type Event = NotificationEvent;
    type Error = NotificationError;

    fn decide(
        &self,
        cmd: NotificationCommand,
    ) -> Result<Vec<NotificationEvent>, NotificationError> {
        match cmd {
            NotificationCommand::Create(_) if self.content.is_some() => {
                Err(NotificationError::AlreadyExists)
            }
            NotificationCommand::Create(n) => Ok(vec![NotificationEvent::NotificationCreated(n)]),
            _ if self.content.is_none() || self.deleted => Err(NotificationError::NotFound),
            NotificationCommand::MarkRead if self.read => Err(NotificationError::AlreadyRead),
            NotificationCommand::MarkRead => Ok(vec![NotificationEvent::NotificationRead {}]),
            NotificationCommand::Delete => Ok(vec![NotificationEvent::NotificationDeleted {}]),
        }
    }

    fn apply(&mut self, event: &NotificationEvent) {
        match event {
            NotificationEvent::NotificationCreated(n) => self.content = Some(n.clone()),
            NotificationEvent::NotificationRead {} => self.read = true,
            NotificationEvent::NotificationDeleted {} => self.deleted = true,
        }
    }
}
