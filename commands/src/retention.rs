//! Data retention on the write side: policy changes and enforcement records as
//! events, and the sealing of prediction inputs under one key per model and
//! day, so that destroying a day's key removes that day's inputs from the log
//! while the chain, which covers only the ciphertext, still verifies.

use domain::{
    retention::{Enforcement, Retention, RetentionCommand, RetentionError, POLICIES_ID},
    upcast::Upcasters,
    Metadata, StoredEvent,
};
use serde_json::{json, Value};

use crate::{
    cipher::{Cipher, CipherError},
    error::CommandError,
    handle::{load, Batch, Loaded},
    store::{EventStore, Until},
};

/// A day in microseconds.
pub const DAY_MICROS: i64 = 86_400_000_000;
/// Key subjects of prediction inputs start with this.
pub const INPUT_SUBJECT_PREFIX: &str = "prediction-inputs:";
const SEALED: &str = "$sealed";
const SUBJECT: &str = "$subject";

/// The policies in force (and how many enforcements were recorded).
pub async fn policies(
    store: &dyn EventStore,
) -> Result<Loaded<Retention>, CommandError<RetentionError>> {
    load::<Retention>(store, &Upcasters::domain(), POLICIES_ID, Until::Now).await
}

/// Runs one retention command and appends what it decides.
pub async fn run(
    store: &dyn EventStore,
    cmd: RetentionCommand,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, CommandError<RetentionError>> {
    let loaded = policies(store).await?;
    let mut batch = Batch::new(meta);
    batch.decide(&loaded, None, cmd)?;
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    Ok(store.append(batch.into_events()).await?)
}

/// Records an enforcement (retried once if a policy change raced it).
pub async fn record(
    store: &dyn EventStore,
    e: Enforcement,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, CommandError<RetentionError>> {
    match run(
        store,
        RetentionCommand::RecordEnforcement(e.clone()),
        meta.clone(),
    )
    .await
    {
        Err(CommandError::Stale { .. }) => {
            run(store, RetentionCommand::RecordEnforcement(e), meta).await
        }
        other => other,
    }
}

/// The key subject sealing inputs of `model_id` served on the UTC day of `at`.
pub fn input_subject(model_id: &str, at: i64) -> String {
    format!(
        "{INPUT_SUBJECT_PREFIX}{model_id}:{}",
        at.div_euclid(DAY_MICROS)
    )
}

/// The day number of an input subject (days since the epoch).
pub fn subject_day(subject: &str) -> Option<i64> {
    subject
        .strip_prefix(INPUT_SUBJECT_PREFIX)?
        .rsplit_once(':')?
        .1
        .parse()
        .ok()
}

/// Seals inputs of one subject; an erased subject (its day already removed)
/// keeps no input at all.
pub async fn seal_inputs(
    cipher: &Cipher,
    subject: &str,
    inputs: &[Value],
) -> Result<Vec<Value>, CipherError> {
    let plain: Vec<String> = inputs.iter().map(Value::to_string).collect();
    match cipher.seal_all(subject, &plain).await {
        Ok(sealed) => Ok(sealed
            .into_iter()
            .map(|s| json!({ SEALED: s.as_str(), SUBJECT: subject }))
            .collect()),
        Err(CipherError::Erased(_)) => Ok(vec![
            Value::String(crate::privacy::ERASED.into());
            inputs.len()
        ]),
        Err(e) => Err(e),
    }
}

/// The subject and ciphertext of a sealed input, if it is one.
pub fn sealed_input(v: &Value) -> Option<(&str, &str)> {
    let o = v.as_object()?;
    if o.len() != 2 {
        return None;
    }
    Some((o.get(SUBJECT)?.as_str()?, o.get(SEALED)?.as_str()?))
}

/// Opens sealed inputs in place (`"[erased]"` once their day was removed);
/// plain inputs (logged before sealing) are left as they are.
pub async fn open_inputs(cipher: &Cipher, inputs: &mut [Value]) -> Result<(), CipherError> {
    let mut by_subject: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, v) in inputs.iter().enumerate() {
        if let Some((subject, _)) = sealed_input(v) {
            by_subject.entry(subject.to_owned()).or_default().push(i);
        }
    }
    for (subject, idx) in by_subject {
        let sealed: Vec<String> = idx
            .iter()
            .filter_map(|i| sealed_input(&inputs[*i]).map(|(_, c)| c.to_owned()))
            .collect();
        let refs: Vec<&str> = sealed.iter().map(String::as_str).collect();
        let opened = cipher.open_all(&subject, &refs).await?;
        for (i, o) in idx.into_iter().zip(opened) {
            inputs[i] = match o {
                Some(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                None => Value::String(crate::privacy::ERASED.into()),
            };
        }
    }
    Ok(())
}
