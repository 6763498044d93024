//! A small SMTP server on 127.0.0.1 for tests: speaks enough of RFC 5321
//! (EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP,
//! QUIT) for a real client, and keeps what it receives.

use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::Notify,
};

/// One received message.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// `MAIL FROM` address.
    pub from: String,
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The message as sent (headers and body).
    pub data: String,
    /// `user` from AUTH PLAIN, if the client authenticated.
    pub auth_user: Option<String>,
}

/// A running fake SMTP server.
#[derive(Clone)]
pub struct SmtpServer {
    /// `host:port`.
    pub addr: String,
    received: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
}

fn addr_of(arg: &str) -> String {
    arg.split_once(':')
        .map(|(_, a)| {
            a.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
        .unwrap_or_default()
}

impl SmtpServer {
    /// Starts listening on an ephemeral port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let s = SmtpServer {
            addr: listener.local_addr().unwrap().to_string(),
            received: Arc::default(),
            arrived: Arc::default(),
        };
        let me = s.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let me = me.clone();
                tokio::spawn(async move { me.session(sock).await });
            }
        });
        s
    }

    async fn session(&self, sock: tokio::net::TcpStream) -> std::io::Result<()> {
        let (r, mut w) = sock.into_split();
        let mut lines = BufReader::new(r);
        w.write_all(b"220 fake-smtp ESMTP ready\r\n").await?;
        let mut msg = Received::default();
        let mut auth_user = None;
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_owned();
            let upper = cmd.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-fake-smtp\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SIZE 10485760\r\n"
            } else if upper.starts_with("HELO") {
                b"250 fake-smtp\r\n"
            } else if upper.starts_with("AUTH PLAIN") {
                let b64 = cmd[10..].trim();
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap_or_default();
                let parts: Vec<&[u8]> = raw.split(|b| *b == 0).collect();
                auth_user = parts
                    .get(1)
                    .map(|u| String::from_utf8_lossy(u).into_owned());
                b"235 2.7.0 Authentication successful\r\n"
            } else if upper.starts_with("MAIL FROM") {
                msg = Received {
                    from: addr_of(&cmd),
                    auth_user: auth_user.clone(),
                    ..Received::default()
                };
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO") {
                msg.to.push(addr_of(&cmd));
                b"250 OK\r\n"
            } else if upper == "DATA" {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                msg.data = data;
                self.received.lock().unwrap().push(std::mem::take(&mut msg));
                self.arrived.notify_waiters();
                b"250 OK queued\r\n"
            } else if upper == "RSET" || upper == "NOOP" {
                b"250 OK\r\n"
            } else if upper == "QUIT" {
                w.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                b"502 Command not implemented\r\n"
            };
            w.write_all(reply).await?;
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (up to 60 s) until `n` messages have arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let notified = self.arrived.notified();
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {n} messages, got {}",
                got.len()
            );
            let _ = tokio::time::timeout(std::time::Duration::from_millis(200), notified).await;
        }
    }
}
