//! Histograms of reference against current for the numerical columns of a drift
//! report (drifted columns first), on the Sturges edges Evidently bins them with.

use analysis::drift::{binning::sturges_histogram, sample::NumericSample};
use serde_json::Value;

use super::report::{BarChart, Cell, Section};
use crate::{
    routes::{
        datasets::{file_ref, live_row, load_table},
        fairness::input::numbers,
    },
    state::AppState,
};

/// Columns charted at most, so a wide dataset keeps a readable report.
pub const MAX_COLUMNS: usize = 6;

/// The numerical columns of a report's findings, drifted ones first.
fn charted(findings: &Value) -> Vec<String> {
    let mut cols: Vec<(bool, String)> = findings
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.get("kind").and_then(Value::as_str) == Some("numerical"))
        .filter_map(|c| {
            let name = c.get("column").and_then(Value::as_str)?.to_owned();
            let drifted = c.get("drift_detected").and_then(Value::as_bool) == Some(true);
            Some((!drifted, name))
        })
        .collect();
    cols.sort();
    cols.into_iter().take(MAX_COLUMNS).map(|c| c.1).collect()
}

/// One section per charted column: share of rows per bin on each side, as a
/// table and as paired bars. Datasets deleted since the report give none.
pub async fn sections(
    state: &AppState,
    reference_id: &str,
    current_id: &str,
    findings: &Value,
) -> Vec<Section> {
    let names = charted(findings);
    if names.is_empty() {
        return Vec::new();
    }
    let load = |id: String| async move {
        let row = live_row(state, &id).await?;
        load_table(state, &file_ref(&row)?).await
    };
    let (Ok(reference), Ok(current)) = (
        load(reference_id.to_owned()).await,
        load(current_id.to_owned()).await,
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in names {
        let column = |t: &analysis::profile::Table| {
            t.columns
                .iter()
                .find(|c| c.name == name)
                .map(|c| NumericSample::new(&numbers(c)))
        };
        let (Some(r), Some(c)) = (column(&reference), column(&current)) else {
            continue;
        };
        let Ok(h) = sturges_histogram(&r, &c) else {
            continue;
        };
        let total = |v: &[u64]| (v.iter().sum::<u64>() as f64).max(1.0);
        let (nr, nc) = (total(&h.reference), total(&h.current));
        let mut s = Section::new(
            &format!("Histogram {name}"),
            &["bin_low", "bin_high", "reference_share", "current_share"],
        );
        let mut bars = Vec::new();
        for (i, (rc, cc)) in h.reference.iter().zip(&h.current).enumerate() {
            let (lo, hi) = (h.edges[i], h.edges[i + 1]);
            let (rs, cs) = (*rc as f64 / nr, *cc as f64 / nc);
            s.rows
                .push(vec![Cell::from(lo), hi.into(), rs.into(), cs.into()]);
            bars.push((format!("{lo:.4} to {hi:.4}"), rs));
            bars.push((String::new(), cs));
        }
        s.chart = Some(BarChart {
            title: format!("{name}: share of rows per bin (latest report)"),
            bars,
            series: Some(["reference".into(), "current".into()]),
        });
        out.push(s);
    }
    out
}
