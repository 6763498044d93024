//! Models, minimal: the first governance aggregate (the registry issue extends it).

mod spec;
#[cfg(test)]
mod tests;

pub use spec::{InvalidSpec, ModelSpec, ModelStatus, ModelType};

use serde::{Deserialize, Serialize};

use crate::{aggregate::Aggregate, ids::ModelId};

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
            ModelCommand::Delete => Ok(vec![ModelEvent::ModelDeleted {}]),
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
        }
    }
}
