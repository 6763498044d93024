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
    /// An MQTT topic filter, read through a persistent session.
    Mqtt {
        /// Topic filter (`+` and `#` wildcards allowed).
        topic: String,
        /// Broker, `mqtt://host:port` (default: the server's `RAIA_MQTT_URL`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// Subscription QoS, 0 to 2 (default 1: at least once).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        qos: Option<u8>,
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

/// Windows, by record count or by time.
///
/// Count windows: window `k` holds records `[k * slide, k * slide + size)`.
/// Time windows: window `k` holds the records whose time falls in
/// `[k * slide_ms, k * slide_ms + duration_ms)` (epoch milliseconds); the time is
/// the record's `time_field` (event time) or its arrival. A window closes once
/// the watermark passes its end (see [`Windowing::Time`]). `slide == size`
/// (`slide_ms == duration_ms`) is a tumbling window.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// Records per window (count windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Records between window starts (default: `size`, tumbling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slide: Option<u64>,
    /// Milliseconds per window (time windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Milliseconds between window starts (default: `duration_ms`, tumbling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slide_ms: Option<u64>,
    /// Number field holding each record's event time (epoch ms); absent: arrival time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_field: Option<String>,
    /// How long past a window's end out-of-order records are still awaited
    /// (default: 0 with event time, 1000 with arrival time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateness_ms: Option<u64>,
}

/// A window spec, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Windowing<'a> {
    /// By record count.
    Count {
        /// Records per window.
        size: u64,
        /// Records between starts.
        slide: u64,
    },
    /// By time. The watermark is `now - lateness` with arrival time; with event
    /// time it is the newest event time seen minus `lateness`, advanced by the
    /// wall-clock time since the newest arrival (event time is taken to pass like
    /// wall time while the stream is quiet), so windows close on a timer too.
    Time {
        /// Window length (ms).
        duration: i64,
        /// Between starts (ms).
        slide: i64,
        /// Event-time field, or `None` for arrival time.
        field: Option<&'a str>,
        /// Allowed lateness (ms).
        lateness: i64,
    },
}

impl WindowSpec {
    /// Tumbling count windows of `size` records.
    pub fn count(size: u64) -> Self {
        Self {
            size: Some(size),
            ..Self::default()
        }
    }

    /// Which kind of windows, with defaults filled in (count windows of 0 if unset).
    pub fn kind(&self) -> Windowing<'_> {
        match (self.size, self.duration_ms) {
            (None, Some(d)) => Windowing::Time {
                duration: d as i64,
                slide: self.slide_ms.unwrap_or(d) as i64,
                field: self.time_field.as_deref(),
                lateness: self.lateness_ms.unwrap_or(if self.time_field.is_some() {
                    0
                } else {
                    1000
                }) as i64,
            },
            (size, _) => {
                let size = size.unwrap_or(0);
                Windowing::Count {
                    size,
                    slide: self.slide.unwrap_or(size),
                }
            }
        }
    }

    fn validate(&self) -> Result<(), SpecError> {
        const WEEK_MS: u64 = 7 * 86_400_000;
        match (self.size, self.duration_ms) {
            (Some(size), None)
                if self.slide_ms.is_none()
                    && self.time_field.is_none()
                    && self.lateness_ms.is_none() =>
            {
                let slide = self.slide.unwrap_or(size);
                if size == 0 || size > 1_000_000 || slide == 0 || slide > size {
                    return Err(SpecError::Window);
                }
                Ok(())
            }
            (None, Some(d)) if self.slide.is_none() => {
                let s = self.slide_ms.unwrap_or(d);
                if d == 0 || d > WEEK_MS || s == 0 || s > d || d / s > 1000 {
                    return Err(SpecError::Window);
                }
                if self.lateness_ms.is_some_and(|l| l > 3_600_000) {
                    return Err(SpecError::Window);
                }
                Ok(())
            }
            _ => Err(SpecError::Window),
        }
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
    /// Field identifying a record: a record whose id was ingested before counts once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id_field: Option<String>,
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
    /// Neither or both of count and time windows, or bounds out of range.
    #[error("window: either size (1..=1000000) with slide (1..=size), or duration_ms (1 ms to 7 days) with slide_ms (1..=duration_ms, at most 1000 windows per record), time_field and lateness_ms (at most 1 h)")]
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
    /// A bad MQTT topic filter, broker URL or QoS.
    #[error("mqtt source: {0}")]
    Mqtt(String),
    /// A field used as a time or id has the wrong type.
    #[error("`{0}` must be a {1} field")]
    FieldKind(String, &'static str),
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
        self.window.validate()?;
        for f in [
            &self.prediction_field,
            &self.timestamp_field,
            &self.window.time_field,
            &self.record_id_field,
        ]
        .into_iter()
        .flatten()
        {
            if !names.contains(f.as_str()) {
                return Err(SpecError::UnknownField(f.clone()));
            }
        }
        let kind = |name: &str| self.schema.iter().find(|f| f.name == name).map(|f| f.kind);
        if let Some(t) = &self.window.time_field {
            if kind(t) != Some(FieldKind::Number) {
                return Err(SpecError::FieldKind(t.clone(), "number"));
            }
        }
        if let Some(r) = &self.record_id_field {
            if kind(r) == Some(FieldKind::Bool) {
                return Err(SpecError::FieldKind(r.clone(), "string or number"));
            }
        }
        for s in [self.drift_share, self.max_bad_rate].into_iter().flatten() {
            if !(s > 0.0 && s <= 1.0) {
                return Err(SpecError::Share);
            }
        }
        match &self.source {
            StreamSource::Nats { subject: s } | StreamSource::Mqtt { topic: s, .. }
                if s.trim().is_empty() =>
            {
                Err(SpecError::Source)
            }
            StreamSource::Mqtt { topic, url, qos } => {
                super::mqtt::check_filter(topic).map_err(SpecError::Mqtt)?;
                if let Some(u) = url {
                    super::mqtt::parse_url(u).map_err(SpecError::Mqtt)?;
                }
                if qos.is_some_and(|q| q > 2) {
                    return Err(SpecError::Mqtt("qos must be 0, 1 or 2".into()));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
