//! Password hashing with argon2id; parameters come from configuration.

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use rand::rngs::OsRng;

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct PasswordParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for PasswordParams {
    /// OWASP's recommended argon2id setting (19 MiB, 2 iterations, 1 lane).
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("password hashing: {0}")]
pub struct HashError(String);

fn hasher(p: PasswordParams) -> Result<Argon2<'static>, HashError> {
    let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
        .map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string (salt and parameters included).
pub fn hash(password: &str, p: PasswordParams) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher(p)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Checks a password against a PHC string (its own parameters are used).
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A valid hash of a random password, to verify against when the user does not
/// exist, so that a failed login costs one argon2 verification either way (no
/// user enumeration by timing). Made once per parameter set and kept.
pub fn decoy(p: PasswordParams) -> Result<String, HashError> {
    static DECOYS: std::sync::Mutex<Vec<(PasswordParams, String)>> =
        std::sync::Mutex::new(Vec::new());
    let mut cache = DECOYS
        .lock()
        .map_err(|_| HashError("decoy cache poisoned".into()))?;
    if let Some((_, h)) = cache.iter().find(|(q, _)| *q == p) {
        return Ok(h.clone());
    }
    let h = hash(&uuid::Uuid::new_v4().to_string(), p)?;
    cache.push((p, h.clone()));
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let p = PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        let h = hash("correct horse battery", p).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong", &h));
        assert!(!verify("x", "not a phc string"));
    }
}
