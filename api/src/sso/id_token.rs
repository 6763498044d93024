//! Checking an ID token: signature against the provider's JWKS with the key's
//! own algorithm (asymmetric only), issuer, audience, expiry and nonce.

use jsonwebtoken::{decode, decode_header, jwk::JwkSet, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::SsoError;

/// The ID-token claims RAIA reads (others are kept for role mapping).
#[derive(Debug, Clone, Deserialize)]
pub struct IdClaims {
    /// The provider's subject id.
    pub sub: String,
    /// Address.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the provider verified the address (bool, or "true" as some send).
    #[serde(default)]
    pub email_verified: Option<serde_json::Value>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Echo of the nonce sent in the authorization request.
    #[serde(default)]
    pub nonce: Option<String>,
    /// Everything else (role and group claims).
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl IdClaims {
    /// Whether the provider says the address is verified.
    pub fn verified(&self) -> bool {
        match &self.email_verified {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s == "true",
            _ => false,
        }
    }
}

/// How a check failed: `UnknownKey` means the JWKS may be stale.
#[derive(Debug)]
pub enum Check {
    /// The token names a key the JWKS does not hold.
    UnknownKey,
    /// Any other failure.
    Failed(SsoError),
}

const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

fn fail(msg: impl Into<String>) -> Check {
    Check::Failed(SsoError::Token(msg.into()))
}

/// Checks `token` against `jwks`, expecting `issuer`, `audience` and `nonce`.
pub fn check(
    token: &str,
    jwks: &JwkSet,
    issuer: &str,
    audience: &str,
    nonce: &str,
) -> Result<IdClaims, Check> {
    let header = decode_header(token).map_err(|e| fail(format!("header: {e}")))?;
    if !ASYMMETRIC.contains(&header.alg) {
        return Err(fail(format!("algorithm {:?} is not allowed", header.alg)));
    }
    let jwk = match &header.kid {
        Some(kid) => jwks.find(kid).ok_or(Check::UnknownKey)?,
        None if jwks.keys.len() == 1 => &jwks.keys[0],
        None => return Err(fail("no kid and the JWKS holds several keys")),
    };
    if let Some(key_alg) = jwk.common.key_algorithm {
        if format!("{key_alg:?}") != format!("{:?}", header.alg) {
            return Err(fail("the token's algorithm is not its key's"));
        }
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| fail(format!("key: {e}")))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 60;
    let claims = decode::<IdClaims>(token, &key, &validation)
        .map_err(|e| fail(e.to_string()))?
        .claims;
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(fail("nonce does not match the login"));
    }
    Ok(claims)
}
