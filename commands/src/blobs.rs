//! Content-addressed file store: bytes are streamed to disk while hashed, then
//! filed under their SHA-256, so the same bytes stored twice share one file and
//! nothing is ever held whole in memory.
//!
//! Layout: `<root>/<first two hex>/<full hex>`; partial writes live in
//! `<root>/tmp/` and are renamed into place only once complete, so a crash never
//! leaves a half-written blob under a hash.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// A stored blob: its hash and size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlobRef {
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Why a blob could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The stream went past the size limit; nothing was kept.
    #[error("content exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit, bytes.
        limit: u64,
    },
    /// No blob has that hash.
    #[error("blob {0} not found")]
    NotFound(String),
    /// The name is not a SHA-256 hex string.
    #[error("not a SHA-256 hex digest: {0}")]
    BadHash(String),
    /// The source stream failed (e.g. the client went away).
    #[error("reading the upload: {0}")]
    Source(String),
    /// The disk failed.
    #[error("file store: {0}")]
    Io(#[from] std::io::Error),
}

/// The local content-addressed store.
#[derive(Debug, Clone)]
pub struct Blobs {
    root: PathBuf,
}

fn check_hash(sha256: &str) -> Result<(), BlobError> {
    if sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(BlobError::BadHash(sha256.to_owned()))
    }
}

impl Blobs {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this hash lives (whether or not it exists).
    pub fn path(&self, sha256: &str) -> Result<PathBuf, BlobError> {
        check_hash(sha256)?;
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    /// Streams `source` into the store, refusing more than `limit` bytes.
    pub async fn put_stream<S, E>(&self, source: S, limit: u64) -> Result<BlobRef, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await?;
        let tmp = tmp_dir.join(uuid::Uuid::new_v4().to_string());
        let result = self.write_tmp(&tmp, source, limit).await;
        let (sha256, size) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let dest = self.path(&sha256)?;
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        if tokio::fs::try_exists(&dest).await? {
            tokio::fs::remove_file(&tmp).await?;
        } else {
            tokio::fs::rename(&tmp, &dest).await?;
        }
        Ok(BlobRef { sha256, size })
    }

    async fn write_tmp<S, E>(
        &self,
        tmp: &Path,
        mut source: S,
        limit: u64,
    ) -> Result<(String, u64), BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut file = tokio::fs::File::create(tmp).await?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = source.next().await {
            let chunk = chunk.map_err(|e| BlobError::Source(e.to_string()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(BlobError::TooLarge { limit });
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        Ok((hex::encode(hasher.finalize()), size))
    }

    /// Stores a byte slice (for small content produced in-process).
    pub async fn put_bytes(&self, bytes: Bytes) -> Result<BlobRef, BlobError> {
        let limit = bytes.len() as u64;
        self.put_stream(
            futures::stream::iter([Ok::<_, std::convert::Infallible>(bytes)]),
            limit,
        )
        .await
    }

    /// Whether the blob exists.
    pub async fn exists(&self, sha256: &str) -> Result<bool, BlobError> {
        Ok(tokio::fs::try_exists(self.path(sha256)?).await?)
    }

    /// Reads a whole blob (callers stream large ones through [`Blobs::path`]).
    pub async fn read(&self, sha256: &str) -> Result<Vec<u8>, BlobError> {
        match tokio::fs::read(self.path(sha256)?).await {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(BlobError::NotFound(sha256.to_owned()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Removes a blob; `false` if it was already gone.
    pub async fn delete(&self, sha256: &str) -> Result<bool, BlobError> {
        match tokio::fs::remove_file(self.path(sha256)?).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> impl Stream<Item = Result<Bytes, String>> + Unpin {
        futures::stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        )
    }

    #[tokio::test]
    async fn same_bytes_share_one_blob_and_the_hash_is_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path());
        let a = blobs.put_stream(chunks(&[b"ab", b"c"]), 10).await.unwrap();
        let b = blobs.put_bytes(Bytes::from_static(b"abc")).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(blobs.read(&a.sha256).await.unwrap(), b"abc");
        assert!(blobs.delete(&a.sha256).await.unwrap());
        assert!(!blobs.exists(&a.sha256).await.unwrap());
        assert!(matches!(
            blobs.read(&a.sha256).await,
            Err(BlobError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn over_the_limit_keeps_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path());
        let err = blobs
            .put_stream(chunks(&[b"abcd", b"efgh"]), 6)
            .await
            .unwrap_err();
        assert!(matches!(err, BlobError::TooLarge { limit: 6 }));
        let left = std::fs::read_dir(dir.path().join("tmp")).unwrap().count();
        assert_eq!(left, 0);
        assert!(matches!(
            blobs.path("../etc/passwd"),
            Err(BlobError::BadHash(_))
        ));
    }
}
