//! Connectors: snapshots imported from a real PostgreSQL database, a real MariaDB
//! and an HTTP server on 127.0.0.1 (Link and cursor pagination) become dataset
//! versions; credentials never appear in events or answers; broken sources are
//! refused with problem+json and no dataset event.

use axum::{
    extract::Query,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::get,
    Json, Router,
};
use domain::Role;
use raia_tests::{
    both_backends, expect_problem, mariadb_admin, postgres_database, Backend, TestApp,
};
use serde_json::{json, Value};
use sqlx::Connection;

const PG_PASSWORD: &str = "pg-Secret-7f3a91c2";
const MY_PASSWORD: &str = "my-Secret-4be2d81a";
const TOKEN: &str = "tok-Secret-c0ffee99";

/// A CSV/JSON source that wants `X-Api-Key: TOKEN`: `/csv` pages by Link headers,
/// `/json` by a `next` cursor, `/fail` answers 500.
async fn fake_source() -> String {
    fn authorised(h: &HeaderMap) -> bool {
        h.get("x-api-key").is_some_and(|v| v == TOKEN)
    }
    async fn csv(
        h: HeaderMap,
        Query(q): Query<std::collections::HashMap<String, String>>,
    ) -> impl IntoResponse {
        if !authorised(&h) {
            return (StatusCode::UNAUTHORIZED, HeaderMap::new(), String::new());
        }
        let mut headers = HeaderMap::new();
        let body = match q.get("page").map(String::as_str) {
            None | Some("1") => {
                headers.insert(
                    "link",
                    r#"</csv?page=2>; rel="next", </csv?page=1>; rel="first""#
                        .parse()
                        .unwrap(),
                );
                "id,name,score\n1,ann,0.5\n2,\"b, ob\",1.5\n"
            }
            _ => "id,name,score\r\n3,cy,2.5\r\n",
        };
        (StatusCode::OK, headers, body.to_owned())
    }
    async fn records(
        h: HeaderMap,
        Query(q): Query<std::collections::HashMap<String, String>>,
    ) -> impl IntoResponse {
        if !authorised(&h) {
            return (StatusCode::UNAUTHORIZED, Json(json!({})));
        }
        let body = match q.get("cursor").map(String::as_str) {
            None => json!({"data": [{"id": 1, "ok": true}, {"id": 2, "ok": false}], "next": "c2"}),
            Some("c2") => json!({"data": [{"id": 3, "ok": null}], "next": null}),
            Some(_) => json!({"data": []}),
        };
        (StatusCode::OK, Json(body))
    }
    let app = Router::new()
        .route("/csv", get(csv))
        .route("/json", get(records))
        .route(
            "/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A scratch PostgreSQL database with a `sales` table; returns its name.
async fn pg_source() -> String {
    let url = postgres_database().await;
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    for sql in [
        "CREATE TABLE sales (id INT, region TEXT, amount NUMERIC(10,2), ok BOOLEAN)",
        "INSERT INTO sales VALUES (1, 'north', 10.50, true), (2, 'south', NULL, false), (3, 'north', 7.25, NULL)",
        "CREATE SEQUENCE seq",
    ] {
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
    url.rsplit('/').next().unwrap().to_owned()
}

/// A scratch MariaDB database with a `sales` table and a password user allowed to read it.
async fn mariadb_source() -> String {
    let mut c = mariadb_admin().await;
    let db = format!("raia_conn_{}", uuid::Uuid::new_v4().simple());
    for sql in [
        format!("CREATE DATABASE {db}"),
        format!("CREATE TABLE {db}.sales (id INT, region VARCHAR(20), amount DECIMAL(10,2))"),
        format!("INSERT INTO {db}.sales VALUES (1, 'north', 10.50), (2, 'south', NULL), (3, 'north', 7.25)"),
        format!("CREATE USER IF NOT EXISTS 'raia_conn'@'127.0.0.1' IDENTIFIED BY '{MY_PASSWORD}'"),
        format!("GRANT SELECT ON {db}.* TO 'raia_conn'@'127.0.0.1'"),
    ] {
        sqlx::query(&sql).execute(&mut c).await.unwrap();
    }
    db
}

async fn create(app: &TestApp, t: &str, body: Value) -> Value {
    let r = app.post("/api/v1/connectors", t, &body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    assert!(v.get("credentials").is_none());
    v
}

async fn import(app: &TestApp, t: &str, id: &Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/connectors/{}/import", id.as_str().unwrap()),
        t,
        &json!({}),
    )
    .await
}

async fn imported(app: &TestApp, t: &str, id: &Value) -> Value {
    let r = import(app, t, id).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v
}

async fn preview(app: &TestApp, t: &str, d: &Value) -> Value {
    app.get(
        &format!("/api/v1/datasets/{}/preview", d["id"].as_str().unwrap()),
        t,
    )
    .await
    .json()
    .await
    .unwrap()
}

fn sql(kind: &str, port: u16, db: &str, user: &str, query: &str) -> Value {
    json!({"kind": kind, "host": "127.0.0.1", "port": port, "database": db, "user": user, "query": query})
}

async fn connectors_import_snapshots_as_dataset_versions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let mut answers = Vec::new();

    // PostgreSQL: typed rows, a read-only transaction, re-runs make versions.
    let pg_db = pg_source().await;
    let pg = create(&app, &t, json!({
        "name": "sales pg",
        "source": sql("postgres", 5432, &pg_db, "postgres", "SELECT id, region, amount, ok FROM sales ORDER BY id;"),
        "credentials": {"password": PG_PASSWORD},
    })).await;
    assert_eq!(pg["has_credentials"], true);
    assert_eq!(pg["kind"], "postgres");
    let first = imported(&app, &t, &pg["id"]).await;
    assert_eq!(first["row_count"], 3);
    assert_eq!(first["format"], "jsonl");
    assert_eq!(
        first["lineage"]["origin"],
        json!({"kind": "import", "connector_id": pg["id"], "connector_kind": "postgres", "rows": 3})
    );
    let p = preview(&app, &t, &first).await;
    assert_eq!(p["columns"], json!(["id", "region", "amount", "ok"]));
    assert_eq!(p["rows"][0], json!([1, "north", 10.5, true]));
    assert_eq!(p["rows"][1][2], Value::Null);
    let second = imported(&app, &t, &pg["id"]).await;
    assert_eq!(second["version"], 2);
    assert_eq!(second["lineage"]["version_of"], first["id"]);
    answers.extend([pg.to_string(), first.to_string(), second.to_string()]);

    // MariaDB with a password user.
    let my_db = mariadb_source().await;
    let my = create(&app, &t, json!({
        "name": "sales mariadb",
        "source": sql("mysql", 3306, &my_db, "raia_conn", "SELECT id, region, amount FROM sales ORDER BY id"),
        "credentials": {"password": MY_PASSWORD},
    })).await;
    let d = imported(&app, &t, &my["id"]).await;
    assert_eq!(d["row_count"], 3);
    let p = preview(&app, &t, &d).await;
    assert_eq!(p["columns"], json!(["id", "region", "amount"]));
    assert_eq!(p["rows"][2], json!([3, "north", 7.25]));
    answers.extend([my.to_string(), d.to_string()]);

    // HTTP: CSV pages by Link headers, JSON pages by a body cursor; the key is a header.
    let base = fake_source().await;
    let csv = create(&app, &t, json!({
        "name": "scores csv",
        "source": {"kind": "http", "url": format!("{base}/csv"), "format": "csv", "pagination": {"type": "link"}},
        "credentials": {"headers": {"X-Api-Key": TOKEN}},
    })).await;
    assert_eq!(csv["source"]["header_names"], json!(["X-Api-Key"]));
    let d = imported(&app, &t, &csv["id"]).await;
    assert_eq!(d["row_count"], 3);
    let p = preview(&app, &t, &d).await;
    assert_eq!(
        p["rows"],
        json!([[1, "ann", 0.5], [2, "b, ob", 1.5], [3, "cy", 2.5]])
    );
    let js = create(&app, &t, json!({
        "name": "flags json",
        "source": {"kind": "http", "url": format!("{base}/json"), "format": "json", "records_field": "data",
                   "pagination": {"type": "cursor", "field": "next", "param": "cursor"}},
        "credentials": {"headers": {"X-Api-Key": TOKEN}},
    })).await;
    let d = imported(&app, &t, &js["id"]).await;
    assert_eq!(d["row_count"], 3);
    answers.extend([csv.to_string(), js.to_string(), d.to_string()]);

    let list = app
        .get("/api/v1/connectors", &t)
        .await
        .text()
        .await
        .unwrap();
    let listed: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 4);
    assert_eq!(listed[0]["imports"], 2);
    assert_eq!(listed[0]["last_dataset_id"], second["id"]);
    answers.push(list);

    // No secret in any answer or event (payload or metadata).
    app.sync().await;
    let db = app.server.state.db.read();
    let events: Vec<(String, String)> = sqlx::query_as("SELECT payload, metadata FROM events")
        .fetch_all(db)
        .await
        .unwrap();
    assert!(events
        .iter()
        .any(|(p, _)| p.contains("ConnectorCreated") || p.contains("X-Api-Key")));
    for secret in [PG_PASSWORD, MY_PASSWORD, TOKEN] {
        for a in &answers {
            assert!(!a.contains(secret), "{secret} in {a}");
        }
        for (p, m) in &events {
            assert!(
                !p.contains(secret) && !m.contains(secret),
                "{secret} in an event"
            );
        }
    }
}
both_backends!(
    connectors_import_snapshots_as_dataset_versions,
    connectors_import_snapshots_as_dataset_versions
);

async fn broken_sources_are_refused_without_a_dataset_event(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let pg_db = pg_source().await;
    let my_db = mariadb_source().await;
    let base = fake_source().await;
    let cases = [
        (
            sql(
                "postgres",
                5432,
                &pg_db,
                "postgres",
                "SELECT nope FROM sales",
            ),
            json!({}),
            422,
            "connector_query_failed",
        ),
        // A read-only transaction: even a sequence cannot move.
        (
            sql(
                "postgres",
                5432,
                &pg_db,
                "postgres",
                "SELECT nextval('seq') AS n",
            ),
            json!({}),
            422,
            "connector_query_failed",
        ),
        (
            sql("postgres", 5432, &pg_db, "postgres", "SELECT * FROM sales"),
            json!({"max_rows": 2}),
            422,
            "connector_row_limit",
        ),
        (
            sql("mysql", 3306, &my_db, "raia_conn", "SELECT * FROM sales"),
            json!({"password": "wrong-Secret-123"}),
            502,
            "connector_unreachable",
        ),
        (
            json!({"kind": "http", "url": format!("{base}/fail"), "format": "csv"}),
            json!({}),
            502,
            "connector_http_error",
        ),
        (
            json!({"kind": "http", "url": format!("{base}/csv"), "format": "csv"}),
            json!({"headers": {"X-Api-Key": "wrong-Secret-456"}}),
            502,
            "connector_http_error",
        ),
        (
            json!({"kind": "http", "url": format!("{base}/csv"), "format": "json"}),
            json!({"headers": {"X-Api-Key": TOKEN}}),
            422,
            "connector_bad_data",
        ),
    ];
    for (source, extra, status, code) in cases {
        let mut body = json!({"name": "bad", "source": source, "credentials": {}});
        if let Some(p) = extra.get("password") {
            body["credentials"]["password"] = p.clone();
        }
        if let Some(h) = extra.get("headers") {
            body["credentials"]["headers"] = h.clone();
        }
        if let Some(m) = extra.get("max_rows") {
            body["max_rows"] = m.clone();
        }
        let c = create(&app, &t, body).await;
        app.sync().await;
        let datasets_before: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE stream_type = 'dataset'")
                .fetch_one(app.server.state.db.read())
                .await
                .unwrap();
        let doc = expect_problem(import(&app, &t, &c["id"]).await, status, code).await;
        assert!(!doc.to_string().contains("Secret"), "{doc}");
        app.sync().await;
        let after: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE stream_type = 'dataset'")
                .fetch_one(app.server.state.db.read())
                .await
                .unwrap();
        assert_eq!(after, datasets_before, "{code}");
    }
    // The read-only transaction kept the table whole.
    let r = import(&app, &t, &create(&app, &t, json!({"name": "n", "source": sql("postgres", 5432, &pg_db, "postgres", "SELECT COUNT(*) AS n FROM sales")})).await["id"]).await;
    let d: Value = r.json().await.unwrap();
    assert_eq!(preview(&app, &t, &d).await["rows"], json!([[3]]));
    // Bad definitions are refused before anything is stored.
    let viewer = app.token(Role::Viewer).await;
    app.sync().await;
    let before = app.event_count().await;
    for body in [
        json!({"name": "x", "source": {"kind": "http", "url": "ftp://x/y", "format": "csv"}}),
        json!({"name": "x", "source": {"kind": "oracle"}}),
        json!({"name": "", "source": sql("postgres", 5432, "d", "u", "SELECT 1")}),
        json!({"name": "x", "source": sql("postgres", 5432, "d", "u", " ")}),
        json!({"name": "x", "source": sql("postgres", 5432, "d", "u", "SELECT 1"), "max_rows": 0}),
    ] {
        let r = app.post("/api/v1/connectors", &t, &body).await;
        assert!(matches!(r.status().as_u16(), 400 | 422), "{body}");
    }
    assert_eq!(
        app.post("/api/v1/connectors", &viewer, &json!({}))
            .await
            .status(),
        403
    );
    expect_problem(
        import(&app, &t, &json!(uuid::Uuid::new_v4().to_string())).await,
        404,
        "not_found",
    )
    .await;
    app.sync().await;
    assert_eq!(app.event_count().await, before);
}
both_backends!(
    broken_sources_are_refused_without_a_dataset_event,
    broken_sources_are_refused_without_a_dataset_event
);
