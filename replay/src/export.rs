//! Verifiable exports as JSON Lines.
//!
//! Line 1 is a header: `{"raia_export":1, "prev_hash", "first_position",
//! "last_position", "filters", "canonical"}` where `prev_hash` is the hash of the
//! event before the first line. Then one line per position in the range, in
//! order: `{"kind":"event", ...every stored column...}` for events that match the
//! filters and `{"kind":"elided","position","prev_hash","hash"}` for those that do
//! not, so the links of the chain stay checkable while unrelated content stays
//! out. A verifier recomputes each event's hash from its fields (see
//! `domain::chain`) and checks every line's `prev_hash` against the line before.

use std::io::Write;

use domain::chain::GENESIS_HASH;
use migrations::{events, Db};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::ReplayError;

/// Which events an export shows in full; everything else in the range is elided.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Filter {
    /// Only this stream type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_type: Option<String>,
    /// Only this stream id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<String>,
    /// Only this event type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// First position (inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    /// Last position (inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
    /// Earliest recording time, microseconds (inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_time: Option<i64>,
    /// Latest recording time, microseconds (exclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_time: Option<i64>,
}

impl Filter {
    fn shows(&self, e: &domain::StoredEvent) -> bool {
        self.stream_type
            .as_ref()
            .is_none_or(|t| *t == e.stream_type)
            && self.stream_id.as_ref().is_none_or(|t| *t == e.stream_id)
            && self.event_type.as_ref().is_none_or(|t| *t == e.event_type)
            && self.from_time.is_none_or(|t| e.recorded_at >= t)
            && self.to_time.is_none_or(|t| e.recorded_at < t)
    }
}

/// Where the time filters put the position range.
async fn bounds(db: &Db, f: &Filter) -> Result<(i64, i64), ReplayError> {
    let mut from = f.from.unwrap_or(1).max(1);
    let mut to = f.to.unwrap_or(i64::MAX);
    if let Some(t) = f.from_time {
        let r = sqlx::query("SELECT MIN(position) FROM events WHERE recorded_at >= $1")
            .bind(t)
            .fetch_one(db.read())
            .await?;
        from = from.max(r.try_get::<Option<i64>, _>(0)?.unwrap_or(i64::MAX));
    }
    if let Some(t) = f.to_time {
        let r = sqlx::query("SELECT MAX(position) FROM events WHERE recorded_at < $1")
            .bind(t)
            .fetch_one(db.read())
            .await?;
        to = to.min(r.try_get::<Option<i64>, _>(0)?.unwrap_or(0));
    }
    Ok((from, to))
}

/// Writes an export; returns how many events were shown in full.
pub async fn export(db: &Db, f: &Filter, out: &mut dyn Write) -> Result<u64, ReplayError> {
    let (from, to) = bounds(db, f).await?;
    let prev = if from <= 1 {
        GENESIS_HASH.to_owned()
    } else {
        sqlx::query("SELECT hash FROM events WHERE position = $1")
            .bind(from - 1)
            .fetch_optional(db.read())
            .await?
            .map(|r| r.try_get::<String, _>(0))
            .transpose()?
            .unwrap_or_else(|| GENESIS_HASH.to_owned())
    };
    let head = events::head_position(db.read()).await?;
    let header = json!({
        "raia_export": 1,
        "prev_hash": prev,
        "first_position": from,
        "last_position": to.min(head),
        "filters": f,
        "canonical": "hash = SHA-256(bytes(prev_hash) || for each of position, event_id, stream_type, \
    stream_id, stream_version, event_type, schema_version, recorded_at, payload, metadata: \
    8-byte big-endian length || UTF-8 text)",
    });
    writeln!(out, "{header}")?;
    let mut shown = 0;
    let mut after = from - 1;
    'pages: loop {
        let page = events::read_after(db.read(), after, 10_000).await?;
        let Some(last) = page.last().map(|e| e.position) else {
            break;
        };
        for e in &page {
            if e.position > to {
                break 'pages;
            }
            if f.shows(e) {
                let mut v = serde_json::to_value(e)?;
                v["kind"] = json!("event");
                writeln!(out, "{v}")?;
                shown += 1;
            } else {
                let v = json!({"kind": "elided", "position": e.position, "prev_hash": e.prev_hash, "hash": e.hash});
                writeln!(out, "{v}")?;
            }
        }
        after = last;
    }
    out.flush()?;
    Ok(shown)
}
