//! Loaded models kept in memory, keyed by the artifact's SHA-256: a version's
//! bytes never change, so a loaded model stays valid for as long as it is kept.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use analysis::inference::{InferenceError, Model};

use crate::blobs::{BlobError, Blobs};

/// Why a model could not be had.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The artifact is missing or unreadable.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The artifact no longer loads (it did at upload).
    #[error(transparent)]
    Load(#[from] InferenceError),
    /// The loading task died.
    #[error("loading task failed: {0}")]
    Task(String),
}

/// A bounded map from artifact hash to loaded model.
#[derive(Debug)]
pub struct ModelCache {
    blobs: Blobs,
    capacity: usize,
    models: Mutex<HashMap<String, Arc<Model>>>,
}

impl ModelCache {
    /// A cache over `blobs` holding at most `capacity` models.
    pub fn new(blobs: Blobs, capacity: usize) -> Self {
        Self {
            blobs,
            capacity: capacity.max(1),
            models: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, sha256: &str) -> Option<Arc<Model>> {
        self.models.lock().ok()?.get(sha256).cloned()
    }

    /// The loaded model for this artifact, loading it (off the async threads) on a miss.
    pub async fn get(&self, sha256: &str) -> Result<Arc<Model>, CacheError> {
        if let Some(m) = self.cached(sha256) {
            return Ok(m);
        }
        let bytes = self.blobs.read(sha256).await?;
        let model = tokio::task::spawn_blocking(move || Model::load(&bytes))
            .await
            .map_err(|e| CacheError::Task(e.to_string()))??;
        let model = Arc::new(model);
        if let Ok(mut map) = self.models.lock() {
            if map.len() >= self.capacity && !map.contains_key(sha256) {
                // Any entry will do: models are cheap to reload, and eviction is rare.
                if let Some(k) = map.keys().next().cloned() {
                    map.remove(&k);
                }
            }
            map.insert(sha256.to_owned(), Arc::clone(&model));
        }
        Ok(model)
    }

    /// Keeps an already loaded model (the upload path has just loaded it).
    pub fn insert(&self, sha256: &str, model: Arc<Model>) {
        if let Ok(mut map) = self.models.lock() {
            if map.len() >= self.capacity {
                if let Some(k) = map.keys().next().cloned() {
                    map.remove(&k);
                }
            }
            map.insert(sha256.to_owned(), model);
        }
    }
}
