//! Background jobs: long analyses and exports that answer `202 Accepted` and
//! report progress. A job's whole life is on its own stream, so an auditor sees
//! who started what, with which parameters, and how it ended.

use serde::{Deserialize, Serialize};

use crate::{aggregate::Aggregate, ids::JobId};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Not submitted.
    #[default]
    None,
    /// Waiting for a worker slot.
    Queued,
    /// Running.
    Running,
    /// Finished with a result.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Stopped on request.
    Cancelled,
}

impl JobStatus {
    /// Whether the job can no longer change.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }

    /// The status as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// The job aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Job {
    /// Set once submitted.
    pub id: Option<JobId>,
    /// What kind of work (`explain.shap`, `export.pdf`, ...).
    pub kind: String,
    /// Where it is.
    pub status: JobStatus,
    /// Units done.
    pub done: u64,
    /// Units in all (0 = unknown).
    pub total: u64,
    /// Whether someone asked it to stop.
    pub cancel_requested: bool,
}

/// What a caller may ask of a job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobCommand {
    /// Queue new work.
    Submit {
        /// New id.
        job_id: JobId,
        /// Kind of work.
        kind: String,
        /// Its parameters, as given.
        params: serde_json::Value,
        /// The node that runs it.
        node: Option<String>,
    },
    /// A worker took it.
    Start,
    /// Report progress.
    Progress {
        /// Units done.
        done: u64,
        /// Units in all.
        total: u64,
    },
    /// Ask it to stop.
    RequestCancel,
    /// It finished.
    Succeed {
        /// The result (or where to find it).
        result: serde_json::Value,
    },
    /// It failed.
    Fail {
        /// Why.
        error: String,
    },
    /// It stopped because it was asked to.
    Cancelled,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum JobEvent {
    /// Work was queued.
    JobSubmitted {
        /// The id.
        job_id: JobId,
        /// Kind of work.
        kind: String,
        /// Its parameters.
        params: serde_json::Value,
        /// The node that runs it (a restart of that node fails it if unfinished).
        #[serde(default)]
        node: Option<String>,
    },
    /// A worker took it.
    JobStarted,
    /// Progress.
    JobProgressed {
        /// Units done.
        done: u64,
        /// Units in all.
        total: u64,
    },
    /// Someone asked it to stop.
    JobCancelRequested,
    /// It finished.
    JobSucceeded {
        /// The result.
        result: serde_json::Value,
    },
    /// It failed.
    JobFailed {
        /// Why.
        error: String,
    },
    /// It stopped on request.
    JobCancelled,
}

/// Why a job command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Submit on an existing stream.
    #[error("job already exists")]
    AlreadyExists,
    /// No such job.
    #[error("no such job")]
    NotFound,
    /// The job already ended.
    #[error("the job already ended ({0})")]
    Finished(&'static str),
    /// Progress or an end before a worker took it.
    #[error("the job has not started")]
    NotStarted,
}

impl Aggregate for Job {
    const STREAM_TYPE: &'static str = "job";
    type Command = JobCommand;
    type Event = JobEvent;
    type Error = JobError;

    fn decide(&self, cmd: JobCommand) -> Result<Vec<JobEvent>, JobError> {
        if let JobCommand::Submit {
            job_id,
            kind,
            params,
            node,
        } = cmd
        {
            return match self.status {
                JobStatus::None => Ok(vec![JobEvent::JobSubmitted {
                    job_id,
                    kind,
                    params,
                    node,
                }]),
                _ => Err(JobError::AlreadyExists),
            };
        }
        match self.status {
            JobStatus::None => return Err(JobError::NotFound),
            s if s.is_final() => return Err(JobError::Finished(s.as_str())),
            _ => {}
        }
        let running = self.status == JobStatus::Running;
        Ok(match cmd {
            JobCommand::Submit { .. } => Vec::new(),
            JobCommand::Start if running => Vec::new(),
            JobCommand::Start => vec![JobEvent::JobStarted],
            JobCommand::RequestCancel if self.cancel_requested => Vec::new(),
            JobCommand::RequestCancel => vec![JobEvent::JobCancelRequested],
            // A queued job asked to stop never runs: it ends here.
            JobCommand::Cancelled => vec![JobEvent::JobCancelled],
            JobCommand::Fail { error } => vec![JobEvent::JobFailed { error }],
            _ if !running => return Err(JobError::NotStarted),
            JobCommand::Progress { done, total } => {
                vec![JobEvent::JobProgressed { done, total }]
            }
            JobCommand::Succeed { result } => vec![JobEvent::JobSucceeded { result }],
        })
    }

    fn apply(&mut self, event: &JobEvent) {
        match event {
            JobEvent::JobSubmitted { job_id, kind, .. } => {
                self.id = Some(*job_id);
                self.kind.clone_from(kind);
                self.status = JobStatus::Queued;
            }
            JobEvent::JobStarted => self.status = JobStatus::Running,
            JobEvent::JobProgressed { done, total } => {
                self.done = *done;
                self.total = *total;
            }
            JobEvent::JobCancelRequested => self.cancel_requested = true,
            JobEvent::JobSucceeded { .. } => self.status = JobStatus::Succeeded,
            JobEvent::JobFailed { .. } => self.status = JobStatus::Failed,
            JobEvent::JobCancelled => self.status = JobStatus::Cancelled,
        }
    }
}

#[cfg(test)]
mod tests;
