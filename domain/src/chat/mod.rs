//! Chat sessions: a user's conversation with a configuration, every message an
//! event with its tokens, latency and cost.

use serde::{Deserialize, Serialize};

use crate::{
    aggregate::Aggregate,
    ids::{ChatSessionId, DocumentId, LlmConfigurationId, UserId},
};

/// A passage an answer rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    /// Document.
    pub document_id: DocumentId,
    /// Its file name.
    pub filename: String,
    /// Chunk index in the document.
    pub chunk: u32,
    /// First character of the chunk in the extracted text.
    pub start: u64,
    /// One past its last character.
    pub end: u64,
    /// Retrieval score.
    pub score: f64,
}

/// One message and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Message id (UUID).
    pub message_id: String,
    /// `user` or `assistant`.
    pub role: String,
    /// Text.
    pub content: String,
    /// Sources (assistant messages with retrieval).
    #[serde(default)]
    pub citations: Vec<Citation>,
    /// Configuration that answered (assistant messages).
    pub configuration_id: Option<LlmConfigurationId>,
    /// Model that answered.
    pub model: Option<String>,
    /// Prompt tokens billed.
    pub prompt_tokens: u64,
    /// Completion tokens billed.
    pub completion_tokens: u64,
    /// Time to the full answer, milliseconds.
    pub latency_ms: u64,
    /// Cost in USD from the configured price table (0 when unpriced).
    pub cost_usd: f64,
}

/// The session aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChatSession {
    /// Set once started.
    pub id: Option<ChatSessionId>,
    /// Owner.
    pub user_id: Option<UserId>,
    /// Messages so far.
    pub messages: u64,
    /// Whether deleted.
    pub deleted: bool,
}

/// What a caller may ask.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatCommand {
    /// Record an exchange, starting the session if it is new.
    Record {
        /// Session id.
        id: ChatSessionId,
        /// The acting user (must own the session).
        user_id: UserId,
        /// Title for a new session.
        title: String,
        /// Messages to append, in order.
        messages: Vec<ChatMessage>,
    },
    /// Delete the session (by its owner).
    Delete {
        /// The acting user.
        user_id: UserId,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ChatEvent {
    /// A session began.
    ChatSessionStarted {
        /// Id.
        session_id: ChatSessionId,
        /// Owner.
        user_id: UserId,
        /// Title.
        title: String,
    },
    /// A message was said.
    ChatMessageRecorded {
        /// Session.
        session_id: ChatSessionId,
        /// The message.
        #[serde(flatten)]
        message: ChatMessage,
    },
    /// The session was deleted.
    ChatSessionDeleted {
        /// Session.
        session_id: ChatSessionId,
    },
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// No such session for this user.
    #[error("chat session not found")]
    NotFound,
}

impl Aggregate for ChatSession {
    const STREAM_TYPE: &'static str = "chat_session";
    type Command = ChatCommand;
    type Event = ChatEvent;
    type Error = ChatError;

    fn decide(&self, cmd: ChatCommand) -> Result<Vec<ChatEvent>, ChatError> {
        let owned = |user: UserId| !self.deleted && self.user_id == Some(user);
        match cmd {
            ChatCommand::Record {
                id,
                user_id,
                title,
                messages,
            } => {
                let mut events = Vec::new();
                match self.id {
                    None => events.push(ChatEvent::ChatSessionStarted {
                        session_id: id,
                        user_id,
                        title,
                    }),
                    Some(_) if owned(user_id) => {}
                    Some(_) => return Err(ChatError::NotFound),
                }
                events.extend(
                    messages
                        .into_iter()
                        .map(|message| ChatEvent::ChatMessageRecorded {
                            session_id: id,
                            message,
                        }),
                );
                Ok(events)
            }
            ChatCommand::Delete { user_id } => match self.id {
                Some(id) if owned(user_id) => {
                    Ok(vec![ChatEvent::ChatSessionDeleted { session_id: id }])
                }
                _ => Err(ChatError::NotFound),
            },
        }
    }

    fn apply(&mut self, event: &ChatEvent) {
        match event {
            ChatEvent::ChatSessionStarted {
                session_id,
                user_id,
                ..
            } => {
                self.id = Some(*session_id);
                self.user_id = Some(*user_id);
            }
            ChatEvent::ChatMessageRecorded { .. } => self.messages += 1,
            ChatEvent::ChatSessionDeleted { .. } => self.deleted = true,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_the_owner_may_add_to_or_delete_a_session() {
        let id = ChatSessionId::from_uuid(uuid::Uuid::nil());
        let ada = UserId::from_uuid(uuid::Uuid::from_u128(1));
        let bob = UserId::from_uuid(uuid::Uuid::from_u128(2));
        let mut s = ChatSession::default();
        let rec = |u| ChatCommand::Record {
            id,
            user_id: u,
            title: "t".into(),
            messages: vec![],
        };
        for e in s.decide(rec(ada)).unwrap() {
            s.apply(&e);
        }
        assert_eq!(s.decide(rec(bob)), Err(ChatError::NotFound));
        assert_eq!(
            s.decide(ChatCommand::Delete { user_id: bob }),
            Err(ChatError::NotFound)
        );
        assert_eq!(
            s.decide(ChatCommand::Delete { user_id: ada })
                .unwrap()
                .len(),
            1
        );
    }
}
