//! Cage records rebuilt from the user properties the plan writes.

use std::collections::BTreeMap;

use cagebun::inventory::{CageRecord, RecordError};
use cagebun::spec::ConfigFormat;
use cagebun::{CageSpec, Step};

/// The properties the plan sets on the cage's dataset, without the native
/// `mountpoint`.
fn planned_user_properties(spec: &CageSpec) -> BTreeMap<String, String> {
    let plan = spec.plan().unwrap();
    let Step::CreateDataset { properties, .. } = &plan.steps[0] else {
        panic!("the first step creates the cage's dataset");
    };
    properties
        .iter()
        .filter(|(k, _)| k.starts_with("org.cagebun:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn default_spec_round_trips_through_its_properties() {
    let spec = CageSpec::default();
    let props = planned_user_properties(&spec);
    let record = CageRecord::from_properties(
        "zroot/cagebun/cages/rabbit",
        Some("/cagebun/cages/rabbit"),
        &props,
    )
    .unwrap();
    assert_eq!(record.name, spec.name);
    assert_eq!(record.hostname, spec.hostname);
    assert_eq!(record.release, spec.release);
    assert_eq!(record.public, spec.public);
    assert_eq!(record.private, spec.private);
    assert_eq!(record.rabbitmq_version, spec.rabbitmq.version);
    assert_eq!(record.config_format, ConfigFormat::Classic);
    assert_eq!((record.priority, record.boot), (99, false));
    assert_eq!(
        serde_json::to_value(&record).unwrap(),
        serde_json::json!({
            "dataset": "zroot/cagebun/cages/rabbit",
            "mountpoint": "/cagebun/cages/rabbit",
            "name": "rabbit",
            "hostname": "rabbit.example.org",
            "release": "14.3-RELEASE",
            "public": {"interface": "em0", "address": "2001:db8::7", "prefix_len": 64},
            "private": {"interface": "lo0", "ipv4": "127.0.0.7", "ipv6": "::7"},
            "rabbitmq_version": "3.10.8",
            "config_format": "classic",
            "priority": 99,
            "boot": false
        })
    );
}

#[test]
fn ipv6_only_cage_with_priority_and_boot() {
    let mut spec = CageSpec::default();
    spec.private.ipv4 = None;
    let mut props = planned_user_properties(&spec);
    assert!(!props.contains_key("org.cagebun:private_ipv4"));
    props.insert("org.cagebun:priority".into(), "10".into());
    props.insert("org.cagebun:boot".into(), "on".into());
    let record = CageRecord::from_properties("tank/cagebun/cages/rabbit", None, &props).unwrap();
    assert_eq!(record.private.ipv4, None);
    assert_eq!(record.private.ipv6, Some("::7".parse().unwrap()));
    let entry = record.boot_entry();
    assert_eq!(
        (entry.name.as_str(), entry.priority, entry.boot),
        ("rabbit", 10, true)
    );
}

#[test]
fn missing_and_bad_values_name_dataset_property_and_value() {
    let spec = CageSpec::default();
    let ds = "tank/cagebun/cages/rabbit";
    let mut props = planned_user_properties(&spec);
    props.remove("org.cagebun:release");
    assert_eq!(
        CageRecord::from_properties(ds, None, &props).unwrap_err(),
        RecordError::Missing {
            dataset: ds.to_owned(),
            property: "org.cagebun:release"
        }
    );

    let cases = [
        (
            "org.cagebun:public_address",
            "em0|2001:db8::7",
            "expected interface|address/prefix",
        ),
        (
            "org.cagebun:public_address",
            "em0|192.0.2.7/24",
            "192.0.2.7 is not an IPv6 address",
        ),
        (
            "org.cagebun:private_ipv4",
            "lo0|127.0.0.7/8",
            "prefix length 8, expected 32",
        ),
        (
            "org.cagebun:config_format",
            "ini",
            "expected classic or conf",
        ),
        (
            "org.cagebun:priority",
            "-1",
            "expected a non-negative integer",
        ),
        ("org.cagebun:boot", "yes", "expected on or off"),
        (
            "org.cagebun:private_ipv6",
            "lo1|::7/128",
            "interface lo1 differs from private_ipv4's interface lo0",
        ),
    ];
    for (property, value, reason) in cases {
        let mut props = planned_user_properties(&spec);
        props.insert(property.to_owned(), value.to_owned());
        assert_eq!(
            CageRecord::from_properties(ds, None, &props).unwrap_err(),
            RecordError::Invalid {
                dataset: ds.to_owned(),
                property,
                value: value.to_owned(),
                reason: reason.to_owned(),
            },
            "{property}={value}"
        );
    }

    let mut no_private = planned_user_properties(&spec);
    no_private.remove("org.cagebun:private_ipv4");
    no_private.remove("org.cagebun:private_ipv6");
    assert_eq!(
        CageRecord::from_properties(ds, None, &no_private)
            .unwrap_err()
            .to_string(),
        "tank/cagebun/cages/rabbit: property org.cagebun:private_ipv4 is not set"
    );
}
