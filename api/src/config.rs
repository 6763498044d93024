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
    /// MQTT broker for MQTT stream sources without their own URL
    /// (`RAIA_MQTT_URL`, default `mqtt://127.0.0.1:1883`).
    pub mqtt_url: String,
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
    /// `HS256` (default), `RS256` or `EdDSA` (`RAIA_JWT_ALGORITHM`).
    pub jwt_algorithm: String,
    /// PEM private key for RS256/EdDSA (`RAIA_JWT_PRIVATE_KEY_FILE`).
    pub jwt_private_key_file: Option<PathBuf>,
    /// PEM public key for RS256/EdDSA (`RAIA_JWT_PUBLIC_KEY_FILE`).
    pub jwt_public_key_file: Option<PathBuf>,
    /// Earlier keys still accepted until their tokens expire, as `ALG:path`
    /// (a public key PEM, or a file holding an HS256 secret)
    /// (`RAIA_JWT_PREVIOUS_KEYS`, comma separated).
    pub jwt_previous_keys: Vec<String>,
    /// SMTP server, e.g. `smtps://user:pass@mail.example.com` or
    /// `smtp://host:25?tls=required`; unset: mail goes to `<data dir>/outbox` as
    /// `.eml` files (`RAIA_SMTP_URL`).
    pub smtp_url: Option<String>,
    /// Sender of RAIA's mail (`RAIA_MAIL_FROM`).
    pub mail_from: String,
    /// Base URL users reach RAIA at, for links in mail (`RAIA_PUBLIC_URL`;
    /// default `http://<listen>`).
    pub public_url: Option<String>,
    /// Failed logins from one client address (any account) within 15 minutes
    /// that lock the address out for 15 minutes (`RAIA_ADDRESS_LOCK_AFTER`).
    pub address_lock_after: u32,
    /// OpenID Connect providers for single sign-on (config file only).
    pub sso: Vec<crate::sso::ProviderConfig>,
    /// SAML 2.0 identity providers (config file only).
    pub saml: Vec<crate::saml::SamlConfig>,
    /// Largest model artifact accepted, bytes (`RAIA_MODEL_ARTIFACT_LIMIT_BYTES`, default 100 MiB).
    pub model_artifact_limit_bytes: u64,
    /// Loaded models kept in memory (`RAIA_MODEL_CACHE_SIZE`).
    pub model_cache_size: usize,
    /// Background jobs run at once on this node (`RAIA_JOB_WORKERS`, default 2).
    pub job_workers: usize,
    /// Profiling, quality assessment and drift detection over at least this many cells
    /// (rows × columns, summed over both datasets for drift) run as a job and answer 202
    /// (`RAIA_DATASET_JOB_CELLS`, default 2,000,000).
    pub dataset_job_cells: u64,
    /// Events a real-time subscriber may have queued before it is cut as too slow
    /// (`RAIA_WS_QUEUE_LEN`).
    pub ws_queue_len: usize,
    /// Largest WebSocket message a client may send, bytes (`RAIA_WS_MAX_MESSAGE_BYTES`).
    pub ws_max_message_bytes: usize,
    /// A subscriber that overflows its queue with events older than this is cut
    /// as too slow; a younger overflow (a burst) is caught up from the log
    /// (`RAIA_WS_SLOW_AFTER_MS`).
    pub ws_slow_after_ms: u64,
    /// A socket that answers no ping for this long is closed 4000
    /// (`RAIA_WS_IDLE_AFTER_MS`, default 45 s; pings go every 15 s).
    pub ws_idle_after_ms: u64,
    /// Largest RAG document accepted, bytes (`RAIA_DOCUMENT_MAX_BYTES`, default 64 MiB).
    pub document_max_bytes: u64,
    /// LLM prices by model name, USD per million tokens (config file only).
    pub llm_prices: std::collections::BTreeMap<String, crate::llm::pricing::Price>,
    /// Greatest age of fairness and drift evidence before a compliance item is
    /// stale, days (`RAIA_COMPLIANCE_MAX_AGE_DAYS`, default 90).
    pub compliance_max_age_days: u32,
    /// Whether the notifier follows the log and creates notifications
    /// (`RAIA_NOTIFICATIONS`, default true).
    pub notifications: bool,
    /// Fairness analyses and mitigations over more dataset rows than this run as jobs
    /// (`RAIA_FAIRNESS_JOB_ROWS`, default 200000).
    pub fairness_job_rows: usize,
    /// Whether notifications are delivered by e-mail and webhook
    /// (`RAIA_NOTIFICATION_DELIVERY`, default true).
    pub notification_delivery: bool,
    /// First retry delay of a failed e-mail or webhook delivery, doubled on
    /// each further attempt (`RAIA_DELIVERY_RETRY_BASE_MS`, default 2000).
    pub delivery_retry_base_ms: u64,
    /// Attempts before a delivery goes to the dead-letter list
    /// (`RAIA_DELIVERY_MAX_ATTEMPTS`, default 6).
    pub delivery_max_attempts: u32,
    /// How often due export schedules are looked for, ms
    /// (`RAIA_EXPORT_SCHEDULE_TICK_MS`, default 15000).
    pub export_schedule_tick_ms: u64,
    /// Redis for the read cache, shared by every node (`RAIA_REDIS_URL`; unset: in-process).
    pub redis_url: Option<String>,
    /// Prefix of the cache's Redis keys; nodes sharing a cache share it
    /// (`RAIA_REDIS_PREFIX`, default `raia:cache:`).
    pub redis_prefix: String,
    /// Bytes the in-process read cache may hold (`RAIA_CACHE_MAX_BYTES`, default 64 MiB).
    pub cache_max_bytes: u64,
    /// Seconds a cache entry lives at most (`RAIA_CACHE_TTL_SECS`, default 3600).
    pub cache_ttl_secs: u64,
    /// OTLP/HTTP collector base URL for trace export, e.g. `http://127.0.0.1:4318`
    /// (`RAIA_OTLP_ENDPOINT`; unset: no export).
    pub otlp_endpoint: Option<String>,
    /// Seconds between retention enforcements (`RAIA_RETENTION_INTERVAL_SECS`,
    /// default 3600; 0 = only on request).
    pub retention_interval_secs: u64,
    /// `service.name` of exported traces (`RAIA_OTLP_SERVICE_NAME`, default `raia`).
    pub otlp_service_name: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./raia-data"),
            database_url: None,
            nats_url: None,
            mqtt_url: "mqtt://127.0.0.1:1883".into(),
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
            jwt_algorithm: "HS256".into(),
            jwt_private_key_file: None,
            jwt_public_key_file: None,
            jwt_previous_keys: Vec::new(),
            smtp_url: None,
            mail_from: "RAIA <no-reply@raia.invalid>".into(),
            public_url: None,
            address_lock_after: 100,
            sso: Vec::new(),
            saml: Vec::new(),
            model_artifact_limit_bytes: 100 * 1024 * 1024,
            model_cache_size: 64,
            job_workers: 2,
            dataset_job_cells: 2_000_000,
            ws_queue_len: 1024,
            ws_max_message_bytes: 64 * 1024,
            ws_slow_after_ms: 5000,
            ws_idle_after_ms: 45_000,
            document_max_bytes: 64 * 1024 * 1024,
            llm_prices: crate::llm::pricing::defaults(),
            compliance_max_age_days: 90,
            notifications: true,
            fairness_job_rows: 200_000,
            notification_delivery: true,
            delivery_retry_base_ms: 2000,
            delivery_max_attempts: 6,
            export_schedule_tick_ms: 15_000,
            redis_url: None,
            redis_prefix: "raia:cache:".into(),
            cache_max_bytes: 64 * 1024 * 1024,
            cache_ttl_secs: 3600,
            otlp_endpoint: None,
            otlp_service_name: "raia".into(),
            retention_interval_secs: 3600,
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
        if let Some(v) = env("RAIA_MQTT_URL") {
            c.mqtt_url = v;
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
        if let Some(v) = env("RAIA_JWT_ALGORITHM") {
            c.jwt_algorithm = v;
        }
        if let Some(v) = env("RAIA_JWT_PRIVATE_KEY_FILE") {
            c.jwt_private_key_file = Some(v.into());
        }
        if let Some(v) = env("RAIA_JWT_PUBLIC_KEY_FILE") {
            c.jwt_public_key_file = Some(v.into());
        }
        if let Some(v) = env("RAIA_JWT_PREVIOUS_KEYS") {
            c.jwt_previous_keys = v
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(v) = env("RAIA_SMTP_URL") {
            c.smtp_url = Some(v);
        }
        if let Some(v) = env("RAIA_MAIL_FROM") {
            c.mail_from = v;
        }
        if let Some(v) = env("RAIA_PUBLIC_URL") {
            c.public_url = Some(v);
        }
        if let Some(v) = parsed("RAIA_ADDRESS_LOCK_AFTER")? {
            c.address_lock_after = v;
        }
        if let Some(v) = parsed("RAIA_MODEL_ARTIFACT_LIMIT_BYTES")? {
            c.model_artifact_limit_bytes = v;
        }
        if let Some(v) = parsed("RAIA_MODEL_CACHE_SIZE")? {
            c.model_cache_size = v;
        }
        if let Some(v) = parsed("RAIA_JOB_WORKERS")? {
            c.job_workers = v;
        }
        if let Some(v) = parsed("RAIA_DATASET_JOB_CELLS")? {
            c.dataset_job_cells = v;
        }
        if let Some(v) = parsed("RAIA_WS_QUEUE_LEN")? {
            c.ws_queue_len = v;
        }
        if let Some(v) = parsed("RAIA_WS_MAX_MESSAGE_BYTES")? {
            c.ws_max_message_bytes = v;
        }
        if let Some(v) = parsed("RAIA_WS_SLOW_AFTER_MS")? {
            c.ws_slow_after_ms = v;
        }
        if let Some(v) = parsed("RAIA_WS_IDLE_AFTER_MS")? {
            c.ws_idle_after_ms = v;
        }
        if let Some(v) = parsed("RAIA_DOCUMENT_MAX_BYTES")? {
            c.document_max_bytes = v;
        }
        if let Some(v) = parsed("RAIA_COMPLIANCE_MAX_AGE_DAYS")? {
            c.compliance_max_age_days = v;
        }
        if let Some(v) = parsed("RAIA_NOTIFICATIONS")? {
            c.notifications = v;
        }
        if let Some(v) = parsed("RAIA_FAIRNESS_JOB_ROWS")? {
            c.fairness_job_rows = v;
        }
        if let Some(v) = parsed("RAIA_NOTIFICATION_DELIVERY")? {
            c.notification_delivery = v;
        }
        if let Some(v) = parsed("RAIA_DELIVERY_RETRY_BASE_MS")? {
            c.delivery_retry_base_ms = v;
        }
        if let Some(v) = parsed("RAIA_DELIVERY_MAX_ATTEMPTS")? {
            c.delivery_max_attempts = v;
        }
        if let Some(v) = parsed("RAIA_EXPORT_SCHEDULE_TICK_MS")? {
            c.export_schedule_tick_ms = v;
        }
        if let Some(v) = env("RAIA_REDIS_URL") {
            c.redis_url = Some(v);
        }
        if let Some(v) = env("RAIA_REDIS_PREFIX") {
            c.redis_prefix = v;
        }
        if let Some(v) = parsed("RAIA_CACHE_MAX_BYTES")? {
            c.cache_max_bytes = v;
        }
        if let Some(v) = parsed("RAIA_CACHE_TTL_SECS")? {
            c.cache_ttl_secs = v;
        }
        if let Some(v) = env("RAIA_OTLP_ENDPOINT") {
            c.otlp_endpoint = Some(v);
        }
        if let Some(v) = parsed("RAIA_RETENTION_INTERVAL_SECS")? {
            c.retention_interval_secs = v;
        }
        if let Some(v) = env("RAIA_OTLP_SERVICE_NAME") {
            c.otlp_service_name = v;
        }
        Ok(c)
    }

    /// The base URL for links in mail.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Builds the access-token keys: the current one and any earlier ones.
    pub fn tokens(&self, hs_secret: &[u8]) -> Result<crate::token::Tokens, crate::token::KeyError> {
        use crate::token::{algorithm, verifying_key, KeyError, Tokens};
        let read = |p: &std::path::Path| {
            std::fs::read(p).map_err(|e| KeyError::Read(p.display().to_string(), e))
        };
        let alg = algorithm(&self.jwt_algorithm)?;
        let mut tokens = match alg {
            jsonwebtoken::Algorithm::HS256 => Tokens::new(hs_secret, self.access_token_ttl_secs),
            _ => {
                let (Some(private), Some(public)) =
                    (&self.jwt_private_key_file, &self.jwt_public_key_file)
                else {
                    return Err(KeyError::Missing("RS256/EdDSA"));
                };
                Tokens::asymmetric(
                    alg,
                    &read(private)?,
                    &read(public)?,
                    self.access_token_ttl_secs,
                )?
            }
        };
        for entry in &self.jwt_previous_keys {
            let (name, path) = entry
                .split_once(':')
                .ok_or_else(|| KeyError::Algorithm(format!("{entry} (want ALG:path)")))?;
            let alg = algorithm(name)?;
            let mut bytes = read(std::path::Path::new(path))?;
            if alg == jsonwebtoken::Algorithm::HS256 {
                // A data-dir key file holds the secret hex-encoded.
                let text = String::from_utf8_lossy(&bytes).trim().to_owned();
                bytes = match hex::decode(&text) {
                    Ok(raw) if text.len() == 64 => raw,
                    _ => text.into_bytes(),
                };
            }
            let (kid, key) = verifying_key(alg, &bytes, path)?;
            tokens = tokens.accept(alg, kid, key);
        }
        Ok(tokens)
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

#[cfg(test)]
mod key_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_generated_hs256_secret_kept_as_a_previous_key_still_verifies_its_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let old = [7u8; 32];
        let file = dir.path().join("jwt.previous.key");
        std::fs::write(&file, hex::encode(old)).unwrap();
        let user = domain::ids::UserId::from_uuid(uuid::Uuid::new_v4());
        let token = crate::token::Tokens::new(&old, 900)
            .issue(user, domain::Role::Viewer, "s")
            .unwrap();
        let c = Config {
            jwt_previous_keys: vec![format!("HS256:{}", file.display())],
            ..Config::default()
        };
        let now = c.tokens(&[9u8; 32]).unwrap();
        assert_eq!(now.check(&token).map(|c| c.sub), Some(user.to_string()));
        let without = Config::default().tokens(&[9u8; 32]).unwrap();
        assert!(without.check(&token).is_none());
        let bad = Config {
            jwt_algorithm: "HS512".into(),
            ..Config::default()
        };
        assert!(bad.tokens(&[9u8; 32]).is_err());
    }
}
