//! Every route with every role: the guard enforces exactly the declared access,
//! and the OpenAPI document lists every route with it.

use api::access::Access;
use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::Value;

async fn every_route_admits_exactly_its_declared_roles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut table) = api::routes::table(app.server.state.clone());
    // Logging out ends the session each token belongs to: walk it last.
    table.sort_by_key(|s| s.path == "/api/v1/auth/logout");
    let mut tokens = Vec::new();
    for r in Role::ALL {
        tokens.push((Some(r), Some(app.token(r).await)));
    }
    tokens.push((None, None));
    let mut checked = 0;
    for spec in &table {
        let path = spec
            .path
            .replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{user_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{provider}", "none");
        for (role, token) in &tokens {
            let method = reqwest::Method::from_bytes(spec.method.as_bytes()).unwrap();
            let mut rq = app.client.request(method, app.url(&path));
            if let Some(t) = token {
                rq = rq.bearer_auth(t);
            }
            if matches!(spec.method.as_str(), "POST" | "PUT") {
                rq = rq.json(&serde_json::json!({}));
            }
            let status = rq.send().await.unwrap().status().as_u16();
            let admitted = spec.access.admits(*role);
            if admitted {
                assert!(
                    status != 401 && status != 403,
                    "{} {} as {role:?}: {status}",
                    spec.method,
                    spec.path
                );
            } else if role.is_none() {
                assert_eq!(status, 401, "{} {} anonymous", spec.method, spec.path);
            } else {
                assert_eq!(status, 403, "{} {} as {role:?}", spec.method, spec.path);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, table.len() * 6);
    assert!(table
        .iter()
        .any(|s| s.access == Access::Roles(api::access::AUDIT)));
}
both_backends!(
    every_route_admits_exactly_its_declared_roles,
    every_route_admits_exactly_its_declared_roles
);

async fn the_openapi_document_lists_every_route_with_its_access(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let (_, table) = api::routes::table(app.server.state.clone());
    for spec in table
        .iter()
        .filter(|s| s.path.starts_with("/api/v1/") && s.path != "/api/v1/openapi.json")
    {
        let op = &doc["paths"][&spec.path][spec.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from OpenAPI",
            spec.method,
            spec.path
        );
        assert_eq!(
            op["x-raia-access"],
            serde_json::to_value(spec.access).unwrap(),
            "{}",
            spec.path
        );
    }
    let perms: Value = app
        .client
        .get(app.url("/api/v1/permissions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(perms.as_array().unwrap().len(), table.len());
    let docs = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(
        docs.status(),
        200,
        "the vendored docs page is served offline"
    );
}
both_backends!(
    the_openapi_document_lists_every_route_with_its_access,
    the_openapi_document_lists_every_route_with_its_access
);

/// The README prints the permission table; it must be the one in the code.
/// (`RAIA_WRITE_README=1` rewrites the README's copy.)
#[tokio::test]
async fn the_readme_prints_the_permission_table_of_the_code() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, table) = api::routes::table(app.server.state.clone());
    let want = api::access::permission_markdown(&table);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- permissions:start -->\n", "<!-- permissions:end -->");
    let a = readme
        .find(start)
        .expect("README lacks the permissions markers")
        + start.len();
    let b = readme.find(end).unwrap();
    if std::env::var("RAIA_WRITE_README").is_ok() {
        std::fs::write(&path, format!("{}{want}{}", &readme[..a], &readme[b..])).unwrap();
        return;
    }
    assert_eq!(
        &readme[a..b],
        want,
        "README permission table is stale: run with RAIA_WRITE_README=1"
    );
}
