//! The `fairness_reports`, `fairness_mitigations` and `decision_policies` tables.

use async_trait::async_trait;
use domain::{
    decode::decode,
    fairness::{FairnessEvent, FairnessReport},
    model::{Model, ModelEvent},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects fairness events and the decision policies of the model streams.
#[derive(Debug, Clone, Copy)]
pub struct Fairness;

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

#[async_trait]
impl Projection for Fairness {
    fn name(&self) -> &'static str {
        "fairness"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "fairness_reports",
            "fairness_mitigations",
            "decision_policies",
        ]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &["fairness_report", "model"]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let decode_err = |source| ProjectionError::Decode {
            position: e.position,
            source,
        };
        if e.stream_type == Model::STREAM_TYPE {
            // Only the policy events matter here; other model events may be any variant.
            if e.event_type != "DecisionPolicyAttached" {
                return Ok(());
            }
            if let ModelEvent::DecisionPolicyAttached(p) =
                decode::<ModelEvent>(e, &Upcasters::domain()).map_err(decode_err)?
            {
                sqlx::query(
                    "INSERT INTO decision_policies (model_id, version, policy_version, mitigation_id, method, \
                     policy, attached_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(e.stream_id.clone())
                .bind(i64::from(p.version))
                .bind(i64::from(p.policy_version))
                .bind(p.mitigation_id.clone())
                .bind(p.method.clone())
                .bind(json(&p))
                .bind(p.attached_by.clone())
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
            return Ok(());
        }
        if e.stream_type != FairnessReport::STREAM_TYPE {
            return Ok(());
        }
        let by = e.metadata().unwrap_or_default().actor_id;
        match decode::<FairnessEvent>(e, &Upcasters::domain()).map_err(decode_err)? {
            FairnessEvent::FairnessAssessed {
                report_id,
                assessment: a,
            } => {
                sqlx::query(
                    "INSERT INTO fairness_reports (id, model_id, version, dataset_id, dataset_hash, kind, \
                     protected_attributes, fairness_metrics, bias_detected, findings, recommendations, seed, \
                     created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(report_id.to_string())
                .bind(a.model_id.clone())
                .bind(a.version.map(i64::from))
                .bind(a.dataset_id.clone())
                .bind(a.dataset_hash.clone())
                .bind(a.kind.clone())
                .bind(json(&a.protected_attributes))
                .bind(json(&a.metrics))
                .bind(i64::from(a.bias_detected))
                .bind(json(&a.findings))
                .bind(json(&a.recommendations))
                .bind(a.seed.map(|s| s.to_string()))
                .bind(by)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
            FairnessEvent::BiasMitigationApplied {
                report_id,
                mitigation: m,
            } => {
                sqlx::query(
                    "INSERT INTO fairness_mitigations (id, model_id, version, dataset_id, method, parameters, \
                     before_metrics, after_metrics, accuracy_cost, output_dataset_id, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .persistent(false) // `accuracy_cost` is an `Option<f64>` (see models/batch.rs)
                .bind(report_id.to_string())
                .bind(m.model_id.clone())
                .bind(m.version.map(i64::from))
                .bind(m.dataset_id.clone())
                .bind(m.method.clone())
                .bind(json(&m.parameters))
                .bind(json(&m.before))
                .bind(json(&m.after))
                .bind(m.accuracy_cost)
                .bind(m.output_dataset_id.clone())
                .bind(by)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }
}
