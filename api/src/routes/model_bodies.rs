//! Request bodies of `/api/v1/models`: a new model and a partial update.

use std::collections::BTreeMap;

use domain::model::{FeatureType, ModelStatus, ModelType, RiskTier};
use serde::Deserialize;
use utoipa::ToSchema;

/// A new model.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateModel {
    /// Display name.
    pub name: String,
    /// `classification`, `regression` or `llm`.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub model_type: ModelType,
    /// Algorithm.
    pub algorithm: Option<String>,
    /// Framework.
    pub framework: Option<String>,
    /// Version label.
    pub version: Option<String>,
    /// `draft` (default), `active`, `deployed` or `retired`.
    #[schema(value_type = Option<String>)]
    pub status: Option<ModelStatus>,
    /// Headline accuracy in [0, 1].
    pub accuracy: Option<f64>,
    /// Input features.
    #[serde(default)]
    pub feature_names: Vec<String>,
    /// Free JSON object.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    /// Model card: intended use.
    pub intended_use: Option<String>,
    /// Model card: uses it must not be put to.
    pub out_of_scope_use: Option<String>,
    /// Model card: known limitations.
    pub limitations: Option<String>,
    /// Model card: ethical considerations.
    pub ethical_considerations: Option<String>,
    /// Who answers for it.
    #[serde(default)]
    pub owners: Vec<String>,
    /// Training dataset id.
    pub training_dataset_id: Option<String>,
    /// Evaluation dataset ids.
    #[serde(default)]
    pub evaluation_dataset_ids: Vec<String>,
    /// Target column.
    pub target_column: Option<String>,
    /// Feature name → `numeric`, `categorical`, `boolean` or `text`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub feature_types: BTreeMap<String, FeatureType>,
    /// EU AI Act tier: `minimal`, `limited`, `high` or `unacceptable`.
    #[schema(value_type = Option<String>)]
    pub risk_tier: Option<RiskTier>,
    /// Lower-case labels.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Changes to a model: fields present replace the current ones; `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateModel {
    /// Display name.
    pub name: Option<String>,
    /// Kind.
    #[serde(rename = "type")]
    #[schema(value_type = Option<String>)]
    pub model_type: Option<ModelType>,
    /// Algorithm.
    #[serde(default, deserialize_with = "double_option")]
    pub algorithm: Option<Option<String>>,
    /// Framework.
    #[serde(default, deserialize_with = "double_option")]
    pub framework: Option<Option<String>>,
    /// Version label.
    #[serde(default, deserialize_with = "double_option")]
    pub version: Option<Option<String>>,
    /// Status.
    #[schema(value_type = Option<String>)]
    pub status: Option<ModelStatus>,
    /// Accuracy.
    #[serde(default, deserialize_with = "double_option")]
    pub accuracy: Option<Option<f64>>,
    /// Features.
    pub feature_names: Option<Vec<String>>,
    /// Metadata object.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    /// Intended use.
    #[serde(default, deserialize_with = "double_option")]
    pub intended_use: Option<Option<String>>,
    /// Out-of-scope use.
    #[serde(default, deserialize_with = "double_option")]
    pub out_of_scope_use: Option<Option<String>>,
    /// Limitations.
    #[serde(default, deserialize_with = "double_option")]
    pub limitations: Option<Option<String>>,
    /// Ethical considerations.
    #[serde(default, deserialize_with = "double_option")]
    pub ethical_considerations: Option<Option<String>>,
    /// Owners.
    pub owners: Option<Vec<String>>,
    /// Training dataset id.
    #[serde(default, deserialize_with = "double_option")]
    pub training_dataset_id: Option<Option<String>>,
    /// Evaluation dataset ids.
    pub evaluation_dataset_ids: Option<Vec<String>>,
    /// Target column.
    #[serde(default, deserialize_with = "double_option")]
    pub target_column: Option<Option<String>>,
    /// Feature types.
    #[schema(value_type = Option<Object>)]
    pub feature_types: Option<BTreeMap<String, FeatureType>>,
    /// Risk tier.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub risk_tier: Option<Option<RiskTier>>,
    /// Tags.
    pub tags: Option<Vec<String>>,
}

pub(crate) fn double_option<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
