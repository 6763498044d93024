//! Exports: a report built from the log and its read models, rendered as PDF,
//! Excel or CSV, stored as a blob, with every request and download an event of
//! the `export_job` stream.

pub mod content;
mod csv;
pub mod pdf;
pub mod report;
mod xlsx;

use commands::{load, Batch, Until};
use domain::{
    export::{
        ExportCommand, ExportContent, ExportError, ExportFile, ExportFormat, ExportJob,
        ExportRequest,
    },
    upcast::Upcasters,
    Role,
};

use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    extract::Ctx,
    state::AppState,
};

pub use report::Report;

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
            ExportError::NotFound => Self::not_found("export job"),
            ExportError::NotReady(_) => Self::conflict("export_not_ready", e.to_string()),
        }
    }
}

/// Whether `role` may read what `content` holds (downloads are authorized the same way).
pub fn may_read(role: Role, content: ExportContent) -> bool {
    match content {
        ExportContent::AuditLog => crate::access::AUDIT.contains(&role),
        ExportContent::ModelCard
        | ExportContent::DataQuality
        | ExportContent::Drift
        | ExportContent::Compliance => true,
    }
}

/// Renders a report in `format`.
pub fn render(format: ExportFormat, report: &Report) -> ApiResult<Vec<u8>> {
    match format {
        ExportFormat::Pdf => pdf::render(report).map_err(ApiError::internal),
        ExportFormat::Excel => xlsx::render(report).map_err(ApiError::internal),
        ExportFormat::Csv => Ok(csv::render(report)),
    }
}

/// Builds, renders and stores an export; records its request and completion in
/// one append (nothing is written when the content cannot be built). Returns the job id.
pub async fn run(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    format: ExportFormat,
    content: ExportContent,
    subject_id: Option<String>,
) -> ApiResult<String> {
    if !may_read(caller.role, content) {
        return Err(ApiError::forbidden("your role may not read this content"));
    }
    let report = content::build(state, content, subject_id.as_deref()).await?;
    let bytes = {
        let report = report.clone();
        tokio::task::spawn_blocking(move || render(format, &report))
            .await
            .map_err(ApiError::internal)??
    };
    let blob = state
        .blobs
        .put_bytes(axum::body::Bytes::from(bytes))
        .await
        .map_err(ApiError::internal)?;
    let export_id = uuid::Uuid::now_v7().to_string();
    let loaded = load::<ExportJob>(
        state.store.as_ref(),
        &Upcasters::domain(),
        &export_id,
        Until::Now,
    )
    .await?;
    let stem = match &subject_id {
        Some(s) => format!(
            "{}-{}",
            name(&content),
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(40)
                .collect::<String>()
        ),
        None => name(&content),
    };
    let mut batch = Batch::new(ctx.metadata.clone());
    batch.decide_all(
        &loaded,
        vec![
            ExportCommand::Request(ExportRequest {
                export_id: export_id.clone(),
                format,
                content,
                subject_id,
                requested_by: caller.user_id.to_string(),
            }),
            ExportCommand::Complete(ExportFile {
                sha256: blob.sha256,
                size: blob.size,
                filename: format!("{stem}.{}", format.extension()),
                head_position: report.head_position,
            }),
        ],
    )?;
    let stored = state.store.append(batch.into_events()).await?;
    state.settle(&stored).await;
    Ok(export_id)
}

/// The snake_case name of a serializable unit variant.
pub fn name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Records a download or a deletion of a job.
pub async fn record(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    cmd: ExportCommand,
) -> ApiResult<ExportJob> {
    let loaded =
        load::<ExportJob>(state.store.as_ref(), &Upcasters::domain(), id, Until::Now).await?;
    let mut batch = Batch::new(ctx.metadata.clone());
    batch.decide(&loaded, None, cmd)?;
    let stored = state.store.append(batch.into_events()).await?;
    state.settle(&stored).await;
    Ok(loaded.state)
}
