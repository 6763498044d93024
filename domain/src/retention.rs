//! Data retention: how long each kind of record is kept, and the record of
//! every enforcement (what was removed, by id and count, never the data).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aggregate::Aggregate;

/// The one stream holding the policies and their enforcements.
pub const POLICIES_ID: &str = "policies";
/// Longest retention accepted, days (a hundred years).
pub const MAX_DAYS: u32 = 36_500;

/// A kind of record a policy can limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Inputs of logged predictions (sealed per model and day; the day key is destroyed).
    PredictionInputs,
    /// Window rows of real-time data streams.
    StreamWindows,
    /// Files of deleted datasets that no live record uses any more.
    DeletedDatasetFiles,
}

impl RecordKind {
    /// Every kind.
    pub const ALL: [RecordKind; 3] = [
        RecordKind::PredictionInputs,
        RecordKind::StreamWindows,
        RecordKind::DeletedDatasetFiles,
    ];

    /// Its name in routes and events.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::PredictionInputs => "prediction_inputs",
            RecordKind::StreamWindows => "stream_windows",
            RecordKind::DeletedDatasetFiles => "deleted_dataset_files",
        }
    }

    /// The kind with this name.
    pub fn parse(name: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The policies in force.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Retention {
    /// Days each limited kind is kept.
    pub policies: BTreeMap<RecordKind, u32>,
    /// Enforcements recorded so far.
    pub enforcements: u64,
}

/// What one enforcement removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enforcement {
    /// The kind of record.
    pub kind: RecordKind,
    /// The policy applied, days.
    pub days: u32,
    /// Records from before this instant were removed (microseconds).
    pub cutoff: i64,
    /// Identifiers of what was removed (key subjects, file hashes, stream ids).
    pub removed: Vec<String>,
    /// How many records that was (rows, files or keys).
    pub count: u64,
}

/// A change to retention.
#[derive(Debug, Clone, PartialEq)]
pub enum RetentionCommand {
    /// Keep records of a kind for `days`.
    SetPolicy {
        /// The kind.
        kind: RecordKind,
        /// Days kept.
        days: u32,
    },
    /// Keep records of a kind indefinitely again.
    ClearPolicy {
        /// The kind.
        kind: RecordKind,
    },
    /// Record what an enforcement removed.
    RecordEnforcement(Enforcement),
}

/// What happened to retention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum RetentionEvent {
    /// Records of `kind` are kept `days`.
    RetentionPolicySet {
        /// The kind.
        kind: RecordKind,
        /// Days kept.
        days: u32,
    },
    /// Records of `kind` are kept indefinitely.
    RetentionPolicyCleared {
        /// The kind.
        kind: RecordKind,
    },
    /// An enforcement removed records.
    RetentionEnforced(Enforcement),
}

/// Why a retention command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    /// Days outside 1..=MAX_DAYS.
    #[error("days must be 1 to {MAX_DAYS}")]
    InvalidDays,
    /// No policy to clear.
    #[error("no retention policy for {0}")]
    NoPolicy(&'static str),
    /// The enforcement does not follow the policy in force.
    #[error("enforcement of {0} does not match its policy")]
    NotThePolicy(&'static str),
    /// An enforcement that removed nothing is not recorded.
    #[error("nothing was removed")]
    NothingRemoved,
}

impl Aggregate for Retention {
    const STREAM_TYPE: &'static str = "retention";
    type Command = RetentionCommand;
    type Event = RetentionEvent;
    type Error = RetentionError;

    fn decide(&self, cmd: RetentionCommand) -> Result<Vec<RetentionEvent>, RetentionError> {
        match cmd {
            RetentionCommand::SetPolicy { kind, days } => {
                if !(1..=MAX_DAYS).contains(&days) {
                    return Err(RetentionError::InvalidDays);
                }
                if self.policies.get(&kind) == Some(&days) {
                    return Ok(Vec::new());
                }
                Ok(vec![RetentionEvent::RetentionPolicySet { kind, days }])
            }
            RetentionCommand::ClearPolicy { kind } => {
                if !self.policies.contains_key(&kind) {
                    return Err(RetentionError::NoPolicy(kind.name()));
                }
                Ok(vec![RetentionEvent::RetentionPolicyCleared { kind }])
            }
            RetentionCommand::RecordEnforcement(e) => {
                if self.policies.get(&e.kind) != Some(&e.days) {
                    return Err(RetentionError::NotThePolicy(e.kind.name()));
                }
                if e.count == 0 {
                    return Err(RetentionError::NothingRemoved);
                }
                Ok(vec![RetentionEvent::RetentionEnforced(e)])
            }
        }
    }

    fn apply(&mut self, event: &RetentionEvent) {
        match event {
            RetentionEvent::RetentionPolicySet { kind, days } => {
                self.policies.insert(*kind, *days);
            }
            RetentionEvent::RetentionPolicyCleared { kind } => {
                self.policies.remove(kind);
            }
            RetentionEvent::RetentionEnforced(_) => self.enforcements += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enforcement(days: u32, count: u64) -> Enforcement {
        Enforcement {
            kind: RecordKind::StreamWindows,
            days,
            cutoff: 0,
            removed: vec!["s".into()],
            count,
        }
    }

    #[test]
    fn policies_are_set_cleared_and_enforced_only_as_in_force() {
        let mut r = Retention::default();
        assert_eq!(
            r.decide(RetentionCommand::SetPolicy {
                kind: RecordKind::StreamWindows,
                days: 0
            }),
            Err(RetentionError::InvalidDays)
        );
        let set = r
            .decide(RetentionCommand::SetPolicy {
                kind: RecordKind::StreamWindows,
                days: 7,
            })
            .unwrap_or_default();
        set.iter().for_each(|e| r.apply(e));
        assert_eq!(r.policies.get(&RecordKind::StreamWindows), Some(&7));
        assert_eq!(
            r.decide(RetentionCommand::RecordEnforcement(enforcement(8, 1))),
            Err(RetentionError::NotThePolicy("stream_windows"))
        );
        assert_eq!(
            r.decide(RetentionCommand::RecordEnforcement(enforcement(7, 0))),
            Err(RetentionError::NothingRemoved)
        );
        assert_eq!(
            r.decide(RetentionCommand::RecordEnforcement(enforcement(7, 1)))
                .map(|v| v.len()),
            Ok(1)
        );
        let cleared = r
            .decide(RetentionCommand::ClearPolicy {
                kind: RecordKind::StreamWindows,
            })
            .unwrap_or_default();
        cleared.iter().for_each(|e| r.apply(e));
        assert!(r.policies.is_empty());
        assert_eq!(
            r.decide(RetentionCommand::ClearPolicy {
                kind: RecordKind::StreamWindows
            }),
            Err(RetentionError::NoPolicy("stream_windows"))
        );
    }
}
