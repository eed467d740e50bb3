//! The contents of the files a RabbitMQ cage needs, each value written in the
//! syntax of the file it lands in.
//!
//! References: rabbitmq-env.conf(5), RabbitMQ "Configuration" and
//! "Networking" guides, erl(1) `-kernel`, `-proto_dist`, inet_cfg (ERTS
//! "Inet Configuration"), rc.conf(5), the spiped port's rc script.

use std::net::{IpAddr, SocketAddr};

use crate::erlang_term::ErlangTerm;
use crate::plan::{PipeMode, SpipedPipe};
use crate::posix_shell::{assignment, join_split_arguments};
use crate::rabbitmq_conf::{ConfValueError, address_value, conf_line, listener_value};
use crate::spec::{CageSpec, ConfigFormat, SpecError};

/// Directory of RabbitMQ's configuration files inside the jail (FreeBSD port
/// layout).
pub const RABBITMQ_ETC: &str = "/usr/local/etc/rabbitmq";

/// Arguments for `erl` that make the distribution use the distribution
/// address: `-proto_dist inet6_tcp` when it is IPv6, and
/// `-kernel inet_dist_use_interface <tuple>`.
fn server_erl_arguments(spec: &CageSpec) -> Vec<String> {
    let address = spec.distribution_address();
    let mut args = Vec::new();
    if address.is_ipv6() {
        args.extend(["-proto_dist".to_owned(), "inet6_tcp".to_owned()]);
    }
    args.extend([
        "-kernel".to_owned(),
        "inet_dist_use_interface".to_owned(),
        ErlangTerm::ip_tuple(address).to_string(),
    ]);
    args
}

/// `rabbitmq-env.conf`: node name, distribution port and interface, epmd's
/// address and port, and where `erl_inetrc` is. Names drop the `RABBITMQ_`
/// prefix; the `ERL_*` variables are read by epmd and erl themselves and are
/// exported.
///
/// References: rabbitmq-env.conf(5), epmd(1) `ERL_EPMD_ADDRESS`, erl(1).
pub fn rabbitmq_env(spec: &CageSpec) -> Result<String, SpecError> {
    let rabbit = &spec.rabbitmq;
    let distribution = spec.distribution_address();
    let mut out = format!(
        "# rabbitmq-env.conf for cage {}, written by cagebun.\n\
         # Sourced by /bin/sh: every value is single-quoted.\n",
        spec.name
    );
    out += &assignment("NODENAME", rabbit.node_name.as_str(), false)?;
    if rabbit.node_name.is_long() {
        out += &assignment("USE_LONGNAME", "true", false)?;
    }
    out += &assignment(
        "DIST_PORT",
        &rabbit.listeners.distribution.to_string(),
        false,
    )?;
    let args = join_split_arguments("SERVER_ADDITIONAL_ERL_ARGS", &server_erl_arguments(spec))?;
    out += &assignment("SERVER_ADDITIONAL_ERL_ARGS", &args, false)?;
    if distribution.is_ipv6() {
        out += &assignment("CTL_ERL_ARGS", "-proto_dist inet6_tcp", false)?;
    }
    out += &assignment("ERL_EPMD_ADDRESS", &distribution.to_string(), true)?;
    out += &assignment("ERL_EPMD_PORT", &rabbit.listeners.epmd.to_string(), true)?;
    out += &assignment("ERL_INETRC", &format!("{RABBITMQ_ETC}/erl_inetrc"), true)?;
    Ok(out)
}

/// `erl_inetrc`: the node's host part resolves to the distribution address,
/// and the hosts file is not read.
///
/// References: ERTS User's Guide "Inet Configuration".
pub fn erl_inetrc(spec: &CageSpec) -> String {
    let distribution = spec.distribution_address();
    let host = ErlangTerm::Tuple(vec![
        ErlangTerm::atom("host"),
        ErlangTerm::ip_tuple(distribution),
        ErlangTerm::List(vec![ErlangTerm::string(spec.rabbitmq.node_name.host())]),
    ]);
    let mut out = format!(
        "%% erl_inetrc for cage {}, written by cagebun.\n\
         {{hosts_file, \"\"}}.\n\
         {host}.\n",
        spec.name
    );
    if distribution.is_ipv6() {
        out += "{inet6, true}.\n";
    }
    out += "{lookup, [file, native]}.\n";
    out
}

/// `enabled_plugins`: one Erlang list of atoms, e.g.
/// `[rabbitmq_management].` followed by a line feed.
///
/// References: rabbitmq-plugins(8).
pub fn enabled_plugins(spec: &CageSpec) -> String {
    let atoms: Vec<&str> = spec.rabbitmq.plugins.iter().map(String::as_str).collect();
    format!("[{}].\n", atoms.join(","))
}

fn listener_tuple(address: IpAddr, port: u16) -> ErlangTerm {
    ErlangTerm::List(vec![ErlangTerm::Tuple(vec![
        ErlangTerm::string(&address.to_string()),
        ErlangTerm::Integer(i64::from(port)),
    ])])
}

fn account_entries(spec: &CageSpec) -> Vec<ErlangTerm> {
    let rabbit = &spec.rabbitmq;
    vec![
        ErlangTerm::pair("default_vhost", ErlangTerm::binary(&rabbit.vhost)),
        ErlangTerm::pair("default_user", ErlangTerm::binary(&rabbit.user)),
        ErlangTerm::pair("default_pass", ErlangTerm::binary(&rabbit.password.0)),
        permissions_entry(spec),
        ErlangTerm::pair(
            "default_user_tags",
            ErlangTerm::List(
                rabbit
                    .tags
                    .iter()
                    .map(|t| ErlangTerm::atom(t.as_str()))
                    .collect(),
            ),
        ),
    ]
}

fn permissions_entry(spec: &CageSpec) -> ErlangTerm {
    let p = &spec.rabbitmq.permissions;
    ErlangTerm::pair(
        "default_permissions",
        ErlangTerm::List(vec![
            ErlangTerm::binary(&p.configure),
            ErlangTerm::binary(&p.write),
            ErlangTerm::binary(&p.read),
        ]),
    )
}

/// Writes `[{app, [entry, ...]}, ...].` with one entry per line.
fn app_config(header: &str, apps: &[(&str, Vec<ErlangTerm>)]) -> String {
    let mut out = header.to_owned();
    if apps.is_empty() {
        out += "[].\n";
        return out;
    }
    out += "[\n";
    let blocks: Vec<String> = apps
        .iter()
        .map(|(app, entries)| {
            let lines: Vec<String> = entries.iter().map(|e| format!("   {e}")).collect();
            format!(" {{{app}, [\n{}\n  ]}}", lines.join(",\n"))
        })
        .collect();
    out += &blocks.join(",\n");
    out += "\n].\n";
    out
}

/// The listener entries of the plugins, per application.
fn plugin_listener_apps(spec: &CageSpec) -> Vec<(&'static str, Vec<ErlangTerm>)> {
    let address = spec.listener_address();
    let listeners = &spec.rabbitmq.listeners;
    let mut apps = Vec::new();
    if let Some(port) = listeners.management {
        let listener = ErlangTerm::List(vec![
            ErlangTerm::pair("port", ErlangTerm::Integer(i64::from(port))),
            ErlangTerm::pair("ip", ErlangTerm::string(&address.to_string())),
        ]);
        apps.push((
            "rabbitmq_management",
            vec![ErlangTerm::pair("listener", listener)],
        ));
    }
    if let Some(port) = listeners.stomp {
        let entry = ErlangTerm::pair("tcp_listeners", listener_tuple(address, port));
        apps.push(("rabbitmq_stomp", vec![entry]));
    }
    if let Some(port) = listeners.mqtt {
        let entry = ErlangTerm::pair("tcp_listeners", listener_tuple(address, port));
        apps.push(("rabbitmq_mqtt", vec![entry]));
    }
    apps
}

/// The classic `rabbitmq.config`: every listener bound to the private
/// address, the default user replacing `guest`.
///
/// References: RabbitMQ "Configuration" guide (classic config format).
pub fn rabbitmq_config(spec: &CageSpec) -> String {
    let address = spec.listener_address();
    let mut rabbit = vec![ErlangTerm::pair(
        "tcp_listeners",
        listener_tuple(address, spec.rabbitmq.listeners.amqp),
    )];
    rabbit.extend(account_entries(spec));
    let mut apps = vec![("rabbit", rabbit)];
    apps.extend(plugin_listener_apps(spec));
    let header = format!(
        "%% rabbitmq.config for cage {}, written by cagebun.\n\
         %% Every listener is bound to a private address.\n",
        spec.name
    );
    app_config(&header, &apps)
}

/// `rabbitmq.conf` and `advanced.config` for [`ConfigFormat::Conf`]. A
/// default-user setting whose value `rabbitmq.conf` cannot hold (see
/// [`crate::rabbitmq_conf`]) is written into `advanced.config` instead,
/// which overrides `rabbitmq.conf`; the three permissions move together.
///
/// References: RabbitMQ "Configuration" guide (rabbitmq.conf,
/// advanced.config).
pub fn rabbitmq_conf_and_advanced(spec: &CageSpec) -> Result<(String, String), SpecError> {
    let rabbit = &spec.rabbitmq;
    let address = spec.listener_address();
    let listeners = &rabbit.listeners;
    let mut conf = format!(
        "# rabbitmq.conf for cage {}, written by cagebun.\n\
         # Values are never quoted; settings this format cannot hold are in advanced.config.\n",
        spec.name
    );
    let key = "listeners.tcp.1";
    conf += &conf_line(
        key,
        &listener_value(key, SocketAddr::new(address, listeners.amqp))?,
    )?;
    if let Some(port) = listeners.management {
        conf += &conf_line(
            "management.tcp.ip",
            &address_value("management.tcp.ip", address)?,
        )?;
        conf += &conf_line("management.tcp.port", &port.to_string())?;
    }
    for (key, port) in [
        ("stomp.listeners.tcp.1", listeners.stomp),
        ("mqtt.listeners.tcp.1", listeners.mqtt),
    ] {
        if let Some(port) = port {
            conf += &conf_line(key, &listener_value(key, SocketAddr::new(address, port))?)?;
        }
    }

    let mut advanced_rabbit = Vec::new();
    let singles = [
        ("default_vhost", &rabbit.vhost),
        ("default_user", &rabbit.user),
        ("default_pass", &rabbit.password.0),
    ];
    for (key, value) in singles {
        match conf_line(key, value) {
            Ok(line) => conf += &line,
            Err(_) => advanced_rabbit.push(ErlangTerm::pair(key, ErlangTerm::binary(value))),
        }
    }
    let p = &rabbit.permissions;
    let permission_lines: Result<Vec<String>, ConfValueError> = [
        ("default_permissions.configure", &p.configure),
        ("default_permissions.write", &p.write),
        ("default_permissions.read", &p.read),
    ]
    .iter()
    .map(|(k, v)| conf_line(k, v))
    .collect();
    match permission_lines {
        Ok(lines) => conf += &lines.concat(),
        Err(_) => advanced_rabbit.push(permissions_entry(spec)),
    }
    for tag in &rabbit.tags {
        conf += &conf_line(&format!("default_user_tags.{tag}"), "true")?;
    }

    let header = format!(
        "%% advanced.config for cage {}, written by cagebun.\n\
         %% Holds the settings rabbitmq.conf cannot write safely; it overrides rabbitmq.conf.\n",
        spec.name
    );
    let apps = if advanced_rabbit.is_empty() {
        Vec::new()
    } else {
        vec![("rabbit", advanced_rabbit)]
    };
    Ok((conf, app_config(&header, &apps)))
}

/// Whether the spec writes the classic format.
pub fn is_classic(spec: &CageSpec) -> bool {
    spec.rabbitmq.config_format == ConfigFormat::Classic
}

/// The jail's `/etc/rc.conf`: RabbitMQ enabled, syslogd without network
/// sockets, no sendmail daemons (they would listen on the jail's primary
/// address).
///
/// References: rc.conf(5) `rabbitmq_enable`, `syslogd_flags`, `sendmail_enable`.
pub fn jail_rc_conf(spec: &CageSpec) -> Result<String, SpecError> {
    let mut out = format!(
        "# rc.conf for cage {}, written by cagebun.\n# Sourced by /bin/sh: every value is single-quoted.\n",
        spec.name
    );
    out += &assignment("rabbitmq_enable", "YES", false)?;
    out += &assignment("syslogd_flags", "-ss", false)?;
    out += &assignment("sendmail_enable", "NONE", false)?;
    Ok(out)
}

/// The host's `/etc/rc.conf.d/spiped` for the server pipes, in the
/// variables of the spiped port's rc script (`spiped_pipes`,
/// `spiped_pipe_<NAME>_mode`, `_source`, `_target`, `_key`).
///
/// References: the spiped port's rc script, rc.conf(5) (`/etc/rc.conf.d`).
pub fn spiped_rc_conf(spec: &CageSpec, pipes: &[SpipedPipe]) -> Result<String, SpecError> {
    let servers: Vec<&SpipedPipe> = pipes
        .iter()
        .filter(|p| p.mode == PipeMode::Server)
        .collect();
    let names: Vec<&str> = servers.iter().map(|p| p.name.as_str()).collect();
    let mut out = format!(
        "# spiped pipes for cage {}, written by cagebun.\n\
         # Read by the spiped rc script through load_rc_config; every value is single-quoted.\n",
        spec.name
    );
    out += &assignment("spiped_enable", "YES", false)?;
    out += &assignment("spiped_pipes", &names.join(" "), false)?;
    for pipe in servers {
        let prefix = format!("spiped_pipe_{}", pipe.name);
        out += &assignment(&format!("{prefix}_mode"), "server", false)?;
        out += &assignment(&format!("{prefix}_source"), &pipe.source.to_string(), false)?;
        out += &assignment(&format!("{prefix}_target"), &pipe.target.to_string(), false)?;
        out += &assignment(
            &format!("{prefix}_key"),
            &pipe.key.display().to_string(),
            false,
        )?;
    }
    Ok(out)
}
