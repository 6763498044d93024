use super::*;
use crate::aggregate::EventCodec;

fn registered() -> UserEvent {
    UserEvent::UserRegistered {
        user_id: UserId::from_uuid(uuid::Uuid::nil()),
        email_lookup: "k".into(),
        email: Sealed::from_ciphertext("c1".into()),
        password_hash: Some(Sealed::from_ciphertext("c2".into())),
        display_name: None,
        role: Role::Viewer,
    }
}

fn given(events: &[UserEvent]) -> User {
    let mut u = User::default();
    events.iter().for_each(|e| u.apply(e));
    u
}

#[test]
fn a_registered_user_cannot_register_again() {
    let u = given(&[registered()]);
    let UserEvent::UserRegistered {
        user_id,
        email_lookup,
        email,
        password_hash,
        ..
    } = registered()
    else {
        unreachable!()
    };
    let cmd = UserCommand::Register {
        user_id,
        email_lookup,
        email,
        password_hash,
        display_name: None,
        role: Role::Admin,
    };
    assert_eq!(u.decide(cmd), Err(UserError::AlreadyExists));
}

#[test]
fn a_missing_user_cannot_log_in_and_a_deactivated_one_neither() {
    let cmd = UserCommand::RecordLogin {
        method: "password".into(),
        session_id: "s".into(),
        refresh_token_hash: "h".into(),
        refresh_expires_at: 0,
    };
    assert_eq!(
        User::default().decide(cmd.clone()),
        Err(UserError::NotFound)
    );
    let u = given(&[registered(), UserEvent::UserDeactivated {}]);
    assert_eq!(u.decide(cmd), Err(UserError::Inactive));
}

#[test]
fn role_changes_record_both_roles() {
    let u = given(&[registered()]);
    assert_eq!(
        u.decide(UserCommand::ChangeRole {
            role: Role::Auditor
        }),
        Ok(vec![UserEvent::UserRoleChanged {
            from: Role::Viewer,
            to: Role::Auditor
        }])
    );
    assert_eq!(
        u.decide(UserCommand::ChangeRole { role: Role::Viewer }),
        Err(UserError::SameRole)
    );
}

#[test]
fn events_round_trip_through_type_and_payload() {
    let (kind, payload) = registered().encode().unwrap();
    assert_eq!(kind, "UserRegistered");
    assert_eq!(UserEvent::decode(&kind, payload).unwrap(), registered());
    let (kind, payload) = UserEvent::UserDeactivated {}.encode().unwrap();
    assert_eq!(
        UserEvent::decode(&kind, payload).unwrap(),
        UserEvent::UserDeactivated {}
    );
}

#[test]
fn an_email_is_claimed_once() {
    let mut c = EmailClaim::default();
    let id = UserId::from_uuid(uuid::Uuid::nil());
    let events = c.decide(ClaimEmail::Claim(id)).unwrap();
    c.apply(&events[0]);
    assert_eq!(c.decide(ClaimEmail::Claim(id)), Err(EmailTaken));
}

fn logged_in(session: &str, hash: &str) -> UserEvent {
    UserEvent::UserLoggedIn {
        method: "password".into(),
        session_id: session.into(),
        refresh_token_hash: hash.into(),
        refresh_expires_at: 100,
    }
}

fn refresh(session: &str, presented: &str, new: &str, now: i64) -> UserCommand {
    UserCommand::Refresh {
        session_id: session.into(),
        presented_hash: presented.into(),
        new_hash: new.into(),
        new_expires_at: 200,
        now,
    }
}

fn run(u: &mut User, cmd: UserCommand) -> Result<Vec<UserEvent>, UserError> {
    let events = u.decide(cmd)?;
    events.iter().for_each(|e| u.apply(e));
    Ok(events)
}

#[test]
fn refresh_tokens_rotate_and_a_replayed_one_revokes_the_family() {
    let mut u = given(&[registered(), logged_in("s1", "h1")]);
    run(&mut u, refresh("s1", "h1", "h2", 50)).unwrap();
    assert_eq!(u.sessions["s1"].current_hash, "h2");
    // The thief replays h1: the session ends, and h2 stops working too.
    let events = run(&mut u, refresh("s1", "h1", "h3", 60)).unwrap();
    assert!(matches!(events[0], UserEvent::RefreshTokenReused { .. }));
    assert!(matches!(
        events[1],
        UserEvent::SessionRevoked {
            reason: RevokeReason::RefreshReuse,
            ..
        }
    ));
    assert_eq!(
        run(&mut u, refresh("s1", "h2", "h4", 70)),
        Err(UserError::SessionRevoked)
    );
    assert_eq!(
        run(&mut u, refresh("nope", "h2", "h4", 70)),
        Err(UserError::UnknownSession)
    );
}

#[test]
fn an_expired_or_unknown_refresh_token_is_refused() {
    let mut u = given(&[registered(), logged_in("s1", "h1")]);
    assert_eq!(
        run(&mut u, refresh("s1", "h1", "h2", 101)),
        Err(UserError::SessionExpired)
    );
    assert_eq!(
        run(&mut u, refresh("s1", "zz", "h2", 50)),
        Err(UserError::UnknownSession)
    );
}

#[test]
fn deactivation_ends_every_session_and_reactivation_allows_logins_again() {
    let mut u = given(&[registered(), logged_in("a", "1"), logged_in("b", "2")]);
    run(
        &mut u,
        UserCommand::EndSession {
            session_id: "a".into(),
            reason: RevokeReason::Logout,
        },
    )
    .unwrap();
    let events = run(&mut u, UserCommand::Deactivate).unwrap();
    assert_eq!(
        events.len(),
        2,
        "deactivated + only the live session revoked"
    );
    assert!(u.sessions.values().all(|s| s.revoked));
    assert_eq!(
        run(&mut u, refresh("b", "2", "3", 1)),
        Err(UserError::Inactive)
    );
    assert_eq!(run(&mut u, UserCommand::Reactivate).map(|e| e.len()), Ok(1));
    assert_eq!(
        run(&mut u, UserCommand::Reactivate),
        Err(UserError::AlreadyActive)
    );
}

#[test]
fn a_password_change_keeps_the_current_session_and_ends_the_others() {
    let mut u = given(&[registered(), logged_in("a", "1"), logged_in("b", "2")]);
    let events = run(
        &mut u,
        UserCommand::ChangePassword {
            password_hash: Sealed::from_ciphertext("new".into()),
            keep_session: Some("a".into()),
        },
    )
    .unwrap();
    assert_eq!(events.len(), 2);
    assert!(!u.sessions["a"].revoked && u.sessions["b"].revoked);
    assert_eq!(u.password_hash, Some(Sealed::from_ciphertext("new".into())));
}

fn fail(u: &mut User, now: i64) -> Vec<UserEvent> {
    run(
        u,
        UserCommand::RecordLoginFailure {
            now,
            reason: "bad_password".into(),
            lock_after: 20,
            lock_for: 900,
        },
    )
    .unwrap()
}

#[test]
fn failures_grow_a_delay_and_the_twentieth_locks_the_account() {
    let mut u = given(&[registered()]);
    for i in 1..=4 {
        fail(&mut u, i);
        assert_eq!(
            u.throttle_delay_micros(),
            0,
            "no delay for the first failures"
        );
    }
    fail(&mut u, 5);
    assert_eq!(u.throttle_delay_micros(), 1_000_000);
    fail(&mut u, 6);
    assert_eq!(u.retry_after(6), 2_000_000);
    for i in 7..=19 {
        assert_eq!(fail(&mut u, i).len(), 1);
    }
    assert!(
        u.throttle_delay_micros() <= 60_000_000,
        "capped at a minute"
    );
    let events = fail(&mut u, 20);
    assert!(matches!(events[1], UserEvent::UserLockedOut { until: 920 }));
    assert_eq!(u.retry_after(21), 899);
    assert!(
        fail(&mut u, 21).is_empty(),
        "attempts during a lockout add nothing to the log"
    );
    // A success resets the count.
    let mut v = given(&[registered()]);
    fail(&mut v, 1);
    v.apply(&logged_in("s", "h"));
    assert_eq!(v.failed_logins, 0);
}

fn issued(purpose: TokenPurpose, hash: &str, expires_at: i64) -> UserEvent {
    UserEvent::OneTimeTokenIssued {
        purpose,
        nonce: "n".into(),
        token_hash: hash.into(),
        expires_at,
    }
}

#[test]
fn a_reset_token_works_once_before_expiry_and_only_for_its_purpose() {
    let u = given(&[registered(), issued(TokenPurpose::ResetPassword, "h1", 100)]);
    let reset = |hash: &str, now| UserCommand::ResetPassword {
        token_hash: hash.into(),
        now,
        password_hash: Sealed::from_ciphertext("p".into()),
    };
    assert_eq!(u.decide(reset("h1", 101)), Err(UserError::BadToken));
    assert_eq!(u.decide(reset("other", 50)), Err(UserError::BadToken));
    let verify = UserCommand::VerifyEmail {
        token_hash: "h1".into(),
        now: 50,
    };
    assert_eq!(u.decide(verify), Err(UserError::BadToken));
    let events = u.decide(reset("h1", 50)).unwrap();
    let spent = given(&[
        registered(),
        issued(TokenPurpose::ResetPassword, "h1", 100),
        events[0].clone(),
    ]);
    assert_eq!(spent.decide(reset("h1", 60)), Err(UserError::BadToken));
}

#[test]
fn a_newer_token_supersedes_the_older_one() {
    let u = given(&[
        registered(),
        issued(TokenPurpose::VerifyEmail, "old", 100),
        issued(TokenPurpose::VerifyEmail, "new", 100),
    ]);
    let verify = |h: &str| UserCommand::VerifyEmail {
        token_hash: h.into(),
        now: 1,
    };
    assert_eq!(u.decide(verify("old")), Err(UserError::BadToken));
    let e = u.decide(verify("new")).unwrap();
    let verified = given(&[registered(), e[0].clone()]);
    assert!(verified.email_verified);
    let again = UserCommand::IssueToken {
        purpose: TokenPurpose::VerifyEmail,
        nonce: "n".into(),
        token_hash: "x".into(),
        expires_at: 9,
    };
    assert_eq!(verified.decide(again), Err(UserError::AlreadyVerified));
}

#[test]
fn erasure_closes_the_account_for_good() {
    let login = UserEvent::UserLoggedIn {
        method: "password".into(),
        session_id: "s1".into(),
        refresh_token_hash: "r".into(),
        refresh_expires_at: 10,
    };
    let u = given(&[registered(), login.clone()]);
    let events = u.decide(UserCommand::Erase).unwrap();
    assert_eq!(events.len(), 2, "erasure ends the live session too");
    let erased = given(&[registered(), login, events[0].clone(), events[1].clone()]);
    assert!(!erased.active && erased.password_hash.is_none());
    assert_eq!(
        erased.decide(UserCommand::Reactivate),
        Err(UserError::Erased)
    );
    assert_eq!(erased.decide(UserCommand::Erase), Err(UserError::Erased));
}

#[test]
fn an_sso_link_is_recorded_once() {
    let link = UserCommand::LinkSso {
        provider: "idp".into(),
        subject_lookup: "abc".into(),
    };
    let u = given(&[registered()]);
    let e = u.decide(link.clone()).unwrap();
    assert_eq!(e.len(), 1);
    assert!(given(&[registered(), e[0].clone()])
        .decide(link)
        .unwrap()
        .is_empty());
}
