//! Reweighing's output: the source dataset plus a `sample_weight` column, stored as a new
//! dataset derived from the source (downloadable like any dataset).

use commands::datasets::{self, ingest};
use domain::{
    dataset::{DatasetFormat, DatasetSpec},
    ids::DatasetId,
};

use super::input::{cell, Rows};
use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    state::AppState,
};

/// Name of the added column (suffixed when the dataset already has one).
const WEIGHT: &str = "sample_weight";

fn field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// CSV text of the table with one more column.
fn csv_with(rows: &Rows, name: &str, weights: &[f64]) -> String {
    let t = &rows.table;
    let mut out = String::new();
    for c in &t.columns {
        field(&mut out, &c.name);
        out.push(',');
    }
    out.push_str(name);
    out.push('\n');
    for (r, w) in weights.iter().enumerate() {
        for c in &t.columns {
            field(&mut out, cell(c, r).as_deref().unwrap_or(""));
            out.push(',');
        }
        out.push_str(&format!("{w:?}"));
        out.push('\n');
    }
    out
}

/// Stores the weighted dataset; returns its id.
pub async fn weights_dataset(
    state: &AppState,
    ctx: &Ctx,
    rows: &Rows,
    source_id: &str,
    weights: &[f64],
) -> ApiResult<String> {
    let mut name = WEIGHT.to_owned();
    while rows.table.column(&name).is_some() {
        name.push('_');
    }
    let bytes = csv_with(rows, &name, weights);
    let blob = state.blobs.put_bytes(bytes.into_bytes().into()).await?;
    let path = state.blobs.path(&blob.sha256)?;
    let profile = tokio::task::spawn_blocking(move || {
        let table = ingest::read_table(&path, DatasetFormat::Csv, None, Default::default())?;
        Ok::<_, ingest::IngestError>(ingest::profile_table(&table, false))
    })
    .await
    .map_err(ApiError::internal)??;
    let schema = ingest::schema(&profile, &Default::default())?;
    let id = DatasetId::from_uuid(uuid::Uuid::now_v7());
    let source = DatasetId::parse(source_id).ok_or_else(|| ApiError::not_found("dataset"))?;
    let spec = DatasetSpec {
        name: format!("reweighing weights of {source_id}"),
        description: Some(
            "AIF360 reweighing: one weight per row, P(group) P(label) / P(group, label)".into(),
        ),
        filename: Some("reweighed.csv".into()),
        format: DatasetFormat::Csv,
        sheet: None,
        sha256: blob.sha256,
        size_bytes: blob.size,
        column_count: schema.len() as u64,
        schema,
        row_count: profile.dataset.rows as u64,
        version_of: None,
        family_id: id,
        version: 1,
        derived_from: vec![source],
        origin: None,
    };
    let events = datasets::upload(state.store.as_ref(), id, spec, ctx.metadata.clone()).await?;
    state.settle(&events).await;
    Ok(id.to_string())
}
