//! The hand-made recipe this crate's RabbitMQ cage comes from, as it was
//! written: its rabbitmq-env.conf, rabbitmq.config and enabled_plugins word
//! for word, and its two spiped server pipes. It is the negative control:
//! run the same way as the rendered cage, its STOMP and MQTT listeners must
//! be found on the public address.

use std::fs;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};

use super::cage_layout::{BrokerFiles, CageLayout, Owner, ServerPipe, StageDir, install_file};
use super::cage_network::CageAddresses;

/// The recipe's rabbitmq-env.conf.
const RABBITMQ_ENV_CONF: &str = r#"# tame epmd port usage
ERL_EPMD_ADDRESS="127.0.0.7"
ERL_EPMD_DIST_BIND="127.0.0.7"
# cage rabbitmq to localhost IPv6
HOSTNAME=localhost
RABBITMQ_NODE_IP_ADDRESS="::7"
"#;

/// The recipe's rabbitmq.config.
const RABBITMQ_CONFIG: &str = r#"%% -*- tab-width: 4;erlang-indent-level: 4;indent-tabs-mode: nil -*-
%% ex: ft=erlang ts=4 sw=4 et
[
 %% restrict management port to IPv6 only
 {rabbitmq_management, [{listener, [{port, 15672},
                                    {ip, "::7"} ]}]},
 {rabbit,
  [
   %% replace default account
   {default_vhost,       <<"/">>},
   {default_user,        <<"elmer">>},
   {default_pass,        <<"fudd">>},
   {default_permissions, [<<".*">>, <<".*">>, <<".*">>]},
   {default_user_tags, [administrator]}]}].
"#;

/// The recipe's enabled_plugins.
const ENABLED_PLUGINS: &str = "[rabbitmq_management,rabbitmq_management_visualiser,rabbitmq_stomp,rabbitmq_amqp1_0,rabbitmq_mqtt].\n";

/// The recipe's spiped pipes: name, port. Each forwards to the broker's
/// listener on the private IPv6 address. The recipe has them listen on
/// `[::0]`, which fails with "Address already in use" in the same network
/// stack as the broker's `[::7]` listener; here they listen on the public
/// address, which exposes less.
const PIPES: [(&str, u16); 2] = [("RMQ", 5672), ("RMQADMIN", 15672)];

/// Writes the recipe's files into `stage` the way the recipe installs them
/// (0440 root:rabbitmq, the key 0400 root), and the layout to run them with.
pub fn write_recipe_layout(
    stage: &StageDir,
    addresses: &CageAddresses,
    broker: Owner,
    intended: Vec<cagebun::audit::Listener>,
) -> Result<CageLayout, String> {
    let etc = stage.etc();
    let files = BrokerFiles {
        env: etc.join("rabbitmq-env.conf"),
        config: etc.join("rabbitmq.config"),
        advanced_config: etc.join("advanced.config"),
        enabled_plugins: etc.join("enabled_plugins"),
        erl_inetrc: None,
    };
    let readable_by_broker = broker.root_with_group_of();
    install_file(
        &files.env,
        RABBITMQ_ENV_CONF.as_bytes(),
        0o440,
        readable_by_broker,
    )?;
    install_file(
        &files.config,
        RABBITMQ_CONFIG.as_bytes(),
        0o440,
        readable_by_broker,
    )?;
    install_file(
        &files.enabled_plugins,
        ENABLED_PLUGINS.as_bytes(),
        0o440,
        readable_by_broker,
    )?;

    // The recipe's key: 32 random bytes, readable by root only.
    let key = etc.join("spiped.key");
    let mut bytes = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut urandom| urandom.read_exact(&mut bytes))
        .map_err(|error| format!("/dev/urandom: {error}"))?;
    install_file(&key, &bytes, 0o400, Owner::ROOT)?;

    let server_pipes = PIPES
        .iter()
        .map(|&(name, port)| ServerPipe {
            name: name.to_owned(),
            source: SocketAddr::new(IpAddr::V6(addresses.public), port),
            target: SocketAddr::new(addresses.private_v6, port),
        })
        .collect();
    Ok(CageLayout {
        files,
        key,
        server_pipes,
        intended,
        user: "elmer".to_owned(),
        password: "fudd".to_owned(),
        bind_mount: None,
    })
}
