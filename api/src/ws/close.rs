//! The close codes RAIA's WebSockets use (documented in the README).

/// Normal closure.
pub const NORMAL: u16 = 1000;
/// The client sent a binary frame; only JSON text is understood.
pub const UNSUPPORTED: u16 = 1003;
/// The client sent text that is not a message RAIA understands.
pub const MALFORMED: u16 = 1007;
/// The client sent a message larger than `RAIA_WS_MAX_MESSAGE_BYTES`.
pub const TOO_BIG: u16 = 1009;
/// The server could not read the log; resume later.
pub const SERVER_ERROR: u16 = 1011;
/// The client fell further behind than its queue allows; the reason is
/// `resume_after=<position>`: reconnect with `?after=<position>`.
pub const TOO_SLOW: u16 = 4008;
/// The client answered no heartbeat for too long.
pub const IDLE: u16 = 4000;
