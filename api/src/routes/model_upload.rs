//! `POST /api/v1/models/{id}/versions`: an artifact uploaded as multipart,
//! streamed into the content-addressed store under the size limit, validated
//! by loading it, and its signature kept in the version event.

use axum::{
    extract::{multipart::MultipartRejection, Multipart, Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use commands::{blobs::BlobError, model_artifacts, models};
use domain::model::{Artifact, ModelCommand, ModelType, NewVersion};
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::{Ctx, IfMatch},
    routes::{
        model_versions::{created, model_row, VersionView},
        models::parse_id,
    },
    state::AppState,
};

/// The `metadata` part of an upload.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionMetadata {
    /// Free text.
    pub description: Option<String>,
    /// Free JSON object.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

fn multipart_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        "invalid_multipart",
        format!("reading the multipart body: {e}"),
    )
}

fn unprocessable_artifact(detail: String) -> ApiError {
    ApiError::unprocessable("invalid_artifact", detail)
}

/// Checks the artifact's signature against the registered model.
fn check_signature(
    model_type: &str,
    feature_names: &[String],
    sig: &domain::model::ArtifactSignature,
) -> ApiResult<()> {
    let mismatch = |d: String| ApiError::unprocessable("signature_mismatch", d);
    let expected_task = match serde_json::from_value::<ModelType>(serde_json::json!(model_type)) {
        Ok(ModelType::Classification) => "classification",
        Ok(ModelType::Regression) => "regression",
        Ok(ModelType::Llm) | Err(_) => {
            return Err(mismatch(format!(
                "a model of type {model_type} takes no artifact"
            )))
        }
    };
    if sig.task != expected_task {
        return Err(mismatch(format!(
            "the artifact is a {} model but the registry entry is {expected_task}",
            sig.task
        )));
    }
    if !feature_names.is_empty() && feature_names.len() != sig.n_features {
        return Err(mismatch(format!(
            "the artifact reads {} features but the model declares {} feature_names",
            sig.n_features,
            feature_names.len()
        )));
    }
    if let (Some(inner), false) = (&sig.feature_names, feature_names.is_empty()) {
        if inner != feature_names {
            return Err(mismatch(
                "the artifact's own feature names differ from the model's feature_names".into(),
            ));
        }
    }
    Ok(())
}

/// Uploads a version: `artifact` (ONNX or XGBoost JSON file) and optional
/// `metadata` (JSON: `description`, `metadata`) as `multipart/form-data`.
#[utoipa::path(post, path = "/api/v1/models/{id}/versions", tag = "models", params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "parts `artifact` (file) and `metadata` (JSON)"),
    security(("bearer" = [])),
    responses((status = 201, body = VersionView), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 413, body = crate::error::Problem), (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ctx: Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<impl IntoResponse> {
    let model_id = parse_id(&id)?;
    let mut multipart = multipart.map_err(|e| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "send the version as multipart/form-data ({})",
                e.body_text()
            ),
        )
    })?;
    let model = model_row(&state, &id).await?;
    let limit = state.config.model_artifact_limit_bytes;
    let mut blob = None;
    let mut filename = None;
    let mut meta = VersionMetadata::default();
    let result: ApiResult<()> = async {
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            match field.name() {
                Some("artifact") if blob.is_none() => {
                    filename = field.file_name().map(|f| f.chars().take(255).collect());
                    let stored = state
                        .blobs
                        .put_stream(Box::pin(field), limit)
                        .await
                        .map_err(|e| match e {
                            BlobError::TooLarge { limit } => ApiError::new(
                                StatusCode::PAYLOAD_TOO_LARGE,
                                "payload_too_large",
                                format!("the artifact exceeds the limit of {limit} bytes"),
                            ),
                            BlobError::Source(s) => multipart_error(s),
                            other => ApiError::internal(other),
                        })?;
                    blob = Some(stored);
                }
                Some("metadata") => {
                    let text = field.text().await.map_err(multipart_error)?;
                    meta = serde_json::from_str(&text).map_err(|e| {
                        ApiError::bad_request("invalid_body", format!("metadata part: {e}"))
                    })?;
                }
                other => {
                    return Err(ApiError::bad_request(
                        "invalid_multipart",
                        format!(
                            "unexpected part {:?}; send `artifact` once and `metadata`",
                            other.unwrap_or("")
                        ),
                    ))
                }
            }
        }
        Ok(())
    }
    .await;
    // A refused upload leaves nothing, but never deletes a file another
    // version, dataset or document holds (files are content-addressed).
    let discard = |b: &Option<commands::blobs::BlobRef>| {
        let state = state.clone();
        let sha = b.as_ref().map(|b| b.sha256.clone());
        async move {
            if let Some(sha) = sha {
                let _ = crate::retention::blobs::release(&state, &sha).await;
            }
        }
    };
    if let Err(e) = result {
        discard(&blob).await;
        return Err(e);
    }
    let Some(stored) = blob.clone() else {
        return Err(ApiError::bad_request(
            "missing_artifact",
            "the `artifact` part is missing",
        ));
    };
    let metadata = meta.metadata.unwrap_or_else(|| serde_json::json!({}));
    if !metadata.is_object() {
        return Err(ApiError::unprocessable(
            "invalid_body",
            "metadata.metadata must be a JSON object",
        ));
    }
    if stored.size == 0 {
        discard(&blob).await;
        return Err(unprocessable_artifact("the artifact is empty".into()));
    }
    let bytes = state
        .blobs
        .read(&stored.sha256)
        .await
        .map_err(ApiError::internal)?;
    let inspected = tokio::task::spawn_blocking(move || model_artifacts::inspect(&bytes))
        .await
        .map_err(ApiError::internal)?;
    let inspected = match inspected {
        Ok(i) => i,
        Err(e) => {
            // Bytes that do not load were never referenced: keep nothing.
            if !referenced(&state, &stored.sha256).await? {
                discard(&blob).await;
            }
            return Err(unprocessable_artifact(e.to_string()));
        }
    };
    let feature_names: Vec<String> =
        serde_json::from_str(&model.try_get::<String, _>("feature_names")?)
            .map_err(ApiError::internal)?;
    if let Err(e) = check_signature(
        &model.try_get::<String, _>("model_type")?,
        &feature_names,
        &inspected.signature,
    ) {
        if !referenced(&state, &stored.sha256).await? {
            discard(&blob).await;
        }
        return Err(e);
    }
    let created_by = ctx
        .metadata
        .actor_id
        .clone()
        .unwrap_or_else(|| "system".into());
    let cmd = ModelCommand::AddVersion {
        version: NewVersion {
            artifact: Artifact {
                sha256: stored.sha256.clone(),
                size: stored.size,
                format: inspected.format,
                filename,
                remote: None,
            },
            signature: inspected.signature,
            description: meta.description,
            metadata,
        },
        created_by,
    };
    let events =
        match models::execute(state.store.as_ref(), model_id, if_match, cmd, ctx.metadata).await {
            Ok(events) => events,
            Err(e) => {
                if !referenced(&state, &stored.sha256).await? {
                    discard(&blob).await;
                }
                return Err(e.into());
            }
        };
    state
        .models
        .insert(&stored.sha256, std::sync::Arc::new(inspected.model));
    state.settle(&events).await;
    created(&state, &id, &events).await
}

async fn referenced(state: &AppState, sha256: &str) -> ApiResult<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM model_versions WHERE sha256 = $1 LIMIT 1")
            .bind(sha256.to_owned())
            .fetch_optional(state.db.read())
            .await?
            .is_some(),
    )
}
