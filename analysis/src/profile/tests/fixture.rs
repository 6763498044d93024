//! Locating and loading the quality fixture set.

use std::path::PathBuf;

use super::json::{parse, Json};

/// `$RAIA_FIXTURES/quality`, else `shared/fixtures/quality` beside the repository.
pub fn dir() -> PathBuf {
    match std::env::var_os("RAIA_FIXTURES") {
        Some(root) => PathBuf::from(root).join("quality"),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/quality"
        )),
    }
}

pub fn expected() -> Json {
    let path = dir().join("expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&text)
}

/// The data file named by `meta.data_file` (default `data.csv`).
pub fn data(expected: &Json) -> Vec<u8> {
    let name = expected
        .get("meta")
        .and_then(|m| m.get("data_file"))
        .map_or("data.csv", Json::as_str);
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
