#![allow(clippy::unwrap_used)]

use super::*;

fn spec() -> DatasetSpec {
    let id = DatasetId::from_uuid(uuid::Uuid::nil());
    DatasetSpec {
        name: "d".into(),
        description: None,
        filename: Some("d.csv".into()),
        format: DatasetFormat::Csv,
        sheet: None,
        sha256: "0".repeat(64),
        size_bytes: 3,
        schema: vec![],
        row_count: 1,
        column_count: 1,
        version_of: None,
        family_id: id,
        version: 1,
        derived_from: vec![],
        origin: None,
    }
}

fn uploaded() -> Dataset {
    let mut d = Dataset::default();
    let events = d
        .decide(DatasetCommand::Upload {
            dataset_id: DatasetId::from_uuid(uuid::Uuid::nil()),
            spec: Box::new(spec()),
            uploaded_by: "u".into(),
        })
        .unwrap();
    for e in &events {
        d.apply(e);
    }
    d
}

#[test]
fn an_uploaded_dataset_takes_rules_and_refuses_a_second_upload() {
    let mut d = uploaded();
    assert_eq!(
        d.decide(DatasetCommand::RecordValidation(ValidationSummary {
            rules_version: 0,
            rules: 0,
            failed: 0,
            passed: true
        })),
        Err(DatasetError::NoRules)
    );
    let e = d
        .decide(DatasetCommand::SetRules(vec![Rule::NotNull {
            column: "a".into(),
        }]))
        .unwrap();
    d.apply(&e[0]);
    assert_eq!(d.rules_version, 1);
    assert!(matches!(
        d.decide(DatasetCommand::Upload {
            dataset_id: DatasetId::from_uuid(uuid::Uuid::nil()),
            spec: Box::new(spec()),
            uploaded_by: "u".into(),
        }),
        Err(DatasetError::AlreadyExists)
    ));
}

#[test]
fn a_deleted_dataset_accepts_nothing() {
    let mut d = uploaded();
    let e = d.decide(DatasetCommand::Delete).unwrap();
    d.apply(&e[0]);
    assert_eq!(
        d.decide(DatasetCommand::Delete),
        Err(DatasetError::NotFound)
    );
}

#[test]
fn rules_parse_from_declarative_json() {
    let rules: Vec<Rule> = serde_json::from_value(serde_json::json!([
        {"rule": "range", "column": "age", "min": 0, "max": 120},
        {"rule": "type", "column": "age", "type": "integer"},
        {"rule": "expression", "expression": "age >= 18 or income < 100"}
    ]))
    .unwrap();
    assert_eq!(rules[0].column(), Some("age"));
    assert!(serde_json::from_value::<Rule>(serde_json::json!({"rule": "nope"})).is_err());
}
