//! Drift reports: a comparison of a current dataset with a reference, and the alert
//! raised when the dataset drifted.

use serde::{Deserialize, Serialize};

use crate::{
    aggregate::Aggregate,
    ids::{DatasetId, DriftReportId},
};

/// One column's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDriftResult {
    /// Column.
    pub column: String,
    /// `numerical` or `categorical`.
    pub kind: String,
    /// Test used (`ks`, `chisquare`, `z`, `wasserstein`, `psi`, `jensenshannon`, ...).
    pub test: String,
    /// The test's statistic (distance, or the test statistic for p-value tests).
    pub statistic: Option<f64>,
    /// p-value where the test has one.
    pub p_value: Option<f64>,
    /// The score compared with the threshold (p-value or distance).
    pub score: Option<f64>,
    /// Threshold applied.
    pub threshold: f64,
    /// Verdict.
    pub drift_detected: bool,
}

/// A whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftFindings {
    /// Optional model the report is filed under.
    pub model_id: Option<String>,
    /// Reference dataset.
    pub reference_dataset_id: DatasetId,
    /// Current dataset.
    pub current_dataset_id: DatasetId,
    /// Per-column verdicts.
    pub columns: Vec<ColumnDriftResult>,
    /// Drifted columns.
    pub drifted_columns: u64,
    /// `drifted_columns / columns`.
    pub share_of_drifted_columns: f64,
    /// The share at or above which the dataset drifted.
    pub drift_share: f64,
    /// Dataset-level verdict.
    pub dataset_drift: bool,
}

/// The drift report aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DriftReport {
    /// Set once recorded.
    pub id: Option<DriftReportId>,
    /// The findings.
    pub findings: Option<DriftFindings>,
    /// Whether an alert was raised.
    pub alerted: bool,
}

/// What a caller may ask of a drift report.
#[derive(Debug, Clone, PartialEq)]
pub enum DriftCommand {
    /// Record a finished comparison (and raise an alert when the dataset drifted).
    Record {
        /// New id.
        report_id: DriftReportId,
        /// The computed findings.
        findings: Box<DriftFindings>,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum DriftEvent {
    /// A comparison was run.
    DriftDetected {
        /// The id.
        report_id: DriftReportId,
        /// What it found.
        #[serde(flatten)]
        findings: Box<DriftFindings>,
    },
    /// The dataset drifted: someone should look.
    DriftAlertRaised {
        /// The report.
        report_id: DriftReportId,
        /// Model concerned, if any.
        model_id: Option<String>,
        /// Columns that drifted.
        drifted_columns: Vec<String>,
        /// Their share.
        share_of_drifted_columns: f64,
    },
}

/// Why a drift command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriftError {
    /// Record on an existing stream.
    #[error("drift report already exists")]
    AlreadyExists,
}

impl Aggregate for DriftReport {
    const STREAM_TYPE: &'static str = "drift";
    type Command = DriftCommand;
    type Event = DriftEvent;
    type Error = DriftError;

    fn decide(&self, cmd: DriftCommand) -> Result<Vec<DriftEvent>, DriftError> {
        let DriftCommand::Record {
            report_id,
            findings,
        } = cmd;
        if self.id.is_some() {
            return Err(DriftError::AlreadyExists);
        }
        let alert = findings
            .dataset_drift
            .then(|| DriftEvent::DriftAlertRaised {
                report_id,
                model_id: findings.model_id.clone(),
                drifted_columns: findings
                    .columns
                    .iter()
                    .filter(|c| c.drift_detected)
                    .map(|c| c.column.clone())
                    .collect(),
                share_of_drifted_columns: findings.share_of_drifted_columns,
            });
        let mut events = vec![DriftEvent::DriftDetected {
            report_id,
            findings,
        }];
        events.extend(alert);
        Ok(events)
    }

    fn apply(&mut self, event: &DriftEvent) {
        match event {
            DriftEvent::DriftDetected {
                report_id,
                findings,
            } => {
                self.id = Some(*report_id);
                self.findings = Some((**findings).clone());
            }
            DriftEvent::DriftAlertRaised { .. } => self.alerted = true,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_drifted_dataset_raises_an_alert_and_a_stable_one_does_not() {
        let id = DatasetId::from_uuid(uuid::Uuid::nil());
        let col = |drift| ColumnDriftResult {
            column: "a".into(),
            kind: "numerical".into(),
            test: "ks".into(),
            statistic: Some(0.5),
            p_value: Some(0.01),
            score: Some(0.01),
            threshold: 0.05,
            drift_detected: drift,
        };
        let findings = |drift: bool| DriftFindings {
            model_id: Some("m".into()),
            reference_dataset_id: id,
            current_dataset_id: id,
            columns: vec![col(drift)],
            drifted_columns: u64::from(drift),
            share_of_drifted_columns: if drift { 1.0 } else { 0.0 },
            drift_share: 0.5,
            dataset_drift: drift,
        };
        let rid = DriftReportId::from_uuid(uuid::Uuid::nil());
        let r = DriftReport::default();
        let e = r
            .decide(DriftCommand::Record {
                report_id: rid,
                findings: Box::new(findings(true)),
            })
            .unwrap();
        assert_eq!(e.len(), 2);
        assert!(
            matches!(&e[1], DriftEvent::DriftAlertRaised { drifted_columns, .. } if drifted_columns == &["a"])
        );
        let e = r
            .decide(DriftCommand::Record {
                report_id: rid,
                findings: Box::new(findings(false)),
            })
            .unwrap();
        assert_eq!(e.len(), 1);
    }
}
