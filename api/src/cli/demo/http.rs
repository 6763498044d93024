//! A small JSON-over-HTTP client for the demo: every call names what it did
//! when the server refuses it.

use anyhow::{bail, Context};
use reqwest::Method;
use serde_json::Value;

/// A server's public API.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    client: reqwest::Client,
}

/// One multipart part: field name, optional file name, bytes.
pub type Part = (&'static str, Option<String>, Vec<u8>);

impl Api {
    /// The API at `base` (`http://host:port`).
    pub fn new(base: &str) -> anyhow::Result<Self> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(120))
                .build()?,
        })
    }

    async fn answer(r: reqwest::Response, what: &str, ok: &[u16]) -> anyhow::Result<(u16, Value)> {
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if !ok.contains(&status) {
            bail!("{what}: HTTP {status}: {body}");
        }
        Ok((status, body))
    }

    /// Sends `body` (if any) with `method` to `path`; fails unless the status is in `ok`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        ok: &[u16],
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        Self::answer(r, &format!("{method} {path}"), ok).await
    }

    /// POST expecting 200, 201 or 202; returns the body.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> anyhow::Result<Value> {
        Ok(self
            .call(
                Method::POST,
                path,
                Some(token),
                Some(body),
                &[200, 201, 202],
            )
            .await?
            .1)
    }

    /// GET expecting 200; returns the body.
    pub async fn get(&self, path: &str, token: &str) -> anyhow::Result<Value> {
        Ok(self
            .call(Method::GET, path, Some(token), None, &[200])
            .await?
            .1)
    }

    /// A multipart POST expecting 201.
    pub async fn upload(&self, path: &str, token: &str, parts: Vec<Part>) -> anyhow::Result<Value> {
        let boundary = format!("raia-demo-{}", uuid::Uuid::new_v4().simple());
        let mut body = Vec::new();
        for (name, filename, bytes) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let head = match filename {
                Some(f) => format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                ),
                None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
            };
            body.extend_from_slice(head.as_bytes());
            body.extend_from_slice(&bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        Ok(Self::answer(r, &format!("POST {path}"), &[201]).await?.1)
    }

    /// Logs in; returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let body = serde_json::json!({"email": email, "password": password});
        let (_, v) = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(&body),
                &[200],
            )
            .await?;
        v["access_token"]
            .as_str()
            .map(str::to_owned)
            .context("login answered without an access token")
    }
}

/// The `id` field of an answer.
pub fn id(v: &Value) -> anyhow::Result<String> {
    v["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no id in {v}"))
}
