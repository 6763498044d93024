//! The Redis store shared by every node: `<prefix><category>:<key>` holds
//! `<label>:<json>` and expires after the configured time to live.

use redis::{aio::ConnectionManager, AsyncCommands};

use super::{category::Category, Entry};

/// A connection to the shared store.
#[derive(Clone)]
pub struct Shared {
    conn: ConnectionManager,
    ttl_secs: u64,
    prefix: String,
}

impl Shared {
    /// Connects (and keeps reconnecting) to `url`.
    pub async fn connect(url: &str, prefix: &str, ttl_secs: u64) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new(client).await?;
        Ok(Self {
            conn,
            ttl_secs,
            prefix: prefix.to_owned(),
        })
    }

    fn key(&self, category: Category, key: &str) -> String {
        format!("{}{}:{key}", self.prefix, category.name())
    }

    /// The entry under a key, whatever its label.
    pub async fn get(&self, category: Category, k: &str) -> redis::RedisResult<Option<Entry>> {
        let raw: Option<Vec<u8>> = self.conn.clone().get(self.key(category, k)).await?;
        Ok(raw.and_then(|raw| {
            let colon = raw.iter().position(|b| *b == b':')?;
            let label = std::str::from_utf8(&raw[..colon]).ok()?.parse().ok()?;
            Some(Entry {
                label,
                json: axum::body::Bytes::copy_from_slice(&raw[colon + 1..]),
            })
        }))
    }

    /// Stores an entry with the time to live.
    pub async fn put(&self, category: Category, k: &str, e: &Entry) -> redis::RedisResult<()> {
        let mut raw = format!("{}:", e.label).into_bytes();
        raw.extend_from_slice(&e.json);
        self.conn
            .clone()
            .set_ex(self.key(category, k), raw, self.ttl_secs)
            .await
    }

    /// Keys of a category (`None`: every category).
    async fn keys(&self, category: Option<Category>) -> redis::RedisResult<Vec<String>> {
        let pattern = match category {
            Some(c) => format!("{}{}:*", self.prefix, c.name()),
            None => format!("{}*", self.prefix),
        };
        let mut conn = self.conn.clone();
        let mut cursor: u64 = 0;
        let mut out = Vec::new();
        loop {
            let (next, mut batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await?;
            out.append(&mut batch);
            if next == 0 {
                return Ok(out);
            }
            cursor = next;
        }
    }

    /// Deletes a category's keys (`None`: all); returns how many there were.
    pub async fn clear(&self, category: Option<Category>) -> redis::RedisResult<u64> {
        let keys = self.keys(category).await?;
        let mut conn = self.conn.clone();
        for chunk in keys.chunks(500) {
            let _: u64 = conn.del(chunk).await?;
        }
        Ok(keys.len() as u64)
    }

    /// Entries and bytes held for a category by every node.
    pub async fn holdings(&self, category: Category) -> redis::RedisResult<(u64, u64)> {
        let keys = self.keys(Some(category)).await?;
        let mut conn = self.conn.clone();
        let mut bytes = 0;
        for k in &keys {
            let n: u64 = conn.strlen(k).await?;
            bytes += n;
        }
        Ok((keys.len() as u64, bytes))
    }
}
