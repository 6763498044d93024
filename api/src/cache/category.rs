//! What the read cache holds: each category names the projections its reads come
//! from and the stream types whose events change them.

use serde::Serialize;
use utoipa::ToSchema;

/// A kind of cached read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// `GET /api/v1/datasets/{id}/profile`: the column profile computed from the file.
    DatasetProfile,
    /// `GET /api/v1/models/{id}`: one model's current view.
    Model,
    /// `GET /api/v1/fairness/reports/{modelId}`: a model's fairness reports.
    FairnessReports,
}

impl Category {
    /// Every category, in the order stats list them.
    pub const ALL: [Category; 3] = [
        Category::DatasetProfile,
        Category::Model,
        Category::FairnessReports,
    ];

    /// The name used in routes, keys and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Category::DatasetProfile => "dataset_profile",
            Category::Model => "model",
            Category::FairnessReports => "fairness_reports",
        }
    }

    /// The category with this name.
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Index into per-category tables.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The projections whose tables the category's reads come from.
    pub fn projections(self) -> &'static [&'static str] {
        match self {
            Category::DatasetProfile => &["datasets"],
            Category::Model => &["models"],
            Category::FairnessReports => &["fairness", "models"],
        }
    }
}

/// A stream (or every stream of a type) a cached value depends on.
#[derive(Debug, Clone, Copy)]
pub struct Dep<'a> {
    /// Its stream type.
    pub stream_type: &'static str,
    /// One stream of that type, or all of them.
    pub stream_id: Option<&'a str>,
}

impl<'a> Dep<'a> {
    /// One stream.
    pub fn stream(stream_type: &'static str, id: &'a str) -> Self {
        Self {
            stream_type,
            stream_id: Some(id),
        }
    }

    /// Every stream of a type.
    pub fn every(stream_type: &'static str) -> Self {
        Self {
            stream_type,
            stream_id: None,
        }
    }
}
