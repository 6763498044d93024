#![allow(clippy::unwrap_used)]
use super::*;

fn run(job: &mut Job, cmd: JobCommand) -> Result<Vec<JobEvent>, JobError> {
    let events = job.decide(cmd)?;
    for e in &events {
        job.apply(e);
    }
    Ok(events)
}

fn submitted() -> Job {
    let mut job = Job::default();
    run(
        &mut job,
        JobCommand::Submit {
            job_id: JobId::from_uuid(uuid::Uuid::nil()),
            kind: "explain.shap".into(),
            params: serde_json::json!({"rows": 5000}),
            node: None,
        },
    )
    .unwrap();
    job
}

#[test]
fn a_job_runs_reports_progress_and_succeeds_once() {
    let mut job = submitted();
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(
        run(&mut job, JobCommand::Progress { done: 1, total: 2 }),
        Err(JobError::NotStarted)
    );
    run(&mut job, JobCommand::Start).unwrap();
    assert!(run(&mut job, JobCommand::Start).unwrap().is_empty());
    run(&mut job, JobCommand::Progress { done: 1, total: 2 }).unwrap();
    assert_eq!((job.done, job.total), (1, 2));
    run(
        &mut job,
        JobCommand::Succeed {
            result: serde_json::json!({"ok": true}),
        },
    )
    .unwrap();
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!(
        run(&mut job, JobCommand::Fail { error: "x".into() }),
        Err(JobError::Finished("succeeded"))
    );
    assert_eq!(
        run(&mut job, JobCommand::RequestCancel),
        Err(JobError::Finished("succeeded"))
    );
}

#[test]
fn cancelling_is_requested_once_and_ends_a_queued_or_running_job() {
    let mut job = submitted();
    run(&mut job, JobCommand::RequestCancel).unwrap();
    assert!(job.cancel_requested);
    assert!(run(&mut job, JobCommand::RequestCancel).unwrap().is_empty());
    run(&mut job, JobCommand::Cancelled).unwrap();
    assert_eq!(job.status, JobStatus::Cancelled);
    assert_eq!(
        Job::default().decide(JobCommand::Start),
        Err(JobError::NotFound)
    );
    assert_eq!(
        submitted().decide(JobCommand::Submit {
            job_id: JobId::from_uuid(uuid::Uuid::nil()),
            kind: "k".into(),
            params: serde_json::Value::Null,
            node: None,
        }),
        Err(JobError::AlreadyExists)
    );
}
