//! Computes the compliance status of one model or of all from the
//! `compliance_evidence` index and the registry's read tables.

use std::collections::HashMap;

use domain::compliance::{
    claims::{self, Subject},
    evaluate, Evidence, Facts, ItemResult, Summary, DAY,
};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::{error::ApiResult, routes::rfc3339, state::AppState};

/// One version's checklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionCompliance {
    /// Version number.
    pub version: u32,
    /// Its lifecycle status.
    pub lifecycle: String,
    /// Whether every item is met.
    pub compliant: bool,
    /// Verdict counts.
    #[schema(value_type = Object)]
    pub summary: Summary,
    /// The items, each with its evidence.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ItemResult>,
}

/// One model's versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelCompliance {
    /// Model id.
    pub model_id: String,
    /// Its name.
    pub name: String,
    /// EU AI Act risk tier from its card.
    pub risk_tier: Option<String>,
    /// Verdict counts over its versions.
    #[schema(value_type = Object)]
    pub summary: Summary,
    /// Per version.
    pub versions: Vec<VersionCompliance>,
}

/// Totals over the models reported.
#[derive(Debug, Serialize, ToSchema)]
pub struct Overall {
    /// Models reported.
    pub models: usize,
    /// Versions reported.
    pub versions: usize,
    /// Versions with every item met.
    pub compliant_versions: usize,
    /// Verdict counts over every version.
    #[schema(value_type = Object)]
    pub summary: Summary,
}

/// The whole answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceStatus {
    /// The instant freshness was judged at (RFC 3339).
    pub evaluated_at: String,
    /// Greatest allowed age of fairness and drift evidence, days.
    pub max_age_days: u32,
    /// The log head when the status was computed.
    pub head_position: i64,
    /// Totals.
    pub overall: Overall,
    /// Per model.
    pub models: Vec<ModelCompliance>,
}

fn evidence(r: &sqlx::any::AnyRow) -> ApiResult<(String, String, Evidence)> {
    Ok((
        r.try_get("subject")?,
        r.try_get("kind")?,
        Evidence {
            position: r.try_get("position")?,
            hash: r.try_get("hash")?,
            event_type: r.try_get("event_type")?,
            recorded_at: r.try_get("recorded_at")?,
            detail: serde_json::from_str(&r.try_get::<String, _>("detail")?)
                .unwrap_or(serde_json::Value::Null),
        },
    ))
}

type Index = HashMap<String, Vec<(String, Evidence)>>;

fn newest(a: Option<&Evidence>, b: Option<&Evidence>) -> Option<Evidence> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.position > x.position { y } else { x }.clone()),
        (x, y) => x.or(y).cloned(),
    }
}

fn kind<'a>(index: &'a Index, subject: &Subject, kind: &str) -> Option<&'a Evidence> {
    index
        .get(&subject.key())?
        .iter()
        .find(|(k, _)| k == kind)
        .map(|(_, e)| e)
}

fn facts(index: &Index, model_id: &str, version: u32) -> Facts {
    let m = Subject::Model(model_id.to_owned());
    let v = Subject::Version(model_id.to_owned(), version);
    let card = kind(index, &m, claims::CARD).cloned();
    let training = card
        .as_ref()
        .and_then(|c| c.detail.get("training_dataset_id"))
        .and_then(|d| d.as_str())
        .map(|d| Subject::Dataset(d.to_owned()));
    Facts {
        training_quality: training
            .and_then(|d| kind(index, &d, claims::QUALITY))
            .cloned(),
        card,
        predictions: kind(index, &v, claims::PREDICTIONS).cloned(),
        approval: kind(index, &v, claims::APPROVAL).cloned(),
        evaluations: index
            .get(&v.key())
            .map(|rows| {
                rows.iter()
                    .filter(|(k, _)| k.starts_with(claims::EVALUATION_PREFIX))
                    .map(|(_, e)| e.clone())
                    .collect()
            })
            .unwrap_or_default(),
        fairness: newest(
            kind(index, &m, claims::FAIRNESS),
            kind(index, &v, claims::FAIRNESS),
        ),
        drift: kind(index, &m, claims::DRIFT).cloned(),
        explanation: newest(
            kind(index, &m, claims::EXPLANATION),
            kind(index, &v, claims::EXPLANATION),
        ),
    }
}

/// The compliance status of `model_id` (or of every model), judged at the
/// state's clock with fairness and drift evidence allowed `max_age_days`.
pub async fn status(
    state: &AppState,
    model_id: Option<&str>,
    max_age_days: u32,
) -> ApiResult<ComplianceStatus> {
    let head = state.store.head().await?.position;
    let now = state.clock.now_micros();
    let max_age = i64::from(max_age_days).saturating_mul(DAY);
    let db = state.db.read();
    let models = match model_id {
        Some(id) => {
            sqlx::query("SELECT id, name, risk_tier FROM models WHERE id = $1")
                .bind(id.to_owned())
                .fetch_all(db)
                .await?
        }
        None => {
            sqlx::query("SELECT id, name, risk_tier FROM models ORDER BY created_at, id")
                .fetch_all(db)
                .await?
        }
    };
    let versions = match model_id {
        Some(id) => sqlx::query(
            "SELECT model_id, version, status FROM model_versions WHERE model_id = $1 ORDER BY version",
        )
        .bind(id.to_owned())
        .fetch_all(db)
        .await?,
        None => sqlx::query(
            "SELECT model_id, version, status FROM model_versions ORDER BY model_id, version",
        )
        .fetch_all(db)
        .await?,
    };
    let mut by_model: HashMap<String, Vec<(u32, String)>> = HashMap::new();
    for r in &versions {
        let v: i64 = r.try_get("version")?;
        by_model
            .entry(r.try_get("model_id")?)
            .or_default()
            .push((u32::try_from(v).unwrap_or(0), r.try_get("status")?));
    }
    let rows = sqlx::query("SELECT * FROM compliance_evidence")
        .fetch_all(db)
        .await?;
    let mut index = Index::new();
    for r in &rows {
        let (subject, kind, e) = evidence(r)?;
        index.entry(subject).or_default().push((kind, e));
    }
    let mut overall = Overall {
        models: models.len(),
        versions: 0,
        compliant_versions: 0,
        summary: Summary::default(),
    };
    let mut out = Vec::with_capacity(models.len());
    for m in &models {
        let id: String = m.try_get("id")?;
        let mut summary = Summary::default();
        let mut list = Vec::new();
        for (number, lifecycle) in by_model.remove(&id).unwrap_or_default() {
            let items = evaluate(&facts(&index, &id, number), now, max_age);
            let s = Summary::of(&items);
            summary.merge(s);
            overall.versions += 1;
            overall.compliant_versions += usize::from(s.compliant());
            list.push(VersionCompliance {
                version: number,
                lifecycle,
                compliant: s.compliant(),
                summary: s,
                items,
            });
        }
        overall.summary.merge(summary);
        out.push(ModelCompliance {
            model_id: id,
            name: m.try_get("name")?,
            risk_tier: m.try_get("risk_tier")?,
            summary,
            versions: list,
        });
    }
    Ok(ComplianceStatus {
        evaluated_at: rfc3339(now),
        max_age_days,
        head_position: head,
        overall,
        models: out,
    })
}
