//! A circuit breaker per model server: after [`TRIP_AFTER`] consecutive failed
//! calls it opens for [`OPEN_SECS`] and refuses calls at once; then one call is
//! let through (half-open) and its outcome closes or re-opens it.

use std::{collections::HashMap, sync::Mutex, time::Instant};

use super::RemoteError;

/// Consecutive failures that open the breaker.
pub const TRIP_AFTER: u32 = 5;
/// How long it stays open, seconds.
pub const OPEN_SECS: u64 = 30;

#[derive(Debug, Default)]
struct State {
    failures: u32,
    open_until: Option<Instant>,
    probing: bool,
}

static BREAKERS: std::sync::LazyLock<Mutex<HashMap<String, State>>> =
    std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

fn with<T>(server: &str, f: impl FnOnce(&mut State) -> T) -> T {
    let mut all = BREAKERS.lock().unwrap_or_else(|e| e.into_inner());
    f(all.entry(server.to_owned()).or_default())
}

/// Lets a call through, or refuses it while the breaker is open.
pub fn admit(server: &str) -> Result<(), RemoteError> {
    with(server, |s| match s.open_until {
        Some(until) if Instant::now() < until => Err(RemoteError::Open(
            until.saturating_duration_since(Instant::now()).as_secs() + 1,
        )),
        // Half-open: one probe at a time.
        Some(_) if s.probing => Err(RemoteError::Open(1)),
        Some(_) => {
            s.probing = true;
            Ok(())
        }
        None => Ok(()),
    })
}

/// Records a call the server answered.
pub fn success(server: &str) {
    with(server, |s| *s = State::default());
}

/// Records a failed call; opens the breaker at the threshold (or when the
/// half-open probe failed).
pub fn failure(server: &str) {
    with(server, |s| {
        s.failures += 1;
        if s.probing || s.failures >= TRIP_AFTER {
            s.open_until = Some(Instant::now() + std::time::Duration::from_secs(OPEN_SECS));
            s.probing = false;
        }
    });
}

/// Whether calls to `server` are being refused now.
pub fn is_open(server: &str) -> bool {
    with(server, |s| s.open_until.is_some_and(|u| Instant::now() < u))
}
