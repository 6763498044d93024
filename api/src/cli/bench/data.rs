//! `raia bench data`: upload + profile + quality assessment of a 1M x 20 CSV, and drift
//! on 1M vs 1M rows, beside pandas and Evidently on the same files when they are installed.

use std::{path::PathBuf, time::Instant};

use commands::{
    blobs::Blobs,
    datasets::{self, ingest, quality},
    open_store,
};
use domain::{dataset::DatasetSpec, ids::DatasetId, Metadata};

use super::{anchors, data_gen, fresh};
use crate::routes::drift::{compute, DetectDrift};

/// Peak resident memory of this process so far, MiB (Linux `VmHWM`).
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn row(what: &str, secs: f64) {
    println!("raia     {what:<52} {secs:>9.3} s");
}

/// Options of the data benchmark.
#[derive(Debug, Clone)]
pub struct Options {
    /// Rows per table.
    pub rows: usize,
    /// Where the CSV files live (shared with the anchors).
    pub workdir: PathBuf,
    /// The anchors script.
    pub anchors: PathBuf,
    /// The Python that runs it.
    pub python: String,
}

async fn stream_file(
    blobs: &Blobs,
    path: &std::path::Path,
) -> anyhow::Result<commands::blobs::BlobRef> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path).await?;
    let chunks = futures::stream::unfold(file, |mut f| async move {
        let mut buf = vec![0u8; 1 << 20];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes_of(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    Ok(blobs.put_stream(Box::pin(chunks), u64::MAX).await?)
}

fn bytes_of(v: Vec<u8>) -> axum::body::Bytes {
    axum::body::Bytes::from(v)
}

/// The anchors' files for this row count, when a previous run generated them.
fn anchor_files(o: &Options) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let f = |seed: &str| {
        o.workdir
            .join(format!("table_n{}_seed{seed}_v1.csv", o.rows))
    };
    let files = (f("42"), f("101"), f("202_shifted"));
    (files.0.exists() && files.1.exists() && files.2.exists()).then_some(files)
}

/// Runs the benchmark.
pub async fn run(o: Options) -> anyhow::Result<()> {
    std::fs::create_dir_all(&o.workdir)?;
    let scale = o.rows as f64 / 1e6;
    let mut anchor_figures = Vec::new();
    let (profile_csv, reference_csv, current_csv) = match anchors::usable(&o.anchors, &o.python) {
        Ok(()) => {
            println!(
                "== anchors: {} (same files as RAIA) ==",
                o.anchors.display()
            );
            let p = anchors::run(&o.anchors, &o.python, "profile", &o.workdir, scale)?;
            let d = anchors::run(&o.anchors, &o.python, "drift", &o.workdir, scale)?;
            let file = |f: &anchors::Figure, i: Option<usize>| {
                let v = match i {
                    Some(i) => &f.extra["files"][i],
                    None => &f.extra["file"],
                };
                o.workdir.join(v.as_str().unwrap_or_default())
            };
            let (pf, df) = (p.first().cloned(), d.first().cloned());
            let (Some(pf), Some(df)) = (pf, df) else {
                anyhow::bail!("the anchors printed no figures");
            };
            let files = (file(&pf, None), file(&df, Some(0)), file(&df, Some(1)));
            for f in p.iter().chain(&d) {
                println!("anchor   {:<52} {:>9.3} s", f.anchor, f.seconds);
            }
            anchor_figures.extend(p.into_iter().chain(d));
            files
        }
        Err(why) if anchor_files(&o).is_some() => {
            println!("== anchors not run: {why}; using the files they generated ==");
            anchor_files(&o).unwrap_or_default()
        }
        Err(why) => {
            println!("== anchors not run: {why}; generating RAIA's own files ==");
            let names = ["table.csv", "reference.csv", "current.csv"];
            let paths: Vec<PathBuf> = names
                .iter()
                .map(|n| o.workdir.join(format!("raia_{}_{n}", o.rows)))
                .collect();
            for (i, p) in paths.iter().enumerate() {
                if !p.exists() {
                    let (seed, shifted) = [(42, false), (101, false), (202, true)][i];
                    let (p2, rows) = (p.clone(), o.rows);
                    tokio::task::spawn_blocking(move || data_gen::write(&p2, rows, seed, shifted))
                        .await??;
                }
            }
            (paths[0].clone(), paths[1].clone(), paths[2].clone())
        }
    };

    let scratch = fresh("sqlite").await?;
    let store = open_store(scratch.db.clone());
    let dir = tempfile::tempdir()?;
    let blobs = Blobs::new(dir.path().join("blobs"));
    let size = std::fs::metadata(&profile_csv)?.len();
    println!(
        "== RAIA: {} ({:.0} MB) ==",
        profile_csv.display(),
        size as f64 / 1e6
    );
    let total = Instant::now();
    let t = Instant::now();
    let blob = stream_file(&blobs, &profile_csv).await?;
    row(
        "upload: stream to the store + SHA-256",
        t.elapsed().as_secs_f64(),
    );
    let path = blobs.path(&blob.sha256)?;
    let (table, profile, t_read, t_profile, t_corr) = tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        let format = ingest::detect_format(&path, Some("table.csv"), None)?;
        let table = ingest::read_table(&path, format, None, Default::default())?;
        let t_read = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let profile = ingest::profile_table(&table, false);
        let t_profile = t.elapsed().as_secs_f64();
        let t = Instant::now();
        drop(ingest::profile_table(&table, true));
        Ok::<_, anyhow::Error>((table, profile, t_read, t_profile, t.elapsed().as_secs_f64()))
    })
    .await??;
    row("read_csv (pandas semantics)", t_read);
    row("profile (what upload computes and caches)", t_profile);
    row(
        "(profile + correlations, ?correlations=true; not counted)",
        t_corr,
    );
    let t = Instant::now();
    let schema = ingest::schema(&profile, &Default::default())?;
    let id = DatasetId::from_uuid(uuid::Uuid::now_v7());
    let spec = DatasetSpec {
        name: "bench".into(),
        description: None,
        filename: Some("table.csv".into()),
        format: domain::dataset::DatasetFormat::Csv,
        sheet: None,
        sha256: blob.sha256.clone(),
        size_bytes: blob.size,
        column_count: schema.len() as u64,
        schema,
        row_count: table.rows as u64,
        version_of: None,
        family_id: id,
        version: 1,
        derived_from: Vec::new(),
        origin: None,
    };
    datasets::upload(store.as_ref(), id, spec, Metadata::system("bench")).await?;
    let t_event = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let assessment = tokio::task::spawn_blocking(move || quality::assess(&table, &profile)).await?;
    let score = assessment.score;
    datasets::assess(store.as_ref(), id, assessment, Metadata::system("bench")).await?;
    row(
        "quality assessment (+ sample rows) + event",
        t.elapsed().as_secs_f64(),
    );
    let _ = t_event;
    // The correlations were timed inside the run but are not part of an upload.
    let upload_total = total.elapsed().as_secs_f64() - t_corr;
    let peak = peak_mib();
    row("TOTAL upload + profile + quality", upload_total);
    println!("raia     peak memory so far {peak:.0} MiB; quality_score {score:.4}");

    let t = Instant::now();
    let (r, c) = (reference_csv.clone(), current_csv.clone());
    let (reference, current) = tokio::task::spawn_blocking(move || {
        let read = |p: &std::path::Path| {
            ingest::read_table(
                p,
                domain::dataset::DatasetFormat::Csv,
                None,
                Default::default(),
            )
        };
        Ok::<_, anyhow::Error>((read(&r)?, read(&c)?))
    })
    .await??;
    let t_read2 = t.elapsed().as_secs_f64();
    row("drift: read reference + current", t_read2);
    let t = Instant::now();
    let body = DetectDrift {
        reference_dataset_id: None,
        current_dataset_id: String::new(),
        model_id: None,
        columns: None,
        column_kinds: Default::default(),
        tests: Default::default(),
        thresholds: Default::default(),
        drift_share: None,
    };
    let (cols, drifted, share, _, _) =
        tokio::task::spawn_blocking(move || compute(&body, &reference, &current))
            .await?
            .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    let t_drift = t.elapsed().as_secs_f64();
    row("drift: Evidently default tests on every column", t_drift);
    let tests: std::collections::BTreeSet<&str> = cols.iter().map(|c| c.test.as_str()).collect();
    println!(
        "raia     drift: {drifted} of {} columns drifted (share {share:.2}); tests {tests:?}",
        cols.len()
    );
    println!("raia     peak memory {:.0} MiB", peak_mib());

    // Exact anchor names, or a prefix ending in `(`/`[` (their names carry details).
    let sum = |workload: &str, names: &[&str]| -> Option<f64> {
        let s: Vec<f64> = anchor_figures
            .iter()
            .filter(|f| {
                f.workload == workload
                    && names.iter().any(|n| {
                        f.anchor == *n || (n.ends_with(['(', '[']) && f.anchor.starts_with(n))
                    })
            })
            .map(|f| f.seconds)
            .collect();
        (s.len() == names.len()).then(|| s.iter().sum())
    };
    if let Some(pandas) = sum("profile", &["pandas.read_csv", "pandas.profile("]) {
        let ours = t_read + t_profile;
        println!(
            "ratio    pandas read+profile {pandas:.3} s / RAIA read+profile {ours:.3} s = {:.1}x",
            pandas / ours
        );
        println!("ratio    pandas read+profile / RAIA upload+profile+quality {upload_total:.3} s = {:.1}x", pandas / upload_total);
    }
    if let Some(ev) = sum("drift", &["evidently.legacy Report["]) {
        println!("ratio    Evidently {ev:.3} s / RAIA drift {t_drift:.3} s = {:.1}x (with RAIA's CSV reads {:.1}x)", ev / t_drift, ev / (t_drift + t_read2));
    }
    scratch.drop_it().await?;
    Ok(())
}
