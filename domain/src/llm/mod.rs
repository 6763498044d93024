//! LLM configurations: a provider, a model, parameters, a sealed API key and a
//! versioned prompt template. The key is sealed before it reaches the domain, so
//! no event ever holds it in clear.

pub mod spec;
pub mod template;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use spec::{LlmParameters, LlmSpec, Provider};

use crate::{aggregate::Aggregate, ids::LlmConfigurationId, sealed::Sealed};

/// The configuration aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LlmConfiguration {
    /// Set once created.
    pub id: Option<LlmConfigurationId>,
    /// Current settings.
    pub spec: Option<LlmSpec>,
    /// Current template and its version (0 = none yet).
    pub template: Option<String>,
    /// Template version.
    pub template_version: u32,
    /// Whether a key is stored (the key itself is never part of the state's JSON).
    pub has_api_key: bool,
    /// Whether deleted.
    pub deleted: bool,
}

/// A change to the stored key.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyChange {
    /// Store this sealed key.
    Set(Sealed),
    /// Forget the key.
    Remove,
}

/// What a caller may ask.
#[derive(Debug, Clone, PartialEq)]
pub enum LlmCommand {
    /// Create a configuration.
    Create {
        /// New id.
        id: LlmConfigurationId,
        /// Settings.
        spec: LlmSpec,
        /// Prompt template, if any.
        template: Option<String>,
        /// Sealed key, if any.
        api_key: Option<Sealed>,
    },
    /// Change any part.
    Update {
        /// New settings.
        spec: Option<LlmSpec>,
        /// New template (a new version when it differs).
        template: Option<String>,
        /// Key change.
        api_key: Option<KeyChange>,
    },
    /// Delete it.
    Delete,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum LlmEvent {
    /// A configuration was created.
    LlmConfigurationCreated {
        /// Its id.
        configuration_id: LlmConfigurationId,
        /// Its settings.
        #[serde(flatten)]
        spec: LlmSpec,
    },
    /// Its settings changed.
    LlmConfigurationUpdated {
        /// Its id.
        configuration_id: LlmConfigurationId,
        /// The new settings.
        #[serde(flatten)]
        spec: LlmSpec,
    },
    /// A new version of its prompt template.
    PromptTemplateVersioned {
        /// Its id.
        configuration_id: LlmConfigurationId,
        /// 1, 2, ...
        version: u32,
        /// The template.
        template: String,
        /// The variables it uses.
        variables: Vec<String>,
    },
    /// A key was stored (sealed; never in clear).
    LlmApiKeySet {
        /// Its id.
        configuration_id: LlmConfigurationId,
        /// The sealed key.
        api_key: Sealed,
    },
    /// The key was removed.
    LlmApiKeyRemoved {
        /// Its id.
        configuration_id: LlmConfigurationId,
    },
    /// The configuration was deleted.
    LlmConfigurationDeleted {
        /// Its id.
        configuration_id: LlmConfigurationId,
    },
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// No such configuration.
    #[error("LLM configuration not found")]
    NotFound,
    /// Create on an existing stream.
    #[error("LLM configuration already exists")]
    AlreadyExists,
    /// Settings are invalid.
    #[error("{0}")]
    InvalidSpec(String),
    /// Template is malformed.
    #[error("prompt template: {0}")]
    InvalidTemplate(#[from] template::TemplateError),
    /// Nothing would change.
    #[error("nothing to change")]
    Unchanged,
}

impl LlmConfiguration {
    fn live(&self) -> Result<LlmConfigurationId, LlmError> {
        match self.id {
            Some(id) if !self.deleted => Ok(id),
            _ => Err(LlmError::NotFound),
        }
    }

    fn template_event(
        &self,
        id: LlmConfigurationId,
        template: String,
    ) -> Result<LlmEvent, LlmError> {
        let variables = template::variables(&template)?;
        Ok(LlmEvent::PromptTemplateVersioned {
            configuration_id: id,
            version: self.template_version + 1,
            template,
            variables,
        })
    }
}

impl Aggregate for LlmConfiguration {
    const STREAM_TYPE: &'static str = "llm_configuration";
    type Command = LlmCommand;
    type Event = LlmEvent;
    type Error = LlmError;

    fn decide(&self, cmd: LlmCommand) -> Result<Vec<LlmEvent>, LlmError> {
        match cmd {
            LlmCommand::Create {
                id,
                spec,
                template,
                api_key,
            } => {
                if self.id.is_some() {
                    return Err(LlmError::AlreadyExists);
                }
                spec.validate().map_err(LlmError::InvalidSpec)?;
                let mut events = vec![LlmEvent::LlmConfigurationCreated {
                    configuration_id: id,
                    spec,
                }];
                if let Some(t) = template {
                    events.push(self.template_event(id, t)?);
                }
                if let Some(k) = api_key {
                    events.push(LlmEvent::LlmApiKeySet {
                        configuration_id: id,
                        api_key: k,
                    });
                }
                Ok(events)
            }
            LlmCommand::Update {
                spec,
                template,
                api_key,
            } => {
                let id = self.live()?;
                let mut events = Vec::new();
                if let Some(s) = spec.filter(|s| Some(s) != self.spec.as_ref()) {
                    s.validate().map_err(LlmError::InvalidSpec)?;
                    events.push(LlmEvent::LlmConfigurationUpdated {
                        configuration_id: id,
                        spec: s,
                    });
                }
                if let Some(t) = template.filter(|t| Some(t) != self.template.as_ref()) {
                    events.push(self.template_event(id, t)?);
                }
                match api_key {
                    Some(KeyChange::Set(k)) => events.push(LlmEvent::LlmApiKeySet {
                        configuration_id: id,
                        api_key: k,
                    }),
                    Some(KeyChange::Remove) if self.has_api_key => {
                        events.push(LlmEvent::LlmApiKeyRemoved {
                            configuration_id: id,
                        })
                    }
                    Some(KeyChange::Remove) | None => {}
                }
                if events.is_empty() {
                    return Err(LlmError::Unchanged);
                }
                Ok(events)
            }
            LlmCommand::Delete => Ok(vec![LlmEvent::LlmConfigurationDeleted {
                configuration_id: self.live()?,
            }]),
        }
    }

    fn apply(&mut self, event: &LlmEvent) {
        match event {
            LlmEvent::LlmConfigurationCreated {
                configuration_id,
                spec,
            } => {
                self.id = Some(*configuration_id);
                self.spec = Some(spec.clone());
            }
            LlmEvent::LlmConfigurationUpdated { spec, .. } => self.spec = Some(spec.clone()),
            LlmEvent::PromptTemplateVersioned {
                version, template, ..
            } => {
                self.template = Some(template.clone());
                self.template_version = *version;
            }
            LlmEvent::LlmApiKeySet { .. } => self.has_api_key = true,
            LlmEvent::LlmApiKeyRemoved { .. } => self.has_api_key = false,
            LlmEvent::LlmConfigurationDeleted { .. } => self.deleted = true,
        }
    }
}
