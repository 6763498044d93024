//! Tolerance checks that collect every mismatch (instead of stopping at the first) and
//! track the largest error per quantity for the report.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fixture::float;
use crate::drift::Category;

/// Pass when `|got - want| <= abs`, or `<= rel * |want|`; infinities must match exactly.
#[derive(Clone, Copy)]
pub struct Tol {
    pub rel: f64,
    pub abs: f64,
}

pub const EXACT: Tol = Tol { rel: 0.0, abs: 0.0 };

pub const fn rel(rel: f64) -> Tol {
    Tol { rel, abs: 0.0 }
}

pub const fn abs(abs: f64) -> Tol {
    Tol { rel: 0.0, abs }
}

pub const fn rel_or_abs(rel: f64, abs: f64) -> Tol {
    Tol { rel, abs }
}

#[derive(Default)]
pub struct Checker {
    failures: Vec<String>,
    /// quantity -> (largest absolute error, largest relative error, comparisons)
    errors: BTreeMap<String, (f64, f64, usize)>,
    pub checked: usize,
}

impl Checker {
    pub fn float(&mut self, at: &str, quantity: &str, got: f64, want: &Value, tol: Tol) {
        self.value(at, quantity, got, float(want), tol);
    }

    pub fn value(&mut self, at: &str, quantity: &str, got: f64, want: f64, tol: Tol) {
        self.checked += 1;
        let same_special = (got.is_nan() && want.is_nan()) || (got.is_infinite() && got == want);
        let diff = (got - want).abs();
        let relative = if want != 0.0 { diff / want.abs() } else { diff };
        let ok = same_special || diff <= tol.abs || diff <= tol.rel * want.abs();
        if !same_special {
            let entry = self
                .errors
                .entry(quantity.to_owned())
                .or_insert((0.0, 0.0, 0));
            entry.0 = entry.0.max(diff);
            entry.1 = entry.1.max(relative);
            entry.2 += 1;
        }
        if !ok {
            self.failures.push(format!(
                "{at} {quantity}: got {got:e}, want {want:e} (abs {diff:e}, rel {relative:e})"
            ));
        }
    }

    pub fn floats(&mut self, at: &str, quantity: &str, got: &[f64], want: &Value, tol: Tol) {
        let want = want.as_array().unwrap();
        if got.len() != want.len() {
            return self.fail(
                at,
                quantity,
                format!("length {} vs {}", got.len(), want.len()),
            );
        }
        for (g, w) in got.iter().zip(want) {
            self.float(at, quantity, *g, w, tol);
        }
    }

    pub fn counts(&mut self, at: &str, quantity: &str, got: &[u64], want: &Value) {
        let want: Vec<u64> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        self.eq(at, quantity, got, &want);
    }

    pub fn count(&mut self, at: &str, quantity: &str, got: usize, want: &Value) {
        self.eq(at, quantity, &(got as u64), &want.as_u64().unwrap());
    }

    pub fn eq<T: PartialEq + std::fmt::Debug + ?Sized>(
        &mut self,
        at: &str,
        quantity: &str,
        got: &T,
        want: &T,
    ) {
        self.checked += 1;
        if got != want {
            self.fail(at, quantity, format!("got {got:?}, want {want:?}"));
        }
    }

    pub fn categories(&mut self, at: &str, got: &[Category], want: &Value) {
        let want = want.as_array().unwrap();
        self.checked += 1;
        let same =
            got.len() == want.len() && got.iter().zip(want).all(|(g, w)| same_category(g, w));
        if !same {
            self.fail(at, "categories", format!("got {got:?}, want {want:?}"));
        }
    }

    pub fn fail(&mut self, at: &str, quantity: &str, message: String) {
        self.failures.push(format!("{at} {quantity}: {message}"));
    }

    /// Prints the largest errors (visible with `--nocapture`) and fails on any mismatch.
    pub fn report(&self) {
        println!("{} comparisons; largest errors per quantity:", self.checked);
        for (q, (a, r, n)) in &self.errors {
            println!("  {q:<40} n={n:<4} max_abs={a:.3e} max_rel={r:.3e}");
        }
        assert!(
            self.failures.is_empty(),
            "{} mismatches:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// A text level read by pandas as a number is written as a number in the fixtures.
pub fn same_category(got: &Category, want: &Value) -> bool {
    match (got, want) {
        (Category::Number(g), Value::Number(w)) => Some(*g) == w.as_f64(),
        (Category::Text(g), Value::String(w)) => g == w,
        (Category::Text(g), Value::Number(w)) => g.trim().parse::<f64>().ok() == w.as_f64(),
        _ => false,
    }
}
