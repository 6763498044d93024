#![allow(clippy::unwrap_used)]

use super::*;
use crate::ids::DatasetId;

fn spec() -> ConnectorSpec {
    ConnectorSpec {
        name: "c".into(),
        description: None,
        source: Source::Http {
            url: "http://127.0.0.1/x".into(),
            format: HttpFormat::Csv,
            pagination: Pagination::Link,
            records_field: None,
            header_names: vec!["Authorization".into()],
        },
        max_rows: 10,
        max_bytes: 100,
        timeout_ms: 1000,
    }
}

#[test]
fn a_connector_is_created_once_and_counts_its_imports() {
    let id = ConnectorId::from_uuid(uuid::Uuid::nil());
    let mut c = Connector::default();
    assert_eq!(
        c.decide(ConnectorCommand::RecordImport {
            dataset_id: DatasetId::from_uuid(uuid::Uuid::nil()),
            rows: 1
        }),
        Err(ConnectorError::NotFound)
    );
    let create = ConnectorCommand::Create {
        id,
        spec: Box::new(spec()),
        credentials: Some(Sealed::from_ciphertext("v1:x".into())),
    };
    for e in c.decide(create.clone()).unwrap() {
        c.apply(&e);
    }
    assert_eq!(c.decide(create), Err(ConnectorError::AlreadyExists));
    let imported = c
        .decide(ConnectorCommand::RecordImport {
            dataset_id: DatasetId::from_uuid(uuid::Uuid::nil()),
            rows: 3,
        })
        .unwrap();
    c.apply(&imported[0]);
    assert_eq!(c.imports, 1);
    // The state's JSON never shows the sealed credentials.
    assert!(!serde_json::to_string(&c).unwrap().contains("v1:x"));
}
