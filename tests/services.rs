//! Real services for tests: PostgreSQL, NATS and Mosquitto. Missing ones fail loudly.

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

/// Where MariaDB is (`RAIA_TEST_MYSQL_URL`, default root over TCP with no password,
/// as on this machine kind).
pub fn mariadb_admin_url() -> String {
    std::env::var("RAIA_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into())
}

/// A connection to MariaDB as an administrator; panics with how to start it.
pub async fn mariadb_admin() -> sqlx::MySqlConnection {
    let url = mariadb_admin_url();
    match sqlx::MySqlConnection::connect(&url).await {
        Ok(c) => c,
        Err(e) => panic!(
            "MariaDB is not reachable at {url}: {e}\n\
             Start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd\n\
             (or point RAIA_TEST_MYSQL_URL at a server; .ci/run starts it for you)"
        ),
    }
}

/// The MQTT broker (`RAIA_TEST_MQTT_URL`, default local Mosquitto); panics with how to start it.
pub async fn mqtt_url() -> String {
    let url =
        std::env::var("RAIA_TEST_MQTT_URL").unwrap_or_else(|_| "mqtt://127.0.0.1:1883".into());
    let addr = url.trim_start_matches("mqtt://").to_owned();
    if let Err(e) = tokio::net::TcpStream::connect(&addr).await {
        panic!(
            "the MQTT broker is not reachable at {url}: {e}\n\
             Start it with: mosquitto -d -c /etc/mosquitto/mosquitto.conf (.ci/run starts it for you)"
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
