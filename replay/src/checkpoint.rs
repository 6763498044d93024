//! Signed checkpoints: an Ed25519 statement of the head (position, hash). Kept
//! outside the database, it exposes an administrator who rewrites history and
//! recomputes every hash after it, since the new chain no longer passes through
//! the signed hash.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use migrations::Db;
use serde::{Deserialize, Serialize};

use crate::ReplayError;

/// A signed statement of the log's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Format tag.
    pub format: String,
    /// Head position when signed.
    pub position: i64,
    /// Head hash when signed.
    pub hash: String,
    /// When it was signed (RFC 3339).
    pub signed_at: String,
    /// Ed25519 public key, hex.
    pub public_key: String,
    /// Ed25519 signature of [`Checkpoint::message`], hex.
    pub signature: String,
}

const FORMAT: &str = "raia-checkpoint-v1";

impl Checkpoint {
    /// The signed bytes: `raia-checkpoint-v1\n<position>\n<hash>\n<signed_at>`.
    pub fn message(position: i64, hash: &str, signed_at: &str) -> String {
        format!("{FORMAT}\n{position}\n{hash}\n{signed_at}")
    }

    /// Signs the current head.
    pub async fn sign_head(db: &Db, key: &SigningKey) -> Result<Self, ReplayError> {
        let head = commands::open_store(db.clone()).head().await?;
        let signed_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let sig = key.sign(Self::message(head.position, &head.hash, &signed_at).as_bytes());
        Ok(Self {
            format: FORMAT.to_owned(),
            position: head.position,
            hash: head.hash,
            signed_at,
            public_key: hex::encode(key.verifying_key().to_bytes()),
            signature: hex::encode(sig.to_bytes()),
        })
    }

    /// Checks the signature against the embedded public key.
    pub fn check_signature(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("unknown format {:?}", self.format));
        }
        let pk: [u8; 32] = hex::decode(&self.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("public_key is not 32 hex bytes")?;
        let sig: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("signature is not 64 hex bytes")?;
        let vk = VerifyingKey::from_bytes(&pk).map_err(|e| e.to_string())?;
        vk.verify(
            Self::message(self.position, &self.hash, &self.signed_at).as_bytes(),
            &Signature::from_bytes(&sig),
        )
        .map_err(|_| "signature does not match".to_owned())
    }

    /// Reads a checkpoint file.
    pub fn read(path: &std::path::Path) -> Result<Self, ReplayError> {
        Ok(serde_json::from_slice(&std::fs::read(path)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tampered_checkpoint_fails_its_signature() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let at = "2026-01-01T00:00:00.000000Z";
        let sig = key.sign(Checkpoint::message(5, "ab", at).as_bytes());
        let mut cp = Checkpoint {
            format: FORMAT.into(),
            position: 5,
            hash: "ab".into(),
            signed_at: at.into(),
            public_key: hex::encode(key.verifying_key().to_bytes()),
            signature: hex::encode(sig.to_bytes()),
        };
        assert_eq!(cp.check_signature(), Ok(()));
        cp.position = 6;
        assert!(cp.check_signature().is_err());
    }
}
