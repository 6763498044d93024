//! A seeded 20-column table shaped like the anchors' (`shared/bench/anchors.py`): ten
//! floats, five integers, five categoricals, ~2% missing cells, ~1% duplicated rows.
//! Used when the Python anchors are not installed, so `raia bench data` still runs.

use std::io::Write;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let (u, v): (f64, f64) = (rng.gen_range(f64::EPSILON..1.0), rng.gen());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

const LEVELS: [usize; 5] = [5, 12, 20, 35, 50];

/// Writes `rows` rows to `path`; `shifted` moves six columns as the anchors' current data does.
pub fn write(path: &std::path::Path, rows: usize, seed: u64, shifted: bool) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let header: Vec<String> = (0..10)
        .map(|j| format!("f{j}"))
        .chain((0..5).map(|j| format!("i{j}")))
        .chain((0..5).map(|j| format!("c{j}")))
        .collect();
    writeln!(out, "{}", header.join(","))?;
    let s = if shifted { 1.0 } else { 0.0 };
    let mut previous: Vec<String> = Vec::new();
    let mut line = String::with_capacity(256);
    for _ in 0..rows {
        if !previous.is_empty() && rng.gen_bool(0.01) {
            writeln!(out, "{}", previous.join(","))?;
            continue;
        }
        let mut cells: Vec<String> = Vec::with_capacity(20);
        let floats = [
            50.0 + 3.0 * s + 10.0 * normal(&mut rng),
            (3.0 + 0.7 * normal(&mut rng)).exp(),
            150.0 * s + 1000.0 * rng.gen::<f64>(),
            -2.0 * rng.gen_range(f64::EPSILON..1.0f64).ln(),
            20.0 + (5.0 + 2.5 * s) * normal(&mut rng) / (0.5 + rng.gen::<f64>()),
            normal(&mut rng),
            3.0 * (normal(&mut rng).abs() + normal(&mut rng).abs()),
            rng.gen::<f64>().powf(2.0),
            100.0 + 25.0 * normal(&mut rng),
            10.0 * (-rng.gen_range(f64::EPSILON..1.0f64).ln()).powf(1.0 / 1.5),
        ];
        for f in floats {
            cells.push(if rng.gen_bool(0.02) {
                String::new()
            } else {
                format!("{f:.4}")
            });
        }
        let ints = [
            rng.gen_range(0..100),
            (0..10)
                .filter(|_| rng.gen_bool(if shifted { 0.4 } else { 0.3 }))
                .count() as i64,
            rng.gen_range(18..90),
            (0..10).filter(|_| rng.gen_bool(0.3)).count() as i64,
            rng.gen_range(0..1_000_000),
        ];
        for (j, i) in ints.into_iter().enumerate() {
            cells.push(if j >= 2 && rng.gen_bool(0.02) {
                String::new()
            } else {
                i.to_string()
            });
        }
        for (j, l) in LEVELS.into_iter().enumerate() {
            let mut k = ((rng.gen::<f64>().powf(1.5)) * l as f64) as usize;
            if shifted && j == 0 {
                k = l - 1 - k;
            }
            if shifted && j == 3 && rng.gen_bool(0.5) {
                k = 0;
            }
            cells.push(if rng.gen_bool(0.02) {
                String::new()
            } else {
                format!("c{j}_L{k:02}")
            });
        }
        line.clear();
        line.push_str(&cells.join(","));
        writeln!(out, "{line}")?;
        previous = cells;
    }
    out.flush()
}
