//! Outgoing mail: verification and password-reset links.
//!
//! Mail is a side effect of events, driven by [`runner`] with its own cursor
//! (`relay_cursors.name = 'mail'`), so rebuilding read models or replaying the
//! log never sends anything again. With `RAIA_SMTP_URL` set, mail goes through
//! SMTP (lettre; STARTTLS or TLS and authentication from the URL); otherwise it
//! is written as `.eml` files under `<data dir>/outbox/<user id>/`, which an
//! erasure deletes with the rest of the person's data.

pub mod runner;
pub mod templates;

use std::path::PathBuf;

use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An address or the message is malformed.
    #[error("building the message: {0}")]
    Build(String),
    /// The SMTP server refused or could not be reached.
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// Writing to the outbox failed.
    #[error("outbox: {0}")]
    Io(#[from] std::io::Error),
}

/// A message to one person.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The recipient's user id (files the outbox copy under it).
    pub user_id: String,
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// A name unique to this message (e.g. the event position), for the file.
    pub key: String,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// Sends mail through SMTP or into the outbox directory.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mailer({})", self.transport())
    }
}

/// Where the embedded default writes mail.
pub fn outbox_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("outbox")
}

impl Mailer {
    /// A mailer for `smtp_url` if given, else for the data dir's outbox.
    pub fn new(
        smtp_url: Option<&str>,
        from: &str,
        data_dir: &std::path::Path,
    ) -> Result<Self, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailError::Build(format!("mail_from {from:?}: {e}")))?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
            None => Transport::Outbox(outbox_dir(data_dir)),
        };
        Ok(Self { from, transport })
    }

    fn message(&self, mail: &Mail) -> Result<Message, MailError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| MailError::Build(format!("recipient: {e}")))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.html.clone()),
                    ),
            )
            .map_err(|e| MailError::Build(e.to_string()))
    }

    /// `smtp` or `outbox`.
    pub fn transport(&self) -> &'static str {
        match self.transport {
            Transport::Smtp(_) => "smtp",
            Transport::Outbox(_) => "outbox",
        }
    }

    /// Sends one message.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = self.message(mail)?;
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(message).await?;
            }
            Transport::Outbox(dir) => {
                let dir = dir.join(&mail.user_id);
                tokio::fs::create_dir_all(&dir).await?;
                let tmp = dir.join(format!(".{}.tmp", mail.key));
                tokio::fs::write(&tmp, message.formatted()).await?;
                tokio::fs::rename(&tmp, dir.join(format!("{}.eml", mail.key))).await?;
            }
        }
        Ok(())
    }

    /// Deletes every outbox copy of mail to `user_id` (erasure).
    pub async fn forget(&self, user_id: &str) -> Result<(), MailError> {
        if let Transport::Outbox(dir) = &self.transport {
            match tokio::fs::remove_dir_all(dir.join(user_id)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }
}
