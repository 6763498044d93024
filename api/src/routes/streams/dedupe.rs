//! Record-id deduplication: a stream with `record_id_field` counts each record
//! id once, whatever delivered it twice (an MQTT redelivery after a restart, a
//! producer's retry). The ids are inserted in the same transaction as the
//! batch, so a batch that fails to commit leaves no id behind.

use std::collections::HashSet;

use serde_json::Value;
use sqlx::{Any, Row, Transaction};

const CHUNK: usize = 400;

fn key(record: &Value, field: &str) -> Option<String> {
    match record.get(field)? {
        Value::String(s) if !s.is_empty() && s.len() <= 256 => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Keeps the records whose id is new (and those without an id: the schema
/// judges them); returns them and how many were dropped.
pub(super) async fn fresh(
    tx: &mut Transaction<'_, Any>,
    stream: &str,
    field: Option<&str>,
    records: Vec<Value>,
    now: i64,
) -> Result<(Vec<Value>, i64), sqlx::Error> {
    let Some(field) = field else {
        return Ok((records, 0));
    };
    let mut ids: Vec<String> = records.iter().filter_map(|r| key(r, field)).collect();
    ids.sort();
    ids.dedup();
    let mut new: HashSet<String> = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, $2)", i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO stream_record_ids (stream_id, record_id, received_at) VALUES {} \
             ON CONFLICT (stream_id, record_id) DO NOTHING RETURNING record_id",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(stream.to_owned()).bind(now);
        for id in chunk {
            q = q.bind(id.clone());
        }
        for row in q.fetch_all(&mut **tx).await? {
            new.insert(row.try_get(0)?);
        }
    }
    let before = records.len();
    let kept: Vec<Value> = records
        .into_iter()
        .filter(|r| key(r, field).is_none_or(|k| new.remove(&k)))
        .collect();
    let dropped = (before - kept.len()) as i64;
    if dropped > 0 {
        sqlx::query(
            "INSERT INTO stream_offsets (stream_id, next_record, next_window, good_records, bad_records, rejected_batches, duplicate_records, updated_at) \
             VALUES ($1, 0, 0, 0, 0, 0, $2, $3) ON CONFLICT (stream_id) DO UPDATE SET duplicate_records = stream_offsets.duplicate_records + $2",
        )
        .bind(stream.to_owned())
        .bind(dropped)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok((kept, dropped))
}
