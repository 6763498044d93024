//! Identifier and value newtypes.

use serde::{Deserialize, Serialize};

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub fn from_uuid(id: uuid::Uuid) -> Self {
                Self(id)
            }
            /// Parses the textual form; `None` if it is not a UUID.
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s).ok().map(Self)
            }
            /// The inner UUID.
            pub fn uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// Identifies a user.
    UserId
);
uuid_id!(
    /// Identifies a registered model.
    ModelId
);
uuid_id!(
    /// Identifies an uploaded dataset (one version of it).
    DatasetId
);
uuid_id!(
    /// Identifies a drift report.
    DriftReportId
);
uuid_id!(
    /// Identifies a background job.
    JobId
);
uuid_id!(
    /// Identifies a fairness report or a mitigation run.
    FairnessReportId
);
uuid_id!(
    /// Identifies an LLM configuration.
    LlmConfigurationId
);
uuid_id!(
    /// Identifies an uploaded RAG document.
    DocumentId
);
uuid_id!(
    /// Identifies a chat session.
    ChatSessionId
);
uuid_id!(
    /// Identifies an LLM/RAG evaluation.
    EvaluationId
);
uuid_id!(
    /// Identifies a dataset connector (a SQL database or an HTTP source).
    ConnectorId
);

/// A syntactically valid, normalised (trimmed, lower-cased) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why an e-mail address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid e-mail address")]
pub struct InvalidEmail;

impl Email {
    /// Normalises and checks an address: one `@`, non-empty local part, a dot in the domain.
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let s = raw.trim().to_lowercase();
        let (local, domain) = s.split_once('@').ok_or(InvalidEmail)?;
        let ok = !local.is_empty()
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(s))
        } else {
            Err(InvalidEmail)
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ada@Example.ORG ").unwrap().as_str(),
            "ada@example.org"
        );
        for bad in [
            "",
            "ada",
            "@x.org",
            "ada@",
            "ada@org",
            "a b@x.org",
            "a@@x.org",
            "a@x.org.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
