//! Rebuild and verify over a large log.

use std::time::Instant;

use commands::open_store;

use super::{fixture, fresh, line, Scratch};

async fn filled(backend: &'static str, n: usize) -> anyhow::Result<Scratch> {
    let s = fresh(backend).await?;
    let store = open_store(s.db.clone());
    let t = Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + 1000).min(n);
        store.append((i..end).map(fixture::event).collect()).await?;
        i = end;
    }
    line(
        backend,
        "fill: 1000-event batches",
        n,
        t.elapsed().as_secs_f64(),
    );
    Ok(s)
}

/// Times `raia replay rebuild` of every projection over `n` events.
pub async fn rebuild(backend: &'static str, n: usize) -> anyhow::Result<()> {
    println!("== rebuild on {backend} ==");
    let s = filled(backend, n).await?;
    let store = open_store(s.db.clone());
    let runner = projections::Runner::new(s.db.clone(), projections::all(), store.notifier());
    let t = Instant::now();
    for name in runner.names() {
        let tp = Instant::now();
        runner.rebuild(name).await?;
        line(
            backend,
            &format!("rebuild projection {name}"),
            n,
            tp.elapsed().as_secs_f64(),
        );
    }
    let secs = t.elapsed().as_secs_f64();
    line(backend, "rebuild all projections (aim < 60 s)", n, secs);
    // The same log serves the verify figure, so one fill gives both.
    let t = Instant::now();
    let v = replay::verify::verify(&s.db, None, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    line(
        backend,
        "replay verify (aim >= 500,000 events/s)",
        v.count as usize,
        t.elapsed().as_secs_f64(),
    );
    s.drop_it().await?;
    Ok(())
}

/// Times `raia replay verify` over `n` events.
pub async fn verify(backend: &'static str, n: usize) -> anyhow::Result<()> {
    println!("== verify on {backend} ==");
    let s = filled(backend, n).await?;
    let t = Instant::now();
    let v = replay::verify::verify(&s.db, None, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    line(
        backend,
        "replay verify (aim >= 500,000 events/s)",
        v.count as usize,
        t.elapsed().as_secs_f64(),
    );
    s.drop_it().await?;
    Ok(())
}
