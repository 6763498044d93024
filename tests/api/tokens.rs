//! Access-token keys: RS256 and EdDSA from key files, `kid` on every token,
//! rotation that keeps earlier tokens valid until they expire, and every
//! classic forgery refused with 401.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use domain::Role;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

fn key(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("keys")
        .join(name)
}

fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let h = B64.decode(it.next().unwrap()).unwrap();
    let c = B64.decode(it.next().unwrap()).unwrap();
    (
        serde_json::from_slice(&h).unwrap(),
        serde_json::from_slice(&c).unwrap(),
    )
}

fn sign(alg: Algorithm, kid: &str, claims: &Value, key: &EncodingKey) -> String {
    let mut h = Header::new(alg);
    h.kid = Some(kid.into());
    encode(&h, claims, key).unwrap()
}

async fn rs256_tokens_refuse_every_forgery(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.jwt_algorithm = "RS256".into();
        c.jwt_private_key_file = Some(key("rs256_a.key.pem"));
        c.jwt_public_key_file = Some(key("rs256_a.pub.pem"));
    })
    .await;
    let good = app.token(Role::DataScientist).await;
    let (header, claims) = parts(&good);
    assert_eq!(header["alg"], "RS256");
    let kid = header["kid"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/auth/me", &good).await.status(), 200);
    let rs = EncodingKey::from_rsa_pem(&std::fs::read(key("rs256_a.key.pem")).unwrap()).unwrap();
    // Re-signing the same claims with the right key and kid is accepted (the
    // test's forgeries differ from it in one thing each).
    assert_eq!(
        app.get(
            "/api/v1/auth/me",
            &sign(Algorithm::RS256, &kid, &claims, &rs)
        )
        .await
        .status(),
        200
    );
    let now = chrono::Utc::now().timestamp();
    let with = |k: &str, v: Value| {
        let mut c = claims.clone();
        c[k] = v;
        c
    };
    let public_pem = std::fs::read(key("rs256_a.pub.pem")).unwrap();
    let forgeries = [
        // HS/RS confusion: HMAC keyed with the public key, under the RSA kid.
        sign(
            Algorithm::HS256,
            &kid,
            &claims,
            &EncodingKey::from_secret(&public_pem),
        ),
        // A kid the server does not know.
        sign(Algorithm::RS256, "0123456789abcdef", &claims, &rs),
        // Signed by another key under the right kid.
        sign(
            Algorithm::RS256,
            &kid,
            &claims,
            &EncodingKey::from_rsa_pem(&std::fs::read(key("rs256_b.key.pem")).unwrap()).unwrap(),
        ),
        // Expired, and not yet valid.
        sign(Algorithm::RS256, &kid, &with("exp", json!(now - 120)), &rs),
        sign(Algorithm::RS256, &kid, &with("nbf", json!(now + 3600)), &rs),
        // alg none.
        format!(
            "{}.{}.",
            B64.encode(json!({"alg": "none", "kid": kid}).to_string()),
            B64.encode(claims.to_string())
        ),
    ];
    for (i, f) in forgeries.iter().enumerate() {
        let r = app.get("/api/v1/auth/me", f).await;
        assert_eq!(r.status(), 401, "forgery {i} was accepted");
        expect_problem(r, 401, "unauthenticated").await;
    }
    // A deactivated user's valid token stops working at once.
    let admin = app.token(Role::Admin).await;
    let me: Value = app
        .get("/api/v1/auth/me", &good)
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/users/{}/deactivate", me["id"].as_str().unwrap());
    assert_eq!(app.post(&path, &admin, &json!({})).await.status(), 204);
    assert_eq!(app.get("/api/v1/auth/me", &good).await.status(), 401);
}
both_backends!(
    rs256_tokens_refuse_every_forgery,
    rs256_tokens_refuse_every_forgery
);

async fn a_rotated_key_keeps_old_tokens_valid_until_they_expire(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.jwt_algorithm = "RS256".into();
        c.jwt_private_key_file = Some(key("rs256_a.key.pem"));
        c.jwt_public_key_file = Some(key("rs256_a.pub.pem"));
    })
    .await;
    let old = app.token(Role::Viewer).await;
    let old_kid = parts(&old).0["kid"].clone();
    // Rotate to an EdDSA key, keeping the RSA public key for verification.
    let mut config = app.config.clone();
    config.jwt_algorithm = "EdDSA".into();
    config.jwt_private_key_file = Some(key("ed25519.key.pem"));
    config.jwt_public_key_file = Some(key("ed25519.pub.pem"));
    config.jwt_previous_keys = vec![format!("RS256:{}", key("rs256_a.pub.pem").display())];
    let backend = app.backend;
    let dir = app.stop().await;
    let app = TestApp::start(backend, dir, config.clone()).await;
    assert_eq!(
        app.get("/api/v1/auth/me", &old).await.status(),
        200,
        "old token still valid"
    );
    let new = app.token(Role::Viewer).await;
    let (h, _) = parts(&new);
    assert_eq!(h["alg"], "EdDSA");
    assert_ne!(h["kid"], old_kid);
    assert_eq!(app.get("/api/v1/auth/me", &new).await.status(), 200);
    // Once the old key is dropped from the list, its tokens are refused.
    config.jwt_previous_keys.clear();
    let dir = app.stop().await;
    let app = TestApp::start(backend, dir, config).await;
    assert_eq!(app.get("/api/v1/auth/me", &old).await.status(), 401);
    assert_eq!(app.get("/api/v1/auth/me", &new).await.status(), 200);
}
both_backends!(
    a_rotated_key_keeps_old_tokens_valid_until_they_expire,
    a_rotated_key_keeps_old_tokens_valid_until_they_expire
);
