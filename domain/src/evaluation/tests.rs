#![allow(clippy::unwrap_used)]
use super::*;

fn spec() -> EvaluationSpec {
    EvaluationSpec {
        name: "e".into(),
        mode: EvaluationMode::Recorded,
        dataset_id: DatasetId::from_uuid(uuid::Uuid::nil()),
        dataset_sha256: "00".into(),
        items: 2,
        configuration_id: None,
        judge_configuration_id: None,
        k: 5,
        cutoffs: vec![1, 5],
        seed: 7,
        resamples: 100,
        suite: None,
    }
}

fn item(index: u64) -> Box<ScoredItem> {
    Box::new(ScoredItem {
        index,
        item_id: index.to_string(),
        question: "q".into(),
        answer: None,
        reference: None,
        retrieved_ids: Vec::new(),
        metrics: BTreeMap::new(),
        prompt_tokens: 0,
        completion_tokens: 0,
        cost_usd: 0.0,
        latency_ms: 0,
        judge: Vec::new(),
        error: None,
    })
}

fn given(events: Vec<EvaluationEvent>) -> Evaluation {
    let mut e = Evaluation::default();
    for ev in &events {
        e.apply(ev);
    }
    e
}

fn created() -> EvaluationEvent {
    EvaluationEvent::EvaluationCreated {
        id: EvaluationId::from_uuid(uuid::Uuid::nil()),
        spec: Box::new(spec()),
    }
}

fn started() -> EvaluationEvent {
    EvaluationEvent::EvaluationStarted {
        job_id: JobId::from_uuid(uuid::Uuid::nil()),
        total: 2,
    }
}

#[test]
fn a_run_scores_items_in_order_and_finishes() {
    let e = given(vec![created(), started()]);
    let ev = e.decide(EvaluationCommand::Score(item(0))).unwrap();
    assert!(matches!(
        ev[0],
        EvaluationEvent::EvaluationItemScored {
            done: 1,
            total: 2,
            ..
        }
    ));
    let e = given(vec![created(), started(), ev[0].clone()]);
    let done = e
        .decide(EvaluationCommand::Finish {
            summary: Box::default(),
        })
        .unwrap();
    let e = given(vec![created(), started(), ev[0].clone(), done[0].clone()]);
    assert_eq!(e.status, EvaluationStatus::Completed);
    assert_eq!(
        e.decide(EvaluationCommand::Score(item(1))),
        Err(EvaluationError::WrongStatus("completed"))
    );
}

#[test]
fn stop_is_asked_once_and_only_of_a_running_evaluation() {
    let pending = given(vec![created()]);
    assert_eq!(
        pending.decide(EvaluationCommand::RequestStop),
        Err(EvaluationError::WrongStatus("pending"))
    );
    let stopping = given(vec![
        created(),
        started(),
        EvaluationEvent::EvaluationStopRequested,
    ]);
    assert!(stopping
        .decide(EvaluationCommand::RequestStop)
        .unwrap()
        .is_empty());
    let ev = stopping
        .decide(EvaluationCommand::Stopped {
            summary: Box::default(),
        })
        .unwrap();
    assert!(matches!(
        ev[0],
        EvaluationEvent::EvaluationStopped { done: 0, .. }
    ));
}

#[test]
fn an_evaluation_is_created_once_and_started_once() {
    let e = given(vec![created()]);
    let again = EvaluationCommand::Create {
        id: EvaluationId::from_uuid(uuid::Uuid::nil()),
        spec: Box::new(spec()),
    };
    assert_eq!(e.decide(again), Err(EvaluationError::AlreadyExists));
    let running = given(vec![created(), started()]);
    let start = EvaluationCommand::Start {
        job_id: JobId::from_uuid(uuid::Uuid::nil()),
    };
    assert_eq!(
        running.decide(start.clone()),
        Err(EvaluationError::WrongStatus("running"))
    );
    assert_eq!(
        Evaluation::default().decide(start),
        Err(EvaluationError::NotFound)
    );
}
