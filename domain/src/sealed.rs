//! Personal data as it appears in events: sealed under a per-subject key.

use serde::{Deserialize, Serialize};

/// Ciphertext of a personal-data field, encrypted under its subject's key.
///
/// The log keeps only this form, so erasing the subject's key (crypto-shredding)
/// makes the field unreadable everywhere while the hash chain, which covers the
/// ciphertext, still verifies. The format is owned by the write side's cipher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sealed(String);

impl Sealed {
    /// Wraps ciphertext produced by the cipher.
    pub fn from_ciphertext(s: String) -> Self {
        Self(s)
    }
    /// The ciphertext text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
