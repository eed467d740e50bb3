//! Known pitfalls of hand-written RabbitMQ cages, each with its expected
//! rendering, and the spec's TOML errors.

use cagebun::erlang_syntax::{parse_single_term, parse_terms};
use cagebun::plugins::PluginError;
use cagebun::rabbitmq_conf::listener_value;
use cagebun::spec::{ConfigFormat, SpecError};
use cagebun::{CageSpec, DEFAULT_SPEC_TOML, FileRole, Plan};

fn text(plan: &Plan, role: FileRole) -> String {
    plan.file(role).and_then(|f| f.text()).unwrap().to_owned()
}

/// A cage with only a private IPv6 address, `fd00::53` on `lo1`.
fn ipv6_only(private: &str) -> CageSpec {
    let mut spec = CageSpec::default();
    spec.private.interface = cagebun::names::InterfaceName::new("lo1").unwrap();
    spec.private.ipv4 = None;
    spec.private.ipv6 = Some(private.parse().unwrap());
    spec
}

/// Line (from 1) of the first line of `text` starting with `start`.
fn line_of(text: &str, start: &str) -> usize {
    text.lines().position(|l| l.starts_with(start)).unwrap() + 1
}

fn with_toml(edit: impl Fn(&str) -> String) -> Result<CageSpec, SpecError> {
    CageSpec::from_toml_str(&edit(DEFAULT_SPEC_TOML), "cage.toml")
}

#[test]
fn hostname_label_of_64_is_refused_with_key_and_line() {
    let label = "a".repeat(64);
    let err = with_toml(|t| t.replace("rabbit.example.org", &label)).unwrap_err();
    let SpecError::Toml {
        line, key, message, ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(*line, line_of(DEFAULT_SPEC_TOML, "hostname = "));
    assert_eq!(key.as_deref(), Some("hostname"));
    assert_eq!(
        message,
        &format!("hostname {label:?}: label of 64 bytes, more than 63")
    );
}

#[test]
fn node_name_host_part_follows_dns_rules() {
    let label = "b".repeat(64);
    let err = with_toml(|t| t.replace("rabbit@localhost", &format!("rabbit@{label}"))).unwrap_err();
    assert!(
        matches!(&err, SpecError::Toml { key: Some(k), .. } if k == "rabbitmq.node_name"),
        "{err}"
    );
}

#[test]
fn dotted_jail_name_is_refused_hostname_stays_separate() {
    let err =
        with_toml(|t| t.replace("name = \"rabbit\"", "name = \"mq.example.org\"")).unwrap_err();
    let line = line_of(DEFAULT_SPEC_TOML, "name = ");
    assert_eq!(
        err.to_string(),
        format!(
            "cage.toml: line {line}, column 8, key name: jail name \"mq.example.org\": \
             '.' separates parent and child jails; use '_' or '-'"
        )
    );
}

#[test]
fn toml_errors_name_key_and_line() {
    let err = with_toml(|t| t.replace("amqp = 5672", "amqp = \"5672\"")).unwrap_err();
    let SpecError::Toml { line, key, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        (*line, key.as_deref()),
        (
            line_of(DEFAULT_SPEC_TOML, "amqp = "),
            Some("rabbitmq.listeners.amqp")
        )
    );

    let err =
        with_toml(|t| t.replace("prefix_len = 64", "prefix_len = 64\nprefix = 64")).unwrap_err();
    let SpecError::Toml {
        line, key, message, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(
        (*line, key.as_deref()),
        (
            line_of(DEFAULT_SPEC_TOML, "prefix_len = ") + 1,
            Some("public.prefix")
        )
    );
    assert!(message.starts_with("unknown field `prefix`"), "{message}");
}

#[test]
fn missing_field_is_named_without_a_wrong_key() {
    let err = CageSpec::from_toml_str("name = \"rabbit\"\n", "cage.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cage.toml: line 1, column 1: missing field `hostname`"
    );
}

#[test]
fn epmd_address_is_the_ipv6_address_the_jail_owns() {
    let plan = ipv6_only("fd00::53").plan().unwrap();
    let env = text(&plan, FileRole::RabbitmqEnv);
    assert!(
        env.contains("\nexport ERL_EPMD_ADDRESS='fd00::53'\n"),
        "{env}"
    );
    assert!(!env.contains("0:0:0"));
}

#[test]
fn ipv4_literal_refused_for_ipv6_only_cage() {
    let mut spec = ipv6_only("fd00::53");
    spec.rabbitmq.distribution_address = Some("127.0.0.7".parse().unwrap());
    let err = spec.plan().unwrap_err();
    assert_eq!(
        err.to_string(),
        "rabbitmq.distribution_address: 127.0.0.7 is not one of the cage's private addresses"
    );
}

#[test]
fn compressed_form_whatever_the_spelling_in_toml() {
    let spec = with_toml(|t| {
        t.replace("ipv4 = \"127.0.0.7\"\n", "")
            .replace("ipv6 = \"::7\"", "ipv6 = \"fd00:0:0:0:0:0:0:53\"")
    })
    .unwrap();
    let env = text(&spec.plan().unwrap(), FileRole::RabbitmqEnv);
    assert!(
        env.contains("\nexport ERL_EPMD_ADDRESS='fd00::53'\n"),
        "{env}"
    );
}

#[test]
fn ipv6_distribution() {
    let plan = ipv6_only("2001:db8::1").plan().unwrap();
    let env = text(&plan, FileRole::RabbitmqEnv);
    let expected = "\
# rabbitmq-env.conf for cage rabbit, written by cagebun.
# Sourced by /bin/sh: every value is single-quoted.
NODENAME='rabbit@localhost'
DIST_PORT='25672'
SERVER_ADDITIONAL_ERL_ARGS='-proto_dist inet6_tcp -kernel inet_dist_use_interface {8193,3512,0,0,0,0,0,1}'
CTL_ERL_ARGS='-proto_dist inet6_tcp'
export ERL_EPMD_ADDRESS='2001:db8::1'
export ERL_EPMD_PORT='4369'
export ERL_INETRC='/usr/local/etc/rabbitmq/erl_inetrc'
";
    assert_eq!(env, expected);
    let inetrc = text(&plan, FileRole::ErlInetrc);
    assert!(
        inetrc.contains("\n{host, {8193,3512,0,0,0,0,0,1}, [\"localhost\"]}.\n{inet6, true}.\n"),
        "{inetrc}"
    );
}

#[test]
fn unprefixed_names_and_no_self_references() {
    let env = text(&CageSpec::default().plan().unwrap(), FileRole::RabbitmqEnv);
    for line in env.lines().filter(|l| !l.starts_with('#')) {
        let name = line
            .trim_start_matches("export ")
            .split('=')
            .next()
            .unwrap();
        assert!(!name.starts_with("RABBITMQ_"), "{line}");
        assert_eq!(
            line.starts_with("export "),
            name.starts_with("ERL_"),
            "{line}"
        );
    }
    assert!(!env.contains("${"));
    assert!(!env.contains("HOSTNAME"));
    assert!(!env.contains("ERL_EPMD_DIST_BIND"));
}

#[test]
fn validator_rejects_the_three_bad_inputs() {
    let bad = [
        "[{rabbit, [{tcp_listeners, [{\"::1\", 5672}]},]}].\n",
        "[{rabbit, [{tcp_listeners, [{\"::1\", 5672}]},]}]\n",
        "listeners.tcp.default = 5672\n",
    ];
    for input in bad {
        assert!(parse_terms(input).is_err(), "accepted {input:?}");
    }
}

fn erlang_files(plan: &Plan) -> Vec<(FileRole, String)> {
    [
        FileRole::RabbitmqConfig,
        FileRole::AdvancedConfig,
        FileRole::EnabledPlugins,
        FileRole::ErlInetrc,
    ]
    .into_iter()
    .filter_map(|role| {
        plan.file(role)
            .and_then(|f| f.text())
            .map(|t| (role, t.to_owned()))
    })
    .collect()
}

#[test]
fn every_rendered_erlang_file_passes_the_validator() {
    let mut conf = CageSpec::default();
    conf.rabbitmq.config_format = ConfigFormat::Conf;
    conf.rabbitmq.password.0 = "a#b".to_owned();
    for spec in [CageSpec::default(), conf, ipv6_only("fd00::53")] {
        let plan = spec.plan().unwrap();
        for (role, content) in erlang_files(&plan) {
            assert!(content.ends_with(".\n"), "{role:?}");
            let parsed = if role == FileRole::ErlInetrc {
                parse_terms(&content).map(|_| ())
            } else {
                parse_single_term(&content).map(|_| ())
            };
            assert_eq!(parsed, Ok(()), "{role:?}:\n{content}");
        }
    }
}

#[test]
fn removed_and_malformed_plugins() {
    let mut spec = CageSpec::default();
    spec.rabbitmq.plugins = vec![
        "rabbitmq_management".into(),
        "rabbitmq_management_visualiser".into(),
    ];
    let err = spec.plan().unwrap_err();
    assert!(matches!(
        &err,
        SpecError::Plugin(PluginError::RemovedPlugin { name, since: "3.7.0" })
            if name == "rabbitmq_management_visualiser"
    ));
    assert_eq!(
        err.to_string(),
        "plugin rabbitmq_management_visualiser was removed in RabbitMQ 3.7.0"
    );

    spec.rabbitmq.plugins = vec!["rabbitmq-management".into()];
    assert!(matches!(
        spec.plan().unwrap_err(),
        SpecError::Plugin(PluginError::InvalidPluginName { name }) if name == "rabbitmq-management"
    ));
}

#[test]
fn single_plugin_file_is_exact() {
    let mut spec = CageSpec::default();
    spec.rabbitmq.plugins = vec!["rabbitmq_management".into()];
    spec.rabbitmq.listeners.stomp = None;
    spec.rabbitmq.listeners.mqtt = None;
    let plan = spec.plan().unwrap();
    assert_eq!(
        text(&plan, FileRole::EnabledPlugins),
        "[rabbitmq_management].\n"
    );
}

#[test]
fn plugin_without_bound_listener_is_refused() {
    let mut spec = CageSpec::default();
    spec.rabbitmq.listeners.stomp = None;
    assert_eq!(
        spec.plan().unwrap_err().to_string(),
        "rabbitmq.plugins: rabbitmq_stomp is enabled but rabbitmq.listeners.stomp is not set; \
         it would listen on every address"
    );
    let mut spec = CageSpec::default();
    spec.rabbitmq.plugins.push("rabbitmq_web_stomp".into());
    assert!(matches!(
        spec.plan().unwrap_err(),
        SpecError::PluginListenerUnsupported { .. }
    ));
}

#[test]
fn same_address_two_spellings() {
    let addr = "[fd00::53]:5672".parse().unwrap();
    assert_eq!(
        listener_value("listeners.tcp.1", addr).unwrap(),
        "fd00::53:5672"
    );
    assert_eq!(addr.to_string(), "[fd00::53]:5672");
    let link_local = "[fe80::1]:5672".parse().unwrap();
    assert!(listener_value("listeners.tcp.1", link_local).is_err());

    let plan = ipv6_only("fd00::53");
    let mut spec = plan;
    spec.rabbitmq.config_format = ConfigFormat::Conf;
    let plan = spec.plan().unwrap();
    let conf = text(&plan, FileRole::RabbitmqConf);
    assert!(
        conf.contains("\nlisteners.tcp.1 = fd00::53:5672\n"),
        "{conf}"
    );
    let rc = text(&plan, FileRole::SpipedRcConf);
    assert!(
        rc.contains("\nspiped_pipe_RMQ_target='[fd00::53]:5672'\n"),
        "{rc}"
    );
}

#[test]
fn link_local_private_address_is_refused() {
    let spec = ipv6_only("fe80::7");
    assert!(matches!(
        spec.plan().unwrap_err(),
        SpecError::UnusableAddress {
            key: "private.ipv6",
            ..
        }
    ));
}

#[test]
fn conf_format_files_and_routing_to_advanced_config() {
    let mut spec = CageSpec::default();
    spec.rabbitmq.config_format = ConfigFormat::Conf;
    let plan = spec.plan().unwrap();
    let expected_conf = "\
# rabbitmq.conf for cage rabbit, written by cagebun.
# Values are never quoted; settings this format cannot hold are in advanced.config.
listeners.tcp.1 = ::7:5672
management.tcp.ip = ::7
management.tcp.port = 15672
stomp.listeners.tcp.1 = ::7:61613
mqtt.listeners.tcp.1 = ::7:1883
default_vhost = /
default_user = elmer
default_pass = fudd
default_permissions.configure = .*
default_permissions.write = .*
default_permissions.read = .*
default_user_tags.administrator = true
";
    assert_eq!(text(&plan, FileRole::RabbitmqConf), expected_conf);
    assert_eq!(
        text(&plan, FileRole::AdvancedConfig),
        "%% advanced.config for cage rabbit, written by cagebun.\n\
         %% Holds the settings rabbitmq.conf cannot write safely; it overrides rabbitmq.conf.\n\
         [].\n"
    );

    // A password with '#' cannot be written in rabbitmq.conf: it moves.
    spec.rabbitmq.password.0 = "fu#dd ".to_owned();
    let plan = spec.plan().unwrap();
    let conf = text(&plan, FileRole::RabbitmqConf);
    assert!(!conf.contains("default_pass"), "{conf}");
    assert_eq!(
        text(&plan, FileRole::AdvancedConfig),
        "%% advanced.config for cage rabbit, written by cagebun.\n\
         %% Holds the settings rabbitmq.conf cannot write safely; it overrides rabbitmq.conf.\n\
         [\n {rabbit, [\n   {default_pass, <<\"fu#dd \">>}\n  ]}\n].\n"
    );
}

#[test]
fn shell_values_with_line_feed_are_refused() {
    let mut spec = CageSpec::default();
    spec.rabbitmq.distribution_address = None;
    // Node names and paths are validated types; a line feed cannot reach the
    // shell files through them.
    assert!(cagebun::names::NodeName::new("rabbit@local\nhost").is_err());
    assert!(cagebun::names::AbsolutePath::new("/etc/key\n").is_err());
    assert!(spec.plan().is_ok());
}
