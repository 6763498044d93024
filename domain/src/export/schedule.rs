//! Export schedules: an export (format, content, subject) run unattended at
//! each occurrence of a cron expression, every run on record.
//!
//! The cron expression is checked and evaluated at the edge (the API crate);
//! the aggregate only keeps runs strictly increasing, so two nodes that both
//! see an occurrence due cannot both run it.

use serde::{Deserialize, Serialize};

use super::{ExportContent, ExportFormat};
use crate::aggregate::Aggregate;

/// Stream type of export schedules.
pub const SCHEDULE_STREAM: &str = "export_schedule";

/// What a schedule exports and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    /// A name for people.
    pub name: String,
    /// A cron expression (5 fields, or 6 with seconds), evaluated in UTC.
    pub cron: String,
    /// The format.
    pub format: ExportFormat,
    /// The content.
    pub content: ExportContent,
    /// The model or dataset it is about, where the content needs one.
    pub subject_id: Option<String>,
    /// Who owns it; its exports are theirs and read with their role.
    pub owner: String,
    /// Occurrences after this instant (µs since the epoch) are run.
    pub starts_after: i64,
}

/// A schedule's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExportSchedule {
    /// Set once created.
    pub spec: Option<ScheduleSpec>,
    /// The occurrence last run (µs since the epoch).
    pub last_due_at: Option<i64>,
    /// Runs so far.
    pub runs: u64,
    /// Whether it was deleted.
    pub deleted: bool,
}

/// What may be asked of a schedule.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleCommand {
    /// Create it.
    Create(ScheduleSpec),
    /// Record that the occurrence `due_at` started export `export_id`.
    RecordRun {
        /// The occurrence (µs since the epoch).
        due_at: i64,
        /// The export job it started.
        export_id: String,
    },
    /// Delete it (no further runs).
    Delete,
}

/// What happened to a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ScheduleEvent {
    /// It was created.
    ExportScheduleCreated(ScheduleSpec),
    /// An occurrence ran.
    ExportScheduleRan {
        /// The occurrence (µs since the epoch).
        due_at: i64,
        /// The export job it started.
        export_id: String,
    },
    /// It was deleted.
    ExportScheduleDeleted {},
}

/// Why a schedule command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Create on an existing schedule.
    #[error("export schedule already exists")]
    AlreadyExists,
    /// Command on a missing or deleted schedule.
    #[error("export schedule not found")]
    NotFound,
    /// A run at or before the last one (another node ran it).
    #[error("that occurrence already ran")]
    AlreadyRan,
}

impl Aggregate for ExportSchedule {
    const STREAM_TYPE: &'static str = SCHEDULE_STREAM;
    type Command = ScheduleCommand;
    type Event = ScheduleEvent;
    type Error = ScheduleError;

    fn decide(&self, cmd: ScheduleCommand) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        match cmd {
            ScheduleCommand::Create(_) if self.spec.is_some() => Err(ScheduleError::AlreadyExists),
            ScheduleCommand::Create(s) => Ok(vec![ScheduleEvent::ExportScheduleCreated(s)]),
            _ if self.spec.is_none() || self.deleted => Err(ScheduleError::NotFound),
            ScheduleCommand::RecordRun { due_at, .. }
                if self.last_due_at.is_some_and(|last| due_at <= last) =>
            {
                Err(ScheduleError::AlreadyRan)
            }
            ScheduleCommand::RecordRun { due_at, export_id } => {
                Ok(vec![ScheduleEvent::ExportScheduleRan { due_at, export_id }])
            }
            ScheduleCommand::Delete => Ok(vec![ScheduleEvent::ExportScheduleDeleted {}]),
        }
    }

    fn apply(&mut self, event: &ScheduleEvent) {
        match event {
            ScheduleEvent::ExportScheduleCreated(s) => self.spec = Some(s.clone()),
            ScheduleEvent::ExportScheduleRan { due_at, .. } => {
                self.last_due_at = Some(*due_at);
                self.runs += 1;
            }
            ScheduleEvent::ExportScheduleDeleted {} => self.deleted = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &mut ExportSchedule, cmd: ScheduleCommand) -> Result<(), ScheduleError> {
        for e in s.decide(cmd)? {
            s.apply(&e);
        }
        Ok(())
    }

    fn ran(due_at: i64) -> ScheduleCommand {
        ScheduleCommand::RecordRun {
            due_at,
            export_id: format!("e{due_at}"),
        }
    }

    #[test]
    fn an_occurrence_runs_once_and_a_deleted_schedule_never_again() {
        let mut s = ExportSchedule::default();
        assert_eq!(run(&mut s, ran(1)), Err(ScheduleError::NotFound));
        let spec = ScheduleSpec {
            name: "weekly".into(),
            cron: "0 6 * * MON".into(),
            format: ExportFormat::Pdf,
            content: ExportContent::Compliance,
            subject_id: None,
            owner: "u1".into(),
            starts_after: 0,
        };
        run(&mut s, ScheduleCommand::Create(spec.clone())).unwrap();
        assert_eq!(
            run(&mut s, ScheduleCommand::Create(spec)),
            Err(ScheduleError::AlreadyExists)
        );
        run(&mut s, ran(10)).unwrap();
        assert_eq!(run(&mut s, ran(10)), Err(ScheduleError::AlreadyRan));
        assert_eq!(run(&mut s, ran(5)), Err(ScheduleError::AlreadyRan));
        run(&mut s, ran(20)).unwrap();
        assert_eq!(s.runs, 2);
        run(&mut s, ScheduleCommand::Delete).unwrap();
        assert_eq!(run(&mut s, ran(30)), Err(ScheduleError::NotFound));
    }
}
