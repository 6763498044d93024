//! The `chat_sessions`, `chat_messages` and `llm_calls` tables. Deleting a
//! session removes its messages but keeps its calls, so usage and cost stay.

use async_trait::async_trait;
use domain::{
    chat::{ChatEvent, ChatSession},
    decode::decode,
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects chat events.
#[derive(Debug, Clone, Copy)]
pub struct Chat;

#[async_trait]
impl Projection for Chat {
    fn name(&self) -> &'static str {
        "chat"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["chat_sessions", "chat_messages", "llm_calls"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[ChatSession::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != ChatSession::STREAM_TYPE {
            return Ok(());
        }
        let event: ChatEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        match event {
            ChatEvent::ChatSessionStarted {
                session_id,
                user_id,
                title,
            } => {
                sqlx::query(
                    "INSERT INTO chat_sessions (id, user_id, title, messages, created_at, updated_at) \
                     VALUES ($1, $2, $3, 0, $4, $4)",
                )
                .bind(session_id.to_string())
                .bind(user_id.to_string())
                .bind(title)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
            ChatEvent::ChatMessageRecorded {
                session_id,
                message: m,
            } => {
                sqlx::query(
                    "INSERT INTO chat_messages (message_id, session_id, role, content, citations, \
                     configuration_id, model, prompt_tokens, completion_tokens, latency_ms, cost_usd, position, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(m.message_id.clone())
                .bind(session_id.to_string())
                .bind(m.role.clone())
                .bind(m.content.clone())
                .bind(serde_json::to_string(&m.citations).unwrap_or_else(|_| "[]".into()))
                .bind(m.configuration_id.map(|c| c.to_string()))
                .bind(m.model.clone())
                .bind(m.prompt_tokens as i64)
                .bind(m.completion_tokens as i64)
                .bind(m.latency_ms as i64)
                .bind(m.cost_usd)
                .bind(e.position)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
                sqlx::query(
                    "UPDATE chat_sessions SET messages = messages + 1, updated_at = $2 WHERE id = $1",
                )
                .bind(session_id.to_string())
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
                if m.role == "assistant" {
                    let user: Option<String> =
                        sqlx::query_scalar("SELECT user_id FROM chat_sessions WHERE id = $1")
                            .bind(session_id.to_string())
                            .fetch_optional(&mut **tx)
                            .await?;
                    let day = utc_day(e.recorded_at);
                    sqlx::query(
                        "INSERT INTO llm_calls (message_id, configuration_id, user_id, model, day, prompt_tokens, \
                         completion_tokens, latency_ms, cost_usd, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(m.message_id)
                    .bind(m.configuration_id.map(|c| c.to_string()))
                    .bind(user.unwrap_or_default())
                    .bind(m.model)
                    .bind(day)
                    .bind(m.prompt_tokens as i64)
                    .bind(m.completion_tokens as i64)
                    .bind(m.latency_ms as i64)
                    .bind(m.cost_usd)
                    .bind(e.recorded_at)
                    .execute(&mut **tx)
                    .await?;
                }
            }
            ChatEvent::ChatSessionDeleted { session_id } => {
                for table in ["chat_messages WHERE session_id", "chat_sessions WHERE id"] {
                    sqlx::query(&format!("DELETE FROM {table} = $1"))
                        .bind(session_id.to_string())
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// `YYYY-MM-DD` (UTC) of a time in microseconds (Hinnant's civil-from-days).
pub(crate) fn utc_day(micros: i64) -> String {
    let z = micros.div_euclid(86_400_000_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_are_utc_calendar_dates() {
        assert_eq!(super::utc_day(0), "1970-01-01");
        assert_eq!(super::utc_day(1_709_210_096_000_000), "2024-02-29");
        assert_eq!(super::utc_day(-1), "1969-12-31");
    }
}
