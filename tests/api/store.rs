//! The event store on both backends.

use std::sync::Arc;

use commands::{EventStore, StoreError, Until};
use domain::{ExpectedVersion, Metadata, NewEvent};
use raia_tests::{both_backends, test_config, Backend};
use serde_json::json;

/// A fresh store on `backend`.
pub async fn fresh(backend: Backend) -> (Arc<dyn EventStore>, migrations::Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(backend, dir.path()).await;
    let (db, _) = api::startup::open(&config).await.unwrap();
    (commands::open_store(db.clone()), db, dir)
}

/// An event for `stream` expecting `expected`.
pub fn event(stream: &str, expected: ExpectedVersion, n: i64) -> NewEvent {
    NewEvent {
        event_id: uuid::Uuid::new_v4().to_string(),
        stream_type: "test".into(),
        stream_id: stream.into(),
        expected,
        event_type: "Happened".into(),
        schema_version: 1,
        payload: json!({ "n": n, "text": "héllo \"quoted\"" }),
        metadata: Metadata {
            actor_id: Some("tester".into()),
            ..Metadata::default()
        },
    }
}

async fn appends_are_gap_free_versioned_and_read_back(backend: Backend) {
    let (store, _db, _dir) = fresh(backend).await;
    let a = store
        .append(vec![event("a", ExpectedVersion::NoStream, 1)])
        .await
        .unwrap();
    assert_eq!((a[0].position, a[0].stream_version), (1, 1));
    // A batch over two streams: versions continue per stream, positions globally.
    let batch = vec![
        event("a", ExpectedVersion::Exact(1), 2),
        event("a", ExpectedVersion::Any, 3),
        event("b", ExpectedVersion::NoStream, 1),
    ];
    let stored = store.append(batch).await.unwrap();
    let got: Vec<_> = stored
        .iter()
        .map(|e| (e.position, e.stream_id.as_str(), e.stream_version))
        .collect();
    assert_eq!(got, vec![(2, "a", 2), (3, "a", 3), (4, "b", 1)]);
    assert_eq!(stored[0].prev_hash, a[0].hash);
    let a_stream = store.read_stream("test", "a", Until::Now).await.unwrap();
    assert_eq!(a_stream.len(), 3);
    assert_eq!(
        a_stream[2].payload_json().unwrap()["text"],
        "héllo \"quoted\""
    );
    assert_eq!(
        store
            .read_stream("test", "a", Until::Position(2))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .read_all(1, 2)
            .await
            .unwrap()
            .iter()
            .map(|e| e.position)
            .collect::<Vec<_>>(),
        vec![2, 3]
    );
    let head = store.head().await.unwrap();
    assert_eq!(
        (head.position, head.hash.as_str()),
        (4, stored[2].hash.as_str())
    );
    let t0 = a[0].recorded_at;
    let t1 = stored[0].recorded_at;
    let in_window = store.read_time_range(t0, t1, 0, 100).await.unwrap();
    assert_eq!(
        in_window.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![1]
    );
    assert_eq!(
        store
            .read_time_range(t0, t1 + 1, 0, 100)
            .await
            .unwrap()
            .len(),
        4
    );
    let as_of = store
        .read_stream("test", "a", Until::Time(t0))
        .await
        .unwrap();
    assert_eq!(as_of.len(), 1);
}
both_backends!(
    appends_are_gap_free_versioned_and_read_back,
    appends_are_gap_free_versioned_and_read_back
);

async fn a_stale_expected_version_is_a_conflict_and_writes_nothing(backend: Backend) {
    let (store, _db, _dir) = fresh(backend).await;
    store
        .append(vec![event("a", ExpectedVersion::NoStream, 1)])
        .await
        .unwrap();
    let err = store
        .append(vec![
            event("b", ExpectedVersion::NoStream, 1),
            event("a", ExpectedVersion::NoStream, 2),
        ])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 0,
                actual: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        store.head().await.unwrap().position,
        1,
        "the whole batch is refused"
    );
    let err = store
        .append(vec![event("a", ExpectedVersion::Exact(7), 2)])
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Conflict {
            expected: 7,
            actual: 1,
            ..
        }
    ));
}
both_backends!(
    a_stale_expected_version_is_a_conflict_and_writes_nothing,
    a_stale_expected_version_is_a_conflict_and_writes_nothing
);

async fn reappending_the_same_event_ids_is_a_no_op(backend: Backend) {
    let (store, _db, _dir) = fresh(backend).await;
    let batch = vec![
        event("a", ExpectedVersion::NoStream, 1),
        event("a", ExpectedVersion::Any, 2),
    ];
    let first = store.append(batch.clone()).await.unwrap();
    let again = store.append(batch.clone()).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(store.head().await.unwrap().position, 2);
    let mixed = vec![batch[0].clone(), event("c", ExpectedVersion::NoStream, 1)];
    assert!(matches!(
        store.append(mixed).await,
        Err(StoreError::DuplicateEventId(_))
    ));
    assert!(matches!(store.append(vec![]).await, Err(StoreError::Empty)));
}
both_backends!(
    reappending_the_same_event_ids_is_a_no_op,
    reappending_the_same_event_ids_is_a_no_op
);

async fn eight_concurrent_writers_win_each_version_exactly_once(backend: Backend) {
    let (store, db, _dir) = fresh(backend).await;
    let rounds = 15;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let (mut won, mut conflicts) = (Vec::new(), 0);
            for _ in 0..rounds {
                // Read the version, then race the others to append the next one.
                let v = store
                    .read_stream("test", "hot", Until::Now)
                    .await
                    .unwrap()
                    .len() as i64;
                let expected = if v == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Exact(v)
                };
                match store.append(vec![event("hot", expected, w)]).await {
                    Ok(s) => won.push(s[0].stream_version),
                    Err(StoreError::Conflict { .. }) => conflicts += 1,
                    Err(e) => panic!("unexpected {e}"),
                }
            }
            (won, conflicts)
        }));
    }
    let mut versions = Vec::new();
    let mut conflicts = 0;
    for t in tasks {
        let (won, c) = t.await.unwrap();
        versions.extend(won);
        conflicts += c;
    }
    versions.sort();
    let n = versions.len() as i64;
    assert_eq!(
        versions,
        (1..=n).collect::<Vec<_>>(),
        "each version won exactly once"
    );
    assert_eq!(
        n + conflicts,
        8 * rounds,
        "every attempt either won or got a conflict"
    );
    assert!(conflicts > 0, "writers did race");
    let stream = store.read_stream("test", "hot", Until::Now).await.unwrap();
    assert_eq!(stream.len() as i64, n, "nothing lost");
    let v = replay::verify::verify(&db, None, None).await.unwrap();
    assert_eq!(v.count as i64, n);
}
both_backends!(
    eight_concurrent_writers_win_each_version_exactly_once,
    eight_concurrent_writers_win_each_version_exactly_once
);

async fn old_schema_versions_are_upcast_on_read(backend: Backend) {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    #[serde(tag = "type", content = "data")]
    enum Renamed {
        Renamed { name: String },
    }
    let (store, _db, _dir) = fresh(backend).await;
    let mut old = event("u", ExpectedVersion::NoStream, 1);
    old.event_type = "Renamed".into();
    old.payload = json!({ "nm": "ada" });
    store.append(vec![old]).await.unwrap();
    let stored = store.read_stream("test", "u", Until::Now).await.unwrap();
    assert_eq!(
        stored[0].schema_version, 1,
        "the stored event is never rewritten"
    );
    let mut up = domain::upcast::Upcasters::domain();
    up.register("Renamed", 1, |v| json!({ "name": v["nm"] }));
    let e: Renamed = domain::decode::decode(&stored[0], &up).unwrap();
    assert_eq!(e, Renamed::Renamed { name: "ada".into() });
}
both_backends!(
    old_schema_versions_are_upcast_on_read,
    old_schema_versions_are_upcast_on_read
);
