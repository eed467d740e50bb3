//! IPv4-mapped addresses, empty or NUL credentials and option-like jail
//! names are refused.

use std::net::Ipv6Addr;

use cagebun::CageSpec;
use cagebun::names::{JailName, NameError};
use cagebun::spec::Password;

#[test]
fn ipv4_mapped_addresses_are_refused() {
    let mapped: Ipv6Addr = "::ffff:192.0.2.1".parse().unwrap();
    let mut spec = CageSpec::default();
    spec.public.address = mapped;
    assert_eq!(
        spec.plan().unwrap_err().to_string(),
        "public.address: ::ffff:192.0.2.1 is an IPv4-mapped IPv6 address; jail(8) needs a real \
         IPv6 address (give an IPv4 address as private.ipv4)"
    );
    let mut spec = CageSpec::default();
    spec.private.ipv6 = Some(mapped);
    assert!(
        spec.plan()
            .unwrap_err()
            .to_string()
            .starts_with("private.ipv6: ::ffff:192.0.2.1 is an IPv4-mapped")
    );
}

#[test]
fn empty_and_nul_credentials_are_refused() {
    let mut spec = CageSpec::default();
    spec.rabbitmq.user = String::new();
    assert_eq!(
        spec.plan().unwrap_err().to_string(),
        "rabbitmq.user is empty"
    );
    let mut spec = CageSpec::default();
    spec.rabbitmq.vhost = String::new();
    assert_eq!(
        spec.plan().unwrap_err().to_string(),
        "rabbitmq.vhost is empty"
    );
    let mut spec = CageSpec::default();
    spec.rabbitmq.password = Password("se\0cret".to_owned());
    let text = spec.plan().unwrap_err().to_string();
    assert_eq!(text, "rabbitmq.password contains a NUL byte");
}

#[test]
fn a_jail_name_starting_with_a_dash_is_refused() {
    assert_eq!(
        JailName::new("-rabbit"),
        Err(NameError {
            kind: "jail name",
            value: "-rabbit".to_owned(),
            reason: "starts with '-', which jail(8) and jls(8) read as an option".to_owned(),
        })
    );
}

#[test]
fn a_rule_broken_in_a_spec_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cage.toml");
    let toml = cagebun::DEFAULT_SPEC_TOML.replace("user = \"elmer\"", "user = \"\"");
    assert_ne!(toml, cagebun::DEFAULT_SPEC_TOML);
    std::fs::write(&path, toml).unwrap();
    let err = CageSpec::from_toml_file(&path).unwrap_err();
    assert!(matches!(&err, cagebun::SpecError::InSource { .. }));
    assert_eq!(
        err.to_string(),
        format!("{}: rabbitmq.user is empty", path.display())
    );
}
