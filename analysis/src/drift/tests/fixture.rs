//! Fixture loading: the directory, `expected.json`, and a hand-rolled CSV reader
//! (header row, comma separated, empty field = missing; the fixtures never quote).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// `$RAIA_FIXTURES/drift` if set, else the repository's `shared/fixtures/drift`.
pub fn drift_fixture_dir() -> PathBuf {
    match std::env::var_os("RAIA_FIXTURES") {
        Some(root) => PathBuf::from(root).join("drift"),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/drift"
        )),
    }
}

pub fn load_expected(dir: &Path) -> Value {
    let path = dir.join("expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A CSV file held as text columns.
pub struct Table {
    rows: usize,
    columns: HashMap<String, Vec<String>>,
}

impl Table {
    pub fn read(path: &Path) -> Self {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut lines = text.lines().map(|l| l.strip_suffix('\r').unwrap_or(l));
        let header: Vec<String> = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect();
        let mut cells: Vec<Vec<String>> = vec![Vec::new(); header.len()];
        let mut rows = 0;
        for line in lines.filter(|l| !l.is_empty()) {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(
                fields.len(),
                header.len(),
                "ragged row {rows} in {}",
                path.display()
            );
            for (col, field) in cells.iter_mut().zip(fields) {
                col.push(field.to_owned());
            }
            rows += 1;
        }
        Self {
            rows,
            columns: header.into_iter().zip(cells).collect(),
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    fn column(&self, name: &str) -> &[String] {
        self.columns
            .get(name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    /// Numbers, with empty fields as NaN.
    pub fn numeric(&self, name: &str) -> Vec<f64> {
        self.column(name)
            .iter()
            .map(|s| {
                if s.is_empty() {
                    f64::NAN
                } else {
                    s.parse().unwrap()
                }
            })
            .collect()
    }

    /// Labels, with empty fields as `None`.
    pub fn labels(&self, name: &str) -> Vec<Option<&str>> {
        self.column(name)
            .iter()
            .map(|s| (!s.is_empty()).then_some(s.as_str()))
            .collect()
    }
}

/// A JSON float in the fixtures' encoding (`null` NaN, `"inf"`, `"-inf"`).
pub fn float(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        Value::Null => f64::NAN,
        other => panic!("not a float: {other}"),
    }
}

/// Column names of one kind from `meta.column_mapping`.
pub fn names(meta: &Value, kind: &str) -> Vec<String> {
    meta["column_mapping"][kind]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}
