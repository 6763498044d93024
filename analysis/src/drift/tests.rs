//! Fixture tests against scipy 1.17.1 / Evidently 0.7.23 (`shared/fixtures/drift`), plus
//! API-level tests. Column names, kinds and scenarios come from `expected.json`, so the
//! same code checks any fixture set with this layout (set `RAIA_FIXTURES` to its root).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod checker;
mod fixture;
mod scenario;
mod statistics;

use checker::Checker;
use fixture::{drift_fixture_dir, load_expected};

#[test]
fn every_expected_value_matches_the_fixtures() {
    let dir = drift_fixture_dir();
    let expected = load_expected(&dir);
    let mut checker = Checker::default();
    let scenarios = expected["scenarios"].as_object().unwrap();
    assert!(!scenarios.is_empty(), "no scenario in expected.json");
    for (name, scenario) in scenarios {
        scenario::check(&dir, &expected["meta"], name, scenario, &mut checker);
    }
    checker.report();
}
