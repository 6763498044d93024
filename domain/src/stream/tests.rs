#![allow(clippy::unwrap_used)]

use super::*;

fn spec() -> StreamSpec {
    StreamSpec {
        name: "s".into(),
        source: StreamSource::Webhook,
        schema: vec![FieldSpec {
            name: "x".into(),
            kind: FieldKind::Number,
            required: true,
        }],
        model_id: None,
        reference_dataset_id: None,
        prediction_field: None,
        timestamp_field: None,
        window: WindowSpec {
            size: 10,
            slide: None,
        },
        drift_share: None,
        max_bad_rate: None,
    }
}

fn created() -> DataStream {
    let mut s = DataStream::default();
    for e in s
        .decide(StreamCommand::Create {
            id: DataStreamId::from_uuid(uuid::Uuid::nil()),
            spec: spec(),
            secret: Sealed::from_ciphertext("c".into()),
        })
        .unwrap()
    {
        s.apply(&e);
    }
    s
}

#[test]
fn a_bad_window_is_refused() {
    let mut bad = spec();
    bad.window.slide = Some(11);
    assert!(matches!(
        DataStream::default().decide(StreamCommand::Create {
            id: DataStreamId::from_uuid(uuid::Uuid::nil()),
            spec: bad,
            secret: Sealed::from_ciphertext("c".into()),
        }),
        Err(StreamError::Spec(SpecError::Window))
    ));
}

#[test]
fn a_window_raises_its_drift_alert_once() {
    let mut s = created();
    let cmd = StreamCommand::RaiseDrift {
        window: 3,
        drifted_columns: vec!["x".into()],
        share_of_drifted_columns: 1.0,
    };
    let e = s.decide(cmd.clone()).unwrap();
    assert_eq!(e.len(), 1);
    s.apply(&e[0]);
    assert!(s.decide(cmd).unwrap().is_empty());
}

#[test]
fn start_and_stop_alternate_and_delete_stops() {
    let mut s = created();
    assert!(s.decide(StreamCommand::Stop).is_err());
    let e = s.decide(StreamCommand::Start).unwrap();
    s.apply(&e[0]);
    assert!(s.decide(StreamCommand::Start).is_err());
    let e = s.decide(StreamCommand::Delete).unwrap();
    assert_eq!(e.len(), 2);
    for e in &e {
        s.apply(e);
    }
    assert_eq!(s.decide(StreamCommand::Start), Err(StreamError::NotFound));
}
