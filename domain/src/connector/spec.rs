//! A connector's settings: its source and its limits (never its secrets).

use serde::{Deserialize, Serialize};

/// What an HTTP source returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpFormat {
    /// CSV with a header line (every page repeats it).
    Csv,
    /// JSON: an array of objects, or an object holding one under `records_field`.
    Json,
}

/// How an HTTP source's next page is found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Pagination {
    /// One page.
    #[default]
    None,
    /// RFC 8288 `Link: <url>; rel="next"` response headers.
    Link,
    /// A cursor in the JSON body, sent back as a query parameter; absent, null or
    /// empty ends the import.
    Cursor {
        /// Top-level body field holding the next cursor.
        field: String,
        /// Query parameter carrying it.
        param: String,
    },
}

/// Where rows come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A PostgreSQL query, run in a read-only transaction.
    Postgres {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
        /// Database.
        database: String,
        /// User.
        user: String,
        /// One SELECT statement.
        query: String,
    },
    /// A MySQL/MariaDB query, run in a read-only transaction.
    Mysql {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
        /// Database.
        database: String,
        /// User.
        user: String,
        /// One SELECT statement.
        query: String,
    },
    /// An HTTP(S) GET.
    Http {
        /// First page's URL.
        url: String,
        /// Body format.
        format: HttpFormat,
        /// Next-page rule.
        #[serde(default)]
        pagination: Pagination,
        /// Body field holding the records (JSON objects only).
        #[serde(default)]
        records_field: Option<String>,
        /// Names of the custom headers sent (their values are sealed credentials).
        #[serde(default)]
        header_names: Vec<String>,
    },
}

impl Source {
    /// `postgres`, `mysql` or `http`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Postgres { .. } => "postgres",
            Source::Mysql { .. } => "mysql",
            Source::Http { .. } => "http",
        }
    }
}

/// A connector's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorSpec {
    /// Display name (also the imported datasets' name).
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// The source.
    pub source: Source,
    /// Most rows imported; more is an error (nothing is recorded).
    pub max_rows: u64,
    /// Most bytes stored; more is an error.
    pub max_bytes: u64,
    /// Statement (SQL) or whole-import (HTTP) timeout, milliseconds.
    pub timeout_ms: u64,
}
