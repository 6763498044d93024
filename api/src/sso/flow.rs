//! The two legs of the login: `start` sends the browser to the provider with
//! `state`, `nonce` and a PKCE challenge, remembering them in a signed,
//! short-lived, HttpOnly cookie; `callback` checks the state against the
//! cookie, exchanges the code with the PKCE verifier and checks the ID token.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use domain::{ids::Email, Role};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{id_token, ProviderConfig, SsoError};
use crate::state::AppState;

/// The cookie that carries a login in progress.
pub const COOKIE: &str = "raia_sso";
/// How long a login may take.
pub const LOGIN_SECS: i64 = 600;

#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    p: String,
    st: String,
    n: String,
    v: String,
    exp: i64,
}

fn random() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    B64.encode(b)
}

fn redirect_uri(state: &AppState, p: &ProviderConfig) -> String {
    p.redirect_uri.clone().unwrap_or_else(|| {
        format!(
            "{}/api/v1/auth/sso/{}/callback",
            state.config.public_url(),
            p.name
        )
    })
}

fn sign(state: &AppState, body: &str) -> String {
    state.cipher.token_mac(&format!("sso-cookie:{body}"))
}

/// Where to send the browser, and the cookie value to set.
pub async fn start(state: &AppState, provider: &str) -> Result<(String, String), SsoError> {
    let p = state.sso.get(provider)?;
    let meta = state.sso.metadata(p, false).await?;
    let pending = Pending {
        p: p.name.clone(),
        st: random(),
        n: random(),
        v: random(),
        exp: chrono::Utc::now().timestamp() + LOGIN_SECS,
    };
    let challenge = B64.encode(Sha256::digest(pending.v.as_bytes()));
    let mut url = reqwest::Url::parse(&meta.discovery.authorization_endpoint)
        .map_err(|e| SsoError::Provider(format!("authorization_endpoint: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &p.client_id)
        .append_pair("redirect_uri", &redirect_uri(state, p))
        .append_pair("scope", &p.scopes.join(" "))
        .append_pair("state", &pending.st)
        .append_pair("nonce", &pending.n)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let body =
        B64.encode(serde_json::to_vec(&pending).map_err(|e| SsoError::Config(e.to_string()))?);
    let cookie = format!("{body}.{}", sign(state, &body));
    Ok((url.to_string(), cookie))
}

/// What the provider sent back to the callback.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CallbackQuery {
    /// The authorization code.
    pub code: Option<String>,
    /// The state sent at start.
    pub state: Option<String>,
    /// An error code, if the provider refused.
    pub error: Option<String>,
    /// Its description.
    pub error_description: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
}

fn pending_from(state: &AppState, cookie: Option<&str>) -> Result<Pending, SsoError> {
    let cookie = cookie.ok_or(SsoError::State("no login in progress (cookie missing)"))?;
    let (body, mac) = cookie
        .split_once('.')
        .ok_or(SsoError::State("malformed cookie"))?;
    let want = sign(state, body);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        want.as_bytes(),
        mac.as_bytes(),
    )) {
        return Err(SsoError::State("cookie signature"));
    }
    let raw = B64
        .decode(body)
        .map_err(|_| SsoError::State("malformed cookie"))?;
    serde_json::from_slice(&raw).map_err(|_| SsoError::State("malformed cookie"))
}

/// Completes the login: returns the checked identity.
pub async fn callback(
    state: &AppState,
    provider: &str,
    q: &CallbackQuery,
    cookie: Option<&str>,
) -> Result<commands::sso::Identity, SsoError> {
    let p = state.sso.get(provider)?;
    if let Some(err) = &q.error {
        return Err(SsoError::Refused(format!(
            "{err}{}",
            q.error_description
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        )));
    }
    let pending = pending_from(state, cookie)?;
    if pending.p != p.name {
        return Err(SsoError::State(
            "the login was started with another provider",
        ));
    }
    if pending.exp < chrono::Utc::now().timestamp() {
        return Err(SsoError::State("the login took too long; start again"));
    }
    if q.state.as_deref() != Some(pending.st.as_str()) {
        return Err(SsoError::State("state does not match"));
    }
    let code = q.code.as_deref().ok_or(SsoError::State("no code"))?;
    let meta = state.sso.metadata(p, false).await?;
    let redirect = redirect_uri(state, p);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect.as_str()),
        ("code_verifier", pending.v.as_str()),
        ("client_id", p.client_id.as_str()),
    ];
    let mut rq = state.sso.http().post(&meta.discovery.token_endpoint);
    if let Some(secret) = &p.client_secret {
        rq = rq.basic_auth(&p.client_id, Some(secret));
    }
    let r = rq
        .form(&form)
        .send()
        .await
        .map_err(|e| SsoError::Provider(format!("token endpoint: {e}")))?;
    if !r.status().is_success() {
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        return Err(SsoError::Refused(format!(
            "token endpoint answered {status}: {}",
            text.chars().take(300).collect::<String>()
        )));
    }
    let answer: TokenAnswer = r
        .json()
        .await
        .map_err(|e| SsoError::Provider(format!("token endpoint: {e}")))?;
    let token = answer
        .id_token
        .ok_or_else(|| SsoError::Provider("no id_token in the token response".into()))?;
    let claims = match id_token::check(
        &token,
        &meta.jwks,
        &meta.discovery.issuer,
        &p.client_id,
        &pending.n,
    ) {
        Ok(c) => c,
        Err(id_token::Check::UnknownKey) => {
            // The provider may have rotated its keys: fetch them once more.
            let fresh = state.sso.metadata(p, true).await?;
            id_token::check(
                &token,
                &fresh.jwks,
                &fresh.discovery.issuer,
                &p.client_id,
                &pending.n,
            )
            .map_err(|e| match e {
                id_token::Check::UnknownKey => SsoError::Token("signed by an unknown key".into()),
                id_token::Check::Failed(f) => f,
            })?
        }
        Err(id_token::Check::Failed(f)) => return Err(f),
    };
    if !claims.verified() {
        return Err(SsoError::Token(
            "the provider has not verified the e-mail address".into(),
        ));
    }
    let email = claims
        .email
        .as_deref()
        .ok_or_else(|| SsoError::Token("no email claim".into()))
        .and_then(|e| Email::parse(e).map_err(|e| SsoError::Token(format!("email claim: {e}"))))?;
    Ok(commands::sso::Identity {
        provider: p.name.clone(),
        subject: claims.sub.clone(),
        email,
        name: claims.name.clone(),
        mapped_role: map_role(p, &claims),
        default_role: p.default_role,
        allow_create: p.allow_create,
    })
}

/// The first value of the role claim that the mapping knows.
fn map_role(p: &ProviderConfig, claims: &id_token::IdClaims) -> Option<Role> {
    let claim = claims.other.get(p.role_claim.as_deref()?)?;
    let values: Vec<&str> = match claim {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    values.into_iter().find_map(|v| p.role_map.get(v).copied())
}
