//! RAIA's read side: projections of the event log into query tables, and the
//! runner that keeps them current with a checkpoint per projection.

pub mod api_keys;
pub mod chat;
pub mod compliance;
pub mod connectors;
pub mod datasets;
pub mod documents;
pub mod drift;
mod error;
pub mod evaluations;
pub mod explanations;
pub mod exports;
pub mod fairness;
pub mod jobs;
pub mod llm;
pub mod models;
pub mod notifications;
mod runner;
pub mod sessions;
pub mod streams;
pub mod subscriptions;
pub mod users;

pub use error::ProjectionError;
pub use runner::{listen_postgres, Lag, Runner};

use async_trait::async_trait;
use domain::StoredEvent;
use sqlx::{Any, Transaction};

/// A read model: applies events to its own tables inside the runner's transaction.
#[async_trait]
pub trait Projection: Send + Sync {
    /// Stable name, used for its checkpoint and by `raia replay rebuild NAME`.
    fn name(&self) -> &'static str;
    /// The tables it owns; a rebuild empties them.
    fn tables(&self) -> &'static [&'static str];
    /// The stream types it reads; the runner lets the database skip every other
    /// event. Empty means every event.
    fn stream_types(&self) -> &'static [&'static str] {
        &[]
    }
    /// Applies one event (ignoring the types it does not handle).
    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError>;

    /// Applies a batch in position order. The default applies one event at a
    /// time; a projection may fold the batch first and write it in bulk, as long
    /// as the tables end up exactly as with one event at a time.
    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        for e in events {
            self.apply(tx, e).await?;
        }
        Ok(())
    }
}

/// Every projection RAIA ships, in a stable order.
pub fn all() -> Vec<std::sync::Arc<dyn Projection>> {
    vec![
        std::sync::Arc::new(users::Users),
        std::sync::Arc::new(api_keys::ApiKeys),
        std::sync::Arc::new(sessions::Sessions),
        std::sync::Arc::new(models::Models),
        std::sync::Arc::new(models::ModelPredictions),
        std::sync::Arc::new(datasets::Datasets),
        std::sync::Arc::new(drift::Drift),
        std::sync::Arc::new(explanations::Explanations),
        std::sync::Arc::new(jobs::Jobs),
        std::sync::Arc::new(fairness::Fairness),
        std::sync::Arc::new(streams::DataStreams),
        std::sync::Arc::new(subscriptions::Subscriptions),
        std::sync::Arc::new(llm::LlmConfigurations),
        std::sync::Arc::new(connectors::Connectors),
        std::sync::Arc::new(documents::Documents),
        std::sync::Arc::new(chat::Chat),
        std::sync::Arc::new(compliance::ComplianceEvidence),
        std::sync::Arc::new(exports::Exports),
        std::sync::Arc::new(notifications::Notifications),
        std::sync::Arc::new(exports::schedules::ExportSchedules),
        std::sync::Arc::new(notifications::preferences::NotificationPreferencesView),
        std::sync::Arc::new(evaluations::Evaluations),
    ]
}
