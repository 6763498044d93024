//! Fixture comparison against the Python reference outputs (rag fixtures) plus edge cases.

// A failed unwrap is the clearest test failure; the workspace lint targets library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use serde_json::Value;

use super::*;

mod answers;
mod edge_cases;
mod retrieval;

/// The rag fixtures folder: `$RAIA_FIXTURES/rag`, else the copy of shared/ beside the repo.
fn fixtures_dir() -> PathBuf {
    match std::env::var_os("RAIA_FIXTURES") {
        Some(root) => PathBuf::from(root).join("rag"),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/rag"
        )),
    }
}

struct Item {
    retrieved: Vec<String>,
    relevance: HashMap<String, u32>,
    generated: String,
    reference: String,
}

/// Input items keyed by id, the expected document, and its items in file order.
fn load() -> (HashMap<String, Item>, Value) {
    let dir = fixtures_dir();
    let lines = std::fs::read_to_string(dir.join("items.jsonl")).unwrap();
    let mut items = HashMap::new();
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        let s = |k: &str| v[k].as_str().unwrap().to_owned();
        let item = Item {
            retrieved: v["retrieved_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_owned())
                .collect(),
            relevance: v["relevance"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, g)| (k.clone(), g.as_u64().unwrap() as u32))
                .collect(),
            generated: s("generated_answer"),
            reference: s("reference_answer"),
        };
        assert!(
            items.insert(s("id"), item).is_none(),
            "duplicate id in items.jsonl"
        );
    }
    let expected = std::fs::read_to_string(dir.join("expected.json")).unwrap();
    (
        items,
        serde_json::from_str(&quote_floats(&expected)).unwrap(),
    )
}

/// Turns every float literal outside strings into a string, so [`num`] parses it with
/// `str::parse` (correctly rounded): serde_json without its `float_roundtrip` feature may be
/// one ulp off, which would hide whether results are bit-identical to Python's.
fn quote_floats(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 4);
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            (in_string, escaped) = (escaped || c != '"', !escaped && c == '\\');
        } else if c == '-' || c.is_ascii_digit() {
            let mut tok = String::from(c);
            while let Some(&d) = chars
                .peek()
                .filter(|d| d.is_ascii_digit() || "+-.eE".contains(**d))
            {
                tok.push(d);
                chars.next();
            }
            let is_float = tok.contains(['.', 'e', 'E']);
            out.push_str(&if is_float { format!("\"{tok}\"") } else { tok });
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// Decodes a float: quoted literal (see [`quote_floats`]), or the fixtures' non-finite
/// encoding (null = NaN, "inf", "-inf").
fn num(v: &Value) -> f64 {
    match v {
        Value::Null => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("not a number: {s}")),
        _ => v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")),
    }
}

/// Collects every mismatch (so one run shows them all) and the worst error per family.
#[derive(Default)]
struct Checker {
    max_err: BTreeMap<&'static str, f64>,
    failures: Vec<String>,
    checked: usize,
}

impl Checker {
    fn close(&mut self, family: &'static str, what: &str, got: f64, want: &Value, tol: f64) {
        let want = num(want);
        self.checked += 1;
        let err = if got.is_nan() && want.is_nan() || got == want {
            0.0
        } else {
            (got - want).abs()
        };
        let worst = self.max_err.entry(family).or_insert(0.0);
        *worst = worst.max(err);
        if err.is_nan() || err > tol {
            self.failures
                .push(format!("{what}: got {got:?}, want {want:?}"));
        }
    }

    fn exact(&mut self, what: &str, got: Value, want: &Value) {
        self.checked += 1;
        if &got != want {
            self.failures
                .push(format!("{what}: got {got}, want {want}"));
        }
    }

    fn finish(self, name: &str) {
        println!(
            "{name}: {} values checked, max abs error per family: {:?}",
            self.checked, self.max_err
        );
        assert!(
            self.failures.is_empty(),
            "{} mismatches:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// Fails if the expected object holds a key the test did not compare.
fn assert_all_checked(obj: &Value, checked: &HashSet<String>, context: &str) {
    for key in obj.as_object().unwrap().keys() {
        assert!(
            checked.contains(key),
            "{context}: key {key:?} is not compared"
        );
    }
}

const TOL: f64 = 1e-12;
const BLEU_TOL: f64 = 1e-9;

fn ks(expected: &Value) -> Vec<usize> {
    expected["meta"]["ks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_u64().unwrap() as usize)
        .collect()
}

fn check_bleu(c: &mut Checker, what: &str, got: &BleuScore, want: &Value) -> HashSet<String> {
    c.close(
        "bleu_score",
        &format!("{what}.score"),
        got.score,
        &want["score"],
        BLEU_TOL,
    );
    c.exact(
        &format!("{what}.counts"),
        serde_json::json!(got.counts),
        &want["counts"],
    );
    c.exact(
        &format!("{what}.totals"),
        serde_json::json!(got.totals),
        &want["totals"],
    );
    for (n, p) in got.precisions.iter().enumerate() {
        c.close(
            "bleu_precisions",
            &format!("{what}.precisions[{n}]"),
            *p,
            &want["precisions"][n],
            BLEU_TOL,
        );
    }
    c.close(
        "bleu_bp",
        &format!("{what}.bp"),
        got.bp,
        &want["bp"],
        BLEU_TOL,
    );
    c.exact(
        &format!("{what}.sys_len"),
        serde_json::json!(got.sys_len),
        &want["sys_len"],
    );
    c.exact(
        &format!("{what}.ref_len"),
        serde_json::json!(got.ref_len),
        &want["ref_len"],
    );
    [
        "score",
        "counts",
        "totals",
        "precisions",
        "bp",
        "sys_len",
        "ref_len",
    ]
    .map(String::from)
    .into()
}
