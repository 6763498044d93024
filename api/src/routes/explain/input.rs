//! Resolving a request's model version, rows and background into matrices.

use std::sync::Arc;

use analysis::{
    explain::{kmeans_background, Background, KMeansOptions},
    inference::Model,
    profile::Table,
};
use ndarray::Array2;
use rand::{seq::index::sample, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use super::{bad, model_fn::Output, Target, MAX_ROWS};
use crate::{
    error::{ApiError, ApiResult},
    routes::{
        datasets::{file_ref, live_row, load_table},
        predict::{loaded, matrix, resolve},
    },
    state::AppState,
};

/// Background rows sampled by default (shap's advice: ~100).
pub const DEFAULT_BACKGROUND_SIZE: usize = 100;

/// What ran on what: recorded with every explanation.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// Model id.
    pub model_id: String,
    /// Resolved version.
    pub version: i64,
    /// Artifact hash.
    pub sha256: String,
    /// Hash of the explained rows.
    pub rows_sha256: String,
    /// Hash of the background rows and weights.
    pub background_sha256: Option<String>,
    /// Seed.
    pub seed: u64,
    /// The background dataset used (resolved from the card when not named).
    pub background_dataset_id: Option<String>,
}

/// A request resolved: the model, the rows, the background.
pub struct Prepared {
    /// Provenance (hashes, version, seed).
    pub provenance: Provenance,
    /// The loaded model.
    pub model: Arc<Model>,
    /// Feature names in model input order.
    pub features: Vec<String>,
    /// Whether the names are the model's own (else `x0..`, matched by position).
    pub named: bool,
    /// The explained rows.
    pub rows: Array2<f64>,
    /// The background, when the method needs one.
    pub background: Option<Background>,
    /// The explained output.
    pub output: Output,
}

impl Prepared {
    /// The input index of a feature named in a request.
    pub fn feature_index(&self, name: &str) -> ApiResult<usize> {
        self.features.iter().position(|f| f == name).ok_or_else(|| {
            bad(
                "unknown_feature",
                format!(
                    "`{name}` is not a feature of the model (features: {})",
                    self.features.join(", ")
                ),
            )
        })
    }
}

/// SHA-256 over the little-endian bits of a matrix (shape first) and optional weights.
pub fn hash_matrix(m: &ndarray::ArrayView2<'_, f64>, weights: Option<&[f64]>) -> String {
    let mut h = Sha256::new();
    h.update((m.nrows() as u64).to_le_bytes());
    h.update((m.ncols() as u64).to_le_bytes());
    for v in m.iter() {
        h.update(v.to_bits().to_le_bytes());
    }
    for w in weights.unwrap_or_default() {
        h.update(w.to_bits().to_le_bytes());
    }
    hex::encode(h.finalize())
}

/// The model's feature names (registration, then artifact, then `x0..`).
fn feature_names(registered: &[String], model: &Model) -> (Vec<String>, bool) {
    if !registered.is_empty() {
        return (registered.to_vec(), true);
    }
    if let Some(n) = &model.signature().feature_names {
        return (n.clone(), true);
    }
    let n = model.signature().n_features;
    ((0..n).map(|j| format!("x{j}")).collect(), false)
}

/// The columns of `table` the model reads, in model order, as a matrix (rows `indices`).
fn table_matrix(
    table: &Table,
    dataset_id: &str,
    features: &[String],
    named: bool,
    indices: Option<&[usize]>,
    missing_ok: bool,
) -> ApiResult<Array2<f64>> {
    let columns: Vec<_> = if named {
        features
            .iter()
            .map(|f| {
                table.column(f).ok_or_else(|| {
                    bad(
                        "schema_mismatch",
                        format!(
                            "dataset {dataset_id} has no column `{f}`, which the model reads (its columns: {})",
                            table.column_names().join(", ")
                        ),
                    )
                })
            })
            .collect::<ApiResult<_>>()?
    } else if table.columns.len() == features.len() {
        table.columns.iter().collect()
    } else {
        return Err(bad(
            "schema_mismatch",
            format!(
                "dataset {dataset_id} has {} columns; the model reads {} unnamed features",
                table.columns.len(),
                features.len()
            ),
        ));
    };
    let all: Vec<usize>;
    let idx = match indices {
        Some(i) => i,
        None => {
            all = (0..table.rows).collect();
            &all
        }
    };
    if let Some(&bad_row) = idx.iter().find(|&&i| i >= table.rows) {
        return Err(bad(
            "invalid_row_index",
            format!(
                "row index {bad_row} is out of range: dataset {dataset_id} has {} rows",
                table.rows
            ),
        ));
    }
    let mut flat = Vec::with_capacity(idx.len() * columns.len());
    for &r in idx {
        for c in &columns {
            if !c.dtype.is_numeric() {
                return Err(bad(
                    "schema_mismatch",
                    format!(
                        "column `{}` of dataset {dataset_id} is not numeric ({})",
                        c.name,
                        c.dtype.as_str()
                    ),
                ));
            }
            match c.f64_at(r) {
                Some(v) => flat.push(v),
                None if missing_ok => flat.push(f64::NAN),
                None => {
                    return Err(bad(
                        "missing_value",
                        format!(
                            "row {r}, column `{}` of dataset {dataset_id} is missing",
                            c.name
                        ),
                    ))
                }
            }
        }
    }
    Array2::from_shape_vec((idx.len(), columns.len()), flat).map_err(ApiError::internal)
}

async fn dataset_table(state: &AppState, id: &str) -> ApiResult<Table> {
    load_table(state, &file_ref(&live_row(state, id).await?)?).await
}

/// The training dataset named on a model's card.
async fn training_dataset(state: &AppState, model_id: &str) -> ApiResult<Option<String>> {
    let card: Option<String> = sqlx::query_scalar("SELECT card FROM models WHERE id = $1")
        .bind(model_id.to_owned())
        .fetch_optional(state.db.read())
        .await?;
    let card: serde_json::Value = match card {
        Some(c) => serde_json::from_str(&c).map_err(ApiError::internal)?,
        None => return Ok(None),
    };
    Ok(card["training_dataset_id"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned))
}

/// Seeded sample of `k` of `n` row indices, without replacement, in ascending order.
pub fn sample_rows(n: usize, k: usize, seed: u64) -> Vec<usize> {
    if k >= n {
        return (0..n).collect();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut idx = sample(&mut rng, n, k).into_vec();
    idx.sort_unstable();
    idx
}

/// Resolves a request. `need_background`: load (and check) the background.
pub async fn prepare(
    state: &AppState,
    model_id: &str,
    t: &Target,
    need_background: bool,
) -> ApiResult<Prepared> {
    crate::routes::models::parse_id(model_id)?;
    let r = resolve(state, model_id, t.version.as_ref()).await?;
    let model = loaded(state, &r.sha256).await?;
    let output = Output::parse(&model, t.output.as_deref(), t.class_index)?;
    let (features, named) = feature_names(&r.feature_names, &model);
    let missing_ok = matches!(*model, Model::Xgboost(_));
    let seed = t.seed.unwrap_or(0);
    let rows = match (&t.rows, &t.dataset_id) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "invalid_rows",
                "give rows inline or a dataset_id, not both",
            ))
        }
        (Some(rows), None) => {
            if t.row_indices.is_some() {
                return Err(bad("invalid_rows", "row_indices needs a dataset_id"));
            }
            matrix(
                rows,
                named.then_some(&features[..]),
                features.len(),
                missing_ok,
            )?
        }
        (None, Some(ds)) => {
            let table = dataset_table(state, ds).await?;
            table_matrix(
                &table,
                ds,
                &features,
                named,
                t.row_indices.as_deref(),
                missing_ok,
            )?
        }
        (None, None) => {
            return Err(bad(
                "invalid_rows",
                "name the rows to explain: rows inline, or dataset_id (+ row_indices)",
            ))
        }
    };
    if rows.nrows() == 0 {
        return Err(bad("invalid_rows", "no row to explain"));
    }
    if rows.nrows() > MAX_ROWS {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_rows",
            format!(
                "{} rows requested; one request explains at most {MAX_ROWS}",
                rows.nrows()
            ),
        ));
    }
    let provenance = Provenance {
        model_id: model_id.to_owned(),
        version: r.version,
        sha256: r.sha256,
        rows_sha256: hash_matrix(&rows.view(), None),
        background_sha256: None,
        seed,
        background_dataset_id: None,
    };
    let mut p = Prepared {
        provenance,
        model,
        features,
        named,
        rows,
        background: None,
        output,
    };
    if need_background {
        load_background(state, &mut p, t).await?;
    }
    Ok(p)
}

/// Loads (samples, checks, summarises) the background of a prepared request.
pub async fn load_background(state: &AppState, p: &mut Prepared, t: &Target) -> ApiResult<()> {
    let missing_ok = matches!(*p.model, Model::Xgboost(_));
    let (b, id) = background(
        state,
        &p.provenance.model_id,
        t,
        &p.features,
        p.named,
        missing_ok,
        p.provenance.seed,
    )
    .await?;
    p.provenance.background_sha256 = Some(hash_matrix(&b.data(), Some(b.weights())));
    p.provenance.background_dataset_id = Some(id);
    p.background = Some(b);
    Ok(())
}

/// The rows routed through an ONNX ensemble's trees to recompute the node covers of
/// path-dependent TreeSHAP: every row of `cover_dataset_id`, else of the background
/// dataset, else of the model card's training dataset. The choice and the rows' hash are
/// pinned in the provenance (as the background), so a replay routes the same rows.
pub async fn load_cover_rows(
    state: &AppState,
    p: &mut Prepared,
    t: &Target,
    cover_dataset_id: Option<&str>,
) -> ApiResult<Array2<f64>> {
    let id = match cover_dataset_id.or(t.background_dataset_id.as_deref()) {
        Some(id) => id.to_owned(),
        None => training_dataset(state, &p.provenance.model_id)
            .await?
            .ok_or_else(|| {
                bad(
                    "cover_dataset_required",
                    "path-dependent TreeSHAP of an ONNX model needs node covers: give cover_dataset_id \
                     (the model's card names no training dataset)",
                )
            })?,
    };
    let table = dataset_table(state, &id).await?;
    let data = table_matrix(&table, &id, &p.features, p.named, None, false)?;
    p.provenance.background_sha256 = Some(hash_matrix(&data.view(), None));
    p.provenance.background_dataset_id = Some(id);
    Ok(data)
}

async fn background(
    state: &AppState,
    model_id: &str,
    t: &Target,
    features: &[String],
    named: bool,
    missing_ok: bool,
    seed: u64,
) -> ApiResult<(Background, String)> {
    let id = match &t.background_dataset_id {
        Some(id) => id.clone(),
        None => training_dataset(state, model_id).await?.ok_or_else(|| {
            bad(
                "background_required",
                "give background_dataset_id (the model's card names no training dataset)",
            )
        })?,
    };
    let table = dataset_table(state, &id).await?;
    let size = t.background_size.unwrap_or(DEFAULT_BACKGROUND_SIZE);
    if size == 0 {
        return Err(bad(
            "invalid_background",
            "background_size must be at least 1",
        ));
    }
    let idx = sample_rows(table.rows, size, seed);
    let data = table_matrix(&table, &id, features, named, Some(&idx), missing_ok)?;
    if data.nrows() == 0 {
        return Err(bad(
            "invalid_background",
            format!("background dataset {id} has no row"),
        ));
    }
    let constant = data.nrows() == 1
        || data.columns().into_iter().all(|c| {
            let first = c[0];
            c.iter().all(|v| v.to_bits() == first.to_bits())
        });
    if constant && data.nrows() > 1 {
        return Err(bad(
            "zero_variance_background",
            format!(
                "every feature of background dataset {id} is constant: the background carries no \
                 information to attribute against; use a background that varies"
            ),
        ));
    }
    match t.background_kmeans {
        Some(k) => {
            let options = KMeansOptions {
                seed,
                ..KMeansOptions::default()
            };
            kmeans_background(data.view(), k, &options).map_err(super::explain_err)
        }
        None => Background::uniform(data).map_err(super::explain_err),
    }
    .map(|b| (b, id))
}

/// The label column of a dataset at `indices`: as text (classes) and as numbers (values).
pub async fn dataset_labels(
    state: &AppState,
    dataset_id: &str,
    column: &str,
    indices: Option<&[usize]>,
) -> ApiResult<(Vec<String>, Vec<f64>)> {
    use analysis::profile::ColumnData;
    let table = dataset_table(state, dataset_id).await?;
    let c = table.column(column).ok_or_else(|| {
        bad(
            "schema_mismatch",
            format!("dataset {dataset_id} has no column `{column}`"),
        )
    })?;
    let all: Vec<usize> = (0..table.rows).collect();
    let mut text = Vec::new();
    let mut values = Vec::new();
    for &r in indices.unwrap_or(&all) {
        if r >= table.rows || c.missing[r] {
            return Err(bad(
                "missing_value",
                format!("row {r} of dataset {dataset_id} has no `{column}` label"),
            ));
        }
        text.push(match &c.data {
            ColumnData::Int64(v) => v[r].to_string(),
            ColumnData::Float64(v) => v[r].to_string(),
            ColumnData::Bool(v) => u8::from(v[r]).to_string(),
            ColumnData::Object(s) => s.get(r).unwrap_or_default().to_owned(),
        });
        values.push(c.f64_at(r).unwrap_or(f64::NAN));
    }
    Ok((text, values))
}

/// How many rows a request names, without loading them (decides job or not).
pub async fn requested_rows(state: &AppState, t: &Target) -> ApiResult<usize> {
    if let Some(r) = &t.rows {
        return Ok(r.len());
    }
    if let Some(i) = &t.row_indices {
        return Ok(i.len());
    }
    let Some(ds) = &t.dataset_id else {
        return Ok(0);
    };
    let n: Option<i64> =
        sqlx::query_scalar("SELECT row_count FROM datasets WHERE id = $1 AND deleted_at IS NULL")
            .bind(ds.clone())
            .fetch_optional(state.db.read())
            .await?;
    Ok(usize::try_from(n.unwrap_or(0)).unwrap_or(0))
}
