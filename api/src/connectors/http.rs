//! HTTP(S) sources: GET pages of CSV or JSON, following RFC 8288 `Link: rel="next"`
//! headers or a cursor field of the JSON body. Custom headers (credentials) are sent
//! on every page; redirects are not followed, so they never reach another host.

use std::collections::HashSet;

use domain::connector::{HttpFormat, Pagination, Source};
use reqwest::{header::LINK, Url};
use serde_json::Value;

use super::{Credentials, FetchError, Sink};

/// Most pages one import follows.
pub const MAX_PAGES: usize = 10_000;

/// The `rel="next"` target of a `Link` header value, if any.
fn link_next(value: &str) -> Option<&str> {
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>')?;
        let target = &rest[open + 1..close];
        let params_end = rest[close..].find('<').map_or(rest.len(), |p| close + p);
        let params = &rest[close + 1..params_end];
        let is_next = params.split(';').any(|p| {
            let p = p.trim().trim_end_matches(',').trim();
            p.strip_prefix("rel=").is_some_and(|v| {
                v.trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        if is_next {
            return Some(target);
        }
        rest = &rest[params_end..];
    }
    None
}

/// Number of CSV records in `data` (newlines outside quotes, plus an unterminated last one).
fn csv_records(data: &[u8]) -> u64 {
    let mut in_quote = false;
    let mut n = 0;
    for &b in data {
        match b {
            b'"' => in_quote = !in_quote,
            b'\n' if !in_quote => n += 1,
            _ => {}
        }
    }
    n + u64::from(data.last().is_some_and(|&b| b != b'\n'))
}

fn split_header(body: &[u8]) -> (&[u8], &[u8]) {
    match body.iter().position(|&b| b == b'\n') {
        Some(i) => (&body[..=i], &body[i + 1..]),
        None => (body, &[]),
    }
}

async fn read_body(mut resp: reqwest::Response, max: u64) -> Result<Vec<u8>, FetchError> {
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| FetchError::Connect(e.without_url().to_string()))?
    {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > max {
            return Err(FetchError::TooManyBytes(max));
        }
    }
    Ok(body)
}

fn records<'a>(body: &'a Value, field: Option<&str>) -> Result<&'a Vec<Value>, FetchError> {
    let list = match field {
        Some(f) => body.get(f),
        None => Some(body),
    };
    list.and_then(Value::as_array).ok_or_else(|| {
        FetchError::Format(match field {
            Some(f) => format!("the body has no array `{f}`"),
            None => "the body is not a JSON array (set records_field)".into(),
        })
    })
}

fn cursor_value(body: &Value, field: &str) -> Option<String> {
    match body.get(field)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn with_param(url: &Url, param: &str, value: &str) -> Url {
    let mut next = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != param)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    next.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(param, value);
    next
}

/// Fetches every page of an HTTP source.
pub(super) async fn fetch(
    source: &Source,
    creds: &Credentials,
    sink: &mut Sink,
) -> Result<(), FetchError> {
    let Source::Http {
        url,
        format,
        pagination,
        records_field,
        ..
    } = source
    else {
        return Err(FetchError::Format("not an HTTP source".into()));
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(sink.limits.timeout)
        .build()
        .map_err(|e| FetchError::Connect(e.to_string()))?;
    let mut next = Some(Url::parse(url).map_err(|e| FetchError::Connect(e.to_string()))?);
    let mut seen = HashSet::new();
    let mut header: Option<Vec<u8>> = None;
    while let Some(page) = next.take() {
        if !seen.insert(page.to_string()) || seen.len() > MAX_PAGES {
            return Err(FetchError::Format(format!(
                "pagination loops or exceeds {MAX_PAGES} pages"
            )));
        }
        let mut req = client.get(page.clone());
        for (k, v) in &creds.headers {
            req = req.header(k, v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| FetchError::Connect(e.without_url().to_string()))?;
        if !resp.status().is_success() {
            return Err(FetchError::Status(resp.status().as_u16()));
        }
        let link = resp
            .headers()
            .get_all(LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(link_next)
            .map(|t| page.join(t))
            .transpose()
            .map_err(|e| FetchError::Format(format!("bad Link target: {e}")))?;
        let body = read_body(resp, sink.limits.max_bytes).await?;
        let cursor = match format {
            HttpFormat::Csv => {
                let (head, data) = split_header(&body);
                if let Some(first) = &header {
                    if first.trim_ascii() != head.trim_ascii() {
                        return Err(FetchError::Format("a later page has another header".into()));
                    }
                } else {
                    if head.trim_ascii().is_empty() {
                        return Err(FetchError::Format("the first page has no header".into()));
                    }
                    header = Some(head.to_vec());
                    let mut h = head.to_vec();
                    if h.last() != Some(&b'\n') {
                        h.push(b'\n');
                    }
                    sink.bytes(h).await?;
                }
                sink.count(csv_records(data))?;
                let mut data = data.to_vec();
                if data.last().is_some_and(|&b| b != b'\n') {
                    data.push(b'\n');
                }
                sink.bytes(data).await?;
                None
            }
            HttpFormat::Json => {
                let doc: Value = serde_json::from_slice(&body)
                    .map_err(|e| FetchError::Format(format!("invalid JSON: {e}")))?;
                for r in records(&doc, records_field.as_deref())? {
                    if !r.is_object() {
                        return Err(FetchError::Format("a record is not a JSON object".into()));
                    }
                    sink.record(serde_json::to_vec(r).unwrap_or_default())
                        .await?;
                }
                match pagination {
                    Pagination::Cursor { field, .. } => cursor_value(&doc, field),
                    _ => None,
                }
            }
        };
        next = match pagination {
            Pagination::None => None,
            Pagination::Link => link,
            Pagination::Cursor { param, .. } => cursor.map(|c| with_param(&page, param, &c)),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_yield_the_next_target() {
        assert_eq!(
            link_next(r#"<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next""#),
            Some("https://a/x?page=3")
        );
        assert_eq!(link_next(r#"</p2>; rel="next last""#), Some("/p2"));
        assert_eq!(link_next(r#"</p2>; rel=next"#), Some("/p2"));
        assert_eq!(link_next(r#"</p1>; rel="first""#), None);
    }

    #[test]
    fn csv_records_ignore_quoted_newlines() {
        assert_eq!(csv_records(b"1,\"a\nb\"\n2,c"), 2);
        assert_eq!(csv_records(b""), 0);
    }
}
