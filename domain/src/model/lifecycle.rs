//! A version's review lifecycle: draft → submitted → approved or rejected →
//! deployed → retired, with four eyes between submitting and reviewing.

use serde::{Deserialize, Serialize};

use super::{Model, ModelError, ModelEvent, ModelStatus, VersionStatus};

/// One lifecycle step: which version, who took it, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// Version number.
    pub version: u32,
    /// Actor id (also in the event metadata; kept here for the four-eyes rule).
    pub by: String,
    /// The actor's comment.
    pub comment: Option<String>,
}

/// A lifecycle action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    /// Ask for review.
    Submit,
    /// Accept (reviewer ≠ submitter).
    Approve,
    /// Refuse with a comment (reviewer ≠ submitter).
    Reject,
    /// Serve it by default (replaces the deployed version, which is retired).
    Deploy,
    /// Take it out of service.
    Retire,
}

impl ReviewAction {
    fn past(self) -> &'static str {
        match self {
            Self::Submit => "submitted",
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Deploy => "deployed",
            Self::Retire => "retired",
        }
    }
}

/// Decides a lifecycle step.
pub(super) fn decide(
    model: &Model,
    version: u32,
    action: ReviewAction,
    actor: String,
    comment: Option<String>,
) -> Result<Vec<ModelEvent>, ModelError> {
    use VersionStatus as S;
    let v = model
        .version(version)
        .ok_or(ModelError::VersionNotFound(version))?;
    let refuse = || ModelError::InvalidTransition {
        version,
        status: v.status,
        action: action.past(),
    };
    let t = Transition {
        version,
        by: actor,
        comment,
    };
    let reviewing = matches!(action, ReviewAction::Approve | ReviewAction::Reject);
    if reviewing && v.status == S::Submitted && v.submitted_by.as_deref() == Some(t.by.as_str()) {
        return Err(ModelError::SelfReview);
    }
    match (action, v.status) {
        (ReviewAction::Submit, S::Draft | S::Rejected) => {
            Ok(vec![ModelEvent::ModelVersionSubmitted(t)])
        }
        (ReviewAction::Approve, S::Submitted) => Ok(vec![ModelEvent::ModelVersionApproved(t)]),
        (ReviewAction::Reject, S::Submitted) if t.comment.is_none() => {
            Err(ModelError::CommentRequired)
        }
        (ReviewAction::Reject, S::Submitted) => Ok(vec![ModelEvent::ModelVersionRejected(t)]),
        (ReviewAction::Deploy, S::Approved) => {
            let mut events = Vec::new();
            if let Some(old) = model.deployed() {
                events.push(ModelEvent::ModelVersionRetired(Transition {
                    version: old.number,
                    by: t.by.clone(),
                    comment: Some(format!("superseded by version {version}")),
                }));
            }
            events.push(ModelEvent::ModelVersionDeployed(t));
            Ok(events)
        }
        (ReviewAction::Deploy, status) if status != S::Deployed => {
            Err(ModelError::NotApproved { version, status })
        }
        (ReviewAction::Retire, S::Approved | S::Deployed) => {
            Ok(vec![ModelEvent::ModelVersionRetired(t)])
        }
        _ => Err(refuse()),
    }
}

/// Folds a lifecycle event into the model.
pub(super) fn apply(model: &mut Model, event: &ModelEvent, t: &Transition) {
    let status = match event {
        ModelEvent::ModelVersionSubmitted(_) => VersionStatus::Submitted,
        ModelEvent::ModelVersionApproved(_) => VersionStatus::Approved,
        ModelEvent::ModelVersionRejected(_) => VersionStatus::Rejected,
        ModelEvent::ModelVersionDeployed(_) => VersionStatus::Deployed,
        ModelEvent::ModelVersionRetired(_) => VersionStatus::Retired,
        _ => return,
    };
    let Some(i) = usize::try_from(t.version)
        .ok()
        .and_then(|n| n.checked_sub(1))
    else {
        return;
    };
    let Some(v) = model.versions.get_mut(i) else {
        return;
    };
    let was_deployed = v.status == VersionStatus::Deployed;
    v.status = status;
    match status {
        VersionStatus::Submitted => v.submitted_by = Some(t.by.clone()),
        VersionStatus::Approved | VersionStatus::Rejected => v.reviewed_by = Some(t.by.clone()),
        _ => {}
    }
    if let (Some(spec), Some(s)) = (model.spec.as_mut(), headline_status(event, was_deployed)) {
        spec.status = s;
    }
}

/// The model status a lifecycle event leaves behind (`None`: unchanged): the
/// model is `deployed` when a version is deployed and `retired` when its
/// deployed version is retired. `was_deployed` is the version's status before.
pub fn headline_status(event: &ModelEvent, was_deployed: bool) -> Option<ModelStatus> {
    match event {
        ModelEvent::ModelVersionDeployed(_) => Some(ModelStatus::Deployed),
        ModelEvent::ModelVersionRetired(_) if was_deployed => Some(ModelStatus::Retired),
        _ => None,
    }
}
