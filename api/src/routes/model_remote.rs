//! `POST /api/v1/models/{id}/versions/remote`: a version served by a model
//! server RAIA calls (KServe v2 or MLflow). The server is probed before the
//! version is recorded; the version then follows the same review lifecycle,
//! and its predictions are logged like any other.

use axum::{
    extract::{Path, State},
    response::IntoResponse,
};
use commands::models;
use domain::model::{
    Artifact, ArtifactFormat, ArtifactSignature, ModelCommand, ModelType, NewVersion,
    RemoteEndpoint, RemoteProtocol,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, IfMatch},
    routes::{
        model_versions::{created, model_row, VersionView},
        models::parse_id,
    },
    state::AppState,
};

/// A remote version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteVersion {
    /// `kserve_v2` or `mlflow`.
    #[schema(value_type = String)]
    pub protocol: RemoteProtocol,
    /// Base URL of the server (`http://host:8080`).
    pub url: String,
    /// Model name on the server (KServe v2).
    pub model_name: Option<String>,
    /// Input tensor name (KServe v2; default `input-0`).
    pub input_name: Option<String>,
    /// Features per row (default: the model's `feature_names` count).
    pub n_features: Option<usize>,
    /// Class labels in the order of the server's probability columns (classifiers).
    #[schema(value_type = Option<Vec<Object>>)]
    pub classes: Option<Vec<serde_json::Value>>,
    /// Per-attempt time limit, ms (default 5000, at most 60000).
    pub timeout_ms: Option<u64>,
    /// Extra attempts on connection errors, 429 and 5xx (default 2, at most 5).
    pub retries: Option<u32>,
    /// Free text.
    pub description: Option<String>,
    /// Free JSON object.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_remote", detail)
}

/// Registers a version served by a model server, after checking it answers.
#[utoipa::path(post, path = "/api/v1/models/{id}/versions/remote", tag = "models", params(("id" = String, Path)),
    request_body = RemoteVersion, security(("bearer" = [])),
    responses((status = 201, body = VersionView), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn register(
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ctx: Ctx,
    ApiJson(b): ApiJson<RemoteVersion>,
) -> ApiResult<impl IntoResponse> {
    let model_id = parse_id(&id)?;
    let model = model_row(&state, &id).await?;
    let url = reqwest::Url::parse(&b.url).map_err(|e| invalid(format!("url: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid("url must be http(s)://host[:port][/path]"));
    }
    if b.protocol == RemoteProtocol::KserveV2 && b.model_name.as_deref().is_none_or(str::is_empty) {
        return Err(invalid("a KServe v2 endpoint needs model_name"));
    }
    let feature_names: Vec<String> =
        serde_json::from_str(&model.try_get::<String, _>("feature_names")?)
            .map_err(ApiError::internal)?;
    let n_features = match (b.n_features, feature_names.len()) {
        (None, 0) => {
            return Err(invalid(
                "give n_features, or register the model with feature_names",
            ))
        }
        (None, k) => k,
        (Some(0), _) => return Err(invalid("n_features must be positive")),
        (Some(n), 0) => n,
        (Some(n), k) if n == k => n,
        (Some(n), k) => {
            return Err(invalid(format!(
                "n_features {n} but the model declares {k} feature_names"
            )))
        }
    };
    let task = match serde_json::from_value::<ModelType>(serde_json::json!(
        model.try_get::<String, _>("model_type")?
    )) {
        Ok(ModelType::Classification) => "classification",
        Ok(ModelType::Regression) => "regression",
        _ => {
            return Err(invalid(
                "only classification and regression models can be remote",
            ))
        }
    };
    let classes = match (task, b.classes) {
        ("classification", Some(c)) if !c.is_empty() => Some(serde_json::Value::Array(c)),
        ("classification", _) => return Err(invalid("a classifier needs its classes")),
        (_, Some(_)) => return Err(invalid("a regressor has no classes")),
        (_, None) => None,
    };
    let endpoint = RemoteEndpoint {
        protocol: b.protocol,
        url: b.url.trim_end_matches('/').to_owned(),
        model_name: b.model_name,
        input_name: b.input_name,
        timeout_ms: b.timeout_ms.unwrap_or(5000).clamp(1, 60_000),
        retries: b.retries.unwrap_or(2).min(5),
    };
    crate::remote::probe(&endpoint).await.map_err(|e| {
        ApiError::unprocessable("remote_unreachable", format!("checking the server: {e}"))
    })?;
    let metadata = b.metadata.unwrap_or_else(|| serde_json::json!({}));
    if !metadata.is_object() {
        return Err(invalid("metadata must be a JSON object"));
    }
    let canonical = serde_json::to_vec(&endpoint).map_err(ApiError::internal)?;
    let sha256 = hex::encode(Sha256::digest(&canonical));
    let cmd = ModelCommand::AddVersion {
        version: NewVersion {
            artifact: Artifact {
                sha256: sha256.clone(),
                size: 0,
                format: ArtifactFormat::Remote,
                filename: None,
                remote: Some(endpoint.clone()),
            },
            signature: ArtifactSignature {
                input_name: endpoint.input_name.clone(),
                element_type: "float64".into(),
                n_features,
                feature_names: None,
                task: task.into(),
                classes,
                outputs: Vec::new(),
            },
            description: b.description,
            metadata,
        },
        created_by: ctx
            .metadata
            .actor_id
            .clone()
            .unwrap_or_else(|| "system".into()),
    };
    let events =
        models::execute(state.store.as_ref(), model_id, if_match, cmd, ctx.metadata).await?;
    crate::remote::engine::remember(&sha256, endpoint);
    state.settle(&events).await;
    created(&state, &id, &events).await
}
