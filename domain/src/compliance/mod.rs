//! Compliance: per model version, a checklist mapped to the EU AI Act (Art. 9–15)
//! and the NIST AI RMF functions, decided from the events in the log; and the
//! record that a compliance report was generated.

mod checklist;
pub mod claims;
#[cfg(test)]
mod tests;

pub use checklist::{evaluate, Evidence, Facts, Item, ItemResult, Status, Summary, DAY};
pub use claims::{classify, Claim, Subject};

use serde::{Deserialize, Serialize};

use crate::aggregate::Aggregate;

/// Stream type of generated compliance reports.
pub const REPORT_STREAM: &str = "compliance_report";

/// What a generated report covered, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRecord {
    /// The report id (UUID v7).
    pub report_id: String,
    /// The model it covers, or `None` for every model.
    pub model_id: Option<String>,
    /// SHA-256 of the report document as delivered.
    pub sha256: String,
    /// The log head it was computed at.
    pub head_position: i64,
    /// Items met.
    pub met: usize,
    /// Items stale.
    pub stale: usize,
    /// Items missing.
    pub missing: usize,
}

/// A compliance report's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ComplianceReport {
    /// Set once generated.
    pub record: Option<ReportRecord>,
}

/// What a caller may ask of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum ComplianceCommand {
    /// Record that a report was generated.
    Generate(ReportRecord),
}

/// What happened to a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ComplianceEvent {
    /// A report was generated (who took it is in the metadata).
    ComplianceReportGenerated(ReportRecord),
}

/// Why a report command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComplianceError {
    /// Generate on an existing report.
    #[error("compliance report already exists")]
    AlreadyExists,
}

impl Aggregate for ComplianceReport {
    const STREAM_TYPE: &'static str = REPORT_STREAM;
    type Command = ComplianceCommand;
    type Event = ComplianceEvent;
    type Error = ComplianceError;

    fn decide(&self, cmd: ComplianceCommand) -> Result<Vec<ComplianceEvent>, ComplianceError> {
        let ComplianceCommand::Generate(record) = cmd;
        if self.record.is_some() {
            return Err(ComplianceError::AlreadyExists);
        }
        Ok(vec![ComplianceEvent::ComplianceReportGenerated(record)])
    }

    fn apply(&mut self, event: &ComplianceEvent) {
        let ComplianceEvent::ComplianceReportGenerated(r) = event;
        self.record = Some(r.clone());
    }
}
