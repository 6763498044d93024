//! The two legs of a SAML login. `start` builds an AuthnRequest and sends the
//! browser to the identity provider with a `RelayState` that binds the request
//! id to this provider and an expiry under RAIA's MAC (a cookie would not come
//! back: the provider's POST is cross-site). `consume` checks the relay state,
//! has samael check the signed response, then spends the request id (a second
//! response to one request is refused). samael checks the signature
//! (libxmlsec1, allowed algorithms only), issuer, destination and recipient
//! (our ACS URL), audience (our entity id), `InResponseTo` (our request id),
//! and the assertion's time window.

use std::{collections::HashMap, sync::Mutex};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use domain::{ids::Email, Role};
use samael::schema::Assertion;

use super::{Provider, SamlConfig, SamlError};
use crate::state::AppState;

/// How long a login may take, seconds.
pub const LOGIN_SECS: i64 = 600;
/// SAML bindings cap `RelayState` at 80 bytes.
const RELAY_STATE_MAX: usize = 80;

/// Request ids already answered, with their expiry (a response is accepted once).
static SPENT: std::sync::LazyLock<Mutex<HashMap<String, i64>>> =
    std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

fn mac(state: &AppState, provider: &str, request_id: &str, exp: i64) -> String {
    let full = state
        .cipher
        .token_mac(&format!("saml-relay:{provider}:{request_id}:{exp}"));
    // 16 bytes of the MAC keep the relay state under the binding's 80 bytes.
    let raw = hex::decode(&full).unwrap_or_else(|_| full.into_bytes());
    B64.encode(&raw[..raw.len().min(16)])
}

/// Where to send the browser for `provider` (HTTP-Redirect binding).
pub fn start(state: &AppState, provider: &str) -> Result<String, SamlError> {
    let p = state.saml.get(provider)?;
    let mut request =
        p.sp.make_authentication_request(&p.sso_url)
            .map_err(|e| SamlError::Config(format!("building the AuthnRequest: {e}")))?;
    // An id RAIA chose: short, unguessable, XML-ID safe.
    let mut id = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut id);
    request.id = format!("_{}", hex::encode(id));
    let exp = chrono::Utc::now().timestamp() + LOGIN_SECS;
    let relay = format!(
        "{exp:x}.{}.{}",
        request.id,
        mac(state, provider, &request.id, exp)
    );
    debug_assert!(relay.len() <= RELAY_STATE_MAX);
    let url = request
        .redirect(&relay)
        .map_err(|e| SamlError::Config(format!("encoding the AuthnRequest: {e}")))?
        .ok_or_else(|| SamlError::Config("the AuthnRequest has no destination".into()))?;
    Ok(url.to_string())
}

/// Checks `relay` and returns the request id it vouches for, with its expiry.
fn request_id(state: &AppState, provider: &str, relay: &str) -> Result<(String, i64), SamlError> {
    if relay.len() > RELAY_STATE_MAX {
        return Err(SamlError::State("too long"));
    }
    let mut parts = relay.splitn(3, '.');
    let (Some(exp), Some(id), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(SamlError::State("malformed"));
    };
    let exp = i64::from_str_radix(exp, 16).map_err(|_| SamlError::State("malformed"))?;
    let want = mac(state, provider, id, exp);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        want.as_bytes(),
        tag.as_bytes(),
    )) {
        return Err(SamlError::State("signature"));
    }
    if exp < chrono::Utc::now().timestamp() {
        return Err(SamlError::State("the login took too long; start again"));
    }
    Ok((id.to_owned(), exp))
}

/// Marks a request id answered; a second response to it is refused.
fn spend(id: &str, exp: i64) -> Result<(), SamlError> {
    let now = chrono::Utc::now().timestamp();
    let mut spent = SPENT.lock().unwrap_or_else(|e| e.into_inner());
    spent.retain(|_, e| *e >= now);
    if spent.insert(id.to_owned(), exp).is_some() {
        return Err(SamlError::State("this login was already completed"));
    }
    Ok(())
}

/// The values of attribute `name` (by `Name` or `FriendlyName`).
fn attribute<'a>(a: &'a Assertion, name: &str) -> Vec<&'a str> {
    a.attribute_statements
        .iter()
        .flatten()
        .flat_map(|s| &s.attributes)
        .filter(|at| at.name.as_deref() == Some(name) || at.friendly_name.as_deref() == Some(name))
        .flat_map(|at| &at.values)
        .filter_map(|v| v.value.as_deref())
        .collect()
}

fn identity(c: &SamlConfig, a: &Assertion) -> Result<commands::sso::Identity, SamlError> {
    let name_id = a
        .subject
        .as_ref()
        .and_then(|s| s.name_id.as_ref())
        .map(|n| n.value.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| SamlError::Rejected("the assertion has no NameID".into()))?;
    let email_attrs: Vec<&str> = match &c.email_attribute {
        Some(n) => vec![n.as_str()],
        None => vec!["email", "mail", "urn:oid:0.9.2342.19200300.100.1.3"],
    };
    let email = email_attrs
        .iter()
        .find_map(|n| attribute(a, n).first().copied())
        .unwrap_or(&name_id);
    let email = Email::parse(email).map_err(|_| {
        SamlError::Rejected(format!(
            "no e-mail address in the assertion (attribute {} or NameID)",
            email_attrs.join("/")
        ))
    })?;
    let name_attrs: Vec<&str> = match &c.name_attribute {
        Some(n) => vec![n.as_str()],
        None => vec!["displayName", "name"],
    };
    let name = name_attrs
        .iter()
        .find_map(|n| attribute(a, n).first().map(|v| (*v).to_owned()));
    let mapped_role: Option<Role> = c.role_attribute.as_ref().and_then(|r| {
        attribute(a, r)
            .into_iter()
            .find_map(|v| c.role_map.get(v).copied())
    });
    Ok(commands::sso::Identity {
        provider: format!("saml:{}", c.name),
        subject: name_id,
        email,
        name,
        mapped_role,
        default_role: c.default_role,
        allow_create: c.allow_create,
    })
}

fn check(p: &Provider, response: &str, request_id: &str) -> Result<Assertion, SamlError> {
    // samael's errors are not Send: turn them into text here, before any await.
    p.sp.parse_base64_response(response.trim(), Some(&[request_id]))
        .map_err(|e| SamlError::Rejected(e.to_string()))
}

/// Checks a POSTed `SAMLResponse` and returns who it vouches for.
pub fn consume(
    state: &AppState,
    provider: &str,
    response: &str,
    relay: &str,
) -> Result<commands::sso::Identity, SamlError> {
    let p = state.saml.get(provider)?;
    let (id, exp) = request_id(state, provider, relay)?;
    let assertion = check(p, response, &id)?;
    let who = identity(&p.config, &assertion)?;
    spend(&id, exp)?;
    Ok(who)
}

fn xml_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// RAIA's SP metadata for `provider`: entity id and the HTTP-POST assertion
/// consumer service; signed assertions wanted. (samael's own generator insists
/// on a single-logout endpoint, which RAIA does not offer.)
pub fn metadata(state: &AppState, provider: &str) -> Result<String, SamlError> {
    let p = state.saml.get(provider)?;
    let entity = p.sp.entity_id.clone().unwrap_or_default();
    let acs = p.sp.acs_url.clone().unwrap_or_default();
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="false" WantAssertionsSigned="true">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:AssertionConsumerService Binding="{binding}" Location="{acs}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"#,
        entity = xml_attr(&entity),
        acs = xml_attr(&acs),
        binding = samael::metadata::HTTP_POST_BINDING,
    ))
}
