//! What a data stream is bound to: its source, schema, model, reference and windows.

use serde::{Deserialize, Serialize};

/// Identifies a data stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DataStreamId(uuid::Uuid);

impl DataStreamId {
    /// Wraps an existing UUID.
    pub fn from_uuid(id: uuid::Uuid) -> Self {
        Self(id)
    }
    /// Parses the textual form; `None` if it is not a UUID.
    pub fn parse(s: &str) -> Option<Self> {
        uuid::Uuid::parse_str(s).ok().map(Self)
    }
}

impl std::fmt::Display for DataStreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where records come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StreamSource {
    /// `POST /api/v1/streams/{id}/ingest`, HMAC-signed batches.
    Webhook,
    /// A NATS subject, read through a JetStream durable consumer.
    Nats {
        /// Subject (wildcards allowed).
        subject: String,
    },
    /// An MQTT topic.
    Mqtt {
        /// Topic filter.
        topic: String,
    },
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A JSON number.
    Number,
    /// A JSON string.
    String,
    /// A JSON boolean.
    Bool,
}

/// One field of the record schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Field name in each JSON record.
    pub name: String,
    /// Its type.
    pub kind: FieldKind,
    /// Whether a record without it (or with null) is bad; otherwise it counts as missing.
    #[serde(default)]
    pub required: bool,
}

/// Windows over the record sequence: window `k` holds records
/// `[k * slide, k * slide + size)`. `slide == size` is a tumbling window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// Records per window.
    pub size: u64,
    /// Records between window starts (default: `size`, tumbling).
    #[serde(default)]
    pub slide: Option<u64>,
}

impl WindowSpec {
    /// The effective slide.
    pub fn slide(&self) -> u64 {
        self.slide.unwrap_or(self.size)
    }
}

/// Everything a stream is configured with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    /// Display name.
    pub name: String,
    /// Where records come from.
    pub source: StreamSource,
    /// Record schema.
    pub schema: Vec<FieldSpec>,
    /// Model whose predictions the stream carries.
    #[serde(default)]
    pub model_id: Option<String>,
    /// Dataset the windows are compared with for drift.
    #[serde(default)]
    pub reference_dataset_id: Option<String>,
    /// Field holding the model's prediction.
    #[serde(default)]
    pub prediction_field: Option<String>,
    /// Field holding the record's event time (epoch milliseconds), for latency.
    #[serde(default)]
    pub timestamp_field: Option<String>,
    /// Windows.
    pub window: WindowSpec,
    /// Share of drifted columns that raises a drift alert (default 0.5).
    #[serde(default)]
    pub drift_share: Option<f64>,
    /// Share of bad records in a window that marks the stream degraded (default 0.2).
    #[serde(default)]
    pub max_bad_rate: Option<f64>,
}

/// Why a spec was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Empty or over-long name.
    #[error("name must be 1 to 200 characters")]
    Name,
    /// No fields, duplicates, or a bad field name.
    #[error("schema: {0}")]
    Schema(String),
    /// Window size 0, over 1,000,000, or slide not in 1..=size.
    #[error("window size must be 1..=1000000 and slide 1..=size")]
    Window,
    /// A named field is not in the schema.
    #[error("`{0}` is not a field of the schema")]
    UnknownField(String),
    /// A share outside (0, 1].
    #[error("drift_share and max_bad_rate must be in (0, 1]")]
    Share,
    /// An empty subject or topic.
    #[error("the source needs a subject or topic")]
    Source,
}

impl StreamSpec {
    /// Checks the spec's own consistency.
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.name.trim().is_empty() || self.name.len() > 200 {
            return Err(SpecError::Name);
        }
        if self.schema.is_empty() || self.schema.len() > 500 {
            return Err(SpecError::Schema("1 to 500 fields".into()));
        }
        let mut names = std::collections::BTreeSet::new();
        for f in &self.schema {
            if f.name.is_empty() || f.name.len() > 200 || !names.insert(f.name.as_str()) {
                return Err(SpecError::Schema(format!(
                    "bad or repeated field `{}`",
                    f.name
                )));
            }
        }
        let w = self.window;
        if w.size == 0 || w.size > 1_000_000 || w.slide() == 0 || w.slide() > w.size {
            return Err(SpecError::Window);
        }
        for f in [&self.prediction_field, &self.timestamp_field]
            .into_iter()
            .flatten()
        {
            if !names.contains(f.as_str()) {
                return Err(SpecError::UnknownField(f.clone()));
            }
        }
        for s in [self.drift_share, self.max_bad_rate].into_iter().flatten() {
            if !(s > 0.0 && s <= 1.0) {
                return Err(SpecError::Share);
            }
        }
        match &self.source {
            StreamSource::Nats { subject: s } | StreamSource::Mqtt { topic: s }
                if s.trim().is_empty() =>
            {
                Err(SpecError::Source)
            }
            _ => Ok(()),
        }
    }
}
