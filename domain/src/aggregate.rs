//! The aggregate contract: a pure `decide` and a pure `apply`.

use serde::{de::DeserializeOwned, Serialize};

/// A consistency boundary whose state is the fold of its own event stream.
pub trait Aggregate: Default {
    /// The `stream_type` under which this aggregate's events are stored.
    const STREAM_TYPE: &'static str;
    /// What a caller asks for.
    type Command;
    /// What happened; serialised adjacently tagged as `{"type": .., "data": ..}`.
    type Event: Serialize + DeserializeOwned;
    /// Why a command was refused (business reason only).
    type Error: std::error::Error;

    /// Decides which events a command produces, given the current state.
    fn decide(&self, cmd: Self::Command) -> Result<Vec<Self::Event>, Self::Error>;
    /// Folds one event into the state.
    fn apply(&mut self, event: &Self::Event);
}

/// Why an event could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The payload does not fit the event type.
    #[error("event {event_type} does not decode: {source}")]
    Decode {
        /// The stored event type.
        event_type: String,
        /// The serde error.
        source: serde_json::Error,
    },
    /// The event did not serialise as `{"type", "data"}`.
    #[error("event does not encode as a tagged object")]
    Shape,
}

/// Splits an event into its type name and payload, and joins them back.
pub trait EventCodec: Sized {
    /// `(event_type, payload)` of this event.
    fn encode(&self) -> Result<(String, serde_json::Value), CodecError>;
    /// Rebuilds an event from its stored type name and (upcast) payload.
    fn decode(event_type: &str, payload: serde_json::Value) -> Result<Self, CodecError>;
}

impl<E: Serialize + DeserializeOwned> EventCodec for E {
    fn encode(&self) -> Result<(String, serde_json::Value), CodecError> {
        let value = serde_json::to_value(self).map_err(|_| CodecError::Shape)?;
        let serde_json::Value::Object(mut map) = value else {
            return Err(CodecError::Shape);
        };
        let Some(serde_json::Value::String(kind)) = map.remove("type") else {
            return Err(CodecError::Shape);
        };
        let data = map.remove("data").unwrap_or(serde_json::Value::Null);
        Ok((kind, data))
    }

    fn decode(event_type: &str, payload: serde_json::Value) -> Result<Self, CodecError> {
        let tagged = serde_json::json!({ "type": event_type, "data": payload });
        serde_json::from_value(tagged).map_err(|source| CodecError::Decode {
            event_type: event_type.to_owned(),
            source,
        })
    }
}
