//! The checklist of one model version: nine items, each met, stale or missing,
//! mapped to the EU AI Act (Art. 9–15) and the NIST AI RMF functions.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An event that satisfies (part of) an item: where it is in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Global log position.
    pub position: i64,
    /// The event's chain hash.
    pub hash: String,
    /// Its type name.
    pub event_type: String,
    /// When it was recorded, microseconds since the epoch.
    pub recorded_at: i64,
    /// Facts drawn from it (see [`super::claims::classify`]).
    pub detail: Value,
}

/// Everything the log holds about one model version, gathered from the evidence index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// The latest registration or update of the model (its card).
    pub card: Option<Evidence>,
    /// The latest quality assessment of the card's training dataset.
    pub training_quality: Option<Evidence>,
    /// The latest logged predictions of this version.
    pub predictions: Option<Evidence>,
    /// The approval of this version.
    pub approval: Option<Evidence>,
    /// Evaluations of this version on named datasets.
    pub evaluations: Vec<Evidence>,
    /// The latest fairness assessment (of this version, or of the model).
    pub fairness: Option<Evidence>,
    /// The latest drift check filed under the model.
    pub drift: Option<Evidence>,
    /// The latest explanation (of this version, or of the model).
    pub explanation: Option<Evidence>,
}

/// An item's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Evidence exists and is fresh.
    Met,
    /// Evidence exists but is older than the allowed age.
    Stale,
    /// No evidence.
    Missing,
}

/// The checklist items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    /// The model card names an EU AI Act risk tier.
    RiskTierSet,
    /// The training dataset's quality was assessed.
    TrainingDataQualityAssessed,
    /// The model card has every field of technical documentation.
    ModelCardComplete,
    /// The version's predictions are on record.
    PredictionsLogged,
    /// A second person (not the submitter) approved the version.
    SecondPersonApproval,
    /// The version was evaluated on data it was not trained on.
    HeldOutEvaluation,
    /// A fairness assessment younger than the allowed age.
    FairnessAssessment,
    /// A drift check younger than the allowed age.
    DriftCheck,
    /// Explanations of the version's predictions exist.
    ExplanationsAvailable,
}

impl Item {
    /// Every item, in report order.
    pub const ALL: [Item; 9] = [
        Item::RiskTierSet,
        Item::TrainingDataQualityAssessed,
        Item::ModelCardComplete,
        Item::PredictionsLogged,
        Item::SecondPersonApproval,
        Item::HeldOutEvaluation,
        Item::FairnessAssessment,
        Item::DriftCheck,
        Item::ExplanationsAvailable,
    ];

    /// A human title.
    pub fn title(self) -> &'static str {
        match self {
            Item::RiskTierSet => "Risk tier set",
            Item::TrainingDataQualityAssessed => "Training data quality assessed",
            Item::ModelCardComplete => "Model card complete",
            Item::PredictionsLogged => "Predictions logged",
            Item::SecondPersonApproval => "Approved by a second person",
            Item::HeldOutEvaluation => "Evaluated on held-out data",
            Item::FairnessAssessment => "Fairness assessed recently",
            Item::DriftCheck => "Drift checked recently",
            Item::ExplanationsAvailable => "Explanations available",
        }
    }

    /// The EU AI Act articles (high-risk obligations) the item gives evidence for.
    pub fn eu_ai_act(self) -> &'static [&'static str] {
        match self {
            Item::RiskTierSet => &["Art. 9"],
            Item::TrainingDataQualityAssessed => &["Art. 10"],
            Item::ModelCardComplete => &["Art. 11", "Art. 13"],
            Item::PredictionsLogged => &["Art. 12"],
            Item::SecondPersonApproval => &["Art. 14"],
            Item::HeldOutEvaluation => &["Art. 15"],
            Item::FairnessAssessment => &["Art. 10", "Art. 15"],
            Item::DriftCheck => &["Art. 9", "Art. 15"],
            Item::ExplanationsAvailable => &["Art. 13"],
        }
    }

    /// The NIST AI RMF functions the item belongs to.
    pub fn nist_ai_rmf(self) -> &'static [&'static str] {
        match self {
            Item::RiskTierSet => &["Govern", "Map"],
            Item::TrainingDataQualityAssessed => &["Map", "Measure"],
            Item::ModelCardComplete => &["Govern", "Map"],
            Item::PredictionsLogged => &["Manage"],
            Item::SecondPersonApproval => &["Govern", "Manage"],
            Item::HeldOutEvaluation => &["Measure"],
            Item::FairnessAssessment => &["Measure"],
            Item::DriftCheck => &["Measure", "Manage"],
            Item::ExplanationsAvailable => &["Measure"],
        }
    }

    /// Whether the item goes stale with age.
    pub fn ages(self) -> bool {
        matches!(self, Item::FairnessAssessment | Item::DriftCheck)
    }
}

/// One item's verdict with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemResult {
    /// The item.
    pub item: Item,
    /// Its title.
    pub title: &'static str,
    /// EU AI Act articles.
    pub eu_ai_act: &'static [&'static str],
    /// NIST AI RMF functions.
    pub nist_ai_rmf: &'static [&'static str],
    /// The verdict.
    pub status: Status,
    /// Why, in a sentence.
    pub reason: String,
    /// The events that satisfy it (empty when missing).
    pub evidence: Vec<Evidence>,
}

fn card_str(card: &Evidence, key: &str) -> Option<String> {
    card.detail
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn missing_fields(card: &Evidence) -> Vec<String> {
    card.detail
        .get("missing_fields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Decides every item for one version at `now` (microseconds) given the
/// greatest allowed age of aging evidence (microseconds).
pub fn evaluate(facts: &Facts, now: i64, max_age: i64) -> Vec<ItemResult> {
    Item::ALL
        .iter()
        .map(|&item| {
            let (evidence, missing_reason) = satisfy(item, facts);
            let (status, reason) = match evidence.last() {
                None => (Status::Missing, missing_reason),
                Some(e) if item.ages() && now.saturating_sub(e.recorded_at) > max_age => (
                    Status::Stale,
                    format!(
                        "the latest {} is {} days old; at most {} allowed",
                        e.event_type,
                        now.saturating_sub(e.recorded_at) / DAY,
                        max_age / DAY
                    ),
                ),
                Some(e) => (
                    Status::Met,
                    format!("{} at position {}", e.event_type, e.position),
                ),
            };
            ItemResult {
                item,
                title: item.title(),
                eu_ai_act: item.eu_ai_act(),
                nist_ai_rmf: item.nist_ai_rmf(),
                status,
                reason,
                evidence,
            }
        })
        .collect()
}

/// One day in microseconds.
pub const DAY: i64 = 86_400 * 1_000_000;

fn one(e: &Option<Evidence>) -> Vec<Evidence> {
    e.iter().cloned().collect()
}

/// The evidence that satisfies `item` (last = deciding one), or why there is none.
fn satisfy(item: Item, f: &Facts) -> (Vec<Evidence>, String) {
    let none = |why: &str| (Vec::new(), why.to_owned());
    match item {
        Item::RiskTierSet => match &f.card {
            Some(c) if card_str(c, "risk_tier").is_some() => (one(&f.card), String::new()),
            _ => none("the model card names no risk tier"),
        },
        Item::ModelCardComplete => match &f.card {
            Some(c) if missing_fields(c).is_empty() => (one(&f.card), String::new()),
            Some(c) => none(&format!(
                "the model card lacks: {}",
                missing_fields(c).join(", ")
            )),
            None => none("the model has no card"),
        },
        Item::TrainingDataQualityAssessed => {
            match (
                f.card
                    .as_ref()
                    .and_then(|c| card_str(c, "training_dataset_id")),
                &f.training_quality,
            ) {
                (None, _) => none("the model card names no training dataset"),
                (Some(ds), None) => none(&format!("dataset {ds} has no quality assessment")),
                (Some(_), Some(q)) => (
                    f.card.iter().cloned().chain([q.clone()]).collect(),
                    String::new(),
                ),
            }
        }
        Item::PredictionsLogged => match &f.predictions {
            Some(_) => (one(&f.predictions), String::new()),
            None => none("no prediction of this version is on record"),
        },
        Item::SecondPersonApproval => match &f.approval {
            Some(_) => (one(&f.approval), String::new()),
            None => none("the version has not been approved"),
        },
        Item::HeldOutEvaluation => {
            let Some(training) = f
                .card
                .as_ref()
                .and_then(|c| card_str(c, "training_dataset_id"))
            else {
                return none("the model card names no training dataset, so no dataset can be shown to be held out");
            };
            let mut held_out: Vec<Evidence> = f
                .evaluations
                .iter()
                .filter(|e| {
                    e.detail.get("dataset").and_then(Value::as_str) != Some(training.as_str())
                })
                .cloned()
                .collect();
            held_out.sort_by_key(|e| e.position);
            if held_out.is_empty() {
                none("no evaluation on a dataset other than the training dataset")
            } else {
                (held_out, String::new())
            }
        }
        Item::FairnessAssessment => match &f.fairness {
            Some(_) => (one(&f.fairness), String::new()),
            None => none("no fairness assessment"),
        },
        Item::DriftCheck => match &f.drift {
            Some(_) => (one(&f.drift), String::new()),
            None => none("no drift check filed under the model"),
        },
        Item::ExplanationsAvailable => match &f.explanation {
            Some(_) => (one(&f.explanation), String::new()),
            None => none("no explanation generated"),
        },
    }
}

/// Counts of each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Items met.
    pub met: usize,
    /// Items stale.
    pub stale: usize,
    /// Items missing.
    pub missing: usize,
}

impl Summary {
    /// Counts the verdicts of `items`.
    pub fn of(items: &[ItemResult]) -> Self {
        let mut s = Self::default();
        for i in items {
            s.add(i.status);
        }
        s
    }

    /// Counts one more verdict.
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Met => self.met += 1,
            Status::Stale => self.stale += 1,
            Status::Missing => self.missing += 1,
        }
    }

    /// Adds another summary.
    pub fn merge(&mut self, other: Summary) {
        self.met += other.met;
        self.stale += other.stale;
        self.missing += other.missing;
    }

    /// Whether every item is met.
    pub fn compliant(&self) -> bool {
        self.stale == 0 && self.missing == 0
    }
}
