//! The roles a user can hold.

use serde::{Deserialize, Serialize};

/// A user's role; each route declares which roles may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, configuration and everything else.
    Admin,
    /// Registers, approves and deploys models.
    MlEngineer,
    /// Uploads data, runs analyses.
    DataScientist,
    /// Reads everything including the audit log; changes nothing.
    Auditor,
    /// Reads governance artefacts.
    Viewer,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::MlEngineer,
        Role::DataScientist,
        Role::Auditor,
        Role::Viewer,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::MlEngineer => "ml_engineer",
            Role::DataScientist => "data_scientist",
            Role::Auditor => "auditor",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
