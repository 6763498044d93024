//! Bulk application of a batch of model events: fold per model in memory, then
//! one DELETE and a few multi-row upserts instead of a statement per event.
//! The result is the same as applying the events one at a time: version,
//! lifecycle and alias events are then applied one by one (see `versions`).

use std::collections::HashMap;

use domain::{
    decode::decode,
    model::{Model, ModelEvent, ModelSpec},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use super::{
    enum_str, json,
    versions::{self, RowEvent},
};
use crate::error::ProjectionError;

/// The final state of one model after the batch.
enum Final {
    /// Write this row; `created` is known when the model was registered in the batch.
    Row {
        spec: Box<ModelSpec>,
        created: Option<(String, i64)>,
        updated_at: i64,
        version: i64,
    },
    /// Remove the row.
    Gone,
}

const COLS: usize = 16;
const ROWS_PER_STATEMENT: usize = 400;

/// Folds `events` and writes the outcome.
pub async fn apply(
    tx: &mut Transaction<'static, Any>,
    events: &[StoredEvent],
) -> Result<(), ProjectionError> {
    let up = Upcasters::domain();
    let mut order: Vec<String> = Vec::new();
    let mut fin: HashMap<String, Final> = HashMap::new();
    let mut decoded = Vec::new();
    let mut last_row: HashMap<String, i64> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e.stream_type == Model::STREAM_TYPE)
    {
        let event: ModelEvent = decode(e, &up).map_err(|source| ProjectionError::Decode {
            position: e.position,
            source,
        })?;
        let event = match versions::split(event) {
            // A deletion also empties the model's version tables, in event order.
            versions::Split::Row(RowEvent::Deleted) => {
                decoded.push((e, ModelEvent::ModelDeleted {}));
                RowEvent::Deleted
            }
            versions::Split::Row(r) => r,
            versions::Split::Other(other) => {
                decoded.push((e, other));
                continue;
            }
        };
        last_row.insert(e.stream_id.clone(), e.position);
        if !fin.contains_key(&e.stream_id) {
            order.push(e.stream_id.clone());
        }
        let next = match (event, fin.remove(&e.stream_id)) {
            (RowEvent::Registered { spec, created_by }, _) => Final::Row {
                spec: Box::new(spec),
                created: Some((created_by, e.recorded_at)),
                updated_at: e.recorded_at,
                version: e.stream_version,
            },
            (RowEvent::Updated { spec }, Some(Final::Row { created, .. })) => Final::Row {
                spec: Box::new(spec),
                created,
                updated_at: e.recorded_at,
                version: e.stream_version,
            },
            (RowEvent::Updated { spec }, _) => Final::Row {
                spec: Box::new(spec),
                created: None,
                updated_at: e.recorded_at,
                version: e.stream_version,
            },
            (RowEvent::Deleted, _) => Final::Gone,
        };
        fin.insert(e.stream_id.clone(), next);
    }
    let gone: Vec<&String> = order
        .iter()
        .filter(|id| matches!(fin.get(*id), Some(Final::Gone)))
        .collect();
    for chunk in gone.chunks(ROWS_PER_STATEMENT) {
        delete_in(tx, "models", "id", chunk).await?;
    }
    // Tags and owners are rewritten for every model touched by a row event.
    let touched: Vec<&String> = order.iter().collect();
    for chunk in touched.chunks(ROWS_PER_STATEMENT) {
        delete_in(tx, "model_tags", "model_id", chunk).await?;
        delete_in(tx, "model_owners", "model_id", chunk).await?;
    }
    let rows: Vec<(&String, &Final)> = order
        .iter()
        .filter_map(|id| {
            fin.get(id)
                .filter(|f| matches!(f, Final::Row { .. }))
                .map(|f| (id, f))
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        upsert(tx, chunk).await?;
    }
    let mut tags = Vec::new();
    let mut owners = Vec::new();
    for (id, f) in &rows {
        if let Final::Row { spec, .. } = f {
            tags.extend(spec.card.tags.iter().map(|t| ((*id).clone(), t.clone())));
            owners.extend(spec.card.owners.iter().map(|o| ((*id).clone(), o.clone())));
        }
    }
    insert_pairs(tx, "model_tags", "tag", &tags).await?;
    insert_pairs(tx, "model_owners", "owner", &owners).await?;
    for (e, event) in decoded {
        let after_row = last_row.get(&e.stream_id).is_none_or(|p| e.position > *p);
        versions::apply(tx, e, &event, after_row).await?;
    }
    Ok(())
}

async fn delete_in(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    column: &str,
    ids: &[&String],
) -> Result<(), ProjectionError> {
    if ids.is_empty() {
        return Ok(());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "DELETE FROM {table} WHERE {column} IN ({})",
        marks.join(",")
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind((*id).clone());
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

async fn insert_pairs(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    column: &str,
    pairs: &[(String, String)],
) -> Result<(), ProjectionError> {
    for chunk in pairs.chunks(ROWS_PER_STATEMENT) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO {table} (model_id, {column}) VALUES {}",
            marks.join(",")
        );
        let mut q = sqlx::query(&sql);
        for (a, b) in chunk {
            q = q.bind(a.clone()).bind(b.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn upsert(
    tx: &mut Transaction<'static, Any>,
    rows: &[(&String, &Final)],
) -> Result<(), ProjectionError> {
    let mut sql = String::from(
        "INSERT INTO models (id, name, model_type, algorithm, framework, version, status, accuracy, \
         feature_names, metadata, created_by, created_at, updated_at, stream_version, card, risk_tier) VALUES ",
    );
    for i in 0..rows.len() {
        if i > 0 {
            sql.push(',');
        }
        let marks: Vec<String> = (1..=COLS).map(|j| format!("${}", i * COLS + j)).collect();
        sql.push_str(&format!("({})", marks.join(",")));
    }
    // Rows registered before this batch keep their creation columns.
    sql.push_str(
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, model_type = excluded.model_type, \
         algorithm = excluded.algorithm, framework = excluded.framework, version = excluded.version, \
         status = excluded.status, accuracy = excluded.accuracy, feature_names = excluded.feature_names, \
         metadata = excluded.metadata, updated_at = excluded.updated_at, stream_version = excluded.stream_version, \
         card = excluded.card, risk_tier = excluded.risk_tier",
    );
    // Not a cached statement: an `Option<f64>` binds as FLOAT4 when `None` and FLOAT8
    // when `Some` through `sqlx::Any`, and PostgreSQL refuses the second shape on a
    // statement prepared with the first ("incorrect binary data format").
    let mut q = sqlx::query(&sql).persistent(false);
    for (id, f) in rows {
        let Final::Row {
            spec,
            created,
            updated_at,
            version,
        } = f
        else {
            continue;
        };
        let (created_by, created_at) = created.clone().unwrap_or_default();
        q = q
            .bind((*id).clone())
            .bind(spec.name.clone())
            .bind(enum_str(&spec.model_type))
            .bind(spec.algorithm.clone())
            .bind(spec.framework.clone())
            .bind(spec.version.clone())
            .bind(enum_str(&spec.status))
            .bind(spec.accuracy)
            .bind(json(&spec.feature_names))
            .bind(json(&spec.metadata))
            .bind(created_by)
            .bind(created_at)
            .bind(*updated_at)
            .bind(*version)
            .bind(json(&spec.card))
            .bind(spec.card.risk_tier.as_ref().map(enum_str));
    }
    q.execute(&mut **tx).await?;
    Ok(())
}
