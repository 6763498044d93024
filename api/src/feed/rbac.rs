//! Which roles may read which events on the real-time feed.
//!
//! | stream types | admin | auditor | ml_engineer, data_scientist | viewer |
//! |---|---|---|---|---|
//! | governance artefacts: `model`, `dataset`, `drift`, `data_stream`, `explanation`, `fairness_report`, `evaluation`, `topic` | yes | yes | yes | yes |
//! | work in progress: `model_predictions`, `job`, `document`, `export_job` | yes | yes | yes | no |
//! | identity and security: `user`, `user_email`, `api_key`, `client_address`, `subscription`, `llm_configuration`, `chat_session`, `notification`, anything unknown | yes | yes | no | no |
//!
//! A notification is also delivered to its recipient (`/ws/notifications`),
//! whatever the role. Payloads go out as stored, so sealed personal data stays
//! sealed (the feed never opens a sealed field). Request metadata (client
//! address, user agent, request ids) goes only to admins and auditors; the other
//! roles see the actor's id and role.

use domain::Role;

/// Streams every authenticated role may follow.
pub const GOVERNANCE: &[&str] = &[
    "model",
    "dataset",
    "drift",
    "data_stream",
    "explanation",
    "fairness_report",
    "evaluation",
    "topic",
];

/// Streams writers (and admins, auditors) may follow besides [`GOVERNANCE`].
pub const WORK: &[&str] = &["model_predictions", "job", "document", "export_job"];

/// Whether `role` may read events of `stream_type` on the feed.
pub fn may_read(role: Role, stream_type: &str) -> bool {
    match role {
        Role::Admin | Role::Auditor => true,
        Role::MlEngineer | Role::DataScientist => {
            GOVERNANCE.contains(&stream_type) || WORK.contains(&stream_type)
        }
        Role::Viewer => GOVERNANCE.contains(&stream_type),
    }
}

/// Whether `role` sees request metadata (addresses, user agents, request ids).
pub fn sees_request_metadata(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Auditor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_viewer_reads_no_identity_or_security_stream() {
        for st in [
            "user",
            "user_email",
            "api_key",
            "client_address",
            "subscription",
            "notification",
            "llm_configuration",
            "something_new",
        ] {
            assert!(!may_read(Role::Viewer, st), "{st}");
            assert!(!may_read(Role::DataScientist, st), "{st}");
            assert!(may_read(Role::Auditor, st), "{st}");
        }
        assert!(may_read(Role::Viewer, "model"));
        assert!(!may_read(Role::Viewer, "model_predictions"));
    }
}
