//! The registry as it stands now: `models` with their tags and owners, their
//! versions, aliases and evaluations; and the prediction log.

mod batch;
mod predictions;
mod versions;

pub use predictions::ModelPredictions;

use async_trait::async_trait;
use domain::StoredEvent;
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects model events into `models`.
#[derive(Debug, Clone, Copy)]
pub struct Models;

fn enum_str<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

#[async_trait]
impl Projection for Models {
    fn name(&self) -> &'static str {
        "models"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "models",
            "model_tags",
            "model_owners",
            "model_versions",
            "model_aliases",
            "model_evaluations",
        ]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &["model"]
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        batch::apply(tx, events).await
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        // One code path: a single event is a batch of one.
        batch::apply(tx, std::slice::from_ref(e)).await
    }
}
