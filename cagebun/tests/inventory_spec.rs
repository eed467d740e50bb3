//! The whole spec stored in the cage dataset's user properties, and
//! rebuilt from them: plan, the dataset step's properties, rebuild.

use std::collections::BTreeMap;

use cagebun::inventory::{
    MAX_USER_PROPERTY_VALUE, StoredSpecError, spec_from_properties, spec_properties,
};
use cagebun::spec::Password;
use cagebun::{CageSpec, Step};

/// The user properties of the cage's dataset, as the plan creates it.
fn dataset_properties(spec: &CageSpec) -> BTreeMap<String, String> {
    let plan = spec.plan().unwrap();
    let Some(Step::CreateDataset { properties, .. }) = plan.steps.first() else {
        panic!(
            "the plan starts with the cage's dataset: {:?}",
            plan.steps.first()
        );
    };
    properties
        .iter()
        .filter(|(k, _)| k.starts_with("org.cagebun:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn spec_with_password(password: &str) -> CageSpec {
    let mut spec = CageSpec::default();
    spec.rabbitmq.password = Password(password.to_owned());
    spec
}

#[test]
fn the_plan_stores_the_spec_and_it_is_rebuilt_except_the_password() {
    let original = spec_with_password("s3cret-Pa55word");
    let props = dataset_properties(&original);

    // The identity properties stay, the spec is one chunk, no password.
    assert_eq!(
        props.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "org.cagebun:config_format",
            "org.cagebun:hostname",
            "org.cagebun:jail_name",
            "org.cagebun:private_ipv4",
            "org.cagebun:private_ipv6",
            "org.cagebun:public_address",
            "org.cagebun:rabbitmq_version",
            "org.cagebun:release",
            "org.cagebun:spec.0",
            "org.cagebun:spec.chunks",
        ]
    );
    assert_eq!(props["org.cagebun:spec.chunks"], "1");
    assert!(props.values().all(|v| !v.contains("s3cret-Pa55word")));
    assert!(props["org.cagebun:spec.0"].contains("\"password\":\"\""));
    assert!(props.values().all(|v| v.len() <= MAX_USER_PROPERTY_VALUE));

    // Rebuilt with the password given again: the original.
    let rebuilt = spec_from_properties(&props, Password("s3cret-Pa55word".to_owned())).unwrap();
    assert_eq!(rebuilt, original);

    // Rebuilt with another password: the original but for the password.
    let other = spec_from_properties(&props, Password("other".to_owned())).unwrap();
    assert_eq!(other, spec_with_password("other"));
}

#[test]
fn a_spec_in_several_chunks_is_joined_in_order() {
    let original = CageSpec::default();
    let one = spec_properties(&original);
    let json = one["org.cagebun:spec.0"].clone();
    let (a, b) = json.split_at(json.len() / 2);
    let mut props = BTreeMap::new();
    props.insert("org.cagebun:spec.chunks".to_owned(), "2".to_owned());
    props.insert("org.cagebun:spec.0".to_owned(), a.to_owned());
    props.insert("org.cagebun:spec.1".to_owned(), b.to_owned());
    let rebuilt = spec_from_properties(&props, original.rabbitmq.password.clone()).unwrap();
    assert_eq!(rebuilt, original);
}

#[test]
fn missing_or_corrupt_chunks_are_typed_errors() {
    let spec = CageSpec::default();
    let good = spec_properties(&spec);
    let rebuild = |props: &BTreeMap<String, String>| {
        spec_from_properties(props, Password("p".to_owned())).unwrap_err()
    };

    let mut props = good.clone();
    props.remove("org.cagebun:spec.chunks");
    assert_eq!(rebuild(&props), StoredSpecError::MissingChunkCount);
    assert_eq!(
        rebuild(&props).to_string(),
        "org.cagebun:spec.chunks: missing"
    );

    let mut props = good.clone();
    props.insert("org.cagebun:spec.chunks".to_owned(), "0".to_owned());
    assert_eq!(
        rebuild(&props).to_string(),
        "org.cagebun:spec.chunks: \"0\" is not a positive integer"
    );

    let mut props = good.clone();
    props.insert("org.cagebun:spec.chunks".to_owned(), "2".to_owned());
    assert_eq!(
        rebuild(&props),
        StoredSpecError::MissingChunk {
            property: "org.cagebun:spec.1".to_owned(),
            count: 2,
        }
    );
    assert_eq!(
        rebuild(&props).to_string(),
        "org.cagebun:spec.1: missing (2 chunks expected)"
    );

    let mut props = good.clone();
    let json = props["org.cagebun:spec.0"].clone();
    props.insert("org.cagebun:spec.0".to_owned(), json[..20].to_owned());
    let error = rebuild(&props);
    assert!(matches!(error, StoredSpecError::Corrupt { .. }), "{error}");
    assert_eq!(
        error.to_string(),
        "org.cagebun:spec.*: not a stored spec: EOF while parsing a string at line 1 column 20"
    );
}

#[test]
fn a_spec_longer_than_one_property_value_is_cut_on_character_boundaries() {
    let mut original = CageSpec::default();
    // One ASCII byte first puts byte 8191 in the middle of an `é`.
    original.rabbitmq.vhost = format!("a{}", "é".repeat(5000));
    let props = spec_properties(&original);
    let json = serde_json::to_string(&{
        let mut stored = original.clone();
        stored.rabbitmq.password = Password(String::new());
        stored
    })
    .unwrap();
    assert_eq!(props["org.cagebun:spec.chunks"], "2");
    assert_eq!(
        props["org.cagebun:spec.0"].len(),
        8190,
        "the cut falls before the `é`"
    );
    assert!(!json.is_char_boundary(MAX_USER_PROPERTY_VALUE));
    assert_eq!(
        format!(
            "{}{}",
            props["org.cagebun:spec.0"], props["org.cagebun:spec.1"]
        ),
        json
    );
    assert_eq!(props.len(), 3);
    let rebuilt = spec_from_properties(&props, original.rabbitmq.password.clone()).unwrap();
    assert_eq!(rebuilt, original);
}
