//! Crypto-shredding: personal data is sealed under a per-subject key kept outside
//! the log; erasing the key makes every copy unreadable while the chain, which
//! covers only ciphertext, still verifies.
//!
//! Format of a sealed field: `v1:` + base64(24-byte nonce || XChaCha20-Poly1305
//! ciphertext), with the subject id as associated data so a ciphertext cannot be
//! moved to another subject. Subject keys are stored wrapped by the master key.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use chacha20poly1305::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    XChaCha20Poly1305, XNonce,
};
use domain::sealed::Sealed;
use hmac::{Hmac, Mac};
use migrations::Db;
use rand::RngCore;
use sha2::Sha256;
use sqlx::Row;

use crate::store::sql_now;

/// Why sealing or opening failed.
#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    /// The subject's key was erased; nothing new may be sealed for it.
    #[error("subject {0} was erased")]
    Erased(String),
    /// Ciphertext or wrapped key is damaged or was made with another key.
    #[error("ciphertext does not open")]
    Corrupt,
    /// The key table failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Seals and opens personal data; computes keyed look-up hashes.
#[derive(Clone)]
pub struct Cipher {
    db: Db,
    master: XChaCha20Poly1305,
    lookup_key: [u8; 32],
    token_key: [u8; 32],
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(..)")
    }
}

fn seal_with(key: &XChaCha20Poly1305, aad: &[u8], plaintext: &[u8]) -> Result<String, CipherError> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ct = key
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CipherError::Corrupt)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(format!("v1:{}", B64.encode(out)))
}

fn open_with(key: &XChaCha20Poly1305, aad: &[u8], sealed: &str) -> Result<Vec<u8>, CipherError> {
    let raw = sealed.strip_prefix("v1:").ok_or(CipherError::Corrupt)?;
    let bytes = B64.decode(raw).map_err(|_| CipherError::Corrupt)?;
    if bytes.len() < 24 {
        return Err(CipherError::Corrupt);
    }
    let (nonce, ct) = bytes.split_at(24);
    key.decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
        .map_err(|_| CipherError::Corrupt)
}

impl Cipher {
    /// A cipher whose subject keys are wrapped by `master` (32 bytes from the data dir).
    pub fn new(db: Db, master: [u8; 32]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&master).unwrap_or_else(|_| unreachable_mac());
        mac.update(b"raia email lookup v1");
        let lookup_key: [u8; 32] = mac.finalize().into_bytes().into();
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&master).unwrap_or_else(|_| unreachable_mac());
        mac.update(b"raia one-time token v1");
        let token_key: [u8; 32] = mac.finalize().into_bytes().into();
        Self {
            db,
            master: XChaCha20Poly1305::new(&master.into()),
            lookup_key,
            token_key,
        }
    }

    /// A keyed MAC of `value` under the one-time-token key (hex): how a mailed
    /// token is derived from the nonce recorded in the log.
    pub fn token_mac(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.token_key)
            .unwrap_or_else(|_| unreachable_mac());
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `subject`'s key was erased.
    pub async fn is_erased(&self, subject: &str) -> Result<bool, CipherError> {
        Ok(matches!(
            self.subject_key(subject, false).await,
            Err(CipherError::Erased(_))
        ))
    }

    /// A keyed hash of `value` for equality look-ups (e.g. login by e-mail)
    /// that reveals nothing without the master key.
    pub fn lookup(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup_key)
            .unwrap_or_else(|_| unreachable_mac());
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    async fn subject_key(
        &self,
        subject: &str,
        create: bool,
    ) -> Result<Option<XChaCha20Poly1305>, CipherError> {
        let aad = format!("subject-key:{subject}");
        let row = sqlx::query("SELECT wrapped_key FROM subject_keys WHERE subject_id = $1")
            .bind(subject.to_owned())
            .fetch_optional(self.db.write())
            .await?;
        let wrapped: Option<String> = match row {
            Some(r) => match r.try_get::<Option<String>, _>(0)? {
                Some(w) => Some(w),
                None => return Err(CipherError::Erased(subject.to_owned())),
            },
            None if create => {
                let mut key = [0u8; 32];
                rand::thread_rng().fill_bytes(&mut key);
                let wrapped = seal_with(&self.master, aad.as_bytes(), &key)?;
                sqlx::query(
                    "INSERT INTO subject_keys (subject_id, wrapped_key, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (subject_id) DO NOTHING",
                )
                .bind(subject.to_owned())
                .bind(wrapped)
                .bind(sql_now())
                .execute(self.db.write())
                .await?;
                // Re-read: a concurrent writer may have created it first.
                return Box::pin(self.subject_key(subject, false)).await;
            }
            None => None,
        };
        let Some(wrapped) = wrapped else {
            return Ok(None);
        };
        let key = open_with(&self.master, aad.as_bytes(), &wrapped)?;
        let key: [u8; 32] = key.try_into().map_err(|_| CipherError::Corrupt)?;
        Ok(Some(XChaCha20Poly1305::new(&key.into())))
    }

    /// Seals `plaintext` under `subject`'s key, creating the key on first use.
    pub async fn seal(&self, subject: &str, plaintext: &str) -> Result<Sealed, CipherError> {
        let key = self
            .subject_key(subject, true)
            .await?
            .ok_or(CipherError::Corrupt)?;
        Ok(Sealed::from_ciphertext(seal_with(
            &key,
            subject.as_bytes(),
            plaintext.as_bytes(),
        )?))
    }

    /// Opens a sealed field; `None` when the subject was erased or never had a key.
    pub async fn open(
        &self,
        subject: &str,
        sealed: &Sealed,
    ) -> Result<Option<String>, CipherError> {
        let key = match self.subject_key(subject, false).await {
            Ok(Some(k)) => k,
            Ok(None) | Err(CipherError::Erased(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let bytes = open_with(&key, subject.as_bytes(), sealed.as_str())?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| CipherError::Corrupt)
    }

    /// Seals many values under one subject's key (one key look-up).
    pub async fn seal_all(
        &self,
        subject: &str,
        plaintexts: &[String],
    ) -> Result<Vec<Sealed>, CipherError> {
        let key = self
            .subject_key(subject, true)
            .await?
            .ok_or(CipherError::Corrupt)?;
        plaintexts
            .iter()
            .map(|p| seal_with(&key, subject.as_bytes(), p.as_bytes()).map(Sealed::from_ciphertext))
            .collect()
    }

    /// Opens many values sealed under one subject; `None` for each when the
    /// subject was erased (one key look-up).
    pub async fn open_all(
        &self,
        subject: &str,
        sealed: &[&str],
    ) -> Result<Vec<Option<String>>, CipherError> {
        let key = match self.subject_key(subject, false).await {
            Ok(Some(k)) => k,
            Ok(None) | Err(CipherError::Erased(_)) => return Ok(vec![None; sealed.len()]),
            Err(e) => return Err(e),
        };
        sealed
            .iter()
            .map(|s| {
                let bytes = open_with(&key, subject.as_bytes(), s)?;
                String::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| CipherError::Corrupt)
            })
            .collect()
    }

    /// Destroys `subject`'s key. Returns whether a live key existed.
    pub async fn erase(&self, subject: &str) -> Result<bool, CipherError> {
        let done = sqlx::query(
            "UPDATE subject_keys SET wrapped_key = NULL, erased_at = $2 \
             WHERE subject_id = $1 AND wrapped_key IS NOT NULL",
        )
        .bind(subject.to_owned())
        .bind(sql_now())
        .execute(self.db.write())
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// HMAC-SHA256 accepts keys of any length, so construction cannot fail.
fn unreachable_mac() -> Hmac<Sha256> {
    unreachable!("HMAC accepts any key length")
}
