//! Notifications: a side effect that follows the log from its own cursor and
//! creates, per rule, one `NotificationCreated` per recipient. The stream id is
//! derived from (source event, recipient), so a restart or a replay before the
//! cursor moved creates nothing twice. Each notification records the channels
//! its recipient's preferences chose; [`deliver`] sends the e-mail and webhook
//! ones with its own checkpoints.

pub mod channels;
pub mod deliver;
pub mod preferences;
mod runner;

pub use runner::{run, run_once};

use commands::{load, Batch, Until};
use domain::{
    notification::{Notification, NotificationCommand, NotificationError},
    upcast::Upcasters,
    Metadata, StoredEvent,
};

use crate::{error::ApiError, state::AppState};

impl From<NotificationError> for ApiError {
    fn from(e: NotificationError) -> Self {
        match e {
            NotificationError::NotFound => Self::not_found("notification"),
            NotificationError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
            NotificationError::AlreadyRead => Self::unprocessable("already_read", e.to_string()),
        }
    }
}

/// Runs `cmd` on notification `id`, appends and settles.
pub async fn execute(
    state: &AppState,
    metadata: Metadata,
    id: &str,
    cmd: NotificationCommand,
) -> Result<Vec<StoredEvent>, ApiError> {
    let loaded =
        load::<Notification>(state.store.as_ref(), &Upcasters::domain(), id, Until::Now).await?;
    let mut batch = Batch::new(metadata);
    batch.decide(&loaded, None, cmd)?;
    let stored = state.store.append(batch.into_events()).await?;
    state.settle(&stored).await;
    Ok(stored)
}
