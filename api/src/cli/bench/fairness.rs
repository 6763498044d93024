//! `raia bench fairness`: the full fairness metric set and 1,000 bootstrap resamples on
//! 1,000,000 rows with two sensitive features (2 x 5 groups), beside fairlearn's
//! MetricFrame (+ its bootstrap) from `shared/bench/anchors.py` on the same file.

use std::{path::PathBuf, time::Instant};

use analysis::fairness::{
    bootstrap_disparities, fairness_report, BootstrapConfig, GroupIndex, Predictions, ReportOptions,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::anchors;

/// Options of the fairness benchmark.
#[derive(Debug)]
pub struct Options {
    /// Rows.
    pub rows: usize,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Directory for the CSV file (kept and reused).
    pub workdir: PathBuf,
    /// The anchors script.
    pub anchors: PathBuf,
    /// Python with the anchors' requirements.
    pub python: String,
}

/// The benchmark's columns.
struct Data {
    y_true: Vec<u8>,
    y_pred: Vec<u8>,
    sex: Vec<String>,
    group: Vec<String>,
}

/// Reads `y_true,y_pred,sex,group` (the anchors' layout).
fn read(path: &std::path::Path) -> anyhow::Result<Data> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| anyhow::anyhow!("column {name} missing"))
    };
    let (yt, yp, sx, gr) = (at("y_true")?, at("y_pred")?, at("sex")?, at("group")?);
    let mut d = Data {
        y_true: Vec::new(),
        y_pred: Vec::new(),
        sex: Vec::new(),
        group: Vec::new(),
    };
    for l in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = l.split(',').collect();
        d.y_true.push(f[yt].parse()?);
        d.y_pred.push(f[yp].parse()?);
        d.sex.push(f[sx].to_owned());
        d.group.push(f[gr].to_owned());
    }
    Ok(d)
}

/// Same shape as the anchors' generator (not the same draws) when they cannot run.
fn generate(path: &std::path::Path, n: usize) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let mut out = String::from("y_true,y_pred,sex,group\n");
    let shift = [0.10, 0.0, -0.05, -0.08, 0.03];
    let cum = [0.40, 0.65, 0.80, 0.92, 1.0];
    for _ in 0..n {
        let male = rng.gen::<f64>() < 0.54;
        let u: f64 = rng.gen();
        let g = cum.iter().position(|&c| u < c).unwrap_or(4);
        let m = if male { 1.0 } else { 0.0 };
        let y = rng.gen::<f64>() < 0.30 + 0.08 * m + shift[g];
        let rate = if y {
            0.78 + 0.05 * m - [0.0, 0.03, 0.08, 0.10, 0.05][g]
        } else {
            0.12 - 0.02 * m + [0.0, 0.02, 0.04, 0.05, 0.01][g]
        };
        let p = rng.gen::<f64>() < rate;
        out.push_str(&format!(
            "{},{},{},G{}\n",
            u8::from(y),
            u8::from(p),
            if male { "M" } else { "F" },
            g + 1
        ));
    }
    std::fs::write(path, out)?;
    Ok(())
}

/// Runs the benchmark.
pub fn run(o: Options) -> anyhow::Result<()> {
    std::fs::create_dir_all(&o.workdir)?;
    let scale = o.rows as f64 / 1e6;
    let mut figures = Vec::new();
    let path = match anchors::usable(&o.anchors, &o.python) {
        Ok(()) => {
            println!(
                "== anchors: {} fairness (same file as RAIA) ==",
                o.anchors.display()
            );
            figures = anchors::run(&o.anchors, &o.python, "fairness", &o.workdir, scale)?;
            for f in &figures {
                println!("anchor  {:<78} {:>9.3} s", f.anchor, f.seconds);
            }
            let file = figures
                .first()
                .and_then(|f| f.extra["file"].as_str())
                .ok_or_else(|| anyhow::anyhow!("the anchors printed no file"))?;
            o.workdir.join(file)
        }
        Err(why) => {
            println!("anchors skipped: {why}; RAIA alone on generated data of the same shape");
            let p = o.workdir.join(format!("raia_fairness_n{}.csv", o.rows));
            if !p.exists() {
                generate(&p, o.rows)?;
            }
            p
        }
    };
    let t = Instant::now();
    let d = read(&path)?;
    println!(
        "raia    read {} rows (CSV parse, not part of the metric time) {:>9.3} s",
        d.y_true.len(),
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let sex = GroupIndex::from_labels(&d.sex)?;
    let group = GroupIndex::from_labels(&d.group)?;
    let cross = GroupIndex::from_attributes(&[d.sex.as_slice(), d.group.as_slice()])?;
    let data = Predictions::new(&d.y_true, &d.y_pred);
    let options = ReportOptions::default();
    let mut dpd = 0.0;
    for g in [&sex, &group, &cross] {
        let r = fairness_report(&data, g, &options)?;
        dpd = r.disparities.demographic_parity_difference;
    }
    let t_metrics = t.elapsed().as_secs_f64();
    println!(
        "raia    full metric set: sex, group and sex x group ({} cells): MetricFrame rates, disparities, \
         four-fifths, Theil, reweighing {t_metrics:>9.3} s (intersection DP difference {dpd:.6})",
        cross.n_groups()
    );
    let t = Instant::now();
    let config = BootstrapConfig {
        replicates: o.resamples,
        seed: 7,
        ..Default::default()
    };
    let b = bootstrap_disparities(&data, &cross, None, &config)?;
    let t_boot = t.elapsed().as_secs_f64();
    println!(
        "raia    bootstrap {} resamples of {} rows, {} disparities on sex x group {t_boot:>9.3} s",
        o.resamples,
        d.y_true.len(),
        b.intervals.len()
    );
    let total = t_metrics + t_boot;
    println!("raia    metrics + bootstrap {total:>9.3} s");
    let find = |needle: &str| {
        figures
            .iter()
            .find(|f| f.anchor.contains(needle))
            .map(|f| f.seconds)
    };
    if let Some(mf) = find("MetricFrame(5 metrics") {
        println!(
            "ratio   MetricFrame / RAIA full metric set: {:.1}x",
            mf / t_metrics
        );
    }
    if let Some(extrapolated) = find("n_boot=1000") {
        println!(
            "ratio   fairlearn MetricFrame + 1000 bootstraps (extrapolated by anchors.py) / RAIA metrics + bootstrap: {:.1}x",
            extrapolated / total
        );
    }
    Ok(())
}
