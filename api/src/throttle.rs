//! Login throttling per client address, across accounts: failures within a
//! 15-minute window first slow the address down (a growing delay), then lock it
//! out for 15 minutes; each lockout is an event. Counting lives in memory (per
//! server); the per-account throttle in the user aggregate is the durable one.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
};

use domain::{
    client_address::{ClientAddress, LockAddress},
    upcast::Upcasters,
    Metadata,
};

use crate::{error::ApiError, state::AppState};

const WINDOW_MICROS: i64 = 15 * 60 * 1_000_000;
const LOCKOUT_MICROS: i64 = 15 * 60 * 1_000_000;

#[derive(Debug, Default)]
struct Entry {
    failures: VecDeque<i64>,
    locked_until: i64,
}

/// Failure counts and lockouts per client address.
#[derive(Debug)]
pub struct AddressThrottle {
    lock_after: u32,
    entries: Mutex<HashMap<IpAddr, Entry>>,
}

impl AddressThrottle {
    /// Locks an address after `lock_after` failures in the window (0 = never).
    pub fn new(lock_after: u32) -> Self {
        Self {
            lock_after,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<IpAddr, Entry>) -> T) -> T {
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Microseconds the address must wait before its next attempt (0 = now):
    /// the lockout, else no delay for the first quarter of the allowance, then
    /// 1, 2, 4, ... seconds after the last failure, at most 30.
    pub fn wait(&self, ip: IpAddr, now: i64) -> i64 {
        if self.lock_after == 0 {
            return 0;
        }
        self.with(|m| {
            let Some(e) = m.get_mut(&ip) else { return 0 };
            if e.locked_until > now {
                return e.locked_until - now;
            }
            while e.failures.front().is_some_and(|t| now - t > WINDOW_MICROS) {
                e.failures.pop_front();
            }
            let n = e.failures.len() as u32;
            let free = (self.lock_after / 4).max(1);
            match (n.checked_sub(free), e.failures.back()) {
                (Some(over), Some(last)) => {
                    let delay = (1i64 << over.min(5)).min(30) * 1_000_000;
                    (last + delay - now).max(0)
                }
                _ => 0,
            }
        })
    }

    /// Whether the address is locked out now.
    pub fn locked(&self, ip: IpAddr, now: i64) -> bool {
        self.with(|m| m.get(&ip).is_some_and(|e| e.locked_until > now))
    }

    /// Counts a failure; returns the failure count when it locks the address.
    pub fn failure(&self, ip: IpAddr, now: i64) -> Option<u32> {
        if self.lock_after == 0 {
            return None;
        }
        self.with(|m| {
            let e = m.entry(ip).or_default();
            e.failures.push_back(now);
            while e.failures.front().is_some_and(|t| now - t > WINDOW_MICROS) {
                e.failures.pop_front();
            }
            let n = e.failures.len() as u32;
            if n >= self.lock_after {
                e.locked_until = now + LOCKOUT_MICROS;
                e.failures.clear();
                return Some(n);
            }
            None
        })
    }
}

/// Refuses a login from a throttled or locked address (429 with Retry-After);
/// an attempt made while throttled counts as a failure.
pub async fn check(state: &AppState, ip: Option<IpAddr>, meta: &Metadata) -> Result<(), ApiError> {
    let Some(ip) = ip else { return Ok(()) };
    let now = commands::sql_now();
    let wait = state.throttle.wait(ip, now);
    if wait == 0 {
        return Ok(());
    }
    let locked = state.throttle.locked(ip, now);
    if !locked {
        failed(state, Some(ip), meta).await;
    }
    let wait = state.throttle.wait(ip, now);
    let secs = (wait as u64).div_ceil(1_000_000);
    let (code, what) = if state.throttle.locked(ip, now) {
        (
            "address_locked",
            "your address is locked out after repeated failed logins",
        )
    } else {
        (
            "address_throttled",
            "too many failed logins from your address",
        )
    };
    Err(ApiError::new(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        code,
        format!("{what}; retry in {secs} s"),
    )
    .retry_after(secs))
}

/// Counts a failed login from `ip`; a lockout it causes is recorded as an event.
pub async fn failed(state: &AppState, ip: Option<IpAddr>, meta: &Metadata) {
    let Some(ip) = ip else { return };
    let now = commands::sql_now();
    let Some(failures) = state.throttle.failure(ip, now) else {
        return;
    };
    let id = state.cipher.lookup(&format!("client-address:{ip}"));
    let result = async {
        let loaded = commands::load::<ClientAddress>(
            state.store.as_ref(),
            &Upcasters::domain(),
            &id,
            commands::Until::Now,
        )
        .await?;
        let mut batch = commands::Batch::new(meta.clone());
        let cmd = LockAddress {
            failures,
            now,
            until: now + LOCKOUT_MICROS,
        };
        if batch.decide(&loaded, None, cmd).is_err() {
            return Ok(Vec::new());
        }
        state
            .store
            .append(batch.into_events())
            .await
            .map_err(commands::CommandError::<domain::client_address::AlreadyLocked>::from)
    }
    .await;
    match result {
        Ok(events) => state.settle(&events).await,
        Err(e) => tracing::warn!(error = %e, "recording an address lockout"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_slowed_then_locked_and_the_window_slides() {
        let t = AddressThrottle::new(10);
        let ip: IpAddr = [10, 0, 0, 1].into();
        let s = 1_000_000;
        assert_eq!(t.failure(ip, 0), None);
        assert_eq!(t.wait(ip, 0), 0, "first failures are free");
        assert_eq!(t.failure(ip, 0), None);
        assert_eq!(t.wait(ip, 0), s, "then a growing delay");
        assert_eq!(t.failure(ip, 0), None);
        assert_eq!(t.wait(ip, 0), 2 * s);
        for _ in 0..6 {
            assert_eq!(t.failure(ip, 0), None);
        }
        assert_eq!(t.failure(ip, 0), Some(10));
        assert_eq!(t.wait(ip, s), LOCKOUT_MICROS - s);
        assert_eq!(t.wait(ip, LOCKOUT_MICROS + 1), 0);
        let other: IpAddr = [10, 0, 0, 2].into();
        assert_eq!(t.wait(other, 0), 0, "other addresses are unaffected");
        t.failure(other, 0);
        t.failure(other, 0);
        assert_eq!(
            t.wait(other, WINDOW_MICROS + 1),
            0,
            "old failures leave the window"
        );
    }
}
