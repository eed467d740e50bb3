//! The default cage: exact file contents, jail parameters, pipes and
//! listeners, each written out from the rules of the file's consumer.

use std::net::IpAddr;

use cagebun::audit::Listener;
use cagebun::plan::{FileContent, JailParamValue, PipeMode};
use cagebun::{CageSpec, DEFAULT_SPEC_TOML, FileRole, Plan};

fn default_plan() -> Plan {
    CageSpec::default().plan().expect("the default spec plans")
}

fn text(plan: &Plan, role: FileRole) -> String {
    plan.file(role)
        .and_then(|f| f.text())
        .unwrap_or_else(|| panic!("no text file {role:?}"))
        .to_owned()
}

#[test]
fn rabbitmq_env_conf() {
    // Unprefixed names, single-quoted values, no ${VAR}; epmd on the private
    // IPv4 address; the distribution bound by inet_dist_use_interface.
    let expected = "\
# rabbitmq-env.conf for cage rabbit, written by cagebun.
# Sourced by /bin/sh: every value is single-quoted.
NODENAME='rabbit@localhost'
DIST_PORT='25672'
SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,7}'
export ERL_EPMD_ADDRESS='127.0.0.7'
export ERL_EPMD_PORT='4369'
export ERL_INETRC='/usr/local/etc/rabbitmq/erl_inetrc'
";
    assert_eq!(text(&default_plan(), FileRole::RabbitmqEnv), expected);
}

#[test]
fn classic_rabbitmq_config_binds_every_listener() {
    let expected = r#"%% rabbitmq.config for cage rabbit, written by cagebun.
%% Every listener is bound to a private address.
[
 {rabbit, [
   {tcp_listeners, [{"::7", 5672}]},
   {default_vhost, <<"/">>},
   {default_user, <<"elmer">>},
   {default_pass, <<"fudd">>},
   {default_permissions, [<<".*">>, <<".*">>, <<".*">>]},
   {default_user_tags, [administrator]}
  ]},
 {rabbitmq_management, [
   {listener, [{port, 15672}, {ip, "::7"}]}
  ]},
 {rabbitmq_stomp, [
   {tcp_listeners, [{"::7", 61613}]}
  ]},
 {rabbitmq_mqtt, [
   {tcp_listeners, [{"::7", 1883}]}
  ]}
].
"#;
    let plan = default_plan();
    assert_eq!(text(&plan, FileRole::RabbitmqConfig), expected);
    assert!(plan.file(FileRole::RabbitmqConf).is_none());
    assert!(plan.file(FileRole::AdvancedConfig).is_none());
}

#[test]
fn enabled_plugins_without_the_visualiser() {
    assert_eq!(
        text(&default_plan(), FileRole::EnabledPlugins),
        "[rabbitmq_management,rabbitmq_stomp,rabbitmq_amqp1_0,rabbitmq_mqtt].\n"
    );
}

#[test]
fn erl_inetrc_resolves_the_node_host_to_the_distribution_address() {
    let expected = "\
%% erl_inetrc for cage rabbit, written by cagebun.
{hosts_file, \"\"}.
{host, {127,0,0,7}, [\"localhost\"]}.
{lookup, [file, native]}.
";
    assert_eq!(text(&default_plan(), FileRole::ErlInetrc), expected);
}

#[test]
fn spiped_rc_conf_uses_the_port_script_variables() {
    let expected = "\
# spiped pipes for cage rabbit, written by cagebun.
# Read by the spiped rc script through load_rc_config; every value is single-quoted.
spiped_enable='YES'
spiped_pipes='RMQ RMQADMIN'
spiped_pipe_RMQ_mode='server'
spiped_pipe_RMQ_source='[2001:db8::7]:5672'
spiped_pipe_RMQ_target='[::7]:5672'
spiped_pipe_RMQ_key='/usr/local/etc/spiped/rabbit.key'
spiped_pipe_RMQADMIN_mode='server'
spiped_pipe_RMQADMIN_source='[2001:db8::7]:15672'
spiped_pipe_RMQADMIN_target='[::7]:15672'
spiped_pipe_RMQADMIN_key='/usr/local/etc/spiped/rabbit.key'
";
    let plan = default_plan();
    let file = plan.file(FileRole::SpipedRcConf).unwrap();
    assert_eq!(file.path.to_str(), Some("/etc/rc.conf.d/spiped"));
    assert_eq!(text(&plan, FileRole::SpipedRcConf), expected);
}

#[test]
fn jail_rc_conf() {
    let expected = "\
# rc.conf for cage rabbit, written by cagebun.
# Sourced by /bin/sh: every value is single-quoted.
rabbitmq_enable='YES'
syslogd_flags='-ss'
sendmail_enable='NONE'
";
    let plan = default_plan();
    let file = plan.file(FileRole::JailRcConf).unwrap();
    assert_eq!(
        file.path.to_str(),
        Some("/cagebun/cages/rabbit/root/etc/rc.conf")
    );
    assert_eq!(
        (file.owner.as_str(), file.group.as_str(), file.mode),
        ("root", "wheel", 0o644)
    );
    assert_eq!(text(&plan, FileRole::JailRcConf), expected);
}

#[test]
fn file_paths_owners_and_modes() {
    let plan = default_plan();
    let etc = "/cagebun/cages/rabbit/root/usr/local/etc/rabbitmq";
    for (role, name) in [
        (FileRole::RabbitmqEnv, "rabbitmq-env.conf"),
        (FileRole::RabbitmqConfig, "rabbitmq.config"),
        (FileRole::EnabledPlugins, "enabled_plugins"),
        (FileRole::ErlInetrc, "erl_inetrc"),
    ] {
        let file = plan.file(role).unwrap();
        assert_eq!(file.path.to_str().unwrap(), format!("{etc}/{name}"));
        assert_eq!(
            (file.owner.as_str(), file.group.as_str(), file.mode),
            ("root", "rabbitmq", 0o440)
        );
    }
    let key = plan.file(FileRole::SpipedKey).unwrap();
    assert_eq!(key.path.to_str(), Some("/usr/local/etc/spiped/rabbit.key"));
    assert_eq!(
        (key.owner.as_str(), key.group.as_str(), key.mode),
        ("root", "wheel", 0o400)
    );
    assert_eq!(key.content, FileContent::RandomKey { bytes: 32 });
}

#[test]
fn jail_parameters_put_private_addresses_first() {
    let plan = default_plan();
    let jail = plan.jail().unwrap();
    let param = |name: &str| {
        jail.params
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.clone())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(
        param("ip4.addr"),
        JailParamValue::Ip4(vec!["127.0.0.7".parse().unwrap()])
    );
    assert_eq!(
        param("ip6.addr"),
        JailParamValue::Ip6(vec!["::7".parse().unwrap(), "2001:db8::7".parse().unwrap()])
    );
    assert_eq!(
        param("host.hostname"),
        JailParamValue::String("rabbit.example.org".into())
    );
    assert_eq!(
        param("path"),
        JailParamValue::String("/cagebun/cages/rabbit/root".into())
    );
    let aliases: Vec<(String, String)> = jail
        .pseudo
        .iter()
        .filter(|p| p.name.ends_with(".addr"))
        .map(|p| (p.name.clone(), p.value.clone()))
        .collect();
    assert_eq!(
        aliases,
        vec![
            ("ip4.addr".to_owned(), "lo0|127.0.0.7/32".to_owned()),
            ("ip6.addr".to_owned(), "lo0|::7/128".to_owned()),
            ("ip6.addr".to_owned(), "em0|2001:db8::7/64".to_owned()),
        ]
    );
    assert!(
        jail.params
            .iter()
            .all(|p| !p.name.starts_with("exec.") && !p.name.starts_with("mount."))
    );
}

#[test]
fn pipes_bind_public_and_loopback_never_the_wildcard() {
    let plan = default_plan();
    let pipes: Vec<(String, PipeMode, String, String)> = plan
        .pipes()
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.mode,
                p.source.to_string(),
                p.target.to_string(),
            )
        })
        .collect();
    let row = |n: &str, m, s: &str, t: &str| (n.to_owned(), m, s.to_owned(), t.to_owned());
    assert_eq!(
        pipes,
        vec![
            row("RMQ", PipeMode::Server, "[2001:db8::7]:5672", "[::7]:5672"),
            row(
                "RMQADMIN",
                PipeMode::Server,
                "[2001:db8::7]:15672",
                "[::7]:15672"
            ),
            row("RMQ", PipeMode::Client, "[::1]:5672", "[2001:db8::7]:5672"),
            row(
                "RMQADMIN",
                PipeMode::Client,
                "[::1]:15672",
                "[2001:db8::7]:15672"
            ),
        ]
    );
}

#[test]
fn intended_listeners_table() {
    let l = |addr: &str, port: u16, process: &str| Listener {
        addr: addr.parse::<IpAddr>().unwrap(),
        port,
        process: process.to_owned(),
    };
    let mut expected = vec![
        l("::7", 5672, "beam.smp"),
        l("::7", 15672, "beam.smp"),
        l("::7", 61613, "beam.smp"),
        l("::7", 1883, "beam.smp"),
        l("127.0.0.7", 25672, "beam.smp"),
        l("127.0.0.7", 4369, "epmd"),
        l("127.0.0.1", 4369, "epmd"),
        l("::1", 4369, "epmd"),
        l("2001:db8::7", 5672, "spiped"),
        l("2001:db8::7", 15672, "spiped"),
    ];
    expected.sort();
    assert_eq!(CageSpec::default().intended_listeners(), expected);
}

#[test]
fn dataset_properties_record_the_spec_without_the_password() {
    let plan = default_plan();
    let cagebun::Step::CreateDataset { name, properties } = &plan.steps[0] else {
        panic!("first step is not a dataset");
    };
    assert_eq!(name, "zroot/cagebun/cages/rabbit");
    assert_eq!(properties["mountpoint"], "/cagebun/cages/rabbit");
    assert_eq!(properties["org.cagebun:jail_name"], "rabbit");
    assert_eq!(properties["org.cagebun:private_ipv6"], "lo0|::7/128");
    for (key, value) in properties {
        if key != "mountpoint" {
            assert!(key.starts_with("org.cagebun:"), "{key}");
            assert!(
                key.bytes()
                    .all(|b| b.is_ascii_lowercase() || b"._:".contains(&b) || b.is_ascii_digit()),
                "{key}"
            );
        }
        assert!(!value.contains("fudd"), "{key} holds the password");
    }
}

#[test]
fn commented_default_toml_reads_back_as_the_default() {
    let spec = CageSpec::from_toml_str(DEFAULT_SPEC_TOML, "default").unwrap();
    assert_eq!(spec, CageSpec::default());
    let again = CageSpec::from_toml_str(&spec.to_toml(), "written").unwrap();
    assert_eq!(again, spec);
}

#[test]
fn plan_json_round_trip() {
    let plan = default_plan();
    let json = serde_json::to_string(&plan).unwrap();
    let back: Plan = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan);
    assert!(json.contains(r#""step":"create_jail""#));
}

#[test]
fn plan_text_shows_each_step() {
    let shown = default_plan().to_string();
    assert!(
        shown
            .starts_with("zfs create zroot/cagebun/cages/rabbit mountpoint=/cagebun/cages/rabbit ")
    );
    assert!(shown.contains("\nspiped Server RMQ: [2001:db8::7]:5672 -> [::7]:5672 key /usr/local/etc/spiped/rabbit.key\n"));
    assert!(shown.contains("\n    jail(8) ip6.addr = lo0|::7/128\n"));
    assert!(shown.ends_with("service rabbitmq enable and start in the jail\n"));
}
