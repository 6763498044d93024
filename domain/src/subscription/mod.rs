//! Application events published by integrations (`topic` streams) and webhook
//! subscriptions to topics (`subscription` streams).

mod topic;

pub use topic::{Topic, TopicCommand, TopicError, TopicEvent};

use serde::{Deserialize, Serialize};

use crate::{aggregate::Aggregate, sealed::Sealed};

/// A webhook subscription's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Subscription {
    /// Topic it follows (`None` before creation).
    pub topic: Option<String>,
    /// Target URL.
    pub url: Option<String>,
    /// Whether it was cancelled.
    pub cancelled: bool,
}

/// What a caller may ask of a subscription.
#[derive(Debug, Clone, PartialEq)]
pub enum SubscriptionCommand {
    /// Subscribe `url` to `topic`.
    Create {
        /// Topic: a stream type, `stream_type.EventType`, or an application topic.
        topic: String,
        /// Where deliveries go (http or https).
        url: String,
        /// The signing secret, sealed.
        secret: Sealed,
        /// Deliver events after this position (the log's head at creation).
        after: i64,
    },
    /// Stop delivering.
    Cancel,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum SubscriptionEvent {
    /// A webhook subscribed to a topic.
    WebhookSubscribed {
        /// Topic.
        topic: String,
        /// Target URL.
        url: String,
        /// Signing secret, sealed under the subscription's key.
        secret: Sealed,
        /// First position delivered is after this one.
        after: i64,
    },
    /// It was cancelled.
    WebhookUnsubscribed {},
}

/// Why a subscription command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// Create on an existing subscription.
    #[error("the subscription already exists")]
    AlreadyExists,
    /// Cancel on a missing or cancelled one.
    #[error("no such subscription")]
    NotFound,
    /// A bad topic or URL.
    #[error("{0}")]
    Invalid(String),
}

/// Whether `topic` names a stream type, `stream_type.EventType` or an application topic.
pub fn valid_topic(topic: &str) -> bool {
    !topic.is_empty()
        && topic.len() <= 128
        && topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Whether an event of `stream_type`/`event_type` on stream `stream_id` belongs to `topic`.
pub fn topic_matches(topic: &str, stream_type: &str, event_type: &str, stream_id: &str) -> bool {
    topic == stream_type
        || (stream_type == Topic::STREAM_TYPE && topic == stream_id)
        || topic
            .split_once('.')
            .is_some_and(|(st, et)| st == stream_type && et == event_type)
}

impl Aggregate for Subscription {
    const STREAM_TYPE: &'static str = "subscription";
    type Command = SubscriptionCommand;
    type Event = SubscriptionEvent;
    type Error = SubscriptionError;

    fn decide(
        &self,
        cmd: SubscriptionCommand,
    ) -> Result<Vec<SubscriptionEvent>, SubscriptionError> {
        match cmd {
            SubscriptionCommand::Create { .. } if self.topic.is_some() => {
                Err(SubscriptionError::AlreadyExists)
            }
            SubscriptionCommand::Create {
                topic,
                url,
                secret,
                after,
            } => {
                if !valid_topic(&topic) {
                    return Err(SubscriptionError::Invalid(
                        "topic: 1 to 128 of letters, digits, `_`, `.`, `-`".into(),
                    ));
                }
                if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 2000
                {
                    return Err(SubscriptionError::Invalid("url must be http(s)".into()));
                }
                Ok(vec![SubscriptionEvent::WebhookSubscribed {
                    topic,
                    url,
                    secret,
                    after,
                }])
            }
            SubscriptionCommand::Cancel if self.topic.is_none() || self.cancelled => {
                Err(SubscriptionError::NotFound)
            }
            SubscriptionCommand::Cancel => Ok(vec![SubscriptionEvent::WebhookUnsubscribed {}]),
        }
    }

    fn apply(&mut self, event: &SubscriptionEvent) {
        match event {
            SubscriptionEvent::WebhookSubscribed { topic, url, .. } => {
                self.topic = Some(topic.clone());
                self.url = Some(url.clone());
            }
            SubscriptionEvent::WebhookUnsubscribed {} => self.cancelled = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_match_stream_types_event_types_and_application_topics() {
        assert!(topic_matches("model", "model", "ModelRegistered", "x"));
        assert!(topic_matches(
            "model.ModelRegistered",
            "model",
            "ModelRegistered",
            "x"
        ));
        assert!(!topic_matches(
            "model.ModelDeleted",
            "model",
            "ModelRegistered",
            "x"
        ));
        assert!(topic_matches(
            "billing",
            "topic",
            "ApplicationEventPublished",
            "billing"
        ));
        assert!(!topic_matches(
            "billing",
            "dataset",
            "DatasetUploaded",
            "billing"
        ));
    }
}
