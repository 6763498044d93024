//! SAML 2.0 service-provider login (SP-initiated, HTTP-Redirect to the
//! identity provider, HTTP-POST back to RAIA's assertion consumer service),
//! configured as `[[saml]]` tables in the config file.
//!
//! Signature checks run in libxmlsec1 through `samael`. A provider whose
//! metadata names no signing certificate is refused at start-up, because
//! `samael` would then accept unsigned responses.

pub mod flow;

use std::collections::HashMap;

use domain::Role;
use samael::{
    crypto::AllowedSignatureAlgorithm, metadata::EntityDescriptor,
    service_provider::ServiceProvider,
};
use serde::Deserialize;

/// One SAML identity provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlConfig {
    /// Name in the URL: `/api/v1/auth/saml/<name>/start`.
    pub name: String,
    /// The identity provider's metadata XML, inline.
    #[serde(default)]
    pub idp_metadata: Option<String>,
    /// Or a file holding it.
    #[serde(default)]
    pub idp_metadata_file: Option<std::path::PathBuf>,
    /// RAIA's entity id at the provider; default
    /// `<public url>/api/v1/auth/saml/<name>/metadata`.
    #[serde(default)]
    pub sp_entity_id: Option<String>,
    /// Attribute holding the e-mail address; default: the first of `email`,
    /// `mail`, `urn:oid:0.9.2342.19200300.100.1.3`, else the NameID.
    #[serde(default)]
    pub email_attribute: Option<String>,
    /// Attribute holding the display name (default `displayName`, then `name`).
    #[serde(default)]
    pub name_attribute: Option<String>,
    /// Attribute holding roles or groups.
    #[serde(default)]
    pub role_attribute: Option<String>,
    /// Attribute value → RAIA role; the first value that maps wins.
    #[serde(default)]
    pub role_map: HashMap<String, Role>,
    /// Role of a new account when nothing maps (default `viewer`).
    #[serde(default = "default_role")]
    pub default_role: Role,
    /// Whether an unknown address gets a new account (default true).
    #[serde(default = "yes")]
    pub allow_create: bool,
}

fn default_role() -> Role {
    Role::Viewer
}
fn yes() -> bool {
    true
}

/// Why SAML login failed.
#[derive(Debug, thiserror::Error)]
pub enum SamlError {
    /// No provider of that name.
    #[error("no SAML provider named {0}")]
    UnknownProvider(String),
    /// The configuration is wrong.
    #[error("saml configuration: {0}")]
    Config(String),
    /// The POST does not belong to a login this server started.
    #[error("invalid SAML relay state: {0}")]
    State(&'static str),
    /// The response failed a check (signature, audience, recipient, time, request id).
    #[error("SAML response rejected: {0}")]
    Rejected(String),
}

/// A configured provider, ready to build requests and check responses.
#[derive(Clone)]
pub struct Provider {
    /// Its configuration.
    pub config: SamlConfig,
    /// The samael service provider (RAIA's side of the trust).
    pub sp: ServiceProvider,
    /// Where the browser is sent (HTTP-Redirect binding).
    pub sso_url: String,
}

/// The configured SAML providers.
#[derive(Clone, Default)]
pub struct SamlProviders {
    by_name: HashMap<String, Provider>,
}

impl std::fmt::Debug for SamlProviders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_name.keys()).finish()
    }
}

/// RAIA's assertion consumer service URL for `name`.
pub fn acs_url(public_url: &str, name: &str) -> String {
    format!("{public_url}/api/v1/auth/saml/{name}/acs")
}

fn provider(c: &SamlConfig, public_url: &str) -> Result<Provider, SamlError> {
    let bad = |m: String| SamlError::Config(format!("{}: {m}", c.name));
    let xml = match (&c.idp_metadata, &c.idp_metadata_file) {
        (Some(x), None) => x.clone(),
        (None, Some(p)) => {
            std::fs::read_to_string(p).map_err(|e| bad(format!("reading {}: {e}", p.display())))?
        }
        _ => {
            return Err(bad(
                "give exactly one of idp_metadata, idp_metadata_file".into()
            ))
        }
    };
    let idp: EntityDescriptor = xml
        .parse()
        .map_err(|e| bad(format!("identity provider metadata: {e}")))?;
    let metadata_url = format!("{public_url}/api/v1/auth/saml/{}/metadata", c.name);
    let sp = ServiceProvider {
        entity_id: Some(c.sp_entity_id.clone().unwrap_or(metadata_url.clone())),
        metadata_url: Some(metadata_url),
        acs_url: Some(acs_url(public_url, &c.name)),
        slo_url: None,
        idp_metadata: idp,
        allow_idp_initiated: false,
        allowed_signature_algorithms: Some(vec![
            AllowedSignatureAlgorithm::RsaSha256,
            AllowedSignatureAlgorithm::RsaSha384,
            AllowedSignatureAlgorithm::RsaSha512,
            AllowedSignatureAlgorithm::EcdsaSha256,
            AllowedSignatureAlgorithm::EcdsaSha384,
            AllowedSignatureAlgorithm::EcdsaSha512,
        ]),
        ..ServiceProvider::default()
    };
    match sp.idp_signing_certs() {
        Ok(Some(certs)) if !certs.is_empty() => {}
        Ok(_) => return Err(bad("the metadata names no signing certificate".into())),
        Err(e) => return Err(bad(format!("signing certificate: {e}"))),
    }
    let sso_url = sp
        .sso_binding_location(samael::metadata::HTTP_REDIRECT_BINDING)
        .ok_or_else(|| bad("the metadata has no HTTP-Redirect SingleSignOnService".into()))?;
    Ok(Provider {
        config: c.clone(),
        sp,
        sso_url,
    })
}

impl SamlProviders {
    /// Loads every provider's metadata and checks it (names URL-safe and unique,
    /// a signing certificate and a redirect endpoint present).
    pub fn new(configs: &[SamlConfig], public_url: &str) -> Result<Self, SamlError> {
        let mut by_name = HashMap::new();
        for c in configs {
            let url_safe = !c.name.is_empty()
                && c.name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
            if !url_safe {
                return Err(SamlError::Config(format!(
                    "provider name {:?} must be [A-Za-z0-9_-]+",
                    c.name
                )));
            }
            if by_name
                .insert(c.name.clone(), provider(c, public_url)?)
                .is_some()
            {
                return Err(SamlError::Config(format!(
                    "provider {} configured twice",
                    c.name
                )));
            }
        }
        Ok(Self { by_name })
    }

    /// A provider by name.
    pub fn get(&self, name: &str) -> Result<&Provider, SamlError> {
        self.by_name
            .get(name)
            .ok_or_else(|| SamlError::UnknownProvider(name.to_owned()))
    }

    /// Provider names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.by_name.keys().cloned().collect();
        v.sort();
        v
    }
}
