//! Tampering with the stored log is caught, and a re-hashed rewrite is caught
//! against a signed checkpoint.

use domain::{
    chain::{self, Envelope},
    ExpectedVersion, StoredEvent,
};
use migrations::{Backend as DbBackend, Db};
use raia_tests::{both_backends, Backend};
use replay::{checkpoint::Checkpoint, verify};

use crate::store::{event, fresh};

/// Drops the append-only triggers, as a database administrator could.
pub async fn disable_guard(db: &Db) {
    let stmts: &[&str] = match db.backend() {
        DbBackend::Sqlite => &[
            "DROP TRIGGER events_no_update",
            "DROP TRIGGER events_no_delete",
        ],
        DbBackend::Postgres => &["DROP TRIGGER events_append_only ON events"],
    };
    for s in stmts {
        sqlx::query(s).execute(db.write()).await.unwrap();
    }
}

async fn all(db: &Db) -> Vec<StoredEvent> {
    migrations::events::read_after(db.read(), 0, 10_000)
        .await
        .unwrap()
}

async fn put(db: &Db, e: &StoredEvent) {
    sqlx::query("DELETE FROM events WHERE position = $1")
        .bind(e.position)
        .execute(db.write())
        .await
        .unwrap();
    let mut tx = db.write().begin().await.unwrap();
    commands::store::insert_rows(&mut tx, std::slice::from_ref(e))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn first_bad(db: &Db) -> i64 {
    let err = verify::verify(db, None, None).await.unwrap_err();
    err.position().unwrap()
}

async fn seeded(backend: Backend) -> (Db, tempfile::TempDir, Vec<StoredEvent>) {
    let (store, db, dir) = fresh(backend).await;
    for i in 0..20 {
        let s = format!("s{}", i % 3);
        store
            .append(vec![event(&s, ExpectedVersion::Any, i)])
            .await
            .unwrap();
    }
    disable_guard(&db).await;
    let events = all(&db).await;
    (db, dir, events)
}

async fn the_database_refuses_edits_to_the_log(backend: Backend) {
    let (store, db, _dir) = fresh(backend).await;
    store
        .append(vec![event("a", ExpectedVersion::NoStream, 1)])
        .await
        .unwrap();
    assert!(sqlx::query("UPDATE events SET payload = '{}'")
        .execute(db.write())
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM events")
        .execute(db.write())
        .await
        .is_err());
}
both_backends!(
    the_database_refuses_edits_to_the_log,
    the_database_refuses_edits_to_the_log
);

async fn any_altered_byte_removed_or_swapped_event_names_the_first_bad_position(backend: Backend) {
    let (db, _dir, original) = seeded(backend).await;
    assert_eq!(verify::verify(&db, None, None).await.unwrap().count, 20);
    let at = |p: i64| original[(p - 1) as usize].clone();

    let mut e = at(7);
    e.payload = e.payload.replacen("\"n\":6", "\"n\":7", 1);
    put(&db, &e).await;
    assert_eq!(first_bad(&db).await, 7, "payload");
    put(&db, &at(7)).await;

    let mut e = at(9);
    e.metadata = e.metadata.replace("tester", "testes");
    put(&db, &e).await;
    assert_eq!(first_bad(&db).await, 9, "metadata");
    put(&db, &at(9)).await;

    let mut e = at(11);
    e.event_type = "Happeneb".into();
    put(&db, &e).await;
    assert_eq!(first_bad(&db).await, 11, "event type");
    put(&db, &at(11)).await;

    let mut e = at(13);
    e.recorded_at += 1;
    put(&db, &e).await;
    assert_eq!(first_bad(&db).await, 13, "time");
    put(&db, &at(13)).await;
    assert_eq!(
        verify::verify(&db, None, None).await.unwrap().count,
        20,
        "restored"
    );

    sqlx::query("DELETE FROM events WHERE position = 5")
        .execute(db.write())
        .await
        .unwrap();
    assert_eq!(first_bad(&db).await, 5, "deleted");
    put(&db, &at(5)).await;

    // Swap the contents of positions 3 and 4.
    let (mut three, mut four) = (at(4), at(3));
    three.position = 3;
    four.position = 4;
    sqlx::query("DELETE FROM events WHERE position IN (3, 4)")
        .execute(db.write())
        .await
        .unwrap();
    put(&db, &three).await;
    put(&db, &four).await;
    assert_eq!(first_bad(&db).await, 3, "swapped");
}
both_backends!(
    any_altered_byte_removed_or_swapped_event_names_the_first_bad_position,
    any_altered_byte_removed_or_swapped_event_names_the_first_bad_position
);

async fn a_rehashed_rewrite_is_caught_against_an_earlier_checkpoint(backend: Backend) {
    let (db, _dir, original) = seeded(backend).await;
    let key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let cp = Checkpoint::sign_head(&db, &key).await.unwrap();
    assert_eq!(cp.position, 20);
    assert!(verify::verify_against(&db, &cp).await.is_ok());
    // Rewrite event 2 and recompute every hash after it, as a careful DBA would.
    let mut prev = original[0].hash.clone();
    for (i, e) in original.iter().enumerate().skip(1) {
        let mut e = e.clone();
        if i == 1 {
            e.payload = e.payload.replace("\"n\":1", "\"n\":100");
        }
        e.prev_hash = prev.clone();
        e.hash = chain::hash(&prev, &Envelope::from(&e)).unwrap();
        prev = e.hash.clone();
        put(&db, &e).await;
    }
    assert!(
        verify::verify(&db, None, None).await.is_ok(),
        "the rewritten chain is self-consistent"
    );
    let err = verify::verify_against(&db, &cp).await.unwrap_err();
    assert_eq!(err.position(), Some(20));
    assert!(err.to_string().contains("rewritten"), "{err}");
    // A forged checkpoint fails its signature.
    let mut forged = cp.clone();
    forged.hash = prev;
    assert!(forged.check_signature().is_err());
}
both_backends!(
    a_rehashed_rewrite_is_caught_against_an_earlier_checkpoint,
    a_rehashed_rewrite_is_caught_against_an_earlier_checkpoint
);

async fn a_verified_range_links_to_the_event_before_it(backend: Backend) {
    let (db, _dir, _) = seeded(backend).await;
    let v = verify::verify(&db, Some(5), Some(12)).await.unwrap();
    assert_eq!((v.count, v.from, v.head_position), (8, 5, 12));
}
both_backends!(
    a_verified_range_links_to_the_event_before_it,
    a_verified_range_links_to_the_event_before_it
);
