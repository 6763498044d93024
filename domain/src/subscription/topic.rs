//! Custom application events, recorded on a `topic` stream named by the topic.

use serde::{Deserialize, Serialize};

use crate::aggregate::Aggregate;

/// A topic's state: how many events it carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Topic {
    /// Events published.
    pub published: u64,
}

/// Publish one application event.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicCommand {
    /// The application's event name (`InvoicePaid`).
    pub name: String,
    /// Its JSON object.
    pub data: serde_json::Value,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum TopicEvent {
    /// An integration published an event.
    ApplicationEventPublished {
        /// The application's event name.
        name: String,
        /// Its data.
        data: serde_json::Value,
    },
}

/// Why a publish was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    /// A bad event name.
    #[error("event_type must be 1 to 64 letters and digits starting with a capital")]
    Name,
    /// Data that is not an object.
    #[error("data must be a JSON object")]
    Data,
}

impl Aggregate for Topic {
    const STREAM_TYPE: &'static str = "topic";
    type Command = TopicCommand;
    type Event = TopicEvent;
    type Error = TopicError;

    fn decide(&self, cmd: TopicCommand) -> Result<Vec<TopicEvent>, TopicError> {
        let ok = cmd.name.len() <= 64
            && cmd.name.starts_with(|c: char| c.is_ascii_uppercase())
            && cmd.name.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok {
            return Err(TopicError::Name);
        }
        if !cmd.data.is_object() {
            return Err(TopicError::Data);
        }
        Ok(vec![TopicEvent::ApplicationEventPublished {
            name: cmd.name,
            data: cmd.data,
        }])
    }

    fn apply(&mut self, _: &TopicEvent) {
        self.published += 1;
    }
}
