//! SQL sources: one SELECT run in a read-only transaction with a statement timeout;
//! each row becomes one JSON object (PostgreSQL `row_to_json`, MariaDB/MySQL
//! `JSON_OBJECT`), so numbers, booleans and nulls keep their types.

use domain::connector::Source;
use futures::TryStreamExt;
use sqlx::{
    mysql::MySqlConnectOptions, postgres::PgConnectOptions, ConnectOptions, Connection, Executor,
    Row,
};

use super::{Credentials, FetchError, Sink};

/// Longest query accepted, bytes.
pub const MAX_QUERY: usize = 100_000;

/// The query without trailing semicolons, refused when empty.
fn body(query: &str) -> Result<&str, FetchError> {
    let q = query.trim().trim_end_matches(';').trim_end();
    if q.is_empty() {
        return Err(FetchError::Query("the query is empty".into()));
    }
    Ok(q)
}

fn db_error(e: sqlx::Error) -> FetchError {
    match e {
        sqlx::Error::Database(d) => FetchError::Query(d.message().to_owned()),
        other => FetchError::Query(other.to_string()),
    }
}

fn parts(source: &Source) -> (&str, u16, &str, &str, &str) {
    match source {
        Source::Postgres {
            host,
            port,
            database,
            user,
            query,
        }
        | Source::Mysql {
            host,
            port,
            database,
            user,
            query,
        } => (host, *port, database, user, query),
        Source::Http { .. } => ("", 0, "", "", ""),
    }
}

/// Runs a PostgreSQL source.
pub(super) async fn postgres(
    source: &Source,
    creds: &Credentials,
    sink: &mut Sink,
) -> Result<(), FetchError> {
    let (host, port, database, user, query) = parts(source);
    let mut opts = PgConnectOptions::new()
        .host(host)
        .port(port)
        .database(database)
        .username(user)
        .application_name("raia-connector")
        .statement_cache_capacity(0)
        .disable_statement_logging();
    if let Some(p) = &creds.password {
        opts = opts.password(p);
    }
    let mut conn = opts
        .connect()
        .await
        .map_err(|e| FetchError::Connect(e.to_string()))?;
    let mut tx = conn.begin().await.map_err(db_error)?;
    let ms = sink.limits.timeout.as_millis().max(1);
    (&mut *tx)
        .execute("SET TRANSACTION READ ONLY")
        .await
        .map_err(db_error)?;
    (&mut *tx)
        .execute(format!("SET LOCAL statement_timeout = {ms}").as_str())
        .await
        .map_err(db_error)?;
    let sql = format!("SELECT row_to_json(q)::text FROM ({}\n) AS q", body(query)?);
    let mut rows = sqlx::query(&sql).fetch(&mut *tx);
    while let Some(r) = rows.try_next().await.map_err(db_error)? {
        let line: String = r.try_get(0).map_err(db_error)?;
        sink.record(line.into_bytes()).await?;
    }
    Ok(())
}

fn mysql_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn mysql_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// Runs a MySQL/MariaDB source.
pub(super) async fn mysql(
    source: &Source,
    creds: &Credentials,
    sink: &mut Sink,
) -> Result<(), FetchError> {
    let (host, port, database, user, query) = parts(source);
    let mut opts = MySqlConnectOptions::new()
        .host(host)
        .port(port)
        .database(database)
        .username(user)
        .statement_cache_capacity(0)
        .disable_statement_logging();
    if let Some(p) = &creds.password {
        opts = opts.password(p);
    }
    let mut conn = opts
        .connect()
        .await
        .map_err(|e| FetchError::Connect(e.to_string()))?;
    let secs = sink.limits.timeout.as_secs_f64().max(0.001);
    // MariaDB's statement timeout; MySQL's is max_execution_time (milliseconds).
    if (&mut conn)
        .execute(format!("SET SESSION max_statement_time = {secs}").as_str())
        .await
        .is_err()
    {
        let ms = sink.limits.timeout.as_millis().max(1);
        (&mut conn)
            .execute(format!("SET SESSION max_execution_time = {ms}").as_str())
            .await
            .map_err(db_error)?;
    }
    (&mut conn)
        .execute("SET SESSION TRANSACTION READ ONLY")
        .await
        .map_err(db_error)?;
    let q = body(query)?;
    let described = (&mut conn).describe(q).await.map_err(db_error)?;
    let fields: Vec<String> = described
        .columns()
        .iter()
        .map(|c| sqlx::Column::name(c).to_owned())
        .collect();
    if fields.is_empty() {
        return Err(FetchError::Query("the statement returns no columns".into()));
    }
    let object = fields
        .iter()
        .map(|f| format!("{}, q.{}", mysql_string(f), mysql_ident(f)))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT JSON_OBJECT({object}) FROM ({q}\n) AS q");
    let mut tx = conn.begin().await.map_err(db_error)?;
    let mut rows = sqlx::query(&sql).fetch(&mut *tx);
    while let Some(r) = rows.try_next().await.map_err(db_error)? {
        let line: String = r.try_get_unchecked(0).map_err(db_error)?;
        sink.record(line.into_bytes()).await?;
    }
    Ok(())
}
