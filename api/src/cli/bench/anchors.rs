//! Runs the Python anchors (`shared/bench/anchors.py`) on the same files, when installed.

use std::path::{Path, PathBuf};

/// One anchor figure.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Figure {
    /// Workload (`profile`, `drift`).
    pub workload: String,
    /// What was timed.
    pub anchor: String,
    /// Seconds.
    pub seconds: f64,
    /// Rows (or items) the figure covers.
    #[serde(default)]
    pub rows: u64,
    /// Extra facts (files used, peak memory...).
    #[serde(default)]
    pub extra: serde_json::Value,
}

/// Where the anchors are expected: `$RAIA_ANCHORS`, else `shared/bench/anchors.py` beside the repository.
pub fn default_script() -> PathBuf {
    std::env::var_os("RAIA_ANCHORS").map_or_else(
        || PathBuf::from("../shared/bench/anchors.py"),
        PathBuf::from,
    )
}

/// Whether `python` can import what the anchors need; the reason when not.
pub fn usable(script: &Path, python: &str) -> Result<(), String> {
    if !script.exists() {
        return Err(format!("{} not found", script.display()));
    }
    let out = std::process::Command::new(python)
        .args(["-c", "import pandas, evidently"])
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{python} lacks pandas/evidently (install shared/bench/requirements.txt)"
        ))
    }
}

/// Runs one workload; returns its figures (stderr goes to the terminal).
pub fn run(
    script: &Path,
    python: &str,
    workload: &str,
    workdir: &Path,
    scale: f64,
) -> anyhow::Result<Vec<Figure>> {
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(workload)
        .args(["--reps", "1", "--scale", &scale.to_string(), "--workdir"])
        .arg(workdir)
        .stderr(std::process::Stdio::inherit())
        .output()?;
    anyhow::ensure!(out.status.success(), "anchors.py {workload} failed");
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Figure>(l).ok())
        .collect())
}
