//! Recomputing the hash chain over the stored log.

use domain::chain::{ChainBreak, Envelope, Verifier, GENESIS_HASH};
use futures::TryStreamExt;
use migrations::{events, Backend, Db};
use sqlx::Row;

use crate::{checkpoint::Checkpoint, ReplayError};

/// Feeds every row of positions `from..=to` to the verifier; stops at the first break.
macro_rules! stream_rows {
    ($pool:expr, $v:expr, $from:expr, $to:expr) => {{
        let sql = format!(
            "SELECT {} FROM events WHERE position >= $1 AND position <= $2 ORDER BY position",
            events::COLUMNS
        );
        let mut rows = sqlx::query(&sql).bind($from).bind($to).fetch(&$pool);
        let mut result = Ok(());
        while let Some(row) = rows.try_next().await? {
            let e = Envelope {
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
            };
            let (prev, hash): (&str, &str) = (row.try_get(10)?, row.try_get(11)?);
            if let Err(b) = $v.push_parts(&e, prev, hash) {
                result = Err(b);
                break;
            }
        }
        result
    }};
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verified {
    /// Events checked.
    pub count: u64,
    /// First position checked.
    pub from: i64,
    /// Last position checked (0 if none).
    pub head_position: i64,
    /// Hash of the last checked event.
    pub head_hash: String,
}

/// Why verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyFailure {
    /// The chain breaks.
    #[error("chain broken: {0}")]
    Broken(ChainBreak),
    /// The log no longer extends the checkpoint (history was rewritten or truncated).
    #[error("log does not extend the checkpoint at position {position}: {reason}")]
    Checkpoint {
        /// The checkpoint's position.
        position: i64,
        /// What differs.
        reason: String,
    },
    /// Reading failed.
    #[error(transparent)]
    Replay(ReplayError),
}

impl<E: Into<ReplayError>> From<E> for VerifyFailure {
    fn from(e: E) -> Self {
        Self::Replay(e.into())
    }
}

impl VerifyFailure {
    /// The first bad position, when one is known.
    pub fn position(&self) -> Option<i64> {
        match self {
            Self::Broken(b) => Some(b.position()),
            Self::Checkpoint { position, .. } => Some(*position),
            Self::Replay(_) => None,
        }
    }
}

async fn hash_at(db: &Db, position: i64) -> Result<Option<String>, ReplayError> {
    let row = sqlx::query("SELECT hash FROM events WHERE position = $1")
        .bind(position)
        .fetch_optional(db.read())
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// Verifies positions `from..=to` (defaults: the whole log). A range starting
/// later than 1 is linked to the stored hash of the event before it.
pub async fn verify(
    db: &Db,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Verified, VerifyFailure> {
    let from = from.unwrap_or(1).max(1);
    let prev = if from == 1 {
        GENESIS_HASH.to_owned()
    } else {
        hash_at(db, from - 1)
            .await?
            .ok_or(VerifyFailure::Broken(ChainBreak::Gap {
                expected: from - 1,
                found: -1,
            }))?
    };
    let mut v = Verifier::new(from, prev);
    let to = to.unwrap_or(i64::MAX);
    // Stream through the backend's native driver and hash straight from the
    // borrowed columns: copying rows through the Any driver cost more than hashing.
    let outcome = match db.backend() {
        Backend::Sqlite => {
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect(db.url())
                .await?;
            let r = stream_rows!(pool, v, from, to);
            pool.close().await;
            r
        }
        Backend::Postgres => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(db.url())
                .await?;
            let r = stream_rows!(pool, v, from, to);
            pool.close().await;
            r
        }
    };
    outcome.map_err(VerifyFailure::Broken)?;
    Ok(done(from, &v))
}

fn done(from: i64, v: &Verifier) -> Verified {
    Verified {
        count: v.count(),
        from,
        head_position: v.next_position() - 1,
        head_hash: v.head_hash().to_owned(),
    }
}

/// Verifies the whole log and that it still extends a signed checkpoint.
pub async fn verify_against(db: &Db, cp: &Checkpoint) -> Result<Verified, VerifyFailure> {
    cp.check_signature()
        .map_err(|e| VerifyFailure::Replay(ReplayError::Checkpoint(e)))?;
    let verified = verify(db, None, None).await?;
    let fail = |reason: &str| VerifyFailure::Checkpoint {
        position: cp.position,
        reason: reason.to_owned(),
    };
    if verified.head_position < cp.position {
        return Err(fail("the log is shorter than the checkpoint"));
    }
    match hash_at(db, cp.position).await? {
        Some(h) if h == cp.hash => Ok(verified),
        Some(_) => Err(fail(
            "the event at the checkpoint has a different hash (history was rewritten)",
        )),
        None => Err(fail("the event at the checkpoint is missing")),
    }
}
