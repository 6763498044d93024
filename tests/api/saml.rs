//! SAML 2.0 service-provider login against an identity provider on 127.0.0.1:
//! SP metadata, the redirect with an AuthnRequest, the signed POST back, account
//! creation and role mapping, and every forgery refused without writing a thing.

use domain::Role;
use raia_tests::{
    both_backends, expect_problem,
    saml::{FakeSamlIdp, Person, Tamper},
    Backend, TestApp,
};
use serde_json::Value;

async fn app_with(backend: Backend, idp: &FakeSamlIdp) -> TestApp {
    let metadata = idp.metadata();
    TestApp::spawn_with(backend, move |c| {
        let mut provider: api::saml::SamlConfig = toml::from_str(
            "name = \"corp\"\nrole_attribute = \"groups\"\n\
             [role_map]\nml-team = \"ml_engineer\"\nauditors = \"auditor\"\n",
        )
        .unwrap();
        provider.idp_metadata = Some(metadata);
        c.saml = vec![provider];
    })
    .await
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The browser's part: RAIA's start → the provider → the form posted to RAIA's ACS.
async fn login(
    app: &TestApp,
    idp: &FakeSamlIdp,
) -> (reqwest::Response, raia_tests::saml::PostBack) {
    let start = browser()
        .get(app.url("/api/v1/auth/saml/corp/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 302);
    let to_idp = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to_idp.starts_with(&format!("{}/sso?SAMLRequest=", idp.base)),
        "{to_idp}"
    );
    let form = idp.login(&to_idp).await;
    assert!(
        form.action.ends_with("/api/v1/auth/saml/corp/acs"),
        "{}",
        form.action
    );
    assert!(form.relay_state.len() <= 80);
    let r = post_back(app, &form).await;
    (r, form)
}

async fn post_back(app: &TestApp, form: &raia_tests::saml::PostBack) -> reqwest::Response {
    browser()
        .post(app.url("/api/v1/auth/saml/corp/acs"))
        .form(&[
            ("SAMLResponse", form.saml_response.as_str()),
            ("RelayState", form.relay_state.as_str()),
        ])
        .send()
        .await
        .unwrap()
}

async fn saml_logs_in_creates_accounts_maps_roles_and_refuses_forgeries(backend: Backend) {
    let idp = FakeSamlIdp::start().await;
    let app = app_with(backend, &idp).await;

    // RAIA's metadata names its entity id and assertion consumer service.
    let md = app
        .client
        .get(app.url("/api/v1/auth/saml/corp/metadata"))
        .send()
        .await
        .unwrap();
    assert_eq!(md.status(), 200);
    assert_eq!(md.headers()["content-type"], "application/samlmetadata+xml");
    let md = md.text().await.unwrap();
    assert!(
        md.contains("/api/v1/auth/saml/corp/acs") && md.contains("entityID="),
        "{md}"
    );
    let listed: Value = app
        .client
        .get(app.url("/api/v1/auth/sso/providers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["protocol"], "saml");
    assert_eq!(listed[0]["start_url"], "/api/v1/auth/saml/corp/start");

    // A new person with a mapped group: account created as ml_engineer.
    idp.set_person(Person {
        email: "ada@corp.example".into(),
        name: "Ada".into(),
        groups: vec!["staff".into(), "ml-team".into()],
    });
    let (r, good) = login(&app, &idp).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let tokens: Value = r.json().await.unwrap();
    let me: Value = app
        .get("/api/v1/auth/me", tokens["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ada@corp.example");
    assert_eq!(me["role"], "ml_engineer");
    assert_eq!(me["email_verified"], true);
    // The same response again is refused: each request is answered once.
    expect_problem(post_back(&app, &good).await, 400, "saml_invalid_state").await;

    // An existing account is linked, not duplicated; no mapped group keeps its role.
    let email = app.user(Role::DataScientist).await;
    idp.set_person(Person {
        email: email.clone(),
        name: "Existing".into(),
        groups: vec![],
    });
    let (r, _) = login(&app, &idp).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let me: Value = app
        .get("/api/v1/auth/me", t["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some(email.as_str()), Some("data_scientist"))
    );

    // Every forgery is refused with 401 and writes nothing.
    idp.set_person(Person {
        email: "eve@corp.example".into(),
        name: "Eve".into(),
        groups: vec!["auditors".into()],
    });
    app.sync().await;
    let before = app.event_count().await;
    for tamper in [
        Tamper::WrongAudience,
        Tamper::WrongRecipient,
        Tamper::WrongRequest,
        Tamper::Expired,
        Tamper::ForeignKey,
        Tamper::Altered,
        Tamper::Unsigned,
        Tamper::WeakDigest,
    ] {
        idp.set_tamper(tamper);
        let (r, _) = login(&app, &idp).await;
        let p = expect_problem(r, 401, "unauthenticated").await;
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("SAML response rejected"),
            "{tamper:?}: {p}"
        );
    }
    // A relay state RAIA did not sign, a missing one, a malformed form.
    idp.set_tamper(Tamper::None);
    let (_, mut form) = {
        let start = browser()
            .get(app.url("/api/v1/auth/saml/corp/start"))
            .send()
            .await
            .unwrap();
        let to_idp = start.headers()["location"].to_str().unwrap().to_owned();
        ((), idp.login(&to_idp).await)
    };
    let genuine = form.relay_state.clone();
    form.relay_state = genuine.replacen('.', ".x", 1);
    expect_problem(post_back(&app, &form).await, 400, "saml_invalid_state").await;
    let r = browser()
        .post(app.url("/api/v1/auth/saml/corp/acs"))
        .form(&[("SAMLResponse", form.saml_response.as_str())])
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "saml_invalid_state").await;
    let r = browser()
        .post(app.url("/api/v1/auth/saml/corp/acs"))
        .form(&[("RelayState", genuine.as_str())])
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "saml_invalid_form").await;
    let r = browser()
        .post(app.url("/api/v1/auth/saml/nope/acs"))
        .form(&[("SAMLResponse", "x"), ("RelayState", "y")])
        .send()
        .await
        .unwrap();
    expect_problem(r, 404, "not_found").await;
    assert_eq!(app.event_count().await, before);
    // The untouched response still works once its relay state is the real one.
    form.relay_state = genuine;
    assert_eq!(post_back(&app, &form).await.status(), 200);
}
both_backends!(
    saml,
    saml_logs_in_creates_accounts_maps_roles_and_refuses_forgeries
);

#[tokio::test]
async fn a_provider_without_a_signing_certificate_is_refused_at_start() {
    let idp = FakeSamlIdp::start().await;
    let stripped = {
        let md = idp.metadata();
        let start = md.find("<md:KeyDescriptor").unwrap();
        let end = md.find("</md:KeyDescriptor>").unwrap() + "</md:KeyDescriptor>".len();
        format!("{}{}", &md[..start], &md[end..])
    };
    let mut provider: api::saml::SamlConfig = toml::from_str("name = \"corp\"").unwrap();
    provider.idp_metadata = Some(stripped);
    let err = api::saml::SamlProviders::new(&[provider], "http://raia.example").unwrap_err();
    assert!(err.to_string().contains("no signing certificate"), "{err}");
}
