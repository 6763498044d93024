//! Connectors: where a dataset snapshot is imported from (a PostgreSQL or MySQL/MariaDB
//! query, or an HTTP(S) URL returning CSV or JSON). Credentials (a password, header
//! values) are sealed before they reach the domain, so no event holds them in clear.

mod spec;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use spec::{ConnectorSpec, HttpFormat, Pagination, Source};

use crate::{aggregate::Aggregate, ids::ConnectorId, sealed::Sealed};

/// The connector aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Connector {
    /// Set once created.
    pub id: Option<ConnectorId>,
    /// Settings (no secret).
    pub spec: Option<ConnectorSpec>,
    /// Whether credentials are stored (they never appear in the state's JSON).
    #[serde(skip)]
    pub credentials: Option<Sealed>,
    /// Imports recorded so far.
    pub imports: u64,
}

/// What a caller may ask.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectorCommand {
    /// Create a connector.
    Create {
        /// New id.
        id: ConnectorId,
        /// Settings.
        spec: Box<ConnectorSpec>,
        /// Sealed credentials (JSON of password and header values), if any.
        credentials: Option<Sealed>,
    },
    /// Record a finished import (the dataset version it created).
    RecordImport {
        /// The new dataset version.
        dataset_id: crate::ids::DatasetId,
        /// Rows imported.
        rows: u64,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ConnectorEvent {
    /// A connector was created.
    ConnectorCreated {
        /// Its id.
        connector_id: ConnectorId,
        /// Its settings.
        #[serde(flatten)]
        spec: Box<ConnectorSpec>,
        /// Sealed credentials.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credentials: Option<Sealed>,
    },
    /// A snapshot was imported as a new dataset version.
    ConnectorImported {
        /// The dataset version.
        dataset_id: crate::ids::DatasetId,
        /// Rows imported.
        rows: u64,
    },
}

/// Why a connector command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// Create on an existing stream.
    #[error("connector already exists")]
    AlreadyExists,
    /// Command on a missing connector.
    #[error("connector not found")]
    NotFound,
}

impl Aggregate for Connector {
    const STREAM_TYPE: &'static str = "connector";
    type Command = ConnectorCommand;
    type Event = ConnectorEvent;
    type Error = ConnectorError;

    fn decide(&self, cmd: ConnectorCommand) -> Result<Vec<ConnectorEvent>, ConnectorError> {
        match (cmd, self.id) {
            (ConnectorCommand::Create { .. }, Some(_)) => Err(ConnectorError::AlreadyExists),
            (
                ConnectorCommand::Create {
                    id,
                    spec,
                    credentials,
                },
                None,
            ) => Ok(vec![ConnectorEvent::ConnectorCreated {
                connector_id: id,
                spec,
                credentials,
            }]),
            (ConnectorCommand::RecordImport { .. }, None) => Err(ConnectorError::NotFound),
            (ConnectorCommand::RecordImport { dataset_id, rows }, Some(_)) => {
                Ok(vec![ConnectorEvent::ConnectorImported { dataset_id, rows }])
            }
        }
    }

    fn apply(&mut self, event: &ConnectorEvent) {
        match event {
            ConnectorEvent::ConnectorCreated {
                connector_id,
                spec,
                credentials,
            } => {
                self.id = Some(*connector_id);
                self.spec = Some((**spec).clone());
                self.credentials = credentials.clone();
            }
            ConnectorEvent::ConnectorImported { .. } => self.imports += 1,
        }
    }
}
