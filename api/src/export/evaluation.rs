//! Evaluation reports: an LLM/RAG evaluation's aggregated metrics with their
//! bootstrap intervals (charted), corpus BLEU, and every scored item.

use commands::Until;
use domain::evaluation::EvaluationSummary;
use serde_json::Value;
use sqlx::Row;

use super::{
    content::{refs, report},
    report::{BarChart, Cell, Report, Section},
};
use crate::{
    error::{ApiError, ApiResult},
    routes::rfc3339,
    state::AppState,
};

/// Metrics on a 0..1 scale are charted; latency, tokens and cost are not.
fn charted(metric: &str) -> bool {
    !["latency", "tokens", "cost"]
        .iter()
        .any(|m| metric.contains(m))
}

/// One evaluation: summary, aggregated metrics (bar chart of the means), corpus
/// BLEU, and the metrics of each item in dataset order.
pub async fn evaluation(state: &AppState, id: &str, head: i64) -> ApiResult<Report> {
    let row = sqlx::query("SELECT * FROM evaluations WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("evaluation"))?;
    let summary: Option<EvaluationSummary> = row
        .try_get::<Option<String>, _>("summary")?
        .and_then(|s| serde_json::from_str(&s).ok());
    let text = |c: &str| -> ApiResult<Cell> { Ok(row.try_get::<Option<String>, _>(c)?.into()) };
    let mut overview = Section::new(
        "Evaluation",
        &[
            "evaluation_id",
            "name",
            "mode",
            "status",
            "dataset_id",
            "configuration_id",
            "judge_configuration_id",
            "items_total",
            "items_done",
            "created_at",
            "completed_at",
        ],
    );
    overview.rows.push(vec![
        id.to_owned().into(),
        text("name")?,
        text("mode")?,
        text("status")?,
        text("dataset_id")?,
        text("configuration_id")?,
        text("judge_configuration_id")?,
        Cell::Int(row.try_get("items_total")?),
        Cell::Int(row.try_get("items_done")?),
        rfc3339(row.try_get("created_at")?).into(),
        row.try_get::<Option<i64>, _>("completed_at")?
            .map_or(Cell::Empty, |t| rfc3339(t).into()),
    ]);
    let mut metrics = Section::new("Metrics", &["metric", "n", "mean", "ci_low", "ci_high"]);
    let mut bars = Vec::new();
    let mut bleu = Section::new(
        "Corpus BLEU",
        &["score", "brevity_penalty", "sys_len", "ref_len"],
    );
    if let Some(s) = &summary {
        for (name, m) in &s.metrics {
            metrics.rows.push(vec![
                name.clone().into(),
                Cell::Int(m.n as i64),
                m.mean.into(),
                m.ci_low.into(),
                m.ci_high.into(),
            ]);
            if charted(name) {
                bars.push((name.clone(), m.mean));
            }
        }
        if let Some(b) = &s.corpus_bleu {
            bleu.rows.push(vec![
                b.score.into(),
                b.bp.into(),
                Cell::Int(b.sys_len as i64),
                Cell::Int(b.ref_len as i64),
            ]);
        }
    }
    metrics.chart = Some(BarChart {
        title: "Mean of each metric (95 % bootstrap intervals in the table)".into(),
        bars,
        series: None,
    });
    let names: Vec<String> = summary
        .as_ref()
        .map(|s| s.metrics.keys().cloned().collect())
        .unwrap_or_default();
    let mut columns = vec!["idx", "item_id", "question"];
    columns.extend(names.iter().map(String::as_str));
    let mut items = Section::new("Items", &columns);
    let results = sqlx::query(
        "SELECT idx, item_id, result FROM evaluation_results WHERE evaluation_id = $1 ORDER BY idx",
    )
    .bind(id.to_owned())
    .fetch_all(state.db.read())
    .await?;
    for r in &results {
        let result: Value =
            serde_json::from_str(&r.try_get::<String, _>("result")?).unwrap_or(Value::Null);
        let mut line = vec![
            Cell::Int(r.try_get("idx")?),
            r.try_get::<String, _>("item_id")?.into(),
            result
                .get("question")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .into(),
        ];
        for n in &names {
            line.push(
                result
                    .pointer(&format!("/metrics/{n}"))
                    .and_then(Value::as_f64)
                    .map_or(Cell::Empty, Cell::from),
            );
        }
        items.rows.push(line);
    }
    let evidence = refs(
        &state
            .store
            .read_stream("evaluation", id, Until::Now)
            .await?,
    );
    let name: String = row.try_get("name")?;
    Ok(report(
        state,
        "Evaluation report",
        format!("{name}: {} items scored", results.len()),
        head,
        vec![overview, metrics, bleu, items],
        1,
        evidence,
    ))
}
