//! The price table: USD per million prompt and completion tokens, per model.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One model's prices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// USD per million prompt tokens.
    pub prompt: f64,
    /// USD per million completion tokens.
    pub completion: f64,
}

/// Prices shipped by default (public list prices when written; override in config).
pub fn defaults() -> BTreeMap<String, Price> {
    [
        ("gpt-4o", 2.5, 10.0),
        ("gpt-4o-mini", 0.15, 0.6),
        ("claude-3-5-sonnet-latest", 3.0, 15.0),
        ("claude-3-5-haiku-latest", 0.8, 4.0),
    ]
    .into_iter()
    .map(|(m, p, c)| {
        (
            m.to_owned(),
            Price {
                prompt: p,
                completion: c,
            },
        )
    })
    .collect()
}

/// Cost of a call in USD; 0 for a model without a price.
pub fn cost(prices: &BTreeMap<String, Price>, model: &str, prompt: u64, completion: u64) -> f64 {
    prices.get(model).map_or(0.0, |p| {
        (prompt as f64 * p.prompt + completion as f64 * p.completion) / 1e6
    })
}
