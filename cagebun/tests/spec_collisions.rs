//! Planned files that would collide, and spiped key paths that cannot hold
//! the key, are refused.

use std::path::PathBuf;

use cagebun::names::AbsolutePath;
use cagebun::{CageSpec, FileRole, SpecError};

fn with_key(key: &str) -> CageSpec {
    let mut spec = CageSpec::default();
    spec.spiped.key = AbsolutePath::new(key).unwrap();
    spec
}

#[test]
fn a_key_on_the_spiped_rc_conf_d_file_is_refused() {
    let err = with_key("/etc/rc.conf.d/spiped").plan().unwrap_err();
    assert!(matches!(
        &err,
        SpecError::DuplicateFilePath { path, first: FileRole::SpipedKey, second: FileRole::SpipedRcConf }
            if path == &PathBuf::from("/etc/rc.conf.d/spiped")
    ));
    assert_eq!(
        err.to_string(),
        "/etc/rc.conf.d/spiped: planned both as SpipedKey and as SpipedRcConf"
    );
}

#[test]
fn a_key_whose_path_is_a_directory_of_another_file_is_refused() {
    let err = with_key("/etc/rc.conf.d").plan().unwrap_err();
    assert_eq!(
        err.to_string(),
        "/etc/rc.conf.d: planned as SpipedKey, but /etc/rc.conf.d/spiped (SpipedRcConf) lies below it"
    );
}

#[test]
fn a_key_inside_the_jail_root_is_refused() {
    let err = with_key("/cagebun/cages/rabbit/root/usr/local/etc/rabbitmq/rabbitmq.config")
        .plan()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "spiped.key: /cagebun/cages/rabbit/root/usr/local/etc/rabbitmq/rabbitmq.config: \
         lies inside the jail root /cagebun/cages/rabbit/root; the key belongs on the host, \
         out of the jail's reach"
    );
}

#[test]
fn a_root_key_is_refused_at_load() {
    let toml = cagebun::DEFAULT_SPEC_TOML
        .replace("key = \"/usr/local/etc/spiped/rabbit.key\"", "key = \"/\"");
    assert_ne!(toml, cagebun::DEFAULT_SPEC_TOML);
    let err = CageSpec::from_toml_str(&toml, "cage.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cage.toml: spiped.key: /: is the root directory, not a file"
    );
}

#[test]
fn relative_and_dot_dot_keys_are_refused_at_load() {
    for (key, reason) in [
        ("spiped/rabbit.key", "not absolute"),
        ("/usr/local/../etc/rabbit.key", "'.' and '..' components"),
    ] {
        let toml = cagebun::DEFAULT_SPEC_TOML.replace(
            "key = \"/usr/local/etc/spiped/rabbit.key\"",
            &format!("key = \"{key}\""),
        );
        let err = CageSpec::from_toml_str(&toml, "cage.toml").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("cage.toml: line "), "{text}");
        assert!(
            text.ends_with(&format!(", key spiped.key: path {key:?}: {reason}")),
            "{text}"
        );
    }
}
