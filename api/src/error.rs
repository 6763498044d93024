//! The one mapping from failures to RFC 7807 `application/problem+json`.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use commands::{users::UserCommandError, CommandError, StoreError};
use domain::model::ModelError;
use serde::Serialize;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A failure as the client sees it: a status and a stable machine code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable, documented code (`version_conflict`, `malformed_json`, ...).
    pub code: &'static str,
    /// Human explanation.
    pub detail: String,
    /// Seconds for a `Retry-After` header (429 and 503).
    pub retry_after: Option<u64>,
}

/// The problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary (the status reason).
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Explanation of this occurrence.
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            retry_after: None,
        }
    }
    /// Adds a `Retry-After` header.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
    /// 400: the request is malformed.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
    /// 401: no or invalid credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }
    /// 403: authenticated, but the role may not do this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
    /// 409: the stream moved on.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }
    /// 422: the domain refused.
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }
    /// 500, logged; the client sees no internals.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("https://raia.dev/problems/{}", self.code.replace('_', "-")),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut r = (self.status, body).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"raia\""),
            );
        }
        r
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { stream_type, stream_id, expected, actual } => Self::conflict(
                "version_conflict",
                format!("{stream_type}/{stream_id} is at version {actual}, not {expected}; reload and retry"),
            ),
            StoreError::DuplicateEventId(id) => {
                Self::conflict("duplicate_event", format!("event id {id} was already used"))
            }
            StoreError::Empty | StoreError::Encoding(_) | StoreError::Chain(_) | StoreError::Database(_) => {
                Self::internal(e)
            }
        }
    }
}

impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::NotFound | ModelError::Deleted => Self::not_found("model"),
            ModelError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
            ModelError::Unchanged => Self::unprocessable("unchanged", e.to_string()),
            ModelError::VersionNotFound(_) => {
                Self::new(StatusCode::NOT_FOUND, "version_not_found", e.to_string())
            }
            ModelError::AliasNotFound(_) => {
                Self::new(StatusCode::NOT_FOUND, "alias_not_found", e.to_string())
            }
            ModelError::InvalidTransition { .. } => {
                Self::unprocessable("invalid_transition", e.to_string())
            }
            ModelError::SelfReview => Self::new(StatusCode::FORBIDDEN, "four_eyes", e.to_string()),
            ModelError::NotApproved { .. } => {
                Self::unprocessable("version_not_approved", e.to_string())
            }
            ModelError::CommentRequired => Self::unprocessable("comment_required", e.to_string()),
            ModelError::StillDeployed => Self::unprocessable("model_deployed", e.to_string()),
        }
    }
}

impl From<domain::retention::RetentionError> for ApiError {
    fn from(e: domain::retention::RetentionError) -> Self {
        use domain::retention::RetentionError as R;
        match e {
            R::InvalidDays => Self::unprocessable("invalid_days", e.to_string()),
            R::NoPolicy(_) => Self::new(StatusCode::NOT_FOUND, "no_policy", e.to_string()),
            R::NotThePolicy(_) => Self::conflict("policy_changed", e.to_string()),
            R::NothingRemoved => Self::unprocessable("nothing_removed", e.to_string()),
        }
    }
}

impl<E: std::error::Error + Into<ApiError>> From<CommandError<E>> for ApiError {
    fn from(e: CommandError<E>) -> Self {
        match e {
            CommandError::Rejected(r) => r.into(),
            CommandError::Stale { expected, actual } => Self::conflict(
                "version_conflict",
                format!("If-Match is {expected} but the resource is at version {actual}"),
            ),
            CommandError::Codec(c) => Self::internal(c),
            CommandError::Store(s) => s.into(),
        }
    }
}

impl From<UserCommandError> for ApiError {
    fn from(e: UserCommandError) -> Self {
        match e {
            UserCommandError::EmailTaken => Self::conflict("email_taken", e.to_string()),
            UserCommandError::WeakPassword(_) => {
                Self::unprocessable("weak_password", e.to_string())
            }
            UserCommandError::BadCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                e.to_string(),
            ),
            UserCommandError::Inactive => Self::forbidden(e.to_string()),
            UserCommandError::Throttled { retry_after_secs } => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                e.to_string(),
            )
            .retry_after(retry_after_secs),
            UserCommandError::Locked { retry_after_secs } => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "account_locked",
                e.to_string(),
            )
            .retry_after(retry_after_secs),
            UserCommandError::Store(s) => s.into(),
            UserCommandError::Cipher(_)
            | UserCommandError::Hash(_)
            | UserCommandError::Codec(_) => Self::internal(e),
        }
    }
}

impl From<projections::ProjectionError> for ApiError {
    fn from(e: projections::ProjectionError) -> Self {
        Self::internal(e)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

impl From<commands::sessions::SessionError> for ApiError {
    fn from(e: commands::sessions::SessionError) -> Self {
        use commands::sessions::SessionError as S;
        use domain::user::UserError as U;
        match e {
            S::InvalidToken | S::Reuse => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_refresh_token",
                e.to_string(),
            ),
            S::Rejected(U::NotFound | U::UnknownSession) => Self::not_found("user or session"),
            S::Rejected(U::Inactive) => Self::unprocessable("user_inactive", e.to_string()),
            S::Rejected(U::Erased) => Self::unprocessable("user_erased", e.to_string()),
            S::Rejected(U::BadToken) => Self::bad_request("invalid_token", e.to_string()),
            S::Rejected(
                U::AlreadyActive
                | U::SameRole
                | U::AlreadyExists
                | U::SessionRevoked
                | U::SessionExpired
                | U::AlreadyVerified,
            ) => Self::unprocessable("no_change", e.to_string()),
            S::Other(o) => o.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}
