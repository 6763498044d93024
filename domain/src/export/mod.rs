//! Export jobs: a report rendered as PDF, Excel or CSV, stored as a blob, and
//! every step (requested, completed, downloaded, deleted) on record.

pub mod schedule;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::aggregate::Aggregate;

/// Stream type of export jobs.
pub const EXPORT_STREAM: &str = "export_job";

/// A document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// A PDF document.
    Pdf,
    /// An `.xlsx` workbook.
    Excel,
    /// Comma-separated values.
    Csv,
}

impl ExportFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Excel => "xlsx",
            Self::Csv => "csv",
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Excel => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportContent {
    /// A model's card and versions.
    ModelCard,
    /// A dataset's quality report.
    DataQuality,
    /// A model's drift reports.
    Drift,
    /// The compliance checklist of one model or of all.
    Compliance,
    /// An extract of the audit log.
    AuditLog,
    /// A model's fairness assessments and their group metrics.
    Fairness,
    /// A model's explanations (SHAP importance and the rest).
    Explainability,
    /// An LLM/RAG evaluation: aggregated metrics with intervals and every item.
    Evaluation,
}

/// What a caller asked to export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRequest {
    /// The job id (UUID v7).
    pub export_id: String,
    /// The format.
    pub format: ExportFormat,
    /// The content.
    pub content: ExportContent,
    /// The model or dataset it is about, where the content needs one.
    pub subject_id: Option<String>,
    /// Actor id.
    pub requested_by: String,
    /// The background job that renders it (absent on exports rendered inline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The schedule that started it, for unattended runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
}

/// The rendered file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportFile {
    /// SHA-256 of the file (its blob key).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Suggested file name.
    pub filename: String,
    /// The log head the content was read at.
    pub head_position: i64,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportStatus {
    /// Not requested.
    #[default]
    None,
    /// Requested, rendering.
    Pending,
    /// Rendered and downloadable.
    Completed,
    /// Rendering failed.
    Failed,
    /// Deleted (its file is gone).
    Deleted,
}

/// An export job's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExportJob {
    /// The request.
    pub request: Option<ExportRequest>,
    /// Its status.
    pub status: ExportStatus,
    /// The file, once rendered.
    pub file: Option<ExportFile>,
}

/// What a caller may ask of an export job.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportCommand {
    /// Start a job.
    Request(ExportRequest),
    /// Record the rendered file.
    Complete(ExportFile),
    /// Record a failure.
    Fail(String),
    /// Record a download (who took it is in the metadata).
    RecordDownload,
    /// Delete the job and its file.
    Delete,
}

/// What happened to an export job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ExportEvent {
    /// Someone asked for an export.
    ExportRequested(ExportRequest),
    /// The file was rendered.
    ExportCompleted(ExportFile),
    /// Rendering failed.
    ExportFailed {
        /// Why.
        error: String,
    },
    /// Someone downloaded the file.
    ExportDownloaded {},
    /// The job was deleted.
    ExportDeleted {},
}

/// Why an export command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// Request on an existing job.
    #[error("export job already exists")]
    AlreadyExists,
    /// Command on a missing or deleted job.
    #[error("export job not found")]
    NotFound,
    /// Download or completion of a job in the wrong state.
    #[error("export job is {0}")]
    NotReady(&'static str),
}

impl ExportStatus {
    /// The status name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pending => "pending",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Deleted => "deleted",
        }
    }
}

impl Aggregate for ExportJob {
    const STREAM_TYPE: &'static str = EXPORT_STREAM;
    type Command = ExportCommand;
    type Event = ExportEvent;
    type Error = ExportError;

    fn decide(&self, cmd: ExportCommand) -> Result<Vec<ExportEvent>, ExportError> {
        use ExportStatus as S;
        match (cmd, self.status) {
            (ExportCommand::Request(r), S::None) => Ok(vec![ExportEvent::ExportRequested(r)]),
            (ExportCommand::Request(_), _) => Err(ExportError::AlreadyExists),
            (_, S::None | S::Deleted) => Err(ExportError::NotFound),
            (ExportCommand::Complete(f), S::Pending) => Ok(vec![ExportEvent::ExportCompleted(f)]),
            (ExportCommand::Fail(error), S::Pending) => {
                Ok(vec![ExportEvent::ExportFailed { error }])
            }
            (ExportCommand::Complete(_) | ExportCommand::Fail(_), s) => {
                Err(ExportError::NotReady(s.as_str()))
            }
            (ExportCommand::RecordDownload, S::Completed) => {
                Ok(vec![ExportEvent::ExportDownloaded {}])
            }
            (ExportCommand::RecordDownload, s) => Err(ExportError::NotReady(s.as_str())),
            (ExportCommand::Delete, _) => Ok(vec![ExportEvent::ExportDeleted {}]),
        }
    }

    fn apply(&mut self, event: &ExportEvent) {
        match event {
            ExportEvent::ExportRequested(r) => {
                self.request = Some(r.clone());
                self.status = ExportStatus::Pending;
            }
            ExportEvent::ExportCompleted(f) => {
                self.file = Some(f.clone());
                self.status = ExportStatus::Completed;
            }
            ExportEvent::ExportFailed { .. } => self.status = ExportStatus::Failed,
            ExportEvent::ExportDownloaded {} => {}
            ExportEvent::ExportDeleted {} => self.status = ExportStatus::Deleted,
        }
    }
}
