//! Client addresses that failed too many logins: their lockouts are events. The
//! stream id is a keyed hash of the address, so the log names no IP in clear.

use serde::{Deserialize, Serialize};

use crate::aggregate::Aggregate;

/// A client address's lockout history.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClientAddress {
    /// End of the latest lockout, microseconds.
    pub locked_until: i64,
    /// Lockouts so far.
    pub lockouts: u32,
}

/// Lock the address out.
#[derive(Debug, Clone, PartialEq)]
pub struct LockAddress {
    /// Failures that led to it.
    pub failures: u32,
    /// Now, microseconds.
    pub now: i64,
    /// End of the lockout, microseconds.
    pub until: i64,
}

/// What happened to a client address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ClientAddressEvent {
    /// Too many failed logins from the address: it is refused until `until`.
    AddressLockedOut {
        /// Failures within the window.
        failures: u32,
        /// End of the lockout, microseconds.
        until: i64,
    },
}

/// The address is already locked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("address already locked out")]
pub struct AlreadyLocked;

impl Aggregate for ClientAddress {
    const STREAM_TYPE: &'static str = "client_address";
    type Command = LockAddress;
    type Event = ClientAddressEvent;
    type Error = AlreadyLocked;

    fn decide(&self, cmd: LockAddress) -> Result<Vec<ClientAddressEvent>, AlreadyLocked> {
        if cmd.now < self.locked_until {
            return Err(AlreadyLocked);
        }
        Ok(vec![ClientAddressEvent::AddressLockedOut {
            failures: cmd.failures,
            until: cmd.until,
        }])
    }

    fn apply(&mut self, event: &ClientAddressEvent) {
        match event {
            ClientAddressEvent::AddressLockedOut { until, .. } => {
                self.locked_until = *until;
                self.lockouts += 1;
            }
        }
    }
}
