//! Locating and reading fixture files. JSON is read with the module's own parser: it keeps
//! number text, and `str::parse::<f64>` rounds correctly, so values are the exact doubles
//! Python wrote (serde_json's default float parsing can be one ulp off).

use std::path::PathBuf;

use ndarray::Array2;

use crate::inference::json::{parse, Json};

/// `$RAIA_FIXTURES` if set, else the repository's `shared/fixtures`.
pub fn fixtures_root() -> PathBuf {
    match std::env::var_os("RAIA_FIXTURES") {
        Some(root) => PathBuf::from(root),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures"
        )),
    }
}

/// `shared/fixtures/models/<name>`.
pub fn model_path(name: &str) -> PathBuf {
    fixtures_root().join("models").join(name)
}

/// `shared/fixtures/explain/<name>`.
pub fn explain_path(name: &str) -> PathBuf {
    fixtures_root().join("explain").join(name)
}

/// This module's own test data (`tests/data/<name>`).
pub fn data_path(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/inference/tests/data"
    ))
    .join(name)
}

pub fn read(path: &PathBuf) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses a JSON file; the text is leaked so the value can borrow it for the test's life.
pub fn read_json(path: &PathBuf) -> Json<'static> {
    let bytes: &'static [u8] = Box::leak(read(path).into_boxed_slice());
    parse(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Member lookup that panics with the key when absent.
pub fn get<'j>(v: &'j Json<'static>, key: &str) -> &'j Json<'static> {
    v.get(key).unwrap_or_else(|| panic!("missing key `{key}`"))
}

/// A JSON number, or null / "nan" / "inf" / "-inf" for non-finite values.
pub fn num(v: &Json<'_>) -> f64 {
    match v {
        Json::Null => f64::NAN,
        Json::Str(s) if s == "inf" => f64::INFINITY,
        Json::Str(s) if s == "-inf" => f64::NEG_INFINITY,
        Json::Str(s) if s == "nan" => f64::NAN,
        Json::Num(t) => t.parse().unwrap_or_else(|_| panic!("bad number {t}")),
        other => panic!("not a number: {other:?}"),
    }
}

/// A JSON array of arrays as a matrix.
pub fn matrix(v: &Json<'_>) -> Array2<f64> {
    let rows = v.as_array().expect("array of rows");
    let ncols = rows.first().map_or(0, |r| r.as_array().expect("row").len());
    let flat: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.as_array().expect("row").iter().map(num))
        .collect();
    Array2::from_shape_vec((rows.len(), ncols), flat).unwrap()
}

/// A JSON array of numbers.
pub fn vector(v: &Json<'_>) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

/// A JSON boolean.
pub fn boolean(v: &Json<'_>) -> bool {
    matches!(v, Json::Bool(true))
}

/// A JSON string.
pub fn string<'j>(v: &'j Json<'_>) -> &'j str {
    v.as_str().expect("string")
}
