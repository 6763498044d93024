//! Recomputing the hash chain over the stored log.

use domain::chain::{ChainBreak, Verifier, GENESIS_HASH};
use migrations::{events, Db};
use sqlx::Row;

use crate::{checkpoint::Checkpoint, ReplayError};

const PAGE: i64 = 20_000;

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
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Read the next page while the current one is hashed.
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    let reader_db = db.clone();
    let reader = tokio::spawn(async move {
        let mut after = from - 1;
        loop {
            let page = match events::read_after(reader_db.read(), after, PAGE).await {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let Some(last) = page.last().map(|e| e.position) else {
                return;
            };
            let past_end = to.is_some_and(|t| last >= t);
            after = last;
            if tx.send(Ok(page)).await.is_err() || past_end {
                return;
            }
        }
    });
    let mut outcome = Ok(());
    while let Some(page) = rx.recv().await {
        let mut page = page?;
        if let Some(t) = to {
            page.retain(|e| e.position <= t);
        }
        let (back, result) = tokio::task::spawn_blocking(move || {
            let r = v.push_all(&page, threads);
            (v, r)
        })
        .await
        .map_err(|e| VerifyFailure::Replay(ReplayError::Task(e.to_string())))?;
        v = back;
        if let Err(b) = result {
            outcome = Err(VerifyFailure::Broken(b));
            break;
        }
    }
    drop(rx);
    reader.abort();
    outcome?;
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
