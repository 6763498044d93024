//! Who hears about what: each kind of event that deserves a notification, its
//! text and its audience, decided by event type names (other features' events
//! count as soon as they exist in the log).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::role::Role;

/// The kinds of notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A dataset drifted.
    DriftAlert,
    /// A fairness assessment found bias.
    BiasFound,
    /// A model version waits for a reviewer.
    VersionAwaitingApproval,
    /// An evaluation finished.
    EvaluationFinished,
    /// An export is ready to download.
    ExportReady,
    /// A security event (lock-out, refresh-token reuse).
    SecurityEvent,
}

/// Who receives a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every active user with one of these roles, except `except` (the actor).
    Roles {
        /// The roles.
        roles: &'static [Role],
        /// A user id left out (e.g. the submitter of a version).
        except: Option<String>,
    },
    /// One user.
    User(String),
    /// One user and every admin.
    UserAndAdmins(String),
}

/// What a rule decided for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Kind.
    pub kind: Kind,
    /// Short title.
    pub title: String,
    /// One or two sentences.
    pub body: String,
    /// Where to look (an API path).
    pub link: String,
    /// Recipients.
    pub audience: Audience,
}

const MODEL_PEOPLE: &[Role] = &[Role::Admin, Role::MlEngineer, Role::DataScientist];
const REVIEWERS: &[Role] = &[Role::Admin, Role::MlEngineer];
const OVERSIGHT: &[Role] = &[
    Role::Admin,
    Role::MlEngineer,
    Role::DataScientist,
    Role::Auditor,
];

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(x) => x.to_string(),
    }
}

/// The notification `event` calls for, if any. `actor` is the event's actor id.
pub fn decide(
    stream_type: &str,
    stream_id: &str,
    event_type: &str,
    payload: &Value,
    actor: Option<&str>,
) -> Option<Rule> {
    let rule = |kind, title: String, body: String, link: String, audience| {
        Some(Rule {
            kind,
            title,
            body,
            link,
            audience,
        })
    };
    match (stream_type, event_type) {
        (_, "DriftAlertRaised") => {
            let model = s(payload, "model_id");
            let cols = payload
                .get("drifted_columns")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            rule(
                Kind::DriftAlert,
                "Drift detected".into(),
                format!(
                    "{cols} columns drifted{}.",
                    if model.is_empty() {
                        String::new()
                    } else {
                        format!(" for model {model}")
                    }
                ),
                format!("/api/v1/drift/reports/{model}"),
                Audience::Roles {
                    roles: MODEL_PEOPLE,
                    except: None,
                },
            )
        }
        (_, "FairnessAssessed") if payload.get("bias_detected") == Some(&Value::Bool(true)) => {
            let model = s(payload, "model_id");
            rule(
                Kind::BiasFound,
                "Bias found".into(),
                format!(
                    "A fairness assessment of model {model} version {} found bias.",
                    s(payload, "version")
                ),
                format!("/api/v1/compliance/status?model_id={model}"),
                Audience::Roles {
                    roles: OVERSIGHT,
                    except: None,
                },
            )
        }
        ("model", "ModelVersionSubmitted") => rule(
            Kind::VersionAwaitingApproval,
            "Version awaiting approval".into(),
            format!(
                "Version {} of model {stream_id} was submitted for review.",
                s(payload, "version")
            ),
            format!(
                "/api/v1/models/{stream_id}/versions/{}",
                s(payload, "version")
            ),
            Audience::Roles {
                roles: REVIEWERS,
                except: Some(s(payload, "by")),
            },
        ),
        ("model", "ModelVersionEvaluated") | (_, "EvaluationCompleted") => actor.map(|a| Rule {
            kind: Kind::EvaluationFinished,
            title: "Evaluation finished".into(),
            body: format!("The evaluation {} finished.", s(payload, "evaluation_id")),
            link: if stream_type == "model" {
                format!("/api/v1/models/{stream_id}/performance")
            } else {
                format!("/api/v1/evaluations/{stream_id}")
            },
            audience: Audience::User(a.to_owned()),
        }),
        ("export_job", "ExportCompleted") => actor.map(|a| Rule {
            kind: Kind::ExportReady,
            title: "Export ready".into(),
            body: format!("{} is ready to download.", s(payload, "filename")),
            link: format!("/api/v1/export/jobs/{stream_id}/download"),
            audience: Audience::User(a.to_owned()),
        }),
        ("user", "UserLockedOut" | "RefreshTokenReused") => rule(
            Kind::SecurityEvent,
            "Security event".into(),
            if event_type == "UserLockedOut" {
                "An account was locked after repeated failed logins.".into()
            } else {
                "A refresh token was reused; the session family was revoked.".into()
            },
            "/api/v1/auth/sessions".into(),
            Audience::UserAndAdmins(stream_id.to_owned()),
        ),
        _ => None,
    }
}
