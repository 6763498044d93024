//! Time windows on the lease holder: loads records as they are stored, closes
//! each window once the watermark passes its end (checked on every processor
//! tick, so a quiet stream's windows close on the clock), and commits the window
//! with the stream's offsets and time state, guarded like count windows.

use std::sync::Arc;

use commands::streams::{
    timeline::{TimeState, TimeWindows},
    window::{self, Record, Reference},
};
use domain::stream::StreamSpec;
use sqlx::Row;

use super::processor::{alerts, insert_samples, insert_window, load_records, release_batches};
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// One time-windowed stream's buffer.
pub(super) struct Timed {
    pub spec: StreamSpec,
    pub version: i64,
    reference: Option<Arc<Reference>>,
    windows: TimeWindows,
    /// `next_window` as committed.
    pub committed: i64,
}

impl Timed {
    /// Resumes from the committed offsets; `None` for count windows.
    pub async fn resume(
        state: &AppState,
        id: &str,
        spec: StreamSpec,
        version: i64,
        reference: Option<Arc<Reference>>,
    ) -> ApiResult<Option<Self>> {
        let row =
            sqlx::query("SELECT next_window, time_state FROM stream_offsets WHERE stream_id = $1")
                .bind(id.to_owned())
                .fetch_one(state.db.write())
                .await?;
        let committed: i64 = row.try_get(0)?;
        let time_state = match row.try_get::<Option<String>, _>(1)? {
            Some(text) => serde_json::from_str(&text).map_err(ApiError::internal)?,
            None => TimeState::default(),
        };
        let Some(windows) = TimeWindows::resume(spec.window.kind(), committed, time_state) else {
            return Ok(None);
        };
        Ok(Some(Self {
            spec,
            version,
            reference,
            windows,
            committed,
        }))
    }
}

/// Loads new records and closes every window the watermark has passed.
pub(super) async fn process(state: &AppState, id: &str, b: &mut Timed) -> ApiResult<usize> {
    let schema = b.spec.schema.clone();
    let windows = &mut b.windows;
    let caught_up = load_records(state, id, windows.loaded_until, |v, received_at| {
        let bad = window::validate(&schema, &v);
        windows.push(Record {
            value: v,
            received_at,
            bad,
        });
    })
    .await?;
    let mut closed = 0;
    while let Some(c) = b.windows.closable(commands::sql_now(), caught_up) {
        let spec = b.spec.clone();
        let reference = b.reference.clone();
        let records = c.records;
        let result = tokio::task::spawn_blocking(move || {
            window::compute(&spec, &records, reference.as_deref())
        })
        .await
        .map_err(ApiError::internal)?;
        alerts(state, id, c.window, &b.spec, &result).await?;
        let leaving = b.windows.close(c.window);
        let bad_leaving = leaving.bad.len() as i64;
        let mut tx = state.db.write().begin().await?;
        let moved = sqlx::query(
            "UPDATE stream_offsets SET next_window = $1, good_records = good_records + $2, \
             bad_records = bad_records + $3, time_state = $4, windows_closed = windows_closed + 1, updated_at = $5 WHERE stream_id = $6 AND next_window = $7",
        )
        .bind(c.window + 1)
        .bind(leaving.good)
        .bind(bad_leaving)
        .bind(serde_json::to_string(&b.windows.state).map_err(ApiError::internal)?)
        .bind(commands::sql_now())
        .bind(id.to_owned())
        .bind(b.committed)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Err(ApiError::conflict(
                "lease_lost",
                "another node advanced the stream",
            ));
        }
        insert_window(
            &mut tx,
            id,
            c.window,
            c.first_record,
            &result,
            Some((c.start_ms, c.end_ms)),
        )
        .await?;
        insert_samples(&mut tx, id, leaving.bad.iter().map(|(n, r)| (*n, r))).await?;
        release_batches(&mut tx, id, b.windows.state.keep_from).await?;
        tx.commit().await?;
        b.committed = c.window + 1;
        closed += 1;
    }
    Ok(closed)
}
