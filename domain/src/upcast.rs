//! Upcasters: old payload schemas are converted on read, never rewritten.

use std::collections::HashMap;

/// Converts a payload from one schema version to the next.
pub type UpcastFn = fn(serde_json::Value) -> serde_json::Value;

/// The registered upcasters, keyed by `(event_type, from_version)`.
#[derive(Debug, Clone, Default)]
pub struct Upcasters {
    steps: HashMap<(String, i64), UpcastFn>,
}

impl Upcasters {
    /// The upcasters of the shipped domain. Every event is still at version 1;
    /// a schema change adds its step here and bumps the writer's version.
    pub fn domain() -> Self {
        Self::default()
    }

    /// Registers the step from `from_version` to `from_version + 1`.
    pub fn register(&mut self, event_type: &str, from_version: i64, step: UpcastFn) {
        self.steps
            .insert((event_type.to_owned(), from_version), step);
    }

    /// Applies every step from `version` upwards; returns the payload and its final version.
    pub fn upcast(
        &self,
        event_type: &str,
        mut version: i64,
        mut payload: serde_json::Value,
    ) -> (serde_json::Value, i64) {
        while let Some(step) = self.steps.get(&(event_type.to_owned(), version)) {
            payload = step(payload);
            version += 1;
        }
        (payload, version)
    }

    /// Whether no upcaster is registered (reads can skip the lookup).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn steps_chain_until_the_current_version() {
        let mut u = Upcasters::domain();
        u.register("Renamed", 1, |mut v| {
            if let Some(n) = v.get("nm").cloned() {
                v["name"] = n;
            }
            v
        });
        u.register("Renamed", 2, |mut v| {
            v["tags"] = json!([]);
            v
        });
        let (p, ver) = u.upcast("Renamed", 1, json!({"nm": "x"}));
        assert_eq!(ver, 3);
        assert_eq!(p["name"], "x");
        assert_eq!(p["tags"], json!([]));
        let (p, ver) = u.upcast("Other", 1, json!({"a": 1}));
        assert_eq!((p, ver), (json!({"a": 1}), 1));
    }
}
