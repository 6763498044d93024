//! OpenID Connect single sign-on against a provider on 127.0.0.1: discovery,
//! PKCE, state and nonce, ID-token checks, account linking and role mapping.

use domain::Role;
use raia_tests::{
    both_backends, expect_problem,
    oidc::{OidcProvider, Tamper},
    Backend, TestApp,
};
use serde_json::{json, Value};

async fn app_with(backend: Backend, idp: &OidcProvider) -> TestApp {
    let issuer = idp.issuer();
    TestApp::spawn_with(backend, move |c| {
        let provider: api::sso::ProviderConfig = toml::from_str(&format!(
            "name = \"corp\"\ndiscovery_url = \"{issuer}\"\nclient_id = \"raia-client\"\n\
             client_secret = \"raia-secret\"\nrole_claim = \"groups\"\n\
             [role_map]\nml-team = \"ml_engineer\"\nauditors = \"auditor\"\n"
        ))
        .unwrap();
        c.sso = vec![provider];
    })
    .await
}

/// Runs the browser's part: start → provider → callback (with the cookie).
async fn sso(app: &TestApp) -> reqwest::Response {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let start = browser
        .get(app.url("/api/v1/auth/sso/corp/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 302);
    let to_idp = start.headers()["location"].to_str().unwrap().to_owned();
    let cookie = start.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(to_idp.contains("code_challenge_method=S256") && to_idp.contains("nonce="));
    let back = browser.get(&to_idp).send().await.unwrap();
    assert_eq!(back.status(), 303);
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    let callback = callback.replacen("http://127.0.0.1:0", &app.base, 1);
    browser
        .get(&callback)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

async fn sso_creates_links_and_maps_roles(backend: Backend) {
    let idp = OidcProvider::start("raia-client", "raia-secret").await;
    let app = app_with(backend, &idp).await;
    let listed: Value = app
        .client
        .get(app.url("/api/v1/auth/sso/providers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["name"], "corp");
    // A new person: account created with the mapped role, address verified.
    idp.log_in_as(
        json!({"sub": "u-1", "email": "lin@corp.example", "email_verified": true,
                         "name": "Lin", "groups": ["staff", "ml-team"]}),
    );
    let r = sso(&app).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let tokens: Value = r.json().await.unwrap();
    let t = tokens["access_token"].as_str().unwrap();
    let me: Value = app.get("/api/v1/auth/me", t).await.json().await.unwrap();
    assert_eq!(
        (me["role"].as_str(), me["email_verified"].as_bool()),
        (Some("ml_engineer"), Some(true))
    );
    assert_eq!(me["email"], "lin@corp.example");
    // An existing password account is linked by its verified address.
    let email = app.user(Role::Viewer).await;
    idp.log_in_as(
        json!({"sub": "u-2", "email": email, "email_verified": true, "groups": "auditors"}),
    );
    let tokens: Value = sso(&app).await.json().await.unwrap();
    let me: Value = app
        .get("/api/v1/auth/me", tokens["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some(email.as_str()), Some("auditor"))
    );
    // The refresh token from SSO works like any other.
    let r = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": tokens["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let types: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE event_type IN ('SsoLinked', 'EmailVerified', 'UserRoleChanged') ORDER BY position",
    )
    .fetch_all(app.server.state.db.read())
    .await
    .unwrap();
    assert_eq!(
        types,
        [
            "EmailVerified",
            "SsoLinked",
            "EmailVerified",
            "SsoLinked",
            "UserRoleChanged"
        ]
    );
    let methods: Vec<String> =
        sqlx::query_scalar("SELECT method FROM sessions WHERE method LIKE 'sso:%'")
            .fetch_all(app.server.state.db.read())
            .await
            .unwrap();
    assert_eq!(methods, ["sso:corp", "sso:corp"]);
}
both_backends!(
    sso_creates_links_and_maps_roles,
    sso_creates_links_and_maps_roles
);

async fn sso_refuses_spoiled_tokens_and_forged_callbacks(backend: Backend) {
    let idp = OidcProvider::start("raia-client", "raia-secret").await;
    let app = app_with(backend, &idp).await;
    idp.log_in_as(json!({"sub": "u-9", "email": "eve@corp.example", "email_verified": true}));
    for t in [
        Tamper::WrongNonce,
        Tamper::WrongAudience,
        Tamper::Expired,
        Tamper::BadSignature,
        Tamper::UnknownKid,
        Tamper::WrongIssuer,
    ] {
        idp.tamper(t);
        let r = sso(&app).await;
        assert_eq!(r.status(), 401, "{t:?} was accepted");
        expect_problem(r, 401, "unauthenticated").await;
    }
    idp.tamper(Tamper::None);
    // An unverified address is not linked to anything.
    idp.log_in_as(json!({"sub": "u-9", "email": "eve@corp.example", "email_verified": false}));
    assert_eq!(sso(&app).await.status(), 401);
    // A callback without the login's cookie, or with another state, is refused.
    let r = app
        .client
        .get(app.url("/api/v1/auth/sso/corp/callback?code=x&state=y"))
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "sso_invalid_state").await;
    let r = app
        .client
        .get(app.url("/api/v1/auth/sso/nope/start"))
        .send()
        .await
        .unwrap();
    expect_problem(r, 404, "not_found").await;
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE id IS NOT NULL")
            .fetch_one(app.server.state.db.read())
            .await
            .unwrap(),
        0,
        "no account was created"
    );
}
both_backends!(
    sso_refuses_spoiled_tokens_and_forged_callbacks,
    sso_refuses_spoiled_tokens_and_forged_callbacks
);
