//! `POST /api/v1/datasets/{id}/transform`: a declarative pipeline (fitted here, or
//! re-used from an earlier transformation) turns a dataset into a new version whose
//! lineage records the pipeline and every fitted parameter.

use analysis::transform::{self, Fitted, Step, TransformError};
use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::IntoResponse,
    Json,
};
use domain::{
    dataset::{DatasetFormat, Origin},
    ids::DatasetId,
};
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::{
    file_ref, live_row, load_table, origin_of,
    version::{record_version, NewVersion},
};
use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    state::AppState,
};

/// A transformation request: `steps` to fit on this dataset, or `apply_fitted_from`
/// (a dataset produced by an earlier transformation) to re-apply its fitted steps
/// without refitting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransformRequest {
    /// Steps, each `{"op": ...}`: drop_duplicates, drop_missing, impute, outliers, trim,
    /// cast, standardize, min_max, one_hot, ordinal, target_encode, bin, derive.
    #[schema(value_type = Option<Vec<Object>>)]
    pub steps: Option<serde_json::Value>,
    /// Id of a transformed dataset whose fitted steps are re-applied as they are.
    pub apply_fitted_from: Option<String>,
    /// Name of the new version (default: the source's name).
    pub name: Option<String>,
    /// Description of the new version.
    pub description: Option<String>,
}

impl From<TransformError> for ApiError {
    fn from(e: TransformError) -> Self {
        let code = match &e {
            TransformError::Invalid(_) => "invalid_pipeline",
            TransformError::UnknownColumn { .. } => "unknown_column",
            TransformError::Cast { .. } => "cast_failed",
            TransformError::Unfit { .. } => "step_not_applicable",
        };
        Self::unprocessable(code, e.to_string())
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_pipeline", message)
}

/// What to run: steps to fit, or fitted steps (with where they came from).
enum Plan {
    Fit(Vec<Step>, serde_json::Value),
    Reuse(Vec<Fitted>, serde_json::Value, DatasetId),
}

async fn plan(state: &AppState, b: &TransformRequest) -> ApiResult<Plan> {
    match (&b.steps, &b.apply_fitted_from) {
        (Some(raw), None) => {
            let steps: Vec<Step> =
                serde_json::from_value(raw.clone()).map_err(|e| invalid(format!("steps: {e}")))?;
            Ok(Plan::Fit(steps, raw.clone()))
        }
        (None, Some(from)) => {
            let r = live_row(state, from).await.map_err(|_| {
                ApiError::unprocessable("unknown_dataset", format!("dataset {from} does not exist"))
            })?;
            let origin = origin_of(&r)?;
            let Some(o) = origin.filter(|o| o["kind"] == "transform") else {
                return Err(invalid(format!(
                    "dataset {from} was not produced by a transformation"
                )));
            };
            let fitted: Vec<Fitted> =
                serde_json::from_value(o["fitted"].clone()).map_err(ApiError::internal)?;
            let id = DatasetId::parse(from).ok_or_else(|| ApiError::not_found("dataset"))?;
            Ok(Plan::Reuse(fitted, o["pipeline"].clone(), id))
        }
        _ => Err(invalid(
            "give exactly one of `steps` and `apply_fitted_from`",
        )),
    }
}

/// Transforms a dataset into a new version of it (201 with the new dataset).
#[utoipa::path(post, path = "/api/v1/datasets/{id}/transform", tag = "datasets", params(("id" = String, Path)),
    request_body = TransformRequest, security(("bearer" = [])),
    responses((status = 201, body = super::DatasetView), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn transform(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
    ApiJson(b): ApiJson<TransformRequest>,
) -> ApiResult<impl IntoResponse> {
    let r = live_row(&state, &id).await?;
    let source = DatasetId::parse(&id).ok_or_else(|| ApiError::not_found("dataset"))?;
    let plan = plan(&state, &b).await?;
    let table = load_table(&state, &file_ref(&r)?).await?;
    let (fitted, pipeline, fitted_from, csv) = tokio::task::spawn_blocking(move || {
        Ok::<_, TransformError>(match plan {
            Plan::Fit(steps, raw) => {
                let (out, fitted) = transform::fit(table, &steps)?;
                (fitted, raw, None, transform::to_csv(&out))
            }
            Plan::Reuse(fitted, raw, from) => {
                let out = transform::apply(table, &fitted)?;
                (fitted, raw, Some(from), transform::to_csv(&out))
            }
        })
    })
    .await
    .map_err(ApiError::internal)??;
    let name: String = match b.name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() && n.chars().count() <= 255 => n.to_owned(),
        Some(_) => return Err(invalid("`name` must be 1 to 255 characters")),
        None => r.try_get("name")?,
    };
    let blob = state.blobs.put_bytes(csv.into()).await?;
    let mut derived_from = vec![source];
    derived_from.extend(fitted_from.filter(|f| *f != source));
    let version = NewVersion {
        name,
        description: b.description.filter(|d| !d.trim().is_empty()),
        filename: "transformed.csv".into(),
        format: DatasetFormat::Csv,
        version_of: Some(source),
        derived_from,
        origin: Origin::Transform {
            source,
            pipeline,
            fitted: serde_json::to_value(&fitted).map_err(ApiError::internal)?,
            fitted_from,
        },
    };
    let view = record_version(&state, &ctx, &blob, version).await?;
    let location = format!("/api/v1/datasets/{}", view.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view),
    ))
}
