//! Real services for tests: PostgreSQL and NATS. Missing ones fail loudly.

use sqlx::Connection;

/// Where the PostgreSQL server is (`RAIA_TEST_PG_URL`, default the local trust-auth server).
pub fn postgres_admin_url() -> String {
    std::env::var("RAIA_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Creates a fresh database and returns its URL.
pub async fn postgres_database() -> String {
    let admin = postgres_admin_url();
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => panic!(
            "PostgreSQL is not reachable at {admin}: {e}\n\
             Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
             (or point RAIA_TEST_PG_URL at a server; .ci/run starts it for you)"
        ),
    };
    let name = format!("raia_t_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(b, _)| b)
        .to_owned();
    format!("{base}/{name}")
}

/// The NATS server (`RAIA_TEST_NATS_URL`, default local); panics with how to start it.
pub async fn nats_url() -> String {
    let url =
        std::env::var("RAIA_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    if let Err(e) = async_nats::connect(&url).await {
        panic!(
            "NATS is not reachable at {url}: {e}\n\
             Start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
             -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log"
        );
    }
    url
}

/// The Redis server (`RAIA_TEST_REDIS_URL`, default local); panics with how to start it.
pub async fn redis_url() -> String {
    let url =
        std::env::var("RAIA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    if let Err(e) = tokio::net::TcpStream::connect(
        url.trim_start_matches("redis://")
            .split('/')
            .next()
            .unwrap_or_default(),
    )
    .await
    {
        panic!(
            "Redis is not reachable at {url}: {e}\n\
             Start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 \
             --save \"\" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
        );
    }
    url
}
