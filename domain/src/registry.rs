//! Folding any stream by its type name, for time travel and audit tools.

use serde::Serialize;

use crate::{
    aggregate::{Aggregate, CodecError},
    api_key::ApiKey,
    chat::ChatSession,
    client_address::ClientAddress,
    compliance::ComplianceReport,
    connector::Connector,
    dataset::Dataset,
    decode::decode,
    document::Document,
    drift::DriftReport,
    envelope::StoredEvent,
    evaluation::Evaluation,
    explanation::Explanation,
    export::{schedule::ExportSchedule, ExportJob},
    fairness::FairnessReport,
    job::Job,
    llm::LlmConfiguration,
    model::Model,
    notification::{preferences::NotificationPreferences, Notification},
    retention::Retention,
    stream::DataStream,
    subscription::{Subscription, Topic},
    upcast::Upcasters,
    user::{EmailClaim, User},
};

/// Why a stream could not be folded.
#[derive(Debug, thiserror::Error)]
pub enum FoldError {
    /// No aggregate has this stream type.
    #[error("unknown stream type {0}")]
    UnknownStreamType(String),
    /// An event did not decode.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

fn fold<A: Aggregate + Serialize>(
    events: &[StoredEvent],
    up: &Upcasters,
) -> Result<serde_json::Value, FoldError> {
    let mut state = A::default();
    for e in events {
        state.apply(&decode::<A::Event>(e, up)?);
    }
    serde_json::to_value(&state).map_err(|_| FoldError::Codec(CodecError::Shape))
}

/// Folds a stream's events into its aggregate's state, as JSON.
pub fn fold_json(
    stream_type: &str,
    events: &[StoredEvent],
    up: &Upcasters,
) -> Result<serde_json::Value, FoldError> {
    match stream_type {
        User::STREAM_TYPE => fold::<User>(events, up),
        EmailClaim::STREAM_TYPE => fold::<EmailClaim>(events, up),
        Model::STREAM_TYPE => fold::<Model>(events, up),
        ApiKey::STREAM_TYPE => fold::<ApiKey>(events, up),
        ClientAddress::STREAM_TYPE => fold::<ClientAddress>(events, up),
        Dataset::STREAM_TYPE => fold::<Dataset>(events, up),
        DriftReport::STREAM_TYPE => fold::<DriftReport>(events, up),
        Explanation::STREAM_TYPE => fold::<Explanation>(events, up),
        Job::STREAM_TYPE => fold::<Job>(events, up),
        FairnessReport::STREAM_TYPE => fold::<FairnessReport>(events, up),
        DataStream::STREAM_TYPE => fold::<DataStream>(events, up),
        Subscription::STREAM_TYPE => fold::<Subscription>(events, up),
        Topic::STREAM_TYPE => fold::<Topic>(events, up),
        LlmConfiguration::STREAM_TYPE => fold::<LlmConfiguration>(events, up),
        Document::STREAM_TYPE => fold::<Document>(events, up),
        ChatSession::STREAM_TYPE => fold::<ChatSession>(events, up),
        ComplianceReport::STREAM_TYPE => fold::<ComplianceReport>(events, up),
        ExportJob::STREAM_TYPE => fold::<ExportJob>(events, up),
        Notification::STREAM_TYPE => fold::<Notification>(events, up),
        Connector::STREAM_TYPE => fold::<Connector>(events, up),
        ExportSchedule::STREAM_TYPE => fold::<ExportSchedule>(events, up),
        NotificationPreferences::STREAM_TYPE => fold::<NotificationPreferences>(events, up),
        Evaluation::STREAM_TYPE => fold::<Evaluation>(events, up),
        Retention::STREAM_TYPE => fold::<Retention>(events, up),
        other => Err(FoldError::UnknownStreamType(other.to_owned())),
    }
}

/// The stream types an aggregate is registered for.
pub const STREAM_TYPES: &[&str] = &[
    ClientAddress::STREAM_TYPE,
    User::STREAM_TYPE,
    EmailClaim::STREAM_TYPE,
    Model::STREAM_TYPE,
    ApiKey::STREAM_TYPE,
    Dataset::STREAM_TYPE,
    DriftReport::STREAM_TYPE,
    Explanation::STREAM_TYPE,
    Job::STREAM_TYPE,
    FairnessReport::STREAM_TYPE,
    DataStream::STREAM_TYPE,
    Subscription::STREAM_TYPE,
    Topic::STREAM_TYPE,
    LlmConfiguration::STREAM_TYPE,
    Document::STREAM_TYPE,
    ChatSession::STREAM_TYPE,
    ComplianceReport::STREAM_TYPE,
    ExportJob::STREAM_TYPE,
    Notification::STREAM_TYPE,
    Connector::STREAM_TYPE,
    ExportSchedule::STREAM_TYPE,
    NotificationPreferences::STREAM_TYPE,
    Evaluation::STREAM_TYPE,
    Retention::STREAM_TYPE,
];
