//! The append and read algorithms, written once for both backends. Each backend
//! wraps `append` in its own way of serialising writers.

use std::collections::HashMap;

use domain::{
    chain::{self, Envelope, GENESIS_HASH},
    ExpectedVersion, NewEvent, StoredEvent,
};
use sqlx::{Any, AnyPool, Row, Transaction};

use migrations::events as rows;

use super::{Head, Until};
use crate::error::StoreError;

/// Rows per INSERT statement: 12 parameters each stays under SQLite's 32766 limit.
const INSERT_CHUNK: usize = 400;

/// Microseconds since the epoch, now.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// The head inside a transaction that already serialises writers.
pub async fn head_in(tx: &mut Transaction<'static, Any>) -> Result<Head, StoreError> {
    let row = sqlx::query("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match row {
        Some(r) => Head {
            position: r.try_get(0)?,
            hash: r.try_get(1)?,
        },
        None => Head {
            position: 0,
            hash: GENESIS_HASH.to_owned(),
        },
    })
}

/// The head, read outside any write.
pub async fn head(pool: &AnyPool) -> Result<Head, StoreError> {
    let row = sqlx::query("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => Head {
            position: r.try_get(0)?,
            hash: r.try_get(1)?,
        },
        None => Head {
            position: 0,
            hash: GENESIS_HASH.to_owned(),
        },
    })
}

async fn existing_ids(
    tx: &mut Transaction<'static, Any>,
    events: &[NewEvent],
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut found = Vec::new();
    for chunk in events.chunks(INSERT_CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {} FROM events WHERE event_id IN ({}) ORDER BY position",
            rows::COLUMNS,
            marks.join(",")
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q.bind(e.event_id.clone());
        }
        for r in q.fetch_all(&mut **tx).await? {
            found.push(rows::event(&r)?);
        }
    }
    Ok(found)
}

async fn stream_version(
    tx: &mut Transaction<'static, Any>,
    stream_type: &str,
    stream_id: &str,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT stream_version FROM events WHERE stream_type = $1 AND stream_id = $2 \
         ORDER BY stream_version DESC LIMIT 1",
    )
    .bind(stream_type.to_owned())
    .bind(stream_id.to_owned())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => r.try_get(0)?,
        None => 0,
    })
}

/// Checks versions, chains and inserts `events` inside a transaction that
/// already holds the backend's writer lock. Returns the stored events.
pub async fn append_in(
    tx: &mut Transaction<'static, Any>,
    events: Vec<NewEvent>,
) -> Result<Vec<StoredEvent>, StoreError> {
    if events.is_empty() {
        return Err(StoreError::Empty);
    }
    let existing = existing_ids(tx, &events).await?;
    if existing.len() == events.len() {
        return Ok(existing);
    }
    if let Some(dup) = existing.first() {
        return Err(StoreError::DuplicateEventId(dup.event_id.clone()));
    }
    // Each stream's next version, checked against the first event that names it.
    let mut next: HashMap<(String, String), i64> = HashMap::new();
    let mut head = head_in(tx).await?;
    let recorded_at = now_micros();
    let mut stored = Vec::with_capacity(events.len());
    for e in events {
        let key = (e.stream_type.clone(), e.stream_id.clone());
        let version = match next.get(&key) {
            Some(v) => *v,
            None => {
                let current = stream_version(tx, &e.stream_type, &e.stream_id).await?;
                if !e.expected.admits(current) {
                    return Err(StoreError::Conflict {
                        stream_type: e.stream_type,
                        stream_id: e.stream_id,
                        expected: match e.expected {
                            ExpectedVersion::Any => -1,
                            ExpectedVersion::NoStream => 0,
                            ExpectedVersion::Exact(v) => v,
                        },
                        actual: current,
                    });
                }
                current + 1
            }
        };
        next.insert(key, version + 1);
        let mut s = StoredEvent {
            position: head.position + 1,
            event_id: e.event_id,
            stream_type: e.stream_type,
            stream_id: e.stream_id,
            stream_version: version,
            event_type: e.event_type,
            schema_version: e.schema_version,
            payload: serde_json::to_string(&e.payload)?,
            metadata: serde_json::to_string(&e.metadata)?,
            recorded_at,
            prev_hash: head.hash.clone(),
            hash: String::new(),
        };
        s.hash = chain::hash(&s.prev_hash, &Envelope::from(&s))?;
        head = Head {
            position: s.position,
            hash: s.hash.clone(),
        };
        stored.push(s);
    }
    insert(tx, &stored).await?;
    Ok(stored)
}

/// Inserts already-chained rows.
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    stored: &[StoredEvent],
) -> Result<(), StoreError> {
    for chunk in stored.chunks(INSERT_CHUNK) {
        let mut sql = format!("INSERT INTO events ({}) VALUES ", rows::COLUMNS);
        for i in 0..chunk.len() {
            let b = i * 12;
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 1..=12 {
                if j > 1 {
                    sql.push(',');
                }
                sql.push_str(&format!("${}", b + j));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for s in chunk {
            q = q
                .bind(s.position)
                .bind(s.event_id.clone())
                .bind(s.stream_type.clone())
                .bind(s.stream_id.clone())
                .bind(s.stream_version)
                .bind(s.event_type.clone())
                .bind(s.schema_version)
                .bind(s.payload.clone())
                .bind(s.metadata.clone())
                .bind(s.recorded_at)
                .bind(s.prev_hash.clone())
                .bind(s.hash.clone());
        }
        q.execute(&mut **tx).await.map_err(unique_to_conflict)?;
    }
    Ok(())
}

/// A unique violation can only mean a concurrent writer slipped past the lock;
/// report it as the conflict it is rather than as a database failure.
fn unique_to_conflict(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return StoreError::Conflict {
                stream_type: String::new(),
                stream_id: String::new(),
                expected: -1,
                actual: -1,
            };
        }
    }
    StoreError::Database(e)
}

/// One stream's events up to `until`.
pub async fn read_stream(
    pool: &AnyPool,
    stream_type: &str,
    stream_id: &str,
    until: Until,
) -> Result<Vec<StoredEvent>, StoreError> {
    let (cond, bound) = match until {
        Until::Now => ("", None),
        Until::Position(p) => (" AND position <= $3", Some(p)),
        Until::Time(t) => (" AND recorded_at <= $3", Some(t)),
    };
    let sql = format!(
        "SELECT {} FROM events WHERE stream_type = $1 AND stream_id = $2{cond} \
         ORDER BY stream_version",
        rows::COLUMNS
    );
    let mut q = sqlx::query(&sql)
        .bind(stream_type.to_owned())
        .bind(stream_id.to_owned());
    if let Some(b) = bound {
        q = q.bind(b);
    }
    let rows = q.fetch_all(pool).await?;
    rows.iter()
        .map(|r| rows::event(r).map_err(StoreError::from))
        .collect()
}

/// Events after a position.
pub async fn read_all(
    pool: &AnyPool,
    after: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    Ok(rows::read_after(pool, after, limit).await?)
}

/// Events in a time window.
pub async fn read_time_range(
    pool: &AnyPool,
    from: i64,
    to: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let sql = format!(
        "SELECT {} FROM events WHERE recorded_at >= $1 AND recorded_at < $2 AND position > $3 \
         ORDER BY position LIMIT $4",
        rows::COLUMNS
    );
    let rows = sqlx::query(&sql)
        .bind(from)
        .bind(to)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| rows::event(r).map_err(StoreError::from))
        .collect()
}
