//! OpenID Connect single sign-on (authorization code flow with PKCE) for any
//! issuer that publishes a discovery document — Google, Microsoft Entra ID,
//! Keycloak, Okta, ... — configured as `[[sso]]` tables in the config file.

pub mod flow;
pub mod id_token;

use std::{collections::HashMap, sync::Mutex, time::Instant};

use domain::Role;
use serde::Deserialize;

/// One identity provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Name in the URL: `/api/v1/auth/sso/<name>/start`.
    pub name: String,
    /// The issuer URL (its `/.well-known/openid-configuration` is fetched) or
    /// the discovery document's full URL.
    pub discovery_url: String,
    /// OAuth client id (also the expected ID-token audience).
    pub client_id: String,
    /// Client secret, if the client is confidential (sent with HTTP Basic).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Redirect URI registered at the provider; default
    /// `<public url>/api/v1/auth/sso/<name>/callback`.
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// Scopes requested; default `openid email profile`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Claim holding the person's role or groups (a string or a list).
    #[serde(default)]
    pub role_claim: Option<String>,
    /// Claim value → RAIA role; the first value that maps wins.
    #[serde(default)]
    pub role_map: HashMap<String, Role>,
    /// Role of a new account when nothing maps (default `viewer`).
    #[serde(default = "default_role")]
    pub default_role: Role,
    /// Whether an unknown verified address gets a new account (default true).
    #[serde(default = "yes")]
    pub allow_create: bool,
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into(), "profile".into()]
}
fn default_role() -> Role {
    Role::Viewer
}
fn yes() -> bool {
    true
}

/// The provider's discovery document (the fields RAIA uses).
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    /// Expected `iss` of its ID tokens.
    pub issuer: String,
    /// Where the browser is sent to log in.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
    /// Its signing keys.
    pub jwks_uri: String,
}

/// Why single sign-on failed.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// No provider of that name.
    #[error("no single sign-on provider named {0}")]
    UnknownProvider(String),
    /// The provider could not be reached or answered nonsense.
    #[error("identity provider: {0}")]
    Provider(String),
    /// The callback does not belong to a login this server started.
    #[error("invalid single sign-on state: {0}")]
    State(&'static str),
    /// The ID token failed a check.
    #[error("ID token rejected: {0}")]
    Token(String),
    /// The provider reported an error to the callback.
    #[error("the identity provider refused: {0}")]
    Refused(String),
    /// The configuration is wrong.
    #[error("sso configuration: {0}")]
    Config(String),
}

struct Cached {
    discovery: Discovery,
    jwks: jsonwebtoken::jwk::JwkSet,
    fetched: Instant,
}

/// The configured providers, with their discovery documents and keys cached.
pub struct Providers {
    by_name: HashMap<String, ProviderConfig>,
    http: reqwest::Client,
    cache: Mutex<HashMap<String, std::sync::Arc<Cached>>>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_name.keys()).finish()
    }
}

const CACHE_SECS: u64 = 3600;

impl Providers {
    /// Checks the configuration (names unique and URL-safe).
    pub fn new(configs: &[ProviderConfig]) -> Result<Self, SsoError> {
        let mut by_name = HashMap::new();
        for c in configs {
            if c.name.is_empty()
                || !c
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            {
                return Err(SsoError::Config(format!(
                    "provider name {:?} must be [A-Za-z0-9_-]+",
                    c.name
                )));
            }
            if by_name.insert(c.name.clone(), c.clone()).is_some() {
                return Err(SsoError::Config(format!(
                    "provider {} configured twice",
                    c.name
                )));
            }
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SsoError::Config(e.to_string()))?;
        Ok(Self {
            by_name,
            http,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// A provider's configuration.
    pub fn get(&self, name: &str) -> Result<&ProviderConfig, SsoError> {
        self.by_name
            .get(name)
            .ok_or_else(|| SsoError::UnknownProvider(name.to_owned()))
    }

    /// The HTTP client used to talk to providers.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    async fn fetch_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, SsoError> {
        let r = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| SsoError::Provider(format!("GET {url}: {e}")))?;
        if !r.status().is_success() {
            return Err(SsoError::Provider(format!(
                "GET {url}: HTTP {}",
                r.status()
            )));
        }
        r.json()
            .await
            .map_err(|e| SsoError::Provider(format!("GET {url}: {e}")))
    }

    /// The provider's discovery document and keys (cached for an hour;
    /// `refresh` re-fetches, e.g. when a token names an unknown key).
    async fn metadata(
        &self,
        p: &ProviderConfig,
        refresh: bool,
    ) -> Result<std::sync::Arc<Cached>, SsoError> {
        if !refresh {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = cache.get(&p.name) {
                if c.fetched.elapsed().as_secs() < CACHE_SECS {
                    return Ok(c.clone());
                }
            }
        }
        let url = if p.discovery_url.contains("/.well-known/") {
            p.discovery_url.clone()
        } else {
            format!(
                "{}/.well-known/openid-configuration",
                p.discovery_url.trim_end_matches('/')
            )
        };
        let discovery: Discovery = self.fetch_json(&url).await?;
        let jwks = self.fetch_json(&discovery.jwks_uri).await?;
        let cached = std::sync::Arc::new(Cached {
            discovery,
            jwks,
            fetched: Instant::now(),
        });
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p.name.clone(), cached.clone());
        Ok(cached)
    }
}
