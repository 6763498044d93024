#![allow(clippy::unwrap_used)]
use super::*;

fn spec() -> LlmSpec {
    LlmSpec {
        name: "gpt".into(),
        provider: Provider::Openai,
        model: "gpt-4o-mini".into(),
        base_url: None,
        parameters: LlmParameters::default(),
        active: true,
    }
}

fn created() -> LlmConfiguration {
    let mut c = LlmConfiguration::default();
    let events = c
        .decide(LlmCommand::Create {
            id: LlmConfigurationId::from_uuid(uuid::Uuid::nil()),
            spec: spec(),
            template: Some("Q: {{question}}".into()),
            api_key: Some(Sealed::from_ciphertext("v1:xx".into())),
        })
        .unwrap();
    assert_eq!(events.len(), 3);
    for e in &events {
        c.apply(e);
    }
    c
}

#[test]
fn each_template_change_is_a_new_version_and_equal_ones_are_not() {
    let mut c = created();
    assert_eq!(c.template_version, 1);
    let same = c.decide(LlmCommand::Update {
        spec: Some(spec()),
        template: Some("Q: {{question}}".into()),
        api_key: None,
    });
    assert_eq!(same, Err(LlmError::Unchanged));
    let e = c
        .decide(LlmCommand::Update {
            spec: None,
            template: Some("{{context}} Q: {{question}}".into()),
            api_key: None,
        })
        .unwrap();
    assert!(
        matches!(&e[0], LlmEvent::PromptTemplateVersioned { version: 2, variables, .. } if variables == &["context", "question"])
    );
    c.apply(&e[0]);
    assert_eq!(c.template_version, 2);
}

#[test]
fn bad_settings_and_deleted_configurations_are_refused() {
    let c = LlmConfiguration::default();
    let mut s = spec();
    s.provider = Provider::Tgi;
    let r = c.decide(LlmCommand::Create {
        id: LlmConfigurationId::from_uuid(uuid::Uuid::nil()),
        spec: s,
        template: None,
        api_key: None,
    });
    assert!(matches!(r, Err(LlmError::InvalidSpec(m)) if m.contains("base_url")));
    let mut c = created();
    let e = c.decide(LlmCommand::Delete).unwrap();
    c.apply(&e[0]);
    assert_eq!(c.decide(LlmCommand::Delete), Err(LlmError::NotFound));
    let json = serde_json::to_string(&c).unwrap();
    assert!(
        !json.contains("v1:xx"),
        "the state's JSON never holds the key"
    );
}
