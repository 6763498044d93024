//! Reading the `events` table, shared by the write side, the read side and replay.

use domain::StoredEvent;
use sqlx::{any::AnyRow, Any, Executor, Row};

/// The columns every event query selects, in this order.
pub const COLUMNS: &str = "position, event_id, stream_type, stream_id, stream_version, \
     event_type, schema_version, payload, metadata, recorded_at, prev_hash, hash";

/// Decodes one row selected with [`COLUMNS`].
pub fn event(row: &AnyRow) -> Result<StoredEvent, sqlx::Error> {
    Ok(StoredEvent {
        position: row.try_get(0)?,
        event_id: row.try_get(1)?,
        stream_type: row.try_get(2)?,
        stream_id: row.try_get(3)?,
        stream_version: row.try_get(4)?,
        event_type: row.try_get(5)?,
        schema_version: row.try_get(6)?,
        payload: row.try_get(7)?,
        metadata: row.try_get(8)?,
        recorded_at: row.try_get(9)?,
        prev_hash: row.try_get(10)?,
        hash: row.try_get(11)?,
    })
}

/// Up to `limit` events after position `after`, in position order.
pub async fn read_after<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    after: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let sql =
        format!("SELECT {COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2");
    let rows = sqlx::query(&sql)
        .bind(after)
        .bind(limit)
        .fetch_all(ex)
        .await?;
    rows.iter().map(event).collect()
}

/// The last position (0 when empty).
pub async fn head_position<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT position FROM events ORDER BY position DESC LIMIT 1")
        .fetch_optional(ex)
        .await?;
    match row {
        Some(r) => r.try_get(0),
        None => Ok(0),
    }
}

/// Up to `limit` events of the given stream types with `after < position <= upto`,
/// in position order (the database skips the other types).
pub async fn read_types_after<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    after: i64,
    upto: i64,
    types: &[&str],
    limit: i64,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let marks: Vec<String> = (0..types.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        // `|| ''` keeps the planner off the (stream_type, ...) index: walking the
        // log in position order and filtering is far cheaper than sorting every
        // event of the type for each page (SQLite chose the index and sorted).
        "SELECT {COLUMNS} FROM events WHERE position > $1 AND position <= $2 \
         AND stream_type || '' IN ({}) ORDER BY position LIMIT $3",
        marks.join(",")
    );
    let mut q = sqlx::query(&sql).bind(after).bind(upto).bind(limit);
    for t in types {
        q = q.bind(t.to_string());
    }
    let rows = q.fetch_all(ex).await?;
    rows.iter().map(event).collect()
}
