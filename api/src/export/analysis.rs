//! Fairness and explainability reports: a model's assessments with their group
//! metrics, and its explanations with feature importance, each with bar charts.

use commands::Until;
use serde_json::Value;
use sqlx::Row;

use super::{
    content::{ensure_model, refs, report},
    report::{BarChart, Cell, Report, Section},
};
use crate::{error::ApiResult, routes::rfc3339, state::AppState};

fn num(v: &Value, k: &str) -> Cell {
    v.get(k)
        .and_then(Value::as_f64)
        .map_or(Cell::Empty, Cell::from)
}

fn label(key: &Value) -> String {
    match key {
        Value::Array(parts) => parts
            .iter()
            .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(" & "),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Group rows (and selection-rate bars) of one grouping's metric frame.
fn groups(attribute: &str, g: &Value, table: &mut Section, bars: &mut Vec<(String, f64)>) {
    for row in g
        .pointer("/frame/by_group")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let group = label(row.get("key").unwrap_or(&Value::Null));
        let rates = row.get("rates").cloned().unwrap_or(Value::Null);
        table.rows.push(vec![
            attribute.into(),
            group.clone().into(),
            row.get("count")
                .and_then(Value::as_i64)
                .map_or(Cell::Empty, Cell::Int),
            num(&rates, "selection_rate"),
            num(&rates, "tpr"),
            num(&rates, "fpr"),
            num(&rates, "accuracy"),
        ]);
        if let Some(x) = rates.get("selection_rate").and_then(Value::as_f64) {
            bars.push((format!("{attribute}={group}"), x));
        }
    }
}

/// A model's fairness assessments; the latest one's group metrics, disparities and findings.
pub async fn fairness(state: &AppState, model: &str, head: i64) -> ApiResult<Report> {
    ensure_model(state, model).await?;
    let rows = sqlx::query(
        "SELECT * FROM fairness_reports WHERE model_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(model.to_owned())
    .fetch_all(state.db.read())
    .await?;
    let mut assessments = Section::new(
        "Assessments",
        &[
            "report_id",
            "version",
            "kind",
            "protected_attributes",
            "bias_detected",
            "findings",
            "created_at",
        ],
    );
    let mut group_table = Section::new(
        "Group metrics",
        &[
            "attribute",
            "group",
            "count",
            "selection_rate",
            "tpr",
            "fpr",
            "accuracy",
        ],
    );
    let mut disparities = Section::new("Disparities", &["attribute", "metric", "value"]);
    let mut findings = Section::new(
        "Findings",
        &[
            "metric",
            "attribute",
            "severity",
            "value",
            "threshold",
            "affected_groups",
        ],
    );
    let mut evidence = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        let id: String = r.try_get("id")?;
        let found: Value =
            serde_json::from_str(&r.try_get::<String, _>("findings")?).unwrap_or(Value::Null);
        let found = found.as_array().cloned().unwrap_or_default();
        assessments.rows.push(vec![
            id.clone().into(),
            r.try_get::<Option<i64>, _>("version")?
                .map_or(Cell::Empty, Cell::Int),
            r.try_get::<String, _>("kind")?.into(),
            r.try_get::<String, _>("protected_attributes")?.into(),
            Cell::Bool(r.try_get::<i64, _>("bias_detected")? != 0),
            Cell::Int(found.len() as i64),
            rfc3339(r.try_get("created_at")?).into(),
        ]);
        evidence.extend(refs(
            &state
                .store
                .read_stream("fairness_report", &id, Until::Now)
                .await?,
        ));
        if n > 0 {
            continue;
        }
        let metrics: Value = serde_json::from_str(&r.try_get::<String, _>("fairness_metrics")?)
            .unwrap_or(Value::Null);
        let mut bars = Vec::new();
        for (attribute, g) in metrics
            .get("by_attribute")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            groups(attribute, g, &mut group_table, &mut bars);
            for (metric, v) in g
                .get("disparities")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                disparities.rows.push(vec![
                    attribute.clone().into(),
                    metric.clone().into(),
                    v.as_f64().map_or(Cell::Empty, Cell::from),
                ]);
            }
        }
        group_table.chart = Some(BarChart {
            title: "Selection rate per group (latest assessment)".into(),
            bars,
            series: None,
        });
        for f in &found {
            let s = |k: &str| Cell::from(f.get(k).and_then(Value::as_str).map(str::to_owned));
            findings.rows.push(vec![
                s("metric"),
                s("attribute"),
                s("severity"),
                num(f, "value"),
                num(f, "threshold"),
                f.get("affected_groups")
                    .and_then(Value::as_array)
                    .map(|g| g.iter().map(label).collect::<Vec<_>>().join(", "))
                    .into(),
            ]);
        }
    }
    Ok(report(
        state,
        "Fairness report",
        format!("Model {model}: {} assessments", rows.len()),
        head,
        vec![assessments, group_table, disparities, findings],
        1,
        evidence,
    ))
}

/// Feature importance of one explanation's results: mean |SHAP| when recorded
/// (or computable from per-row Shapley values), else permutation importance.
fn importance(results: &Value) -> Vec<(String, f64)> {
    let features: Vec<String> = results
        .get("features")
        .and_then(Value::as_array)
        .map(|f| {
            f.iter()
                .map(|x| x.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let floats = |k: &str| -> Option<Vec<f64>> {
        results
            .get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
    };
    let values = floats("mean_abs_shap")
        .or_else(|| floats("importances_mean"))
        .or_else(|| {
            let rows = results.get("rows")?.as_array()?;
            let mut sum = vec![0.0; features.len()];
            for r in rows {
                for (j, v) in r.get("values")?.as_array()?.iter().enumerate() {
                    if let Some(s) = sum.get_mut(j) {
                        *s += v.as_f64().unwrap_or(0.0).abs();
                    }
                }
            }
            (!rows.is_empty()).then(|| sum.iter().map(|s| s / rows.len() as f64).collect())
        })
        .unwrap_or_default();
    features.into_iter().zip(values).collect()
}

/// A model's explanations; feature importance of the latest one that has any.
pub async fn explainability(state: &AppState, model: &str, head: i64) -> ApiResult<Report> {
    ensure_model(state, model).await?;
    let rows = sqlx::query(
        "SELECT id, version, kind, method, seed, rows_sha256, results, created_at FROM explanations \
         WHERE model_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(model.to_owned())
    .fetch_all(state.db.read())
    .await?;
    let mut list = Section::new(
        "Explanations",
        &[
            "explanation_id",
            "version",
            "kind",
            "method",
            "seed",
            "rows_sha256",
            "created_at",
        ],
    );
    let mut features = Section::new("Feature importance", &["feature", "importance", "from"]);
    let mut evidence = Vec::new();
    for r in &rows {
        let id: String = r.try_get("id")?;
        let method: String = r.try_get("method")?;
        list.rows.push(vec![
            id.clone().into(),
            Cell::Int(r.try_get("version")?),
            r.try_get::<String, _>("kind")?.into(),
            method.clone().into(),
            r.try_get::<String, _>("seed")?.into(),
            r.try_get::<String, _>("rows_sha256")?.into(),
            rfc3339(r.try_get("created_at")?).into(),
        ]);
        evidence.extend(refs(
            &state
                .store
                .read_stream("explanation", &id, Until::Now)
                .await?,
        ));
        if features.chart.is_some() {
            continue;
        }
        let results: Value =
            serde_json::from_str(&r.try_get::<String, _>("results")?).unwrap_or(Value::Null);
        let mut bars = importance(&results);
        if bars.is_empty() {
            continue;
        }
        bars.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (f, v) in &bars {
            features
                .rows
                .push(vec![f.clone().into(), Cell::from(*v), id.clone().into()]);
        }
        features.chart = Some(BarChart {
            title: format!("Feature importance ({method})"),
            bars,
            series: None,
        });
    }
    Ok(report(
        state,
        "Explainability report",
        format!("Model {model}: {} explanations", rows.len()),
        head,
        vec![list, features],
        1,
        evidence,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn importance_is_mean_absolute_shap_of_the_rows_when_not_recorded() {
        let r = serde_json::json!({"features": ["a", "b"], "rows": [
            {"values": [1.0, -2.0]}, {"values": [-3.0, 0.0]}]});
        assert_eq!(
            importance(&r),
            vec![("a".to_owned(), 2.0), ("b".to_owned(), 1.0)]
        );
        let r = serde_json::json!({"features": ["a"], "mean_abs_shap": [0.5]});
        assert_eq!(importance(&r), vec![("a".to_owned(), 0.5)]);
    }
}
