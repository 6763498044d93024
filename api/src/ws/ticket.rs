//! Short-lived, single-use tickets for opening a WebSocket from a browser,
//! which cannot set an `Authorization` header: the page asks
//! `POST /api/v1/ws/ticket` with its bearer token and opens
//! `/ws/...?ticket=...` within 30 seconds. A ticket is redeemed once, on the
//! node that issued it (tickets live in that process's memory).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use rand::RngCore;

use crate::access::Caller;

/// How long a ticket stays redeemable.
pub const TICKET_TTL: Duration = Duration::from_secs(30);

/// Issued, unredeemed tickets.
#[derive(Debug, Default)]
pub struct Tickets {
    open: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl Tickets {
    /// Issues a ticket for `caller`.
    pub fn issue(&self, caller: Caller) -> String {
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut bytes);
        let ticket = hex::encode(bytes);
        let now = Instant::now();
        if let Ok(mut open) = self.open.lock() {
            open.retain(|_, (_, at)| now.duration_since(*at) < TICKET_TTL);
            open.insert(ticket.clone(), (caller, now));
        }
        ticket
    }

    /// Redeems a ticket once; `None` if unknown, used or expired.
    pub fn redeem(&self, ticket: &str) -> Option<Caller> {
        let (caller, at) = self.open.lock().ok()?.remove(ticket)?;
        (at.elapsed() < TICKET_TTL).then_some(caller)
    }
}
