//! Value comparison with the fixture's encoding (null = NaN, "inf"/"-inf"), collecting
//! every mismatch and the largest error per tolerance class.

use serde_json::Value;

/// Decodes a fixture float.
pub fn f(v: &Value) -> f64 {
    match v {
        Value::Null => f64::NAN,
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        other => panic!("not a fixture float: {other}"),
    }
}

#[derive(Default)]
pub struct Checker {
    pub compared: usize,
    pub max_err: Vec<(&'static str, f64)>,
    pub failures: Vec<String>,
}

impl Checker {
    /// Compares within an absolute tolerance; NaN matches NaN, infinities match exactly.
    pub fn close(
        &mut self,
        class: &'static str,
        what: &str,
        actual: f64,
        expected: &Value,
        tol: f64,
    ) {
        let e = f(expected);
        self.compared += 1;
        let ok = if e.is_nan() || actual.is_nan() {
            e.is_nan() && actual.is_nan()
        } else if e.is_infinite() || actual.is_infinite() {
            e == actual
        } else {
            let err = (actual - e).abs();
            match self.max_err.iter_mut().find(|(c, _)| *c == class) {
                Some((_, m)) => *m = m.max(err),
                None => self.max_err.push((class, err)),
            }
            err <= tol
        };
        if !ok {
            self.failures
                .push(format!("{what}: got {actual:?}, expected {e:?}"));
        }
    }

    /// Exact integer comparison.
    pub fn count(&mut self, what: &str, actual: u64, expected: &Value) {
        self.compared += 1;
        if expected.as_u64() != Some(actual) {
            self.failures
                .push(format!("{what}: got {actual}, expected {expected}"));
        }
    }

    pub fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    pub fn finish(self, name: &str) {
        println!(
            "{name}: {} values compared, max abs error {:?}",
            self.compared, self.max_err
        );
        assert!(
            self.failures.is_empty(),
            "{name}: {} mismatches:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        assert!(self.compared > 0, "{name}: nothing compared");
    }
}
