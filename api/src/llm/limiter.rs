//! A sliding one-minute window of calls per configuration (in-process: each
//! server node enforces its own share).

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

const WINDOW: Duration = Duration::from_secs(60);

/// Calls per key in the last minute.
#[derive(Debug, Default)]
pub struct RateLimiter {
    calls: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Admits a call for `key` under `per_minute`, or says how many seconds to wait.
    pub fn admit(&self, key: &str, per_minute: Option<u32>) -> Result<(), u64> {
        let Some(limit) = per_minute else {
            return Ok(());
        };
        let now = Instant::now();
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        let q = calls.entry(key.to_owned()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            q.pop_front();
        }
        if q.len() >= limit as usize {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_key() {
        let l = RateLimiter::default();
        assert!(l.admit("a", Some(2)).is_ok());
        assert!(l.admit("a", Some(2)).is_ok());
        assert!(l.admit("a", Some(2)).unwrap_err() <= 60);
        assert!(l.admit("b", Some(2)).is_ok());
        assert!(l.admit("a", None).is_ok());
    }
}
