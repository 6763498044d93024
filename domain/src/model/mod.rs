//! Models: the registry entry with its card, its versions (artifacts RAIA runs),
//! their review lifecycle and the aliases that point at them.

mod card;
mod evaluation;
mod lifecycle;
mod predictions;
mod spec;
#[cfg(test)]
mod tests;
mod version;

pub use card::{FeatureType, ModelCard, RiskTier};
pub use evaluation::Evaluation;
pub use lifecycle::{headline_status, ReviewAction, Transition};
pub use predictions::{PredictionEvent, PredictionRecord, PREDICTION_STREAM};
pub use spec::{InvalidSpec, ModelSpec, ModelStatus, ModelType};
pub use version::{
    Alias, Artifact, ArtifactFormat, ArtifactSignature, InvalidAlias, ModelVersion, NewVersion,
    RemoteEndpoint, RemoteProtocol, SignatureOutput, VersionStatus,
};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{aggregate::Aggregate, fairness::DecisionPolicy, ids::ModelId};

/// The model aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Model {
    /// Set once registered.
    pub id: Option<ModelId>,
    /// The descriptive fields.
    pub spec: Option<ModelSpec>,
    /// Who registered it.
    pub created_by: Option<String>,
    /// Set once deleted; a deleted model accepts no command.
    pub deleted: bool,
    /// Versions in upload order (number = index + 1).
    pub versions: Vec<ModelVersion>,
    /// Aliases and the version each points at.
    pub aliases: BTreeMap<Alias, u32>,
    /// Decision policies attached per version (the latest applies).
    pub policies: BTreeMap<u32, u32>,
}

impl Model {
    /// The version with this number.
    pub fn version(&self, number: u32) -> Option<&ModelVersion> {
        let i = usize::try_from(number).ok()?.checked_sub(1)?;
        self.versions.get(i)
    }

    /// The deployed version, if any.
    pub fn deployed(&self) -> Option<&ModelVersion> {
        self.versions
            .iter()
            .find(|v| v.status == VersionStatus::Deployed)
    }
}

/// What a caller may ask of a model.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelCommand {
    /// Register a new model.
    Register {
        /// New id.
        model_id: ModelId,
        /// Validated fields.
        spec: ModelSpec,
        /// Actor id.
        created_by: String,
    },
    /// Replace the descriptive fields.
    Update {
        /// Validated fields.
        spec: ModelSpec,
    },
    /// Remove the model from the registry (its history stays).
    Delete,
    /// Add a version whose artifact was stored and validated.
    AddVersion {
        /// The artifact and its signature.
        version: NewVersion,
        /// Actor id.
        created_by: String,
    },
    /// Move a version through its lifecycle.
    Review {
        /// Version number.
        version: u32,
        /// What to do.
        action: ReviewAction,
        /// Actor id.
        actor: String,
        /// Why.
        comment: Option<String>,
    },
    /// Point an alias at a version (creating or moving it).
    SetAlias {
        /// The alias.
        alias: Alias,
        /// Version number.
        version: u32,
    },
    /// Remove an alias.
    RemoveAlias {
        /// The alias.
        alias: Alias,
    },
    /// Record a performance measurement computed by the handler.
    RecordEvaluation(Evaluation),
    /// Attach a post-processing decision policy to a version (its `policy_version` is
    /// assigned here).
    AttachDecisionPolicy(Box<DecisionPolicy>),
}

/// What happened to a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ModelEvent {
    /// A model entered the registry.
    ModelRegistered {
        /// The id.
        model_id: ModelId,
        /// Its fields.
        #[serde(flatten)]
        spec: ModelSpec,
        /// Actor id.
        created_by: String,
    },
    /// Its fields changed; carries the full new field set.
    ModelUpdated {
        /// New fields.
        #[serde(flatten)]
        spec: ModelSpec,
    },
    /// It left the registry.
    ModelDeleted {},
    /// A version was uploaded, loaded and its signature extracted.
    ModelVersionAdded {
        /// Its number.
        version: u32,
        /// Artifact, signature, description, metadata.
        #[serde(flatten)]
        spec: NewVersion,
        /// Actor id.
        created_by: String,
    },
    /// A version was submitted for review.
    ModelVersionSubmitted(Transition),
    /// A reviewer approved it.
    ModelVersionApproved(Transition),
    /// A reviewer rejected it.
    ModelVersionRejected(Transition),
    /// It now serves predictions by default.
    ModelVersionDeployed(Transition),
    /// It was taken out of service.
    ModelVersionRetired(Transition),
    /// An alias now points at a version.
    ModelAliasSet {
        /// The alias.
        alias: Alias,
        /// Version number.
        version: u32,
    },
    /// An alias was removed.
    ModelAliasRemoved {
        /// The alias.
        alias: Alias,
    },
    /// A version's performance was measured on labelled data.
    ModelVersionEvaluated(Evaluation),
    /// A post-processing decision policy now applies to a version's predictions.
    DecisionPolicyAttached(Box<DecisionPolicy>),
}

/// Why a model command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// Register on an existing stream.
    #[error("model already exists")]
    AlreadyExists,
    /// Command on a missing model.
    #[error("model not found")]
    NotFound,
    /// Command on a deleted model.
    #[error("model was deleted")]
    Deleted,
    /// Update that changes nothing.
    #[error("update changes nothing")]
    Unchanged,
    /// No version with this number.
    #[error("model version {0} not found")]
    VersionNotFound(u32),
    /// The action does not apply to a version in this status.
    #[error("version {version} is {}; it cannot be {action}", status.as_str())]
    InvalidTransition {
        /// Version number.
        version: u32,
        /// Its status.
        status: VersionStatus,
        /// The refused action, past tense.
        action: &'static str,
    },
    /// Four eyes: the submitter reviewed their own version.
    #[error("the submitter of a version may not review it (four-eyes rule)")]
    SelfReview,
    /// Deploying a version nobody approved.
    #[error("version {version} is {}; only an approved version can be deployed", status.as_str())]
    NotApproved {
        /// Version number.
        version: u32,
        /// Its status.
        status: VersionStatus,
    },
    /// Rejections must say why.
    #[error("a rejection needs a comment")]
    CommentRequired,
    /// No such alias.
    #[error("alias {0} not found")]
    AliasNotFound(String),
    /// Deleting a model that still serves predictions.
    #[error("the model has a deployed version; retire it first")]
    StillDeployed,
}

impl Aggregate for Model {
    const STREAM_TYPE: &'static str = "model";
    type Command = ModelCommand;
    type Event = ModelEvent;
    type Error = ModelError;

    fn decide(&self, cmd: ModelCommand) -> Result<Vec<ModelEvent>, ModelError> {
        if let ModelCommand::Register {
            model_id,
            spec,
            created_by,
        } = cmd
        {
            return match self.id {
                Some(_) => Err(ModelError::AlreadyExists),
                None => Ok(vec![ModelEvent::ModelRegistered {
                    model_id,
                    spec,
                    created_by,
                }]),
            };
        }
        let current = self.spec.as_ref().ok_or(ModelError::NotFound)?;
        if self.deleted {
            return Err(ModelError::Deleted);
        }
        match cmd {
            ModelCommand::Register { .. } => Err(ModelError::AlreadyExists),
            ModelCommand::Update { spec } if &spec == current => Err(ModelError::Unchanged),
            ModelCommand::Update { spec } => Ok(vec![ModelEvent::ModelUpdated { spec }]),
            ModelCommand::Delete if self.deployed().is_some() => Err(ModelError::StillDeployed),
            ModelCommand::Delete => Ok(vec![ModelEvent::ModelDeleted {}]),
            ModelCommand::AddVersion {
                version,
                created_by,
            } => Ok(vec![ModelEvent::ModelVersionAdded {
                version: u32::try_from(self.versions.len() + 1).unwrap_or(u32::MAX),
                spec: version,
                created_by,
            }]),
            ModelCommand::Review {
                version,
                action,
                actor,
                comment,
            } => lifecycle::decide(self, version, action, actor, comment),
            ModelCommand::SetAlias { alias, version } => {
                self.version(version)
                    .ok_or(ModelError::VersionNotFound(version))?;
                if self.aliases.get(&alias) == Some(&version) {
                    return Err(ModelError::Unchanged);
                }
                Ok(vec![ModelEvent::ModelAliasSet { alias, version }])
            }
            ModelCommand::RemoveAlias { alias } => {
                if !self.aliases.contains_key(&alias) {
                    return Err(ModelError::AliasNotFound(alias.as_str().to_owned()));
                }
                Ok(vec![ModelEvent::ModelAliasRemoved { alias }])
            }
            ModelCommand::RecordEvaluation(ev) => {
                self.version(ev.version)
                    .ok_or(ModelError::VersionNotFound(ev.version))?;
                Ok(vec![ModelEvent::ModelVersionEvaluated(ev)])
            }
            ModelCommand::AttachDecisionPolicy(mut policy) => {
                self.version(policy.version)
                    .ok_or(ModelError::VersionNotFound(policy.version))?;
                policy.policy_version = self.policies.get(&policy.version).map_or(1, |n| n + 1);
                Ok(vec![ModelEvent::DecisionPolicyAttached(policy)])
            }
        }
    }

    fn apply(&mut self, event: &ModelEvent) {
        match event {
            ModelEvent::ModelRegistered {
                model_id,
                spec,
                created_by,
            } => {
                self.id = Some(*model_id);
                self.spec = Some(spec.clone());
                self.created_by = Some(created_by.clone());
            }
            ModelEvent::ModelUpdated { spec } => self.spec = Some(spec.clone()),
            ModelEvent::ModelDeleted {} => self.deleted = true,
            ModelEvent::ModelVersionAdded {
                version,
                spec,
                created_by,
            } => self.versions.push(ModelVersion {
                number: *version,
                spec: spec.clone(),
                status: VersionStatus::Draft,
                created_by: created_by.clone(),
                submitted_by: None,
                reviewed_by: None,
            }),
            ModelEvent::ModelVersionSubmitted(t)
            | ModelEvent::ModelVersionApproved(t)
            | ModelEvent::ModelVersionRejected(t)
            | ModelEvent::ModelVersionDeployed(t)
            | ModelEvent::ModelVersionRetired(t) => lifecycle::apply(self, event, t),
            ModelEvent::ModelAliasSet { alias, version } => {
                self.aliases.insert(alias.clone(), *version);
            }
            ModelEvent::ModelAliasRemoved { alias } => {
                self.aliases.remove(alias);
            }
            // Measurements change nothing the aggregate decides on.
            ModelEvent::ModelVersionEvaluated(_) => {}
            ModelEvent::DecisionPolicyAttached(p) => {
                self.policies.insert(p.version, p.policy_version);
            }
        }
    }
}
