//! Part of `raia bench reports`: latency of a heavy read (a dataset profile)
//! answered from the read cache against recomputed, over HTTP.

use std::time::Instant;

use crate::state::AppState;

const ROWS: usize = 200_000;
const ROUNDS: usize = 20;

fn csv() -> Vec<u8> {
    let mut s = String::from("id,age,income,score,city,segment,balance,tenure,visits,flag\n");
    for i in 0..ROWS {
        s.push_str(&format!(
            "{i},{},{},{:.4},c{},s{},{:.2},{},{},{}\n",
            18 + i % 60,
            20_000 + (i * 37) % 90_000,
            (i % 1000) as f64 / 999.0,
            i % 50,
            i % 7,
            (i * 13 % 100_000) as f64 / 3.0,
            i % 30,
            i % 17,
            i % 2 == 0
        ));
    }
    s.into_bytes()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Uploads a 200k-row CSV and times its profile: a miss (cache cleared and the
/// on-disk profile removed, so it is recomputed from the file) against a hit.
pub async fn hit_vs_miss(
    state: &AppState,
    base: &str,
    client: &reqwest::Client,
    token: &str,
) -> anyhow::Result<()> {
    let id = super::explain::upload_csv(client, base, token, "cache-bench", csv()).await?;
    let url = format!("{base}/api/v1/datasets/{id}/profile");
    let get = || async {
        let t = Instant::now();
        client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        Ok::<_, anyhow::Error>(t.elapsed().as_secs_f64() * 1000.0)
    };
    let (mut miss, mut hit) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        state
            .cache
            .clear(Some(crate::cache::Category::DatasetProfile))
            .await
            .map_err(|e| anyhow::anyhow!(e.problem().detail))?;
        let _ = std::fs::remove_dir_all(state.config.data_dir.join("profiles"));
        miss.push(get().await?);
        hit.push(get().await?);
    }
    let (miss, hit) = (median(miss), median(hit));
    println!(
        "sqlite    GET dataset profile ({ROWS} x 10 CSV), median of {ROUNDS}: miss {miss:.2} ms, \
         hit {hit:.3} ms, miss/hit {:.0}x (cache: {})",
        miss / hit,
        state.cache.stats().await.map(|s| s.backend).unwrap_or("?")
    );
    Ok(())
}
