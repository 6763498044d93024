//! A small SAML 2.0 identity provider on 127.0.0.1 for tests: it publishes
//! metadata with its signing certificate, takes an AuthnRequest on the
//! HTTP-Redirect binding, and answers with the HTTP-POST binding's
//! auto-submitting form holding a signed `<samlp:Response>` for whoever the test
//! says. It can be told to misbehave in the ways an attacker would.

use std::{
    io::Read,
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use samael::{
    crypto::{CertificateDer, Crypto, CryptoProvider},
    idp::{
        response_builder::{build_response_template, ResponseAttribute},
        sp_extractor::RequiredAttribute,
        CertificateParams, IdentityProvider, KeyType, Rsa,
    },
    schema::AuthnRequest,
    traits::ToXml,
};

/// How the next response is spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// A good response.
    None,
    /// For another service provider (audience).
    WrongAudience,
    /// For another assertion consumer URL (destination and recipient).
    WrongRecipient,
    /// Answers a request RAIA did not make.
    WrongRequest,
    /// Issued and valid an hour ago.
    Expired,
    /// Signed by a key the metadata does not name.
    ForeignKey,
    /// Altered after signing (another address swapped in).
    Altered,
    /// No signature at all.
    Unsigned,
    /// Digested with SHA-1 (samael's own template; weak, refused).
    WeakDigest,
}

/// Who the provider says is logging in.
#[derive(Debug, Clone)]
pub struct Person {
    /// NameID and `email` attribute.
    pub email: String,
    /// `displayName` attribute.
    pub name: String,
    /// `groups` attribute values.
    pub groups: Vec<String>,
}

struct Inner {
    entity_id: String,
    idp: IdentityProvider,
    cert: CertificateDer,
    foreign: IdentityProvider,
    foreign_cert: CertificateDer,
    person: Mutex<Person>,
    tamper: Mutex<Tamper>,
}

/// A running fake SAML identity provider.
#[derive(Clone)]
pub struct FakeSamlIdp {
    inner: Arc<Inner>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

/// The form the provider sends the browser back with.
#[derive(Debug, Clone)]
pub struct PostBack {
    /// Where the form posts (RAIA's ACS URL as the request named it).
    pub action: String,
    /// The base64 response.
    pub saml_response: String,
    /// The relay state, echoed.
    pub relay_state: String,
}

fn keypair(name: &str) -> (IdentityProvider, CertificateDer) {
    let idp = IdentityProvider::generate_new(KeyType::Rsa(Rsa::Rsa2048)).unwrap();
    let cert = idp
        .create_certificate(&CertificateParams {
            common_name: name,
            issuer_name: name,
            days_until_expiration: 30,
        })
        .unwrap();
    (idp, cert)
}

fn attr<'a>(name: &str, value: &'a str) -> ResponseAttribute<'a> {
    ResponseAttribute {
        required_attribute: RequiredAttribute {
            name: name.into(),
            format: Some("urn:oasis:names:tc:SAML:2.0:attrname-format:basic".into()),
        },
        value,
    }
}

fn html_value<'a>(html: &'a str, name: &str) -> &'a str {
    let marker = if name == "action" {
        "action=\"".to_owned()
    } else {
        format!("name=\"{name}\" value=\"")
    };
    let start = html.find(&marker).unwrap() + marker.len();
    &html[start..start + html[start..].find('"').unwrap()]
}

impl FakeSamlIdp {
    /// Starts the provider; the test chooses the person and tampering.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (idp, cert) = keypair("raia-test-idp");
        let (foreign, foreign_cert) = keypair("someone-else");
        let inner = Arc::new(Inner {
            entity_id: format!("{base}/metadata"),
            idp,
            cert,
            foreign,
            foreign_cert,
            person: Mutex::new(Person {
                email: "saml.user@example.org".into(),
                name: "Saml User".into(),
                groups: vec![],
            }),
            tamper: Mutex::new(Tamper::None),
        });
        let app = Router::new()
            .route("/sso", get(sso))
            .with_state(inner.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { inner, base }
    }

    /// Who logs in next.
    pub fn set_person(&self, p: Person) {
        *self.inner.person.lock().unwrap() = p;
    }

    /// How the next responses are spoiled.
    pub fn set_tamper(&self, t: Tamper) {
        *self.inner.tamper.lock().unwrap() = t;
    }

    /// The provider's metadata (entity id, signing certificate, redirect endpoint).
    pub fn metadata(&self) -> String {
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{base}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#,
            entity = self.inner.entity_id,
            cert = B64.encode(self.inner.cert.der_data()),
            base = self.base,
        )
    }

    /// Follows RAIA's redirect (`Location` of `/start`) as a browser would and
    /// returns the form the provider answers with.
    pub async fn login(&self, redirect: &str) -> PostBack {
        let html = reqwest::get(redirect).await.unwrap().text().await.unwrap();
        PostBack {
            action: html_value(&html, "action").to_owned(),
            saml_response: html_value(&html, "SAMLResponse").to_owned(),
            relay_state: html_value(&html, "RelayState").to_owned(),
        }
    }
}

#[derive(serde::Deserialize)]
struct SsoQuery {
    #[serde(rename = "SAMLRequest")]
    saml_request: String,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

fn authn_request(encoded: &str) -> AuthnRequest {
    let deflated = B64.decode(encoded).unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut xml)
        .unwrap();
    xml.parse().unwrap()
}

async fn sso(State(s): State<Arc<Inner>>, Query(q): Query<SsoQuery>) -> Response {
    let req = authn_request(&q.saml_request);
    let tamper = *s.tamper.lock().unwrap();
    let person = s.person.lock().unwrap().clone();
    let acs = req
        .assertion_consumer_service_url
        .clone()
        .unwrap_or_default();
    let audience = req
        .issuer
        .as_ref()
        .and_then(|i| i.value.clone())
        .unwrap_or_default();
    let (audience, recipient, request_id) = match tamper {
        Tamper::WrongAudience => ("https://other-sp.example/".to_owned(), acs.clone(), req.id),
        Tamper::WrongRecipient => (audience, "https://other-sp.example/acs".to_owned(), req.id),
        Tamper::WrongRequest => (audience, acs.clone(), "_not-a-request-raia-made".into()),
        _ => (audience, acs.clone(), req.id),
    };
    let (key, cert) = if tamper == Tamper::ForeignKey {
        (&s.foreign, &s.foreign_cert)
    } else {
        (&s.idp, &s.cert)
    };
    let mut attrs = vec![
        attr("email", &person.email),
        attr("displayName", &person.name),
    ];
    attrs.extend(person.groups.iter().map(|g| attr("groups", g)));
    let mut response = build_response_template(
        cert,
        &person.email,
        &audience,
        &s.entity_id,
        &recipient,
        &request_id,
        &attrs,
    );
    // samael's template digests with SHA-1, which RAIA refuses; real providers use SHA-256.
    for sig in response
        .signature
        .iter_mut()
        .filter(|_| tamper != Tamper::WeakDigest)
    {
        for r in &mut sig.signed_info.reference {
            r.digest_method.algorithm = samael::signature::DigestAlgorithm::Sha256;
        }
    }
    // Issued now and valid five minutes, as providers do; an hour ago when expired.
    let issued = if tamper == Tamper::Expired {
        chrono::Utc::now() - chrono::Duration::hours(1)
    } else {
        chrono::Utc::now()
    };
    let until = issued + chrono::Duration::minutes(5);
    response.issue_instant = issued;
    if let Some(a) = response.assertion.as_mut() {
        a.issue_instant = issued;
        if let Some(c) = a.conditions.as_mut() {
            c.not_before = Some(issued);
            c.not_on_or_after = Some(until);
        }
        for sc in a
            .subject
            .iter_mut()
            .flat_map(|s| s.subject_confirmations.iter_mut().flatten())
        {
            if let Some(d) = sc.subject_confirmation_data.as_mut() {
                d.not_on_or_after = Some(until);
            }
        }
    }
    let unsigned = response.to_string().unwrap();
    let mut xml = if tamper == Tamper::Unsigned {
        unsigned
    } else {
        Crypto::sign_xml(&unsigned, &key.export_private_key_der().unwrap()).unwrap()
    };
    if tamper == Tamper::Altered {
        xml = xml.replace(&person.email, "mallory@example.org");
    }
    let form = format!(
        r#"<form method="post" action="{acs}"><input type="hidden" name="SAMLResponse" value="{}" /><input type="hidden" name="RelayState" value="{}" /></form>"#,
        B64.encode(xml.as_bytes()),
        q.relay_state.unwrap_or_default()
    );
    (StatusCode::OK, Html(form)).into_response()
}
