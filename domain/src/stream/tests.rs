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
        window: WindowSpec::count(10),
        drift_share: None,
        max_bad_rate: None,
        record_id_field: None,
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

fn timed(duration_ms: u64, slide_ms: Option<u64>, time_field: Option<&str>) -> StreamSpec {
    let mut s = spec();
    s.window = WindowSpec {
        duration_ms: Some(duration_ms),
        slide_ms,
        time_field: time_field.map(str::to_owned),
        ..WindowSpec::default()
    };
    s
}

#[test]
fn time_windows_resolve_their_defaults() {
    assert_eq!(
        timed(60_000, None, Some("x")).window.kind(),
        Windowing::Time {
            duration: 60_000,
            slide: 60_000,
            field: Some("x"),
            lateness: 0
        }
    );
    assert_eq!(
        timed(60_000, Some(10_000), None).window.kind(),
        Windowing::Time {
            duration: 60_000,
            slide: 10_000,
            field: None,
            lateness: 1000
        }
    );
    assert_eq!(
        spec().window.kind(),
        Windowing::Count {
            size: 10,
            slide: 10
        }
    );
}

#[test]
fn a_window_is_by_count_or_by_time_never_both_or_neither() {
    assert!(timed(1000, Some(100), Some("x")).validate().is_ok());
    let mut both = timed(1000, None, None);
    both.window.size = Some(10);
    let neither = timed(1000, None, None);
    let mut neither = neither;
    neither.window.duration_ms = None;
    let mut mixed = spec();
    mixed.window.time_field = Some("x".into());
    for bad in [
        both,
        neither,
        mixed,
        timed(1000, Some(2000), None),
        timed(100_000, Some(10), None),
        timed(0, None, None),
    ] {
        assert_eq!(bad.validate(), Err(SpecError::Window), "{:?}", bad.window);
    }
    assert_eq!(
        timed(1000, None, Some("nope")).validate(),
        Err(SpecError::UnknownField("nope".into()))
    );
}

#[test]
fn an_mqtt_source_needs_a_valid_filter_url_and_qos() {
    let mut s = spec();
    s.source = StreamSource::Mqtt {
        topic: "plant/+/temp".into(),
        url: Some("mqtt://127.0.0.1:1883".into()),
        qos: Some(1),
    };
    assert!(s.validate().is_ok());
    for (topic, url, qos) in [
        ("a/#/b", None, None),
        ("a", Some("mqtt://user:pw@h"), None),
        ("a", None, Some(3)),
    ] {
        s.source = StreamSource::Mqtt {
            topic: topic.into(),
            url: url.map(str::to_owned),
            qos,
        };
        assert!(
            matches!(s.validate(), Err(SpecError::Mqtt(_))),
            "{topic} {url:?} {qos:?}"
        );
    }
}
