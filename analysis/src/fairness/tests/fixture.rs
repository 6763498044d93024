//! Loads `data.csv` and `expected.json`; every column name comes from `meta`.

use std::path::PathBuf;

use serde_json::Value;

use crate::fairness::GroupIndex;

/// The fixture set: expected values plus the parsed columns the metrics need.
pub struct Fixture {
    pub expected: Value,
    pub y_true: Vec<u8>,
    pub y_pred: Vec<u8>,
    pub score: Vec<f64>,
    /// Protected attribute name -> per-row labels, in `meta.columns.protected` order.
    pub protected: Vec<(String, Vec<String>)>,
}

/// `$RAIA_FIXTURES/fairness`, else the repository's shared fixtures.
fn dir() -> PathBuf {
    match std::env::var_os("RAIA_FIXTURES") {
        Some(root) => PathBuf::from(root).join("fairness"),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/fairness"
        )),
    }
}

pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path).as_str().unwrap()
}

pub fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, k| &v[*k])
}

impl Fixture {
    pub fn load() -> Self {
        let dir = dir();
        let text = std::fs::read_to_string(dir.join("expected.json")).unwrap();
        let expected: Value = serde_json::from_str(&text).unwrap();
        let meta = &expected["meta"];
        let data_file = meta["data_file"].as_str().unwrap_or("data.csv");
        let csv = std::fs::read_to_string(dir.join(data_file)).unwrap();
        let mut lines = csv
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.is_empty());
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert!(rows.iter().all(|r| r.len() == header.len()), "ragged csv");
        if let Some(n) = meta["n_rows"].as_u64() {
            assert_eq!(rows.len() as u64, n, "row count vs meta.n_rows");
        }
        let col = |name: &str| -> Vec<&str> {
            let j = header.iter().position(|h| *h == name).unwrap();
            rows.iter().map(|r| r[j]).collect()
        };
        let cols = &meta["columns"];
        let ints =
            |name: &str| -> Vec<u8> { col(name).iter().map(|v| v.parse().unwrap()).collect() };
        let protected = cols["protected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let a = a.as_str().unwrap();
                (a.to_owned(), col(a).iter().map(|s| s.to_string()).collect())
            })
            .collect();
        Fixture {
            y_true: ints(cols["label"].as_str().unwrap()),
            y_pred: ints(cols["prediction"].as_str().unwrap()),
            score: col(cols["score"].as_str().unwrap())
                .iter()
                .map(|v| v.parse().unwrap())
                .collect(),
            protected,
            expected,
        }
    }

    pub fn attribute(&self, name: &str) -> &[String] {
        &self.protected.iter().find(|(n, _)| n == name).unwrap().1
    }

    pub fn attribute_names(&self) -> Vec<String> {
        self.protected.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Intersection columns in `meta.columns.intersection` order.
    pub fn intersection_names(&self) -> Vec<String> {
        let v = &self.expected["meta"]["columns"]["intersection"];
        let v = if v.is_array() {
            v
        } else {
            &self.expected["intersectional"]["attributes"]
        };
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect()
    }

    pub fn groups_for(&self, attribute: &str) -> GroupIndex {
        GroupIndex::from_labels(self.attribute(attribute)).unwrap()
    }

    pub fn intersection_groups(&self) -> GroupIndex {
        let names = self.intersection_names();
        let cols: Vec<&[String]> = names.iter().map(|n| self.attribute(n)).collect();
        GroupIndex::from_attributes(&cols).unwrap()
    }
}
