//! A small OpenID Connect provider on 127.0.0.1 for tests: discovery, JWKS,
//! an authorization endpoint that logs in whoever the test says, and a token
//! endpoint that checks the PKCE verifier and issues RS256 ID tokens. It can be
//! told to misbehave in the ways an attacker would.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Form, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Json, Router,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// How the next ID token is spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// A good token.
    None,
    /// The nonce is not the one sent.
    WrongNonce,
    /// Issued for another client.
    WrongAudience,
    /// Expired an hour ago.
    Expired,
    /// Signed by a key the JWKS does not publish, under the published kid.
    BadSignature,
    /// Names a key id the JWKS does not hold.
    UnknownKid,
    /// From another issuer.
    WrongIssuer,
}

struct Pending {
    challenge: String,
    nonce: String,
    redirect_uri: String,
    claims: Value,
}

struct Inner {
    issuer: String,
    client_id: String,
    client_secret: String,
    key: EncodingKey,
    other_key: EncodingKey,
    codes: Mutex<HashMap<String, Pending>>,
    identity: Mutex<Value>,
    tamper: Mutex<Tamper>,
}

/// A running fake identity provider.
#[derive(Clone)]
pub struct OidcProvider {
    inner: Arc<Inner>,
}

fn keys_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("keys")
}

const KID: &str = "idp-key-1";

impl OidcProvider {
    /// Starts a provider for `client_id`/`client_secret`.
    pub async fn start(client_id: &str, client_secret: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let pem = std::fs::read(keys_dir().join("idp.key.pem")).unwrap();
        let other = std::fs::read(keys_dir().join("rs256_b.key.pem")).unwrap();
        let p = OidcProvider {
            inner: Arc::new(Inner {
                issuer,
                client_id: client_id.into(),
                client_secret: client_secret.into(),
                key: EncodingKey::from_rsa_pem(&pem).unwrap(),
                other_key: EncodingKey::from_rsa_pem(&other).unwrap(),
                codes: Mutex::default(),
                identity: Mutex::new(json!({})),
                tamper: Mutex::new(Tamper::None),
            }),
        };
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(p.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        p
    }

    /// The issuer URL (also the discovery base).
    pub fn issuer(&self) -> String {
        self.inner.issuer.clone()
    }

    /// The claims of whoever logs in next (`sub`, `email`, `email_verified`, ...).
    pub fn log_in_as(&self, claims: Value) {
        *self.inner.identity.lock().unwrap() = claims;
    }

    /// Spoils the next ID tokens.
    pub fn tamper(&self, t: Tamper) {
        *self.inner.tamper.lock().unwrap() = t;
    }
}

async fn discovery(State(p): State<OidcProvider>) -> Json<Value> {
    let i = &p.inner.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks() -> Json<Value> {
    let jwk: Value =
        serde_json::from_slice(&std::fs::read(keys_dir().join("idp.jwk.json")).unwrap()).unwrap();
    Json(json!({"keys": [{
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KID,
        "n": jwk["n"], "e": jwk["e"],
    }]}))
}

async fn authorize(
    State(p): State<OidcProvider>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ok = q.get("response_type").map(String::as_str) == Some("code")
        && q.get("client_id") == Some(&p.inner.client_id)
        && q.get("code_challenge_method").map(String::as_str) == Some("S256")
        && q.get("scope")
            .is_some_and(|s| s.split(' ').any(|x| x == "openid"));
    if !ok {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let code = uuid::Uuid::new_v4().simple().to_string();
    let redirect_uri = q["redirect_uri"].clone();
    p.inner.codes.lock().unwrap().insert(
        code.clone(),
        Pending {
            challenge: q["code_challenge"].clone(),
            nonce: q.get("nonce").cloned().unwrap_or_default(),
            redirect_uri: redirect_uri.clone(),
            claims: p.inner.identity.lock().unwrap().clone(),
        },
    );
    let state = q.get("state").cloned().unwrap_or_default();
    let mut url = reqwest::Url::parse(&redirect_uri).unwrap();
    url.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &state);
    Redirect::to(url.as_str()).into_response()
}

fn oauth_error(code: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": code}))).into_response()
}

async fn token(
    State(p): State<OidcProvider>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", p.inner.client_id, p.inner.client_secret))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    if f.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error("unsupported_grant_type");
    }
    let Some(pending) = f
        .get("code")
        .and_then(|c| p.inner.codes.lock().unwrap().remove(c))
    else {
        return oauth_error("invalid_grant");
    };
    let verifier = f.get("code_verifier").cloned().unwrap_or_default();
    if B64.encode(Sha256::digest(verifier.as_bytes())) != pending.challenge
        || f.get("redirect_uri") != Some(&pending.redirect_uri)
    {
        return oauth_error("invalid_grant");
    }
    let tamper = *p.inner.tamper.lock().unwrap();
    let now = chrono::Utc::now().timestamp();
    let mut claims = pending.claims.clone();
    let o = claims.as_object_mut().unwrap();
    o.insert("iss".into(), json!(p.inner.issuer));
    o.insert("aud".into(), json!(p.inner.client_id));
    o.insert("iat".into(), json!(now));
    o.insert("exp".into(), json!(now + 300));
    o.insert("nonce".into(), json!(pending.nonce));
    match tamper {
        Tamper::WrongNonce => {
            o.insert("nonce".into(), json!("not-the-nonce"));
        }
        Tamper::WrongAudience => {
            o.insert("aud".into(), json!("someone-else"));
        }
        Tamper::Expired => {
            o.insert("exp".into(), json!(now - 3600));
        }
        Tamper::WrongIssuer => {
            o.insert("iss".into(), json!("https://evil.example"));
        }
        _ => {}
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(if tamper == Tamper::UnknownKid {
        "rotated-away".into()
    } else {
        KID.into()
    });
    let key = if tamper == Tamper::BadSignature {
        &p.inner.other_key
    } else {
        &p.inner.key
    };
    let id_token = encode(&header, &claims, key).unwrap();
    Json(json!({
        "access_token": "idp-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}
