//! Configuration, layered: defaults, then an optional TOML file, then `RAIA_*`
//! environment variables, then command-line flags.

use std::{net::SocketAddr, path::PathBuf};

use commands::password::PasswordParams;
use serde::Deserialize;

/// Everything the server can be configured with.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`RAIA_LISTEN`).
    pub listen: SocketAddr,
    /// Data directory: SQLite file, keys, files (`RAIA_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; default: SQLite in the data dir (`RAIA_DATABASE_URL`).
    pub database_url: Option<String>,
    /// NATS server for event distribution (`RAIA_NATS_URL`).
    pub nats_url: Option<String>,
    /// JetStream stream receiving events (`RAIA_NATS_STREAM`, default `RAIA_EVENTS`).
    pub nats_stream: String,
    /// Subject prefix (`RAIA_NATS_SUBJECT_PREFIX`, default `raia.events`).
    pub nats_subject_prefix: String,
    /// Origins allowed by CORS; empty = same-origin only (`RAIA_CORS_ORIGINS`, comma separated).
    pub cors_origins: Vec<String>,
    /// Largest JSON body accepted, bytes (`RAIA_BODY_LIMIT_BYTES`).
    pub body_limit_bytes: usize,
    /// Largest dataset file accepted by an upload, bytes (`RAIA_DATASET_MAX_BYTES`).
    pub dataset_max_bytes: u64,
    /// Per-request time limit, seconds (`RAIA_REQUEST_TIMEOUT_SECS`).
    pub request_timeout_secs: u64,
    /// Whether anyone may register (as `viewer`) without an admin (`RAIA_SELF_REGISTRATION`).
    pub self_registration: bool,
    /// Access-token lifetime, seconds (`RAIA_ACCESS_TOKEN_TTL_SECS`).
    pub access_token_ttl_secs: i64,
    /// Refresh-token lifetime, seconds (`RAIA_REFRESH_TOKEN_TTL_SECS`).
    pub refresh_token_ttl_secs: i64,
    /// argon2id parameters (`RAIA_ARGON2_MEMORY_KIB`, `RAIA_ARGON2_ITERATIONS`).
    pub password: PasswordParams,
    /// `json` (default) or `pretty` logs (`RAIA_LOG_FORMAT`).
    pub log_format: String,
    /// HMAC secret for access tokens; default: generated in the data dir.
    /// Several servers behind one database must share it (`RAIA_JWT_SECRET`).
    pub jwt_secret: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./raia-data"),
            database_url: None,
            nats_url: None,
            nats_stream: commands::relay::STREAM.into(),
            nats_subject_prefix: commands::relay::SUBJECT_PREFIX.into(),
            cors_origins: Vec::new(),
            body_limit_bytes: 2 * 1024 * 1024,
            dataset_max_bytes: 1024 * 1024 * 1024,
            request_timeout_secs: 30,
            self_registration: false,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            password: PasswordParams::default(),
            log_format: "json".into(),
            jwt_secret: None,
        }
    }
}

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("config file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// The file is not valid TOML for this schema.
    #[error("config file {0}: {1}")]
    Parse(PathBuf, toml::de::Error),
    /// An environment variable has the wrong shape.
    #[error("environment variable {0}: {1}")]
    Env(&'static str, String),
}

fn env(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn parsed<T: std::str::FromStr>(name: &'static str) -> Result<Option<T>, ConfigError>
where
    T::Err: std::fmt::Display,
{
    env(name)
        .map(|v| {
            v.parse::<T>()
                .map_err(|e| ConfigError::Env(name, e.to_string()))
        })
        .transpose()
}

impl Config {
    /// Loads defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let mut c = match file {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| ConfigError::Read(p.into(), e))?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse(p.into(), e))?
            }
            None => Config::default(),
        };
        if let Some(v) = parsed("RAIA_LISTEN")? {
            c.listen = v;
        }
        if let Some(v) = env("RAIA_DATA_DIR") {
            c.data_dir = v.into();
        }
        if let Some(v) = env("RAIA_DATABASE_URL") {
            c.database_url = Some(v);
        }
        if let Some(v) = env("RAIA_NATS_URL") {
            c.nats_url = Some(v);
        }
        if let Some(v) = env("RAIA_NATS_STREAM") {
            c.nats_stream = v;
        }
        if let Some(v) = env("RAIA_NATS_SUBJECT_PREFIX") {
            c.nats_subject_prefix = v;
        }
        if let Some(v) = env("RAIA_CORS_ORIGINS") {
            c.cors_origins = v
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(v) = parsed("RAIA_BODY_LIMIT_BYTES")? {
            c.body_limit_bytes = v;
        }
        if let Some(v) = parsed("RAIA_DATASET_MAX_BYTES")? {
            c.dataset_max_bytes = v;
        }
        if let Some(v) = parsed("RAIA_REQUEST_TIMEOUT_SECS")? {
            c.request_timeout_secs = v;
        }
        if let Some(v) = parsed("RAIA_SELF_REGISTRATION")? {
            c.self_registration = v;
        }
        if let Some(v) = parsed("RAIA_ACCESS_TOKEN_TTL_SECS")? {
            c.access_token_ttl_secs = v;
        }
        if let Some(v) = parsed("RAIA_REFRESH_TOKEN_TTL_SECS")? {
            c.refresh_token_ttl_secs = v;
        }
        if let Some(v) = parsed("RAIA_ARGON2_MEMORY_KIB")? {
            c.password.memory_kib = v;
        }
        if let Some(v) = parsed("RAIA_ARGON2_ITERATIONS")? {
            c.password.iterations = v;
        }
        if let Some(v) = env("RAIA_LOG_FORMAT") {
            c.log_format = v;
        }
        if let Some(v) = env("RAIA_JWT_SECRET") {
            c.jwt_secret = Some(v);
        }
        Ok(c)
    }

    /// The database URL, defaulting to `raia.db` in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("raia.db").display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_overridden_by_the_environment() {
        let dir = std::env::temp_dir().join(format!("raia-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("raia.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\nself_registration = true\ncors_origins = [\"https://a.example\"]\n\n[password]\nmemory_kib = 4096\niterations = 3\nparallelism = 1\n",
        )
        .unwrap();
        // Each nextest test runs in its own process, so setting variables is safe here.
        std::env::set_var("RAIA_LISTEN", "127.0.0.1:9001");
        let c = Config::load(Some(&file)).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9001");
        assert!(c.self_registration);
        assert_eq!(c.cors_origins, vec!["https://a.example".to_string()]);
        assert_eq!(c.password.memory_kib, 4096);
        assert_eq!(c.database_url(), "sqlite://./raia-data/raia.db");
        std::fs::write(&file, "colour = 1\n").unwrap();
        assert!(matches!(
            Config::load(Some(&file)),
            Err(ConfigError::Parse(..))
        ));
        std::env::set_var("RAIA_BODY_LIMIT_BYTES", "lots");
        assert!(matches!(
            Config::load(None),
            Err(ConfigError::Env("RAIA_BODY_LIMIT_BYTES", _))
        ));
    }
}
