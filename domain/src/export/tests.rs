use super::*;

fn request() -> ExportRequest {
    ExportRequest {
        export_id: "e1".into(),
        format: ExportFormat::Pdf,
        content: ExportContent::Compliance,
        subject_id: None,
        requested_by: "u1".into(),
        job_id: None,
        schedule_id: None,
    }
}

fn run(job: &mut ExportJob, cmd: ExportCommand) -> Result<(), ExportError> {
    for e in job.decide(cmd)? {
        job.apply(&e);
    }
    Ok(())
}

#[test]
fn a_job_is_requested_completed_downloaded_and_deleted() {
    let mut job = ExportJob::default();
    assert_eq!(
        run(&mut job, ExportCommand::RecordDownload),
        Err(ExportError::NotFound)
    );
    run(&mut job, ExportCommand::Request(request())).unwrap();
    assert_eq!(
        run(&mut job, ExportCommand::RecordDownload),
        Err(ExportError::NotReady("pending"))
    );
    let file = ExportFile {
        sha256: "0".repeat(64),
        size: 3,
        filename: "r.pdf".into(),
        head_position: 9,
    };
    run(&mut job, ExportCommand::Complete(file)).unwrap();
    run(&mut job, ExportCommand::RecordDownload).unwrap();
    run(&mut job, ExportCommand::Delete).unwrap();
    assert_eq!(
        run(&mut job, ExportCommand::Delete),
        Err(ExportError::NotFound)
    );
    assert_eq!(
        run(&mut job, ExportCommand::Request(request())),
        Err(ExportError::AlreadyExists)
    );
}
