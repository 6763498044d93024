//! Fixture loading: directories, exact JSON numbers, CSV matrices, a tolerance checker,
//! and the two reference models (logistic regression from its parameters, the forest).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, ArrayView2};
use serde_json::Value;

use crate::explain::{Predictor, Result, SklearnTree, TreeEnsemble};

/// `$RAIA_FIXTURES` if set, else the repository's `shared/fixtures`.
pub fn fixture_root() -> PathBuf {
    match std::env::var_os("RAIA_FIXTURES") {
        Some(root) => PathBuf::from(root),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures"
        )),
    }
}

pub fn explain_dir() -> PathBuf {
    fixture_root().join("explain")
}

pub fn models_dir() -> PathBuf {
    fixture_root().join("models")
}

/// Parses JSON with every number kept as its text (wrapped in a string), so that
/// `num` can read it with `str::parse::<f64>`, exact whatever serde_json's features.
pub fn load_json_exact(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = String::with_capacity(text.len() * 2);
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                out.extend(chars.next());
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '-' || c.is_ascii_digit() {
            out.push('"');
            out.push(c);
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-') {
                    out.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push('"');
        } else {
            out.push(c);
        }
    }
    serde_json::from_str(&out).unwrap()
}

/// A number from `load_json_exact` output (also accepts real numbers, null, "inf").
pub fn num(v: &Value) -> f64 {
    match v {
        Value::Null => f64::NAN,
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => match s.as_str() {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            t => t.parse().unwrap_or_else(|_| panic!("not a number: {t}")),
        },
        other => panic!("not a number: {other}"),
    }
}

pub fn vec1(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

pub fn ints(v: &Value) -> Vec<i64> {
    vec1(v).into_iter().map(|x| x as i64).collect()
}

pub fn mat(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(vec1).collect();
    let ncols = rows.first().map_or(0, Vec::len);
    Array2::from_shape_vec((rows.len(), ncols), rows.concat()).unwrap()
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// A CSV with a header row; returns the header and the values as f64.
pub fn read_csv(path: &Path) -> (Vec<String>, Array2<f64>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let mut values = Vec::new();
    let mut n = 0;
    for line in lines {
        let cells: Vec<f64> = line.split(',').map(|c| c.trim().parse().unwrap()).collect();
        assert_eq!(cells.len(), header.len());
        values.extend(cells);
        n += 1;
    }
    (
        header.clone(),
        Array2::from_shape_vec((n, header.len()), values).unwrap(),
    )
}

/// Records the largest error per label and fails with all of them at the end.
#[derive(Default)]
pub struct Checker {
    worst: BTreeMap<String, (f64, f64)>,
    failures: Vec<String>,
}

impl Checker {
    pub fn close(&mut self, label: &str, got: f64, want: f64, tol: f64) {
        let err = (got - want).abs();
        let entry = self.worst.entry(label.to_owned()).or_insert((0.0, tol));
        entry.0 = entry.0.max(if err.is_nan() { f64::INFINITY } else { err });
        if err.is_nan() || err > tol {
            self.failures.push(format!(
                "{label}: got {got}, want {want} (|err| {err:e} > {tol:e})"
            ));
        }
    }

    pub fn report(&self) {
        for (label, (err, tol)) in &self.worst {
            println!("{label:60} max |err| {err:.3e} (tol {tol:.0e})");
        }
        assert!(
            self.failures.is_empty(),
            "{} mismatches:\n{}",
            self.failures.len(),
            self.failures[..self.failures.len().min(20)].join("\n")
        );
    }
}

/// The explain fixture: names from meta, background and explained rows from the CSVs.
pub struct ExplainFixture {
    pub expected: Value,
    pub features: Vec<String>,
    pub background: Array2<f64>,
    pub explain: Array2<f64>,
}

impl ExplainFixture {
    pub fn load() -> Self {
        let dir = explain_dir();
        let expected = load_json_exact(&dir.join("expected.json"));
        let features = strings(&expected["meta"]["features"]);
        let meta = &expected["meta"];
        let bg_file = meta["background_file"].as_str().unwrap_or("background.csv");
        let ex_file = meta["explain_file"].as_str().unwrap_or("explain.csv");
        let (h1, background) = read_csv(&dir.join(bg_file));
        let (h2, explain) = read_csv(&dir.join(ex_file));
        assert_eq!(h1, features, "background header differs from meta.features");
        assert_eq!(h2, features, "explain header differs from meta.features");
        Self {
            expected,
            features,
            background,
            explain,
        }
    }

    pub fn model(&self, name: &str) -> &Value {
        &self.expected["models"][name]
    }

    pub fn logreg(&self) -> LogReg {
        let p = &self.model("logreg")["parameters"];
        LogReg {
            mean: vec1(&p["mean"]),
            scale: vec1(&p["scale"]),
            coef: vec1(&p["coef"]),
            intercept: num(&p["intercept"]),
        }
    }

    pub fn forest(&self) -> TreeEnsemble {
        let json = load_json_exact(&explain_dir().join("rf_trees.json"));
        let trees: Vec<SklearnTree> = json["trees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| SklearnTree {
                children_left: ints(&t["children_left"]),
                children_right: ints(&t["children_right"]),
                feature: ints(&t["feature"]),
                threshold: vec1(&t["threshold"]),
                value: vec1(&t["value_class1"]),
                weighted_n_node_samples: vec1(&t["weighted_n_node_samples"]),
                missing_go_to_left: None,
            })
            .collect();
        assert_eq!(strings(&json["features"]), self.features);
        TreeEnsemble::from_sklearn_forest(&trees, self.features.len()).unwrap()
    }
}

/// `p1 = sigmoid(intercept + sum_j coef_j (x_j - mean_j) / scale_j)` in f64.
pub struct LogReg {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    pub coef: Vec<f64>,
    pub intercept: f64,
}

impl Predictor for LogReg {
    fn predict(&self, rows: ArrayView2<f64>) -> Result<Array1<f64>> {
        Ok(rows
            .rows()
            .into_iter()
            .map(|r| {
                let mut z = self.intercept;
                for j in 0..r.len() {
                    z += self.coef[j] * (r[j] - self.mean[j]) / self.scale[j];
                }
                1.0 / (1.0 + (-z).exp())
            })
            .collect())
    }
}
