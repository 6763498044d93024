//! Finding and removing each kind of record past its retention.

use domain::retention::RecordKind;
use sqlx::Row;

use super::blobs;
use crate::{error::ApiResult, state::AppState};

/// What is past retention: identifiers for the event, and a count.
pub struct Found {
    /// Key subjects, stream ids or file hashes.
    pub ids: Vec<String>,
    /// Keys, rows or files.
    pub count: u64,
}

/// Finds records of `kind` older than `cutoff` (microseconds).
pub async fn find(state: &AppState, kind: RecordKind, cutoff: i64) -> ApiResult<Found> {
    match kind {
        RecordKind::PredictionInputs => {
            let rows = sqlx::query(
                "SELECT subject_id FROM subject_keys WHERE subject_id LIKE $1 AND wrapped_key IS NOT NULL \
                 ORDER BY subject_id",
            )
            .bind(format!("{}%", commands::retention::INPUT_SUBJECT_PREFIX))
            .fetch_all(state.db.read())
            .await?;
            let day = commands::retention::DAY_MICROS;
            let mut ids = Vec::new();
            for r in rows {
                let subject: String = r.try_get(0)?;
                // A day goes once all of it is older than the cutoff.
                if commands::retention::subject_day(&subject)
                    .is_some_and(|d| (d + 1).saturating_mul(day) <= cutoff)
                {
                    ids.push(subject);
                }
            }
            Ok(Found {
                count: ids.len() as u64,
                ids,
            })
        }
        RecordKind::StreamWindows => {
            let rows = sqlx::query(
                "SELECT stream_id, COUNT(*) FROM stream_windows WHERE closed_at < $1 \
                 GROUP BY stream_id ORDER BY stream_id",
            )
            .bind(cutoff)
            .fetch_all(state.db.read())
            .await?;
            let mut found = Found {
                ids: Vec::new(),
                count: 0,
            };
            for r in rows {
                found.ids.push(r.try_get(0)?);
                found.count += u64::try_from(r.try_get::<i64, _>(1)?).unwrap_or(0);
            }
            Ok(found)
        }
        RecordKind::DeletedDatasetFiles => {
            let rows = sqlx::query(
                "SELECT DISTINCT sha256 FROM datasets WHERE deleted_at IS NOT NULL AND deleted_at < $1 \
                 ORDER BY sha256",
            )
            .bind(cutoff)
            .fetch_all(state.db.read())
            .await?;
            let mut ids = Vec::new();
            for r in rows {
                let sha: String = r.try_get(0)?;
                if state.blobs.exists(&sha).await? && !blobs::in_use(state, &sha).await? {
                    ids.push(sha);
                }
            }
            Ok(Found {
                count: ids.len() as u64,
                ids,
            })
        }
    }
}

/// Removes what [`find`] found (after its event is recorded).
pub async fn remove(
    state: &AppState,
    kind: RecordKind,
    cutoff: i64,
    found: &Found,
) -> ApiResult<()> {
    match kind {
        RecordKind::PredictionInputs => {
            for subject in &found.ids {
                state
                    .cipher
                    .erase(subject)
                    .await
                    .map_err(crate::error::ApiError::internal)?;
            }
        }
        RecordKind::StreamWindows => {
            sqlx::query("DELETE FROM stream_windows WHERE closed_at < $1")
                .bind(cutoff)
                .execute(state.db.write())
                .await?;
        }
        RecordKind::DeletedDatasetFiles => {
            for sha in &found.ids {
                // Checked again: a record may have taken the file since.
                if !blobs::in_use(state, sha).await? {
                    state.blobs.delete(sha).await?;
                }
            }
        }
    }
    Ok(())
}
