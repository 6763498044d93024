//! A stream's reference dataset, read into the columns its schema names.

use analysis::profile::ColumnData;
use commands::streams::window::{RefColumn, Reference};
use domain::stream::{FieldKind, StreamSpec};

use crate::{
    error::ApiResult,
    routes::datasets::{file_ref, live_row, load_table},
    state::AppState,
};

/// Loads the reference dataset's columns that the schema also has.
pub async fn load(state: &AppState, spec: &StreamSpec) -> ApiResult<Option<Reference>> {
    let Some(id) = &spec.reference_dataset_id else {
        return Ok(None);
    };
    let table = load_table(state, &file_ref(&live_row(state, id).await?)?).await?;
    let mut out = Reference::new();
    for f in &spec.schema {
        let Some(c) = table.column(&f.name) else {
            continue;
        };
        let rows = table.rows;
        let col = match (f.kind, &c.data) {
            (FieldKind::Number, ColumnData::Int64(v)) => {
                RefColumn::Num((0..rows).map(|r| v[r] as f64).collect())
            }
            (FieldKind::Number, ColumnData::Float64(v)) => RefColumn::Num(v.to_vec()),
            (FieldKind::Number, _) => continue,
            (_, data) => RefColumn::Cat(
                (0..rows)
                    .map(|r| match data {
                        ColumnData::Int64(v) => Some(v[r].to_string()),
                        ColumnData::Float64(v) => v[r].is_finite().then(|| v[r].to_string()),
                        ColumnData::Bool(v) => Some(v[r].to_string()),
                        ColumnData::Object(s) => s.get(r).map(str::to_owned),
                    })
                    .collect(),
            ),
        };
        out.insert(f.name.clone(), col);
    }
    Ok(Some(out))
}
