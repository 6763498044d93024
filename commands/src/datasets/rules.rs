//! Declarative rule sets: checked when set, evaluated by `validate`.

use std::collections::HashSet;

use analysis::profile::{Column, ColumnData, Table};
use domain::dataset::{ColumnType, Rule};
use serde::Serialize;

use super::expr::{self, Val};
use super::quality::SAMPLE_ROWS;

/// Why a rule set was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {index}: {reason}")]
pub struct RuleError {
    /// 0-based position in the set.
    pub index: usize,
    /// What is wrong.
    pub reason: String,
}

/// Most rules in one set.
pub const MAX_RULES: usize = 500;

fn regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("invalid regex: {e}"))
}

/// Checks a rule set against the dataset's column names.
pub fn check(rules: &[Rule], columns: &[&str]) -> Result<(), RuleError> {
    if rules.len() > MAX_RULES {
        return Err(RuleError {
            index: MAX_RULES,
            reason: format!("at most {MAX_RULES} rules"),
        });
    }
    for (index, r) in rules.iter().enumerate() {
        let fail = |reason: String| RuleError { index, reason };
        if let Some(c) = r.column() {
            if !columns.contains(&c) {
                return Err(fail(format!("unknown column `{c}`")));
            }
        }
        match r {
            Rule::Range { min, max, .. } => {
                if min.is_none() && max.is_none() {
                    return Err(fail("range needs `min`, `max` or both".into()));
                }
                if let (Some(a), Some(b)) = (min, max) {
                    if a > b {
                        return Err(fail("`min` is above `max`".into()));
                    }
                }
            }
            Rule::Regex { pattern, .. } => {
                regex(pattern).map_err(fail)?;
            }
            Rule::MaxMissingFraction { max, .. } if !(0.0..=1.0).contains(max) => {
                return Err(fail("`max` must be in [0, 1]".into()));
            }
            Rule::Expression { expression } => {
                expr::parse(expression, columns).map_err(|e| fail(e.to_string()))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleOutcome {
    /// The rule.
    pub rule: Rule,
    /// Whether it held.
    pub passed: bool,
    /// Rows (or, for `max_missing_fraction`, missing rows) violating it.
    pub failed_count: u64,
    /// Up to five violating 0-based row numbers.
    pub sample_rows: Vec<u64>,
    /// A sentence about the result.
    pub message: String,
}

fn text(col: &Column, r: usize) -> Option<String> {
    if col.missing[r] {
        return None;
    }
    Some(match &col.data {
        ColumnData::Int64(v) => v[r].to_string(),
        ColumnData::Float64(v) => v[r].to_string(),
        ColumnData::Bool(v) => if v[r] { "True" } else { "False" }.to_owned(),
        ColumnData::Object(s) => s.get(r).unwrap_or_default().to_owned(),
    })
}

fn fits(col: &Column, r: usize, t: ColumnType) -> bool {
    match (&col.data, t) {
        (_, ColumnType::Categorical | ColumnType::Text | ColumnType::Identifier) => true,
        (ColumnData::Int64(_), ColumnType::Integer | ColumnType::Float) => true,
        (ColumnData::Float64(v), ColumnType::Integer) => v[r].fract() == 0.0,
        (ColumnData::Float64(_), ColumnType::Float) => true,
        (ColumnData::Bool(_), ColumnType::Boolean) => true,
        (ColumnData::Object(s), t) => {
            let v = s.get(r).unwrap_or_default().trim();
            match t {
                ColumnType::Integer => v.parse::<i64>().is_ok(),
                ColumnType::Float => v.parse::<f64>().is_ok(),
                ColumnType::Boolean => matches!(v, "True" | "False" | "true" | "false"),
                _ => {
                    chrono::DateTime::parse_from_rfc3339(v).is_ok()
                        || chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S").is_ok()
                        || chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").is_ok()
                        || chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
                }
            }
        }
        _ => false,
    }
}

fn violations(table: &Table, mut bad: impl FnMut(usize) -> bool) -> (u64, Vec<u64>) {
    let mut count = 0u64;
    let mut sample = Vec::new();
    for r in 0..table.rows {
        if bad(r) {
            count += 1;
            if sample.len() < SAMPLE_ROWS {
                sample.push(r as u64);
            }
        }
    }
    (count, sample)
}

fn evaluate(table: &Table, rule: &Rule) -> (u64, Vec<u64>, bool) {
    let col = rule.column().and_then(|c| table.column(c));
    let (count, sample) = match (rule, col) {
        (Rule::NotNull { .. }, Some(c)) => violations(table, |r| c.missing[r]),
        (Rule::Unique { .. }, Some(c)) => {
            let mut seen = HashSet::new();
            violations(table, |r| text(c, r).is_some_and(|v| !seen.insert(v)))
        }
        (Rule::Range { min, max, .. }, Some(c)) => violations(table, |r| {
            if c.missing[r] {
                return false;
            }
            match c
                .f64_at(r)
                .or_else(|| text(c, r).and_then(|t| t.trim().parse().ok()))
            {
                Some(x) => min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m),
                None => true,
            }
        }),
        (Rule::Regex { pattern, .. }, Some(c)) => match regex(pattern) {
            Ok(re) => violations(table, |r| text(c, r).is_some_and(|v| !re.is_match(&v))),
            Err(_) => (table.rows as u64, Vec::new()),
        },
        (Rule::AllowedValues { values, .. }, Some(c)) => {
            let allowed: HashSet<&str> = values.iter().map(String::as_str).collect();
            violations(table, |r| {
                text(c, r).is_some_and(|v| !allowed.contains(v.as_str()))
            })
        }
        (Rule::Type { column_type, .. }, Some(c)) => {
            violations(table, |r| !c.missing[r] && !fits(c, r, *column_type))
        }
        (Rule::MaxMissingFraction { max, .. }, Some(c)) => {
            let (count, sample) = violations(table, |r| c.missing[r]);
            let share = count as f64 / table.rows.max(1) as f64;
            return (count, sample, share <= *max);
        }
        (Rule::Expression { expression }, _) => {
            match expr::parse(expression, &table.column_names()) {
                Ok(e) => violations(table, |r| expr::eval(&e, table, r) == Val::Bool(false)),
                Err(_) => (table.rows as u64, Vec::new()),
            }
        }
        // A column that vanished fails every row.
        (_, None) => (table.rows as u64, Vec::new()),
    };
    (count, sample, count == 0)
}

/// Runs every rule on the table.
pub fn validate(table: &Table, rules: &[Rule]) -> Vec<RuleOutcome> {
    rules
        .iter()
        .map(|rule| {
            let (failed_count, sample_rows, passed) = evaluate(table, rule);
            let message = if passed {
                "passed".to_owned()
            } else {
                format!("{failed_count} of {} rows violate the rule", table.rows)
            };
            RuleOutcome {
                rule: rule.clone(),
                passed,
                failed_count,
                sample_rows,
                message,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use analysis::profile::{read_csv, CsvOptions};

    #[test]
    fn each_rule_kind_reports_its_violating_rows() {
        let t = read_csv(
            b"id,age,city\nA,30,Paris\nB,,Rome\nA,-4,Oslo\nC,200,paris\n",
            &CsvOptions::default(),
        )
        .unwrap();
        let rules: Vec<Rule> = serde_json::from_value(serde_json::json!([
            {"rule": "not_null", "column": "age"},
            {"rule": "unique", "column": "id"},
            {"rule": "range", "column": "age", "min": 0, "max": 120},
            {"rule": "regex", "column": "city", "pattern": "[A-Z][a-z]+"},
            {"rule": "allowed_values", "column": "city", "values": ["Paris", "Rome", "Oslo"]},
            {"rule": "type", "column": "age", "type": "integer"},
            {"rule": "max_missing_fraction", "column": "age", "max": 0.2},
            {"rule": "expression", "expression": "age < 100 or city == 'paris'"}
        ]))
        .unwrap();
        check(&rules, &t.column_names()).unwrap();
        let got: Vec<(bool, u64, Vec<u64>)> = validate(&t, &rules)
            .into_iter()
            .map(|o| (o.passed, o.failed_count, o.sample_rows))
            .collect();
        assert_eq!(
            got,
            vec![
                (false, 1, vec![1]),
                (false, 1, vec![2]),
                (false, 2, vec![2, 3]),
                (false, 1, vec![3]),
                (false, 1, vec![3]),
                (true, 0, vec![]),
                (false, 1, vec![1]),
                (true, 0, vec![]),
            ]
        );
        let bad: Vec<Rule> = serde_json::from_value(
            serde_json::json!([{"rule": "regex", "column": "city", "pattern": "("}]),
        )
        .unwrap();
        assert_eq!(check(&bad, &t.column_names()).unwrap_err().index, 0);
    }
}
