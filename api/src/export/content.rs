//! Builds the report for each kind of export from the log and its read models.

use std::collections::BTreeSet;

use commands::Until;
use domain::{compliance::Status, export::ExportContent, StoredEvent};
use serde_json::Value;
use sqlx::Row;

use super::report::{BarChart, Cell, EvidenceRef, Report, Section};
use crate::{
    compliance::status,
    error::{ApiError, ApiResult},
    routes::rfc3339,
    state::AppState,
};

/// Rows of an audit-log extract at most.
pub const AUDIT_LIMIT: i64 = 10_000;

/// The evidence references of `events`.
pub(super) fn refs(events: &[StoredEvent]) -> Vec<EvidenceRef> {
    events
        .iter()
        .map(|e| EvidenceRef {
            position: e.position,
            event_type: e.event_type.clone(),
            hash: e.hash.clone(),
        })
        .collect()
}

/// A report with its evidence sorted and deduplicated.
pub(super) fn report(
    state: &AppState,
    title: &str,
    subtitle: String,
    head: i64,
    sections: Vec<Section>,
    primary: usize,
    evidence: Vec<EvidenceRef>,
) -> Report {
    let evidence: BTreeSet<EvidenceRef> = evidence.into_iter().collect();
    Report {
        title: title.to_owned(),
        subtitle,
        generated_at: rfc3339(state.clock.now_micros()),
        head_position: head,
        sections,
        primary,
        evidence: evidence.into_iter().collect(),
    }
}

fn subject(s: Option<&str>, what: &str) -> ApiResult<String> {
    s.map(str::to_owned).ok_or_else(|| {
        ApiError::unprocessable(
            "subject_required",
            format!("this export needs subject_id: the {what} id"),
        )
    })
}

/// The report for `content` about `subject_id`.
pub async fn build(
    state: &AppState,
    content: ExportContent,
    subject_id: Option<&str>,
) -> ApiResult<Report> {
    let head = state.store.head().await?.position;
    match content {
        ExportContent::Compliance => compliance(state, subject_id, head).await,
        ExportContent::ModelCard => model_card(state, &subject(subject_id, "model")?, head).await,
        ExportContent::DataQuality => {
            data_quality(state, &subject(subject_id, "dataset")?, head).await
        }
        ExportContent::Drift => drift(state, &subject(subject_id, "model")?, head).await,
        ExportContent::AuditLog => audit_log(state, subject_id, head).await,
        ExportContent::Fairness => {
            super::analysis::fairness(state, &subject(subject_id, "model")?, head).await
        }
        ExportContent::Explainability => {
            super::analysis::explainability(state, &subject(subject_id, "model")?, head).await
        }
        ExportContent::Evaluation => {
            super::evaluation::evaluation(state, &subject(subject_id, "evaluation")?, head).await
        }
    }
}

/// 404 unless the model exists.
pub(super) async fn ensure_model(state: &AppState, id: &str) -> ApiResult<()> {
    sqlx::query("SELECT id FROM models WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found("model"))
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::Stale => "stale",
        Status::Missing => "missing",
    }
}

async fn compliance(state: &AppState, model: Option<&str>, _head: i64) -> ApiResult<Report> {
    let s = status(state, model, state.config.compliance_max_age_days).await?;
    if model.is_some() && s.models.is_empty() {
        return Err(ApiError::not_found("model"));
    }
    let mut summary = Section::new(
        "Summary",
        &[
            "model_id",
            "model",
            "risk_tier",
            "version",
            "lifecycle",
            "met",
            "stale",
            "missing",
            "compliant",
        ],
    );
    let mut checklist = Section::new(
        "Checklist",
        &[
            "model_id",
            "version",
            "item",
            "status",
            "eu_ai_act",
            "nist_ai_rmf",
            "reason",
            "evidence_positions",
        ],
    );
    let mut bars = Vec::new();
    let mut evidence = Vec::new();
    for m in &s.models {
        for v in &m.versions {
            summary.rows.push(vec![
                m.model_id.clone().into(),
                m.name.clone().into(),
                m.risk_tier.clone().into(),
                Cell::Int(i64::from(v.version)),
                v.lifecycle.clone().into(),
                Cell::Int(v.summary.met as i64),
                Cell::Int(v.summary.stale as i64),
                Cell::Int(v.summary.missing as i64),
                Cell::Bool(v.compliant),
            ]);
            bars.push((format!("{} v{}", m.name, v.version), v.summary.met as f64));
            for i in &v.items {
                checklist.rows.push(vec![
                    m.model_id.clone().into(),
                    Cell::Int(i64::from(v.version)),
                    i.title.into(),
                    status_name(i.status).into(),
                    i.eu_ai_act.join(", ").into(),
                    i.nist_ai_rmf.join(", ").into(),
                    i.reason.clone().into(),
                    i.evidence
                        .iter()
                        .map(|e| e.position.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                        .into(),
                ]);
                evidence.extend(i.evidence.iter().map(|e| EvidenceRef {
                    position: e.position,
                    event_type: e.event_type.clone(),
                    hash: e.hash.clone(),
                }));
            }
        }
    }
    summary.chart = Some(BarChart {
        title: format!(
            "Checklist items met per version (of {})",
            domain::compliance::Item::ALL.len()
        ),
        bars,
        series: None,
    });
    let subtitle = match model {
        Some(id) => format!("Model {id}: EU AI Act Art. 9-15 and NIST AI RMF checklist"),
        None => format!(
            "{} models, {} versions: EU AI Act Art. 9-15 and NIST AI RMF checklist",
            s.overall.models, s.overall.versions
        ),
    };
    Ok(report(
        state,
        "Compliance report",
        subtitle,
        s.head_position,
        vec![summary, checklist],
        1,
        evidence,
    ))
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<Vec<Cell>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        Value::Array(a) => out.push(vec![
            prefix.into(),
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
        ]),
        Value::String(s) => out.push(vec![prefix.into(), s.clone().into()]),
        Value::Number(n) => out.push(vec![
            prefix.into(),
            n.as_f64().map_or(Cell::Empty, Cell::from),
        ]),
        Value::Bool(b) => out.push(vec![prefix.into(), Cell::Bool(*b)]),
        Value::Null => out.push(vec![prefix.into(), Cell::Empty]),
    }
}

async fn model_card(state: &AppState, id: &str, head: i64) -> ApiResult<Report> {
    let db = state.db.read();
    let m = sqlx::query("SELECT * FROM models WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(db)
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    let name: String = m.try_get("name")?;
    let mut card = Section::new("Model card", &["field", "value"]);
    card.rows.push(vec!["name".into(), name.clone().into()]);
    card.rows.push(vec![
        "type".into(),
        m.try_get::<String, _>("model_type")?.into(),
    ]);
    card.rows.push(vec![
        "algorithm".into(),
        m.try_get::<Option<String>, _>("algorithm")?.into(),
    ]);
    card.rows.push(vec![
        "status".into(),
        m.try_get::<String, _>("status")?.into(),
    ]);
    let fields: Value =
        serde_json::from_str(&m.try_get::<String, _>("card")?).unwrap_or(Value::Null);
    flatten("", &fields, &mut card.rows);
    let mut versions = Section::new(
        "Versions",
        &[
            "version",
            "status",
            "format",
            "sha256",
            "size",
            "created_by",
            "submitted_by",
            "reviewed_by",
            "created_at",
        ],
    );
    for v in sqlx::query("SELECT * FROM model_versions WHERE model_id = $1 ORDER BY version")
        .bind(id.to_owned())
        .fetch_all(db)
        .await?
    {
        versions.rows.push(vec![
            Cell::Int(v.try_get("version")?),
            v.try_get::<String, _>("status")?.into(),
            v.try_get::<String, _>("format")?.into(),
            v.try_get::<String, _>("sha256")?.into(),
            Cell::Int(v.try_get("size")?),
            v.try_get::<String, _>("created_by")?.into(),
            v.try_get::<Option<String>, _>("submitted_by")?.into(),
            v.try_get::<Option<String>, _>("reviewed_by")?.into(),
            rfc3339(v.try_get("created_at")?).into(),
        ]);
    }
    let events = state.store.read_stream("model", id, Until::Now).await?;
    Ok(report(
        state,
        "Model card",
        format!("Model {name} ({id})"),
        head,
        vec![card, versions],
        1,
        refs(&events),
    ))
}

async fn data_quality(state: &AppState, id: &str, head: i64) -> ApiResult<Report> {
    let r = sqlx::query("SELECT * FROM data_quality_reports WHERE dataset_id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("data-quality report"))?;
    let a: Value =
        serde_json::from_str(&r.try_get::<String, _>("assessment")?).unwrap_or(Value::Null);
    let mut scores = Section::new("Scores", &["dimension", "score"]);
    let mut bars = Vec::new();
    for k in [
        "score",
        "completeness",
        "uniqueness",
        "validity",
        "consistency",
    ] {
        if let Some(x) = a.get(k).and_then(Value::as_f64) {
            scores.rows.push(vec![k.into(), Cell::from(x)]);
            bars.push((k.to_owned(), x));
        }
    }
    scores.chart = Some(BarChart {
        title: "Quality dimensions".into(),
        bars,
        series: None,
    });
    let mut issues = Section::new(
        "Issues",
        &[
            "kind",
            "column",
            "severity",
            "count",
            "fraction",
            "recommendation",
        ],
    );
    for i in a
        .get("issues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let s = |k: &str| Cell::from(i.get(k).and_then(Value::as_str).map(str::to_owned));
        issues.rows.push(vec![
            s("kind"),
            s("column"),
            s("severity"),
            i.get("count")
                .and_then(Value::as_i64)
                .map_or(Cell::Empty, Cell::Int),
            i.get("fraction")
                .and_then(Value::as_f64)
                .map_or(Cell::Empty, Cell::from),
            s("recommendation"),
        ]);
    }
    let events = state.store.read_stream("dataset", id, Until::Now).await?;
    Ok(report(
        state,
        "Data-quality report",
        format!("Dataset {id}"),
        head,
        vec![scores, issues],
        1,
        refs(&events),
    ))
}

async fn drift(state: &AppState, model: &str, head: i64) -> ApiResult<Report> {
    let rows = sqlx::query(
        "SELECT * FROM drift_reports WHERE model_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(model.to_owned())
    .fetch_all(state.db.read())
    .await?;
    let mut reports = Section::new(
        "Drift reports",
        &[
            "report_id",
            "reference_dataset_id",
            "current_dataset_id",
            "dataset_drift",
            "drifted_columns",
            "share",
            "created_at",
        ],
    );
    let mut columns = Section::new(
        "Latest report columns",
        &[
            "column",
            "kind",
            "test",
            "statistic",
            "p_value",
            "score",
            "threshold",
            "drift_detected",
        ],
    );
    let mut evidence = Vec::new();
    let mut histograms = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        let id: String = r.try_get("id")?;
        reports.rows.push(vec![
            id.clone().into(),
            r.try_get::<String, _>("reference_dataset_id")?.into(),
            r.try_get::<String, _>("current_dataset_id")?.into(),
            Cell::Bool(r.try_get::<i64, _>("dataset_drift")? != 0),
            Cell::Int(r.try_get("drifted_columns")?),
            Cell::from(r.try_get::<f64, _>("share")?),
            rfc3339(r.try_get("created_at")?).into(),
        ]);
        evidence.extend(refs(
            &state.store.read_stream("drift", &id, Until::Now).await?,
        ));
        if n > 0 {
            continue;
        }
        let f: Value =
            serde_json::from_str(&r.try_get::<String, _>("findings")?).unwrap_or(Value::Null);
        let mut bars = Vec::new();
        for c in f
            .get("columns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let s = |k: &str| Cell::from(c.get(k).and_then(Value::as_str).map(str::to_owned));
            let x = |k: &str| {
                c.get(k)
                    .and_then(Value::as_f64)
                    .map_or(Cell::Empty, Cell::from)
            };
            columns.rows.push(vec![
                s("column"),
                s("kind"),
                s("test"),
                x("statistic"),
                x("p_value"),
                x("score"),
                x("threshold"),
                Cell::Bool(
                    c.get("drift_detected")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                ),
            ]);
            if let (Some(name), Some(score)) = (
                c.get("column").and_then(Value::as_str),
                c.get("score").and_then(Value::as_f64),
            ) {
                bars.push((name.to_owned(), score));
            }
        }
        columns.chart = Some(BarChart {
            title: "Drift score per column (latest report)".into(),
            bars,
            series: None,
        });
        histograms = super::drift_histograms::sections(
            state,
            &r.try_get::<String, _>("reference_dataset_id")?,
            &r.try_get::<String, _>("current_dataset_id")?,
            &f,
        )
        .await;
    }
    Ok(report(
        state,
        "Drift report",
        format!("Model {model}: {} reports", rows.len()),
        head,
        [vec![reports, columns], histograms].concat(),
        0,
        evidence,
    ))
}

async fn audit_log(state: &AppState, stream_id: Option<&str>, head: i64) -> ApiResult<Report> {
    let base = "SELECT position, event_id, stream_type, stream_id, stream_version, event_type, schema_version, payload, metadata, recorded_at, prev_hash, hash FROM events";
    let rows = match stream_id {
        Some(id) => {
            sqlx::query(&format!(
                "{base} WHERE stream_id = $1 ORDER BY position DESC LIMIT {AUDIT_LIMIT}"
            ))
            .bind(id.to_owned())
            .fetch_all(state.db.read())
            .await?
        }
        None => {
            sqlx::query(&format!(
                "{base} ORDER BY position DESC LIMIT {AUDIT_LIMIT}"
            ))
            .fetch_all(state.db.read())
            .await?
        }
    };
    let mut log = Section::new(
        "Audit log",
        &[
            "position",
            "recorded_at",
            "stream_type",
            "stream_id",
            "event_type",
            "actor_id",
            "actor_role",
            "hash",
        ],
    );
    let mut evidence = Vec::new();
    for r in rows.iter().rev() {
        let meta: Value =
            serde_json::from_str(&r.try_get::<String, _>("metadata")?).unwrap_or(Value::Null);
        let position: i64 = r.try_get("position")?;
        let event_type: String = r.try_get("event_type")?;
        let hash: String = r.try_get("hash")?;
        log.rows.push(vec![
            Cell::Int(position),
            rfc3339(r.try_get("recorded_at")?).into(),
            r.try_get::<String, _>("stream_type")?.into(),
            r.try_get::<String, _>("stream_id")?.into(),
            event_type.clone().into(),
            meta.get("actor_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .into(),
            meta.get("actor_role")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .into(),
            hash.clone().into(),
        ]);
        evidence.push(EvidenceRef {
            position,
            event_type,
            hash,
        });
    }
    let subtitle = match stream_id {
        Some(id) => format!("Stream {id}: {} events", rows.len()),
        None => format!("Latest {} events", rows.len()),
    };
    Ok(report(
        state,
        "Audit log extract",
        subtitle,
        head,
        vec![log],
        0,
        evidence,
    ))
}
