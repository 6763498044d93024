use super::*;
use crate::aggregate::EventCodec;

fn registered() -> UserEvent {
    UserEvent::UserRegistered {
        user_id: UserId::from_uuid(uuid::Uuid::nil()),
        email_lookup: "k".into(),
        email: Sealed::from_ciphertext("c1".into()),
        password_hash: Sealed::from_ciphertext("c2".into()),
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
    let events = c.decide(ClaimEmail { user_id: id }).unwrap();
    c.apply(&events[0]);
    assert_eq!(c.decide(ClaimEmail { user_id: id }), Err(EmailTaken));
}
