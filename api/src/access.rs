//! Who may call what: every route is added with its [`Access`], which a guard
//! enforces before the handler runs and which the OpenAPI document and the
//! permission table (`/api/v1/permissions`) publish.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{header, request::Parts, Method},
    middleware::{self, Next},
    response::Response,
    routing::MethodRouter,
    Router,
};
use domain::{ids::UserId, Role};
use serde::Serialize;
use sqlx::Row;

use crate::{error::ApiError, state::AppState};

/// The callers a route admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "roles")]
pub enum Access {
    /// Anyone; a token, if sent, must still be valid.
    Public,
    /// Any authenticated user.
    Authenticated,
    /// Only these roles.
    Roles(&'static [Role]),
    /// The user the path's `{user_id}` names (acting on themself), or these roles.
    OwnerOr(&'static [Role]),
}

impl Access {
    /// Whether `role` passes.
    pub fn admits(self, role: Option<Role>) -> bool {
        match (self, role) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::Authenticated, Some(_)) => true,
            (Access::Roles(rs) | Access::OwnerOr(rs), Some(r)) => rs.contains(&r),
        }
    }
}

/// Everyone who may write governance artefacts.
pub const WRITERS: &[Role] = &[Role::Admin, Role::MlEngineer, Role::DataScientist];
/// Admins only.
pub const ADMIN: &[Role] = &[Role::Admin];
/// Who may read the audit trail.
pub const AUDIT: &[Role] = &[Role::Admin, Role::Auditor];
/// Who may delete models.
pub const MODEL_OWNERS: &[Role] = &[Role::Admin, Role::MlEngineer];

/// The authenticated caller, put into the request by the guard.
#[derive(Debug, Clone)]
pub struct Caller {
    /// User id.
    pub user_id: UserId,
    /// Role.
    pub role: Role,
    /// Session id.
    pub session_id: String,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::unauthorized("this route needs a bearer token"))
    }
}

/// The caller if one authenticated (on public routes).
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        Ok(MaybeCaller(parts.extensions.get::<Caller>().cloned()))
    }
}

fn bearer(parts: &Request) -> Result<Option<&str>, ApiError> {
    let Some(v) = parts.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| ApiError::unauthorized("malformed Authorization header"))?;
    match v.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(Some(token.trim())),
        _ => Err(ApiError::unauthorized(
            "Authorization must be `Bearer <token>`",
        )),
    }
}

/// Checks a bearer token: signature and expiry, then that its session is still
/// open and its user still active. The role comes from the user as it is now,
/// so role changes, logouts and deactivations take effect at once.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    if token.starts_with("rk1.") {
        return crate::api_key_auth::authenticate(state, token).await;
    }
    let claims = state
        .tokens
        .check(token)
        .ok_or_else(|| ApiError::unauthorized("invalid or expired token"))?;
    let user_id = UserId::parse(&claims.sub)
        .ok_or_else(|| ApiError::unauthorized("invalid token subject"))?;
    let row = sqlx::query(
        "SELECT u.role, u.is_active, s.revoked_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.session_id = $1 AND s.user_id = $2",
    )
    .bind(claims.sid.clone())
    .bind(user_id.to_string())
    .fetch_optional(state.db.read())
    .await
    .map_err(ApiError::internal)?
    .ok_or_else(|| ApiError::unauthorized("the token's session does not exist"))?;
    let role: String = row.try_get(0).map_err(ApiError::internal)?;
    let active: i64 = row.try_get(1).map_err(ApiError::internal)?;
    let revoked: Option<i64> = row.try_get(2).map_err(ApiError::internal)?;
    if active == 0 {
        return Err(ApiError::unauthorized("the account is deactivated"));
    }
    if revoked.is_some() {
        return Err(ApiError::unauthorized("the session has ended"));
    }
    let role =
        Role::parse(&role).ok_or_else(|| ApiError::internal("unknown role in users table"))?;
    Ok(Caller {
        user_id,
        role,
        session_id: claims.sid,
    })
}

async fn guard(
    State((state, access)): State<(AppState, Access)>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let caller = match bearer(&req)? {
        Some(token) => Some(authenticate(&state, token).await?),
        None => None,
    };
    if access != Access::Public && caller.is_none() {
        return Err(ApiError::unauthorized("this route needs a bearer token"));
    }
    if !access.admits(caller.as_ref().map(|c| c.role)) {
        let owner = match (access, &caller) {
            (Access::OwnerOr(_), Some(c)) => {
                let (mut parts, body) = req.into_parts();
                let params = axum::extract::RawPathParams::from_request_parts(&mut parts, &state)
                    .await
                    .map_err(|_| ApiError::forbidden("your role may not call this route"))?;
                let me = c.user_id.to_string();
                let is_owner = params.iter().any(|(k, v)| k == "user_id" && v == me);
                req = Request::from_parts(parts, body);
                is_owner
            }
            _ => false,
        };
        if !owner {
            return Err(ApiError::forbidden(match access {
                Access::OwnerOr(_) => "only the person themself or an admin may call this route",
                _ => "your role may not call this route",
            }));
        }
    }
    if let Some(c) = caller {
        req.extensions_mut().insert(c);
    }
    Ok(next.run(req).await)
}

/// One row of the permission table.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: String,
    /// Path template (`{id}` for parameters).
    pub path: String,
    /// Who may call it.
    #[schema(value_type = Object)]
    pub access: Access,
}

/// The permission table as Markdown (the README prints it; a test keeps the
/// two equal).
pub fn permission_markdown(specs: &[RouteSpec]) -> String {
    let mut out = String::from("| Method | Path | Who may call it |\n|---|---|---|\n");
    for s in specs {
        let roles = |rs: &[Role]| {
            rs.iter()
                .map(|r| format!("`{}`", r.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let who = match s.access {
            Access::Public => "anyone".to_owned(),
            Access::Authenticated => "any authenticated user".to_owned(),
            Access::Roles(rs) => roles(rs),
            Access::OwnerOr(rs) => format!("the user named by `{{user_id}}`, or {}", roles(rs)),
        };
        out.push_str(&format!("| {} | `{}` | {who} |\n", s.method, s.path));
    }
    out
}

/// Builds the router while recording each route's access.
pub struct Routes {
    state: AppState,
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Routes {
    /// An empty table.
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    /// Adds `handler` for `method path`, guarded by `access`.
    pub fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let guarded = handler.route_layer(middleware::from_fn_with_state(
            (self.state.clone(), access),
            guard,
        ));
        self.router = self.router.route(path, guarded);
        self.specs.push(RouteSpec {
            method: method.to_string(),
            path: path.to_owned(),
            access,
        });
        self
    }

    /// The router and the permission table.
    pub fn finish(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}
