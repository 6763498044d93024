//! Data streams: production records arriving continuously, validated against a
//! schema and summarised in windows; drift and degradation raise alerts.

pub mod mqtt;
mod spec;
#[cfg(test)]
mod tests;

pub use spec::{
    DataStreamId, FieldKind, FieldSpec, SpecError, StreamSource, StreamSpec, WindowSpec, Windowing,
};

use serde::{Deserialize, Serialize};

use crate::{aggregate::Aggregate, sealed::Sealed};

/// A data stream's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DataStream {
    /// Its id once created.
    pub id: Option<DataStreamId>,
    /// Its configuration.
    pub spec: Option<StreamSpec>,
    /// Whether it is consuming.
    pub running: bool,
    /// Whether it was deleted.
    pub deleted: bool,
    /// The last window that raised a drift alert.
    pub last_drift_window: Option<u64>,
    /// The last window that marked it degraded.
    pub last_degraded_window: Option<u64>,
}

/// What a caller may ask of a data stream.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamCommand {
    /// Create it.
    Create {
        /// New id.
        id: DataStreamId,
        /// Configuration.
        spec: StreamSpec,
        /// The ingest signing secret, sealed.
        secret: Sealed,
    },
    /// Replace its configuration.
    Update {
        /// New configuration.
        spec: StreamSpec,
    },
    /// Delete it (stops it first).
    Delete,
    /// Start consuming.
    Start,
    /// Stop consuming.
    Stop,
    /// A window drifted from the reference.
    RaiseDrift {
        /// Window number.
        window: u64,
        /// Columns that drifted.
        drifted_columns: Vec<String>,
        /// Their share.
        share_of_drifted_columns: f64,
    },
    /// A window had too many bad records.
    Degrade {
        /// Window number.
        window: u64,
        /// Share of bad records.
        bad_rate: f64,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum StreamEvent {
    /// A stream was created.
    DataStreamCreated {
        /// Id.
        id: DataStreamId,
        /// Configuration.
        spec: StreamSpec,
        /// The ingest signing secret, sealed under the stream's key.
        secret: Sealed,
    },
    /// Its configuration was replaced.
    DataStreamUpdated {
        /// New configuration.
        spec: StreamSpec,
    },
    /// It was deleted.
    DataStreamDeleted {},
    /// It started consuming.
    DataStreamStarted {},
    /// It stopped consuming.
    DataStreamStopped {},
    /// A window drifted from the reference dataset.
    DriftAlertRaised {
        /// Window number.
        window: u64,
        /// Drifted columns.
        drifted_columns: Vec<String>,
        /// Their share.
        share_of_drifted_columns: f64,
    },
    /// A window had more bad records than the stream allows.
    StreamDegraded {
        /// Window number.
        window: u64,
        /// Share of bad records in it.
        bad_rate: f64,
    },
}

/// Why a stream command was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StreamError {
    /// Create on an existing stream.
    #[error("the data stream already exists")]
    AlreadyExists,
    /// Anything else on a missing or deleted stream.
    #[error("no such data stream")]
    NotFound,
    /// An invalid configuration.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// Start on a running stream, stop on a stopped one.
    #[error("the data stream is already {0}")]
    AlreadyInState(&'static str),
}

impl Aggregate for DataStream {
    const STREAM_TYPE: &'static str = "data_stream";
    type Command = StreamCommand;
    type Event = StreamEvent;
    type Error = StreamError;

    fn decide(&self, cmd: StreamCommand) -> Result<Vec<StreamEvent>, StreamError> {
        if let StreamCommand::Create { id, spec, secret } = cmd {
            if self.id.is_some() {
                return Err(StreamError::AlreadyExists);
            }
            spec.validate()?;
            return Ok(vec![StreamEvent::DataStreamCreated { id, spec, secret }]);
        }
        if self.id.is_none() || self.deleted {
            return Err(StreamError::NotFound);
        }
        Ok(match cmd {
            StreamCommand::Create { .. } => Vec::new(),
            StreamCommand::Update { spec } => {
                spec.validate()?;
                vec![StreamEvent::DataStreamUpdated { spec }]
            }
            StreamCommand::Delete => {
                let mut v = Vec::new();
                if self.running {
                    v.push(StreamEvent::DataStreamStopped {});
                }
                v.push(StreamEvent::DataStreamDeleted {});
                v
            }
            StreamCommand::Start if self.running => {
                return Err(StreamError::AlreadyInState("running"))
            }
            StreamCommand::Start => vec![StreamEvent::DataStreamStarted {}],
            StreamCommand::Stop if !self.running => {
                return Err(StreamError::AlreadyInState("stopped"))
            }
            StreamCommand::Stop => vec![StreamEvent::DataStreamStopped {}],
            // A window is judged once, however often the processor retries.
            StreamCommand::RaiseDrift { window, .. }
                if self.last_drift_window.is_some_and(|w| w >= window) =>
            {
                Vec::new()
            }
            StreamCommand::RaiseDrift {
                window,
                drifted_columns,
                share_of_drifted_columns,
            } => vec![StreamEvent::DriftAlertRaised {
                window,
                drifted_columns,
                share_of_drifted_columns,
            }],
            StreamCommand::Degrade { window, .. }
                if self.last_degraded_window.is_some_and(|w| w >= window) =>
            {
                Vec::new()
            }
            StreamCommand::Degrade { window, bad_rate } => {
                vec![StreamEvent::StreamDegraded { window, bad_rate }]
            }
        })
    }

    fn apply(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::DataStreamCreated { id, spec, .. } => {
                self.id = Some(*id);
                self.spec = Some(spec.clone());
            }
            StreamEvent::DataStreamUpdated { spec } => self.spec = Some(spec.clone()),
            StreamEvent::DataStreamDeleted {} => self.deleted = true,
            StreamEvent::DataStreamStarted {} => self.running = true,
            StreamEvent::DataStreamStopped {} => self.running = false,
            StreamEvent::DriftAlertRaised { window, .. } => self.last_drift_window = Some(*window),
            StreamEvent::StreamDegraded { window, .. } => self.last_degraded_window = Some(*window),
        }
    }
}
