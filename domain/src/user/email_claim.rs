//! One stream per e-mail address (keyed by its keyed hash) so that two
//! registrations of the same address race on one stream and exactly one wins.

use serde::{Deserialize, Serialize};

use crate::{aggregate::Aggregate, ids::UserId};

/// Who holds an address.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EmailClaim {
    /// The holder, once claimed.
    pub holder: Option<UserId>,
}

/// Claim the address for a user, or give it up.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimEmail {
    /// The user takes the address.
    Claim(UserId),
    /// The holder gives it up (erasure), so it may be registered again.
    Release(UserId),
}

/// What happened to a claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum EmailClaimEvent {
    /// The address now belongs to this user.
    EmailClaimed {
        /// The holder.
        user_id: UserId,
    },
    /// The holder gave the address up.
    EmailReleased {
        /// The former holder.
        user_id: UserId,
    },
}

/// The address is already registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("e-mail address already registered")]
pub struct EmailTaken;

impl Aggregate for EmailClaim {
    const STREAM_TYPE: &'static str = "user_email";
    type Command = ClaimEmail;
    type Event = EmailClaimEvent;
    type Error = EmailTaken;

    fn decide(&self, cmd: ClaimEmail) -> Result<Vec<EmailClaimEvent>, EmailTaken> {
        match (cmd, self.holder) {
            (ClaimEmail::Claim(_), Some(_)) => Err(EmailTaken),
            (ClaimEmail::Claim(user_id), None) => {
                Ok(vec![EmailClaimEvent::EmailClaimed { user_id }])
            }
            (ClaimEmail::Release(user_id), Some(h)) if h == user_id => {
                Ok(vec![EmailClaimEvent::EmailReleased { user_id }])
            }
            (ClaimEmail::Release(_), _) => Ok(Vec::new()),
        }
    }

    fn apply(&mut self, event: &EmailClaimEvent) {
        match event {
            EmailClaimEvent::EmailClaimed { user_id } => self.holder = Some(*user_id),
            EmailClaimEvent::EmailReleased { .. } => self.holder = None,
        }
    }
}
