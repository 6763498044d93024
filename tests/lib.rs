//! Test support: spawn RAIA on a fresh SQLite file or a fresh PostgreSQL
//! database, authenticate as any role, and reach NATS. A missing service fails
//! the test with the command that starts it; nothing is skipped silently.

// Test support: a failed set-up step should panic the test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod fake_judge;
pub mod fake_llm;
pub mod model_server;
pub mod oidc;
pub mod saml;
pub mod services;
pub mod smtp;

use std::time::Duration;

use api::{config::Config, startup::Server};
use commands::{password::PasswordParams, users};
use domain::{ids::Email, Metadata, Role};
use serde_json::Value;

pub use services::{mariadb_admin, mqtt_url, nats_url, postgres_database, redis_url};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary data directory.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// Cheap argon2 parameters so tests do not spend their time hashing.
pub const TEST_PASSWORD_PARAMS: PasswordParams = PasswordParams {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

/// A password that passes the policy.
pub const PASSWORD: &str = "correct horse battery staple";

/// A server under test.
pub struct TestApp {
    /// The running server.
    pub server: Server,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// An HTTP client.
    pub client: reqwest::Client,
    /// The data directory (removed on drop).
    pub dir: tempfile::TempDir,
    /// The backend.
    pub backend: Backend,
    /// The configuration it runs with.
    pub config: Config,
}

/// A configuration for `backend` with a fresh database and data directory.
pub async fn test_config(backend: Backend, dir: &std::path::Path) -> Config {
    let mut c = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.password = TEST_PASSWORD_PARAMS;
    c.log_format = "pretty".into();
    // Tests run the notifier themselves (`api::notify::run_once`), so that no
    // background append changes the event counts they assert.
    c.notifications = false;
    c.database_url = Some(match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("raia.db").display()),
        Backend::Postgres => postgres_database().await,
    });
    c
}

impl TestApp {
    /// Starts a server on `backend`.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts a server on `backend` after `tweak` edits its configuration.
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config(backend, dir.path()).await;
        tweak(&mut config);
        Self::start(backend, dir, config).await
    }

    /// Starts a server with a given configuration; `dir` is kept alive with it.
    pub async fn start(backend: Backend, dir: tempfile::TempDir, config: Config) -> Self {
        let server = api::startup::start(config.clone()).await.unwrap();
        let base = format!("http://{}", server.addr);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        TestApp {
            server,
            base,
            client,
            dir,
            backend,
            config,
        }
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates a user with `role` through the command side; returns its e-mail.
    pub async fn user(&self, role: Role) -> String {
        let email = format!(
            "{}-{}@example.org",
            role.as_str(),
            uuid::Uuid::new_v4().simple()
        );
        let s = &self.server.state;
        let new = users::NewUser {
            email: Email::parse(&email).unwrap(),
            password: PASSWORD.into(),
            display_name: Some(format!("Test {role}")),
            role,
        };
        users::register(
            s.store.as_ref(),
            &s.cipher,
            TEST_PASSWORD_PARAMS,
            new,
            Metadata::system("test"),
        )
        .await
        .unwrap();
        email
    }

    /// Logs in over HTTP; returns the whole token response.
    pub async fn login(&self, email: &str) -> Value {
        let r = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login failed");
        r.json().await.unwrap()
    }

    /// A fresh user with `role`, logged in; returns the access token.
    pub async fn token(&self, role: Role) -> String {
        let email = self.user(role).await;
        self.login(&email).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Brings every projection up to the head (tests never sleep).
    pub async fn sync(&self) {
        self.server.state.runner.sync().await.unwrap();
    }

    /// GET with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// POST JSON with a bearer token.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Number of events in the log.
    pub async fn event_count(&self) -> i64 {
        self.server.state.store.head().await.unwrap().position
    }

    /// The `.eml` files in the outbox (embedded mail), oldest first.
    pub fn outbox(&self) -> Vec<String> {
        let mut files = Vec::new();
        let root = self.dir.path().join("outbox");
        for user in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            for f in std::fs::read_dir(user.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if f.path().extension().is_some_and(|e| e == "eml") {
                    files.push(f.path());
                }
            }
        }
        files.sort_by_key(|p| p.file_name().map(|n| n.to_owned()));
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    /// Waits (up to 60 s) until the outbox holds `n` messages; returns them.
    pub async fn wait_for_outbox(&self, n: usize) -> Vec<String> {
        for _ in 0..600 {
            let mails = self.outbox();
            if mails.len() >= n {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "expected {n} mails in the outbox, found {}",
            self.outbox().len()
        );
    }

    /// Stops the server.
    pub async fn stop(self) -> tempfile::TempDir {
        self.server.shutdown().await;
        self.dir
    }
}

/// The token of the `/<path>?token=` link in a mail (quoted-printable undone).
pub fn link_token(mail: &str, path: &str) -> Option<String> {
    let text = mail
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let marker = format!("/{path}?token=");
    let start = text.find(&marker)? + marker.len();
    Some(
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
            .collect(),
    )
}

/// Asserts a problem+json answer with `status` and `code`; returns the document.
pub async fn expect_problem(r: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "unexpected status");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json");
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["code"], code, "{doc}");
    assert_eq!(doc["status"], status);
    assert!(doc["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert!(doc["type"].as_str().is_some());
    doc
}

/// Generates `sqlite` and `postgres` tests running `$body(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::Backend::Postgres).await
            }
        }
    };
}
