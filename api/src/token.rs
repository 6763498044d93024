//! Access tokens: JWTs signed with one current key (HS256, RS256 or EdDSA),
//! named by `kid`; earlier keys stay accepted for verification so tokens they
//! signed live out their lifetime after a rotation. The algorithm is pinned per
//! key: a token must carry a known `kid` and exactly that key's algorithm, so
//! `alg: none` and HS/RS confusion are refused before any signature check.

use std::collections::HashMap;

use domain::{ids::UserId, Role};
use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const ISSUER: &str = "raia";

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The role at login.
    pub role: Role,
    /// The session it belongs to.
    pub sid: String,
    /// Issuer (`raia`).
    pub iss: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Not before (seconds).
    pub nbf: i64,
    /// Expires at (seconds).
    pub exp: i64,
}

/// Why a key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Unknown algorithm name.
    #[error("unsupported JWT algorithm {0} (use HS256, RS256 or EdDSA)")]
    Algorithm(String),
    /// A key file could not be read.
    #[error("JWT key file {0}: {1}")]
    Read(String, std::io::Error),
    /// A key file is not a PEM key of the algorithm.
    #[error("JWT key file {0}: {1}")]
    Parse(String, jsonwebtoken::errors::Error),
    /// An asymmetric algorithm needs both halves.
    #[error("{0} needs jwt_private_key_file and jwt_public_key_file")]
    Missing(&'static str),
}

/// A key id: the first 16 hex digits of SHA-256 over the algorithm and the
/// verification material (the secret, or the public key PEM).
pub fn kid(alg: Algorithm, material: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(format!("{alg:?}:").as_bytes());
    h.update(material);
    hex::encode(&h.finalize()[..8])
}

/// Parses an algorithm name.
pub fn algorithm(name: &str) -> Result<Algorithm, KeyError> {
    match name.to_ascii_uppercase().as_str() {
        "HS256" => Ok(Algorithm::HS256),
        "RS256" => Ok(Algorithm::RS256),
        "EDDSA" => Ok(Algorithm::EdDSA),
        _ => Err(KeyError::Algorithm(name.to_owned())),
    }
}

/// A verification key read from a file: an HS256 secret (raw bytes, trimmed)
/// or a PEM public key for RS256 / EdDSA.
pub fn verifying_key(
    alg: Algorithm,
    bytes: &[u8],
    name: &str,
) -> Result<(String, DecodingKey), KeyError> {
    let parse = |e| KeyError::Parse(name.to_owned(), e);
    let key = match alg {
        Algorithm::HS256 => DecodingKey::from_secret(bytes),
        Algorithm::RS256 => DecodingKey::from_rsa_pem(bytes).map_err(parse)?,
        _ => DecodingKey::from_ed_pem(bytes).map_err(parse)?,
    };
    Ok((kid(alg, bytes), key))
}

/// Signing and checking keys.
#[derive(Clone)]
pub struct Tokens {
    alg: Algorithm,
    kid: String,
    enc: EncodingKey,
    verify: HashMap<String, (Algorithm, DecodingKey)>,
    ttl_secs: i64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({:?}, kid {})", self.alg, self.kid)
    }
}

impl Tokens {
    /// HS256 keys from a secret; tokens live `ttl_secs`.
    pub fn new(secret: &[u8], ttl_secs: i64) -> Self {
        let (kid, dec) = (
            kid(Algorithm::HS256, secret),
            DecodingKey::from_secret(secret),
        );
        Self {
            alg: Algorithm::HS256,
            verify: HashMap::from([(kid.clone(), (Algorithm::HS256, dec))]),
            kid,
            enc: EncodingKey::from_secret(secret),
            ttl_secs,
        }
    }

    /// RS256 or EdDSA keys from PEM text (private key signs, public verifies).
    pub fn asymmetric(
        alg: Algorithm,
        private_pem: &[u8],
        public_pem: &[u8],
        ttl_secs: i64,
    ) -> Result<Self, KeyError> {
        let parse = |e| KeyError::Parse("private key".into(), e);
        let enc = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(private_pem).map_err(parse)?,
            Algorithm::EdDSA => EncodingKey::from_ed_pem(private_pem).map_err(parse)?,
            other => return Err(KeyError::Algorithm(format!("{other:?}"))),
        };
        let (kid, dec) = verifying_key(alg, public_pem, "public key")?;
        Ok(Self {
            alg,
            verify: HashMap::from([(kid.clone(), (alg, dec))]),
            kid,
            enc,
            ttl_secs,
        })
    }

    /// Also accepts tokens signed by an earlier key (after a rotation).
    pub fn accept(mut self, alg: Algorithm, kid: String, key: DecodingKey) -> Self {
        self.verify.entry(kid).or_insert((alg, key));
        self
    }

    /// The current key's id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Token lifetime in seconds.
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Issues a token.
    pub fn issue(
        &self,
        user: UserId,
        role: Role,
        session: &str,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.to_string(),
            role,
            sid: session.to_owned(),
            iss: ISSUER.into(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
        };
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        encode(&header, &claims, &self.enc)
    }

    /// Checks a token: known `kid`, that key's algorithm, signature, issuer,
    /// expiry and not-before.
    pub fn check(&self, token: &str) -> Option<Claims> {
        let header = decode_header(token).ok()?;
        let (alg, key) = self.verify.get(header.kid.as_deref()?)?;
        if header.alg != *alg {
            return None;
        }
        let mut validation = Validation::new(*alg);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub", "nbf"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        decode::<Claims>(token, key, &validation)
            .ok()
            .map(|d| d.claims)
    }
}
