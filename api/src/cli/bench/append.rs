//! Append throughput beside the physical baseline: plain INSERTs of the same
//! rows with no lock, no version check and no hashing.

use std::{sync::Arc, time::Instant};

use commands::{open_store, store::insert_rows, EventStore};
use domain::StoredEvent;

use super::{fixture, fresh, line};

fn plain_rows(n: usize, from: i64) -> Vec<StoredEvent> {
    (0..n)
        .map(|i| {
            let e = fixture::solo(0, i);
            StoredEvent {
                position: from + i as i64,
                event_id: e.event_id,
                stream_type: e.stream_type,
                stream_id: format!("plain-{from}-{i}"),
                stream_version: 1,
                event_type: e.event_type,
                schema_version: 1,
                payload: e.payload.to_string(),
                metadata: serde_json::to_string(&e.metadata).unwrap_or_default(),
                recorded_at: commands::sql_now(),
                prev_hash: "0".repeat(64),
                hash: "0".repeat(64),
            }
        })
        .collect()
}

async fn plain(db: &migrations::Db, rows: Vec<StoredEvent>, per_tx: usize) -> anyhow::Result<()> {
    for chunk in rows.chunks(per_tx) {
        let mut tx = db.write().begin().await?;
        insert_rows(&mut tx, chunk).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Runs the append benchmark on one backend.
pub async fn run(backend: &'static str, n: usize) -> anyhow::Result<()> {
    println!("== append on {backend} ==");
    // 1 writer, one event per append.
    let s = fresh(backend).await?;
    let store = open_store(s.db.clone());
    let t = Instant::now();
    for i in 0..n {
        store.append(vec![fixture::solo(0, i)]).await?;
    }
    let single = line(
        backend,
        "append: 1 event per append, 1 writer",
        n,
        t.elapsed().as_secs_f64(),
    );
    s.drop_it().await?;

    // 8 writers, one event per append.
    let s = fresh(backend).await?;
    let store: Arc<dyn EventStore> = open_store(s.db.clone());
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..n / 8 {
                store.append(vec![fixture::solo(w, i)]).await?;
            }
            Ok::<_, commands::StoreError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let eight = line(
        backend,
        "append: 1 event per append, 8 writers",
        n / 8 * 8,
        t.elapsed().as_secs_f64(),
    );
    s.drop_it().await?;

    // 100-event batches.
    let total = n * 10;
    let s = fresh(backend).await?;
    let store = open_store(s.db.clone());
    let events: Vec<_> = (0..total).map(fixture::event).collect();
    let t = Instant::now();
    for chunk in events.chunks(100) {
        store.append(chunk.to_vec()).await?;
    }
    let batch = line(
        backend,
        "append: 100-event batches",
        total,
        t.elapsed().as_secs_f64(),
    );
    s.drop_it().await?;

    // Physical baselines.
    let s = fresh(backend).await?;
    let rows = plain_rows(n, 1);
    let t = Instant::now();
    plain(&s.db, rows, 1).await?;
    let base_single = line(
        backend,
        "baseline: plain INSERT, 1 row per tx",
        n,
        t.elapsed().as_secs_f64(),
    );
    let rows = plain_rows(total, n as i64 + 1);
    let t = Instant::now();
    plain(&s.db, rows, 100).await?;
    let base_batch = line(
        backend,
        "baseline: plain INSERT, 100 rows per tx",
        total,
        t.elapsed().as_secs_f64(),
    );
    s.drop_it().await?;

    println!(
        "{backend:<9} ratio to baseline: single {:.2}, 8 writers vs single baseline {:.2}, batches {:.2} (aim >= 0.70)",
        single / base_single,
        eight / base_single,
        batch / base_batch
    );
    Ok(())
}
