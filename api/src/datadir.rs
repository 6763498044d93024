//! The data directory and the keys generated into it on first run.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use ed25519_dalek::SigningKey;
use rand::RngCore;

/// The secrets a server needs, loaded from (or first created in) `<data>/keys`.
#[derive(Clone)]
pub struct Keys {
    /// HMAC secret for access tokens.
    pub jwt: Vec<u8>,
    /// Wraps per-subject keys (crypto-shredding).
    pub master: [u8; 32],
    /// Signs chain checkpoints.
    pub signing: SigningKey,
    /// Whether this call created them (first run).
    pub created: bool,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

fn key_file(dir: &Path, name: &str, created: &mut bool) -> std::io::Result<[u8; 32]> {
    let path = dir.join(name);
    if !path.exists() {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        match opts.open(&path) {
            Ok(mut f) => {
                f.write_all(hex::encode(key).as_bytes())?;
                f.sync_all()?;
                *created = true;
            }
            // Another process created it first; read theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    let text = std::fs::read_to_string(&path)?;
    let mut key = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut key).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })?;
    Ok(key)
}

/// Creates the data directory and its key files (mode 0600) if missing.
pub fn prepare(data_dir: &Path, jwt_secret: Option<&str>) -> std::io::Result<Keys> {
    let keys_dir: PathBuf = data_dir.join("keys");
    std::fs::create_dir_all(&keys_dir)?;
    #[cfg(unix)]
    std::fs::set_permissions(
        &keys_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )?;
    std::fs::create_dir_all(data_dir.join("files"))?;
    let mut created = false;
    let jwt = match jwt_secret {
        Some(s) => s.as_bytes().to_vec(),
        None => key_file(&keys_dir, "jwt.key", &mut created)?.to_vec(),
    };
    let master = key_file(&keys_dir, "master.key", &mut created)?;
    let signing = SigningKey::from_bytes(&key_file(&keys_dir, "checkpoint.key", &mut created)?);
    Ok(Keys {
        jwt,
        master,
        signing,
        created,
    })
}

/// This node's stable name (`<data>/node_id`, created on first run): jobs record
/// which node runs them, so a restart fails only its own interrupted jobs.
pub fn node_id(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("node_id");
    match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => {
            let id = uuid::Uuid::new_v4().to_string();
            std::fs::write(&path, &id)?;
            Ok(id)
        }
    }
}
