//! Tests: every value of the fixture's `expected.json`, plus property checks.

mod checker;
mod fixture;
mod fixture_checks;
mod fixture_groups;
mod fixture_threshold;
mod linprog;
mod mitigations;
mod mt19937;
mod properties;
mod resampling;
mod threshold_eo;
