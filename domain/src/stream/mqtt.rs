//! MQTT source settings: topic filters and broker URLs (MQTT 3.1.1, section 4.7).

/// Checks a topic filter: 1 to 65,535 bytes, no NUL, `+` only as a whole level,
/// `#` only as the whole last level.
pub fn check_filter(filter: &str) -> Result<(), String> {
    if filter.is_empty() || filter.len() > 65_535 || filter.contains('\0') {
        return Err("the topic filter must be 1 to 65535 bytes without NUL".into());
    }
    let levels: Vec<&str> = filter.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        let multi = level.contains('#');
        if multi && (*level != "#" || i + 1 != levels.len()) {
            return Err("`#` must be the whole last level of the topic filter".into());
        }
        if level.contains('+') && *level != "+" {
            return Err("`+` must be a whole level of the topic filter".into());
        }
    }
    Ok(())
}

/// Parses `mqtt://host[:port]` (or `tcp://`) into host and port (default 1883).
/// Credentials are refused: they would be recorded in the log in clear.
pub fn parse_url(url: &str) -> Result<(String, u16), String> {
    let rest = url
        .strip_prefix("mqtt://")
        .or_else(|| url.strip_prefix("tcp://"))
        .ok_or("the broker URL must be mqtt://host[:port]")?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains('@') {
        return Err("credentials in the broker URL are not accepted".into());
    }
    if authority.is_empty() || authority.contains('/') || authority.contains('?') {
        return Err("the broker URL must be mqtt://host[:port]".into());
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, _)) if !h.ends_with(']') && h.contains(':') => (authority, "1883"),
        Some((h, p)) => (h, p),
        None => (authority, "1883"),
    };
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or("the broker port must be 1 to 65535")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err("the broker URL needs a host".into());
    }
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn topic_filters_follow_the_wildcard_rules() {
        for ok in ["a/b", "a/+/c", "#", "a/#", "+", "sensors/+/temp/#"] {
            assert!(check_filter(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a/#/b", "a#", "a/b+", "a/\0"] {
            assert!(check_filter(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn broker_urls_need_a_scheme_and_no_credentials() {
        assert_eq!(
            parse_url("mqtt://127.0.0.1:1883").unwrap(),
            ("127.0.0.1".into(), 1883)
        );
        assert_eq!(parse_url("tcp://broker").unwrap(), ("broker".into(), 1883));
        assert_eq!(
            parse_url("mqtt://[::1]:1884").unwrap(),
            ("::1".into(), 1884)
        );
        for bad in [
            "http://x",
            "mqtt://u:p@x:1883",
            "mqtt://x:0",
            "mqtt://",
            "mqtt://x/y",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }
}
