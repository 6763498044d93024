//! The clock compliance freshness is judged by: the wall clock plus an offset
//! that tests move forward to watch evidence go stale.

use std::sync::atomic::{AtomicI64, Ordering};

/// Wall clock with an adjustable offset (zero in production).
#[derive(Debug, Default)]
pub struct Clock {
    offset_micros: AtomicI64,
}

impl Clock {
    /// Now, microseconds since the epoch.
    pub fn now_micros(&self) -> i64 {
        commands::sql_now().saturating_add(self.offset_micros.load(Ordering::Relaxed))
    }

    /// Moves the clock forward by `micros` (tests only need it; harmless otherwise).
    pub fn advance(&self, micros: i64) {
        self.offset_micros.fetch_add(micros, Ordering::Relaxed);
    }
}
