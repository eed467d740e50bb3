//! The cage spec: every choice of a RabbitMQ cage, loaded from TOML and
//! checked once, when it is loaded or planned.
//!
//! References: jail(8), zfs(8), rabbitmq-env.conf(5), rabbitmq.conf(5) in
//! RabbitMQ's "Configuration" guide, spiped(1).

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::names::{
    AbsolutePath, AccountName, DatasetName, FreebsdRelease, Hostname, InterfaceName, JailName,
    NameError, NodeName, PackageName, PipeName, UserTag,
};
use crate::plugins::{PluginError, RabbitmqVersion, check_plugin};
use crate::posix_shell::ShellValueError;
use crate::rabbitmq_conf::ConfValueError;

/// Everything that can be wrong with a cage spec, each naming the bad value.
#[derive(Debug, Error)]
pub enum SpecError {
    /// A name or path broke its rules.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A plugin or the RabbitMQ version was refused.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// A value cannot be written safely into a file `/bin/sh` sources.
    #[error(transparent)]
    Shell(#[from] ShellValueError),
    /// A value cannot be written into rabbitmq.conf.
    #[error(transparent)]
    RabbitmqConf(#[from] ConfValueError),
    /// The TOML text is malformed or holds a bad value.
    #[error("{source_name}: line {line}, column {column}{}: {message}",
        key.as_ref().map(|k| format!(", key {k}")).unwrap_or_default())]
    Toml {
        /// File the text came from.
        source_name: String,
        /// Line (from 1) of the error.
        line: usize,
        /// Column (from 1) of the error.
        column: usize,
        /// Dotted key the error belongs to, when it can be told.
        key: Option<String>,
        /// What the TOML reader said.
        message: String,
    },
    /// A spec read from a named source (a file) breaks a rule that ties
    /// several settings together; no line is known for such a rule.
    #[error("{source_name}: {error}")]
    InSource {
        /// File the spec came from.
        source_name: String,
        /// The rule it breaks.
        error: Box<SpecError>,
    },
    /// The spec file could not be read.
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's error text.
        message: String,
    },
    /// `private` holds neither an IPv4 nor an IPv6 address.
    #[error("private: at least one of ipv4 and ipv6 is needed")]
    NoPrivateAddress,
    /// An address cannot serve in the role it was given.
    #[error("{key}: {address} {reason}")]
    UnusableAddress {
        /// The spec key.
        key: &'static str,
        /// The refused address.
        address: IpAddr,
        /// Why.
        reason: &'static str,
    },
    /// The distribution address is not one of the cage's private addresses.
    #[error("rabbitmq.distribution_address: {address} is not one of the cage's private addresses")]
    DistributionAddressNotOwned {
        /// The refused address.
        address: IpAddr,
    },
    /// A prefix length is out of range.
    #[error("public.prefix_len: {prefix_len} is not an IPv6 prefix length (1 to 128)")]
    BadPrefixLength {
        /// The refused length.
        prefix_len: u8,
    },
    /// A port is 0.
    #[error("rabbitmq.listeners.{listener}: port 0 cannot be listened on")]
    ZeroPort {
        /// Listener name.
        listener: &'static str,
    },
    /// Two listeners use the same port.
    #[error("rabbitmq.listeners: port {port} is used by both {first} and {second}")]
    DuplicatePort {
        /// The port.
        port: u16,
        /// First listener.
        first: &'static str,
        /// Second listener.
        second: &'static str,
    },
    /// A plugin is listed twice.
    #[error("rabbitmq.plugins: {0} is listed twice")]
    DuplicatePlugin(String),
    /// An enabled plugin opens a listener the spec does not bind.
    #[error(
        "rabbitmq.plugins: {plugin} is enabled but rabbitmq.listeners.{listener} is not set; it would listen on every address"
    )]
    PluginWithoutListener {
        /// The plugin.
        plugin: &'static str,
        /// The missing listener key.
        listener: &'static str,
    },
    /// A listener is set for a plugin that is not enabled.
    #[error("rabbitmq.listeners.{listener} is set but plugin {plugin} is not enabled")]
    ListenerWithoutPlugin {
        /// The listener key.
        listener: &'static str,
        /// The plugin it belongs to.
        plugin: &'static str,
    },
    /// The plugin opens listeners of its own that cagebun cannot bind to the
    /// private address yet.
    #[error(
        "rabbitmq.plugins: {plugin} opens its own listener, which cagebun cannot bind to the private address yet"
    )]
    PluginListenerUnsupported {
        /// The plugin.
        plugin: String,
    },
    /// The default user, password or vhost is empty or holds a NUL byte.
    #[error("rabbitmq.{key} {reason}")]
    BadCredential {
        /// The key: `user`, `password` or `vhost`.
        key: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// The spiped key path cannot hold the key.
    #[error("spiped.key: {key}: {reason}")]
    BadKeyPath {
        /// The refused path.
        key: PathBuf,
        /// Why.
        reason: String,
    },
    /// Two planned files have the same path.
    #[error("{path}: planned both as {first:?} and as {second:?}")]
    DuplicateFilePath {
        /// The path.
        path: PathBuf,
        /// Role of the first file.
        first: crate::plan::FileRole,
        /// Role of the second file.
        second: crate::plan::FileRole,
    },
    /// A planned file lies below another planned file's path.
    #[error("{outer}: planned as {outer_role:?}, but {inner} ({inner_role:?}) lies below it")]
    FileBelowFile {
        /// The path that would have to be both a file and a directory.
        outer: PathBuf,
        /// Its role.
        outer_role: crate::plan::FileRole,
        /// The path below it.
        inner: PathBuf,
        /// Its role.
        inner_role: crate::plan::FileRole,
    },
    /// Two pipes listen on the same port of the public address.
    #[error("spiped.pipes: pipes {first} and {second} both listen on port {port}")]
    DuplicatePipePort {
        /// The port.
        port: u16,
        /// First pipe.
        first: String,
        /// Second pipe.
        second: String,
    },
    /// A pipe is named twice.
    #[error("spiped.pipes: pipe {0} is listed twice")]
    DuplicatePipe(String),
    /// A pipe's port is not one of the broker's listeners.
    #[error(
        "spiped.pipes: pipe {pipe} forwards port {port}, which no listener of rabbitmq.listeners uses"
    )]
    PipeTargetsNoListener {
        /// The pipe.
        pipe: String,
        /// Its port.
        port: u16,
    },
}

/// Where the cage lives in ZFS.
///
/// References: zfs(8) `create`, zfsprops(7) `mountpoint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetLayout {
    /// The cage's file system, e.g. `zroot/cagebun/cages/rabbit`; the jail
    /// root is its child `root`.
    pub name: DatasetName,
    /// Its mountpoint, e.g. `/cagebun/cages/rabbit`; the jail root is then
    /// `/cagebun/cages/rabbit/root`.
    pub mountpoint: AbsolutePath,
}

impl DatasetLayout {
    /// The jail root's path on the host.
    pub fn jail_root(&self) -> PathBuf {
        self.mountpoint.join("root")
    }
}

/// The cage's public IPv6 address, an alias on a host interface.
///
/// References: jail(8) `ip6.addr` (`interface|address/prefix`), ifconfig(8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAddress {
    /// Host interface that carries the alias, e.g. `em0`.
    pub interface: InterfaceName,
    /// The address, e.g. `2001:db8::7`.
    pub address: Ipv6Addr,
    /// Prefix length of the alias, e.g. 64.
    pub prefix_len: u8,
}

/// The cage's private addresses, on a loopback interface of the host. They
/// are given as single-host aliases (`/32`, `/128`).
///
/// References: jail(8) `ip4.addr`, `ip6.addr`, lo(4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateAddresses {
    /// Loopback interface carrying them, e.g. `lo0`.
    pub interface: InterfaceName,
    /// Private IPv4 address, e.g. `127.0.0.7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<Ipv4Addr>,
    /// Private IPv6 address, e.g. `::7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<Ipv6Addr>,
}

/// Which configuration files the broker gets.
///
/// References: RabbitMQ "Configuration" guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfigFormat {
    /// One classic `rabbitmq.config` of Erlang terms.
    Classic,
    /// `rabbitmq.conf` (`key = value`) plus `advanced.config` for what that
    /// format cannot hold.
    Conf,
}

/// The permissions of the default user on the default vhost: three regular
/// expressions.
///
/// References: rabbitmqctl(8) `set_permissions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    /// Resources the user may configure.
    pub configure: String,
    /// Resources the user may write to.
    pub write: String,
    /// Resources the user may read from.
    pub read: String,
}

/// The broker's TCP listeners. Every one is bound to a private address.
///
/// References: RabbitMQ "Networking" guide (ports 5672, 15672, 61613, 1883,
/// 25672, 4369).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listeners {
    /// AMQP 0-9-1 and 1.0.
    pub amqp: u16,
    /// HTTP management API and UI (plugin `rabbitmq_management`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management: Option<u16>,
    /// STOMP (plugin `rabbitmq_stomp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stomp: Option<u16>,
    /// MQTT (plugin `rabbitmq_mqtt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mqtt: Option<u16>,
    /// Erlang distribution (`DIST_PORT`).
    pub distribution: u16,
    /// epmd, the Erlang port mapper (`ERL_EPMD_PORT`).
    pub epmd: u16,
}

/// The password of the default user. Its `Debug` form hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(pub String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// RabbitMQ's settings.
///
/// References: rabbitmq-env.conf(5), RabbitMQ "Configuration" and "Access
/// Control" guides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RabbitmqSettings {
    /// The version the files are written for; plugins are checked against it.
    pub version: RabbitmqVersion,
    /// Which configuration files to write.
    pub config_format: ConfigFormat,
    /// Erlang node name (`NODENAME`); its host part resolves to the
    /// distribution address through the `erl_inetrc` file.
    pub node_name: NodeName,
    /// Default virtual host.
    pub vhost: String,
    /// Default user, replacing `guest`.
    pub user: String,
    /// Its password.
    pub password: Password,
    /// Its permissions on the default vhost.
    pub permissions: Permissions,
    /// Its tags, e.g. `administrator`.
    pub tags: Vec<UserTag>,
    /// Plugins to enable, checked against the version's plugin table.
    pub plugins: Vec<String>,
    /// Address for epmd and the Erlang distribution: one of the private
    /// addresses. Default: the private IPv4 address if there is one, else
    /// the private IPv6 address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_address: Option<IpAddr>,
    /// Owner of the configuration files in the jail.
    pub config_owner: AccountName,
    /// Group of the configuration files in the jail (the broker's group).
    pub config_group: AccountName,
    /// The listeners.
    pub listeners: Listeners,
}

/// A spiped server pipe in front of one broker listener.
///
/// References: spiped(1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipeSpec {
    /// Name in the rc script's `spiped_pipes`.
    pub name: PipeName,
    /// Port forwarded: listened on the public address, sent to the same
    /// port on the broker's private address.
    pub port: u16,
}

/// spiped on the host.
///
/// References: spiped(1), the spiped port's rc script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpipedSettings {
    /// Path of the shared key on the host.
    pub key: AbsolutePath,
    /// Owner of the key.
    pub key_owner: AccountName,
    /// Group of the key: `wheel` on FreeBSD (Debian has no `wheel`).
    pub key_group: AccountName,
    /// The pipes.
    pub pipes: Vec<PipeSpec>,
}

/// Every choice of a RabbitMQ cage.
///
/// References: jail(8), zfs(8), rabbitmq-env.conf(5), spiped(1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CageSpec {
    /// Jail name.
    pub name: JailName,
    /// The jail's `host.hostname`.
    pub hostname: Hostname,
    /// FreeBSD release of the jail's userland.
    pub release: FreebsdRelease,
    /// Group of root-owned system files (`rc.conf`): `wheel` on FreeBSD.
    pub system_group: AccountName,
    /// Packages installed into the jail.
    pub packages: Vec<PackageName>,
    /// Packages installed on the host.
    pub host_packages: Vec<PackageName>,
    /// Where the cage lives in ZFS.
    pub dataset: DatasetLayout,
    /// The public address.
    pub public: PublicAddress,
    /// The private addresses.
    pub private: PrivateAddresses,
    /// RabbitMQ's settings.
    pub rabbitmq: RabbitmqSettings,
    /// spiped's settings.
    pub spiped: SpipedSettings,
}

fn valid<T, E: std::fmt::Debug>(value: Result<T, E>) -> T {
    match value {
        Ok(v) => v,
        Err(e) => panic!("built-in default value is invalid: {e:?}"),
    }
}

/// The recipe's cage, with documentation addresses: jail `rabbit`, public
/// `em0|2001:db8::7/64`, private `lo0` with `127.0.0.7` and `::7`.
impl Default for CageSpec {
    fn default() -> Self {
        Self {
            name: valid(JailName::new("rabbit")),
            hostname: valid(Hostname::new("rabbit.example.org")),
            release: valid(FreebsdRelease::new("14.3-RELEASE")),
            system_group: valid(AccountName::new("wheel")),
            packages: vec![valid(PackageName::new("rabbitmq"))],
            host_packages: vec![valid(PackageName::new("spiped"))],
            dataset: DatasetLayout {
                name: valid(DatasetName::new("zroot/cagebun/cages/rabbit")),
                mountpoint: valid(AbsolutePath::new("/cagebun/cages/rabbit")),
            },
            public: PublicAddress {
                interface: valid(InterfaceName::new("em0")),
                address: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7),
                prefix_len: 64,
            },
            private: PrivateAddresses {
                interface: valid(InterfaceName::new("lo0")),
                ipv4: Some(Ipv4Addr::new(127, 0, 0, 7)),
                ipv6: Some(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 7)),
            },
            rabbitmq: RabbitmqSettings {
                version: valid(RabbitmqVersion::new(3, 10, 8)),
                config_format: ConfigFormat::Classic,
                node_name: valid(NodeName::new("rabbit@localhost")),
                vhost: "/".to_owned(),
                user: "elmer".to_owned(),
                password: Password("fudd".to_owned()),
                permissions: Permissions {
                    configure: ".*".to_owned(),
                    write: ".*".to_owned(),
                    read: ".*".to_owned(),
                },
                tags: vec![valid(UserTag::new("administrator"))],
                plugins: [
                    "rabbitmq_management",
                    "rabbitmq_stomp",
                    "rabbitmq_amqp1_0",
                    "rabbitmq_mqtt",
                ]
                .map(str::to_owned)
                .to_vec(),
                distribution_address: None,
                config_owner: valid(AccountName::new("root")),
                config_group: valid(AccountName::new("rabbitmq")),
                listeners: Listeners {
                    amqp: 5672,
                    management: Some(15672),
                    stomp: Some(61613),
                    mqtt: Some(1883),
                    distribution: 25672,
                    epmd: 4369,
                },
            },
            spiped: SpipedSettings {
                key: valid(AbsolutePath::new("/usr/local/etc/spiped/rabbit.key")),
                key_owner: valid(AccountName::new("root")),
                key_group: valid(AccountName::new("wheel")),
                pipes: vec![
                    PipeSpec {
                        name: valid(PipeName::new("RMQ")),
                        port: 5672,
                    },
                    PipeSpec {
                        name: valid(PipeName::new("RMQADMIN")),
                        port: 15672,
                    },
                ],
            },
        }
    }
}

/// Plugins that open a listener of their own, with the listener key that
/// binds it.
const LISTENING_PLUGINS: &[(&str, &str)] = &[
    ("rabbitmq_management", "management"),
    ("rabbitmq_stomp", "stomp"),
    ("rabbitmq_mqtt", "mqtt"),
];

/// Plugins that open listeners cagebun does not bind yet.
const UNBOUND_LISTENER_PLUGINS: &[&str] = &[
    "rabbitmq_prometheus",
    "rabbitmq_stream",
    "rabbitmq_stream_management",
    "rabbitmq_web_mqtt",
    "rabbitmq_web_mqtt_examples",
    "rabbitmq_web_stomp",
    "rabbitmq_web_stomp_examples",
];

impl CageSpec {
    /// Reads a spec from TOML text and checks it. `source_name` names the
    /// text in errors (a file name); errors of [`CageSpec::validate`] come
    /// wrapped in [`SpecError::InSource`].
    ///
    /// References: TOML 1.0.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Self, SpecError> {
        let spec: CageSpec = toml::from_str(text).map_err(|e| toml_error(text, source_name, &e))?;
        spec.validate().map_err(|error| SpecError::InSource {
            source_name: source_name.to_owned(),
            error: Box::new(error),
        })?;
        Ok(spec)
    }

    /// Reads a spec from a TOML file and checks it.
    ///
    /// References: TOML 1.0.
    pub fn from_toml_file(path: &Path) -> Result<Self, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| SpecError::Read {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// The spec as TOML, without comments; [`crate::DEFAULT_SPEC_TOML`] is
    /// the commented default.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot write the spec as TOML: {e}\n"))
    }

    /// Checks the rules that tie several settings together. Single values
    /// were checked when they were built.
    pub fn validate(&self) -> Result<(), SpecError> {
        self.check_addresses()?;
        self.check_ports()?;
        self.check_plugins()?;
        self.check_credentials()?;
        self.check_key()?;
        self.check_pipes()
    }

    /// The default user, its password and the default vhost: not empty, no
    /// NUL byte. The password itself is never named in the error.
    fn check_credentials(&self) -> Result<(), SpecError> {
        let rabbit = &self.rabbitmq;
        let values = [
            ("vhost", rabbit.vhost.as_str()),
            ("user", rabbit.user.as_str()),
            ("password", rabbit.password.0.as_str()),
        ];
        for (key, value) in values {
            let reason = if value.is_empty() {
                "is empty"
            } else if value.contains('\0') {
                "contains a NUL byte"
            } else {
                continue;
            };
            return Err(SpecError::BadCredential { key, reason });
        }
        Ok(())
    }

    /// The key is a file on the host: not `/`, not inside the jail root.
    fn check_key(&self) -> Result<(), SpecError> {
        let key = self.spiped.key.as_path();
        let refuse = |reason: String| {
            Err(SpecError::BadKeyPath {
                key: key.to_owned(),
                reason,
            })
        };
        if key == Path::new("/") {
            return refuse("is the root directory, not a file".to_owned());
        }
        let root = self.dataset.jail_root();
        if key.starts_with(&root) {
            return refuse(format!(
                "lies inside the jail root {}; the key belongs on the host, out of the jail's reach",
                root.display()
            ));
        }
        Ok(())
    }

    fn check_addresses(&self) -> Result<(), SpecError> {
        let public = self.public.address;
        if !(1..=128).contains(&self.public.prefix_len) {
            return Err(SpecError::BadPrefixLength {
                prefix_len: self.public.prefix_len,
            });
        }
        if public.is_unspecified()
            || public.is_loopback()
            || public.is_multicast()
            || is_link_local(public)
        {
            return Err(SpecError::UnusableAddress {
                key: "public.address",
                address: public.into(),
                reason: "cannot be a public address (unspecified, loopback, multicast or link-local)",
            });
        }
        let mapped = [
            ("public.address", Some(public)),
            ("private.ipv6", self.private.ipv6),
        ];
        for (key, address) in mapped {
            if let Some(address) = address.filter(|a| a.to_ipv4_mapped().is_some()) {
                return Err(SpecError::UnusableAddress {
                    key,
                    address: address.into(),
                    reason: "is an IPv4-mapped IPv6 address; jail(8) needs a real IPv6 address (give an IPv4 address as private.ipv4)",
                });
            }
        }
        if self.private.ipv4.is_none() && self.private.ipv6.is_none() {
            return Err(SpecError::NoPrivateAddress);
        }
        if let Some(v4) = self.private.ipv4 {
            if v4.is_unspecified() || v4.is_multicast() || v4.is_broadcast() {
                return Err(SpecError::UnusableAddress {
                    key: "private.ipv4",
                    address: v4.into(),
                    reason: "cannot be bound by one host (unspecified, multicast or broadcast)",
                });
            }
            if v4 == Ipv4Addr::LOCALHOST {
                return Err(SpecError::UnusableAddress {
                    key: "private.ipv4",
                    address: v4.into(),
                    reason: "is the host's own loopback; give the cage its own, e.g. 127.0.0.7",
                });
            }
        }
        if let Some(v6) = self.private.ipv6 {
            if v6.is_unspecified() || v6.is_multicast() || is_link_local(v6) || v6 == public {
                return Err(SpecError::UnusableAddress {
                    key: "private.ipv6",
                    address: v6.into(),
                    reason: "cannot be a private address (unspecified, multicast, link-local or the public address)",
                });
            }
            if v6 == Ipv6Addr::LOCALHOST {
                return Err(SpecError::UnusableAddress {
                    key: "private.ipv6",
                    address: v6.into(),
                    reason: "is the host's own loopback; give the cage its own, e.g. ::7",
                });
            }
        }
        if let Some(address) = self.rabbitmq.distribution_address
            && !self.private_addresses().contains(&address)
        {
            return Err(SpecError::DistributionAddressNotOwned { address });
        }
        Ok(())
    }

    fn check_ports(&self) -> Result<(), SpecError> {
        let mut seen: Vec<(u16, &'static str)> = Vec::new();
        for (name, port) in self.listener_ports() {
            if port == 0 {
                return Err(SpecError::ZeroPort { listener: name });
            }
            if let Some(&(_, first)) = seen.iter().find(|(p, _)| *p == port) {
                return Err(SpecError::DuplicatePort {
                    port,
                    first,
                    second: name,
                });
            }
            seen.push((port, name));
        }
        Ok(())
    }

    fn check_plugins(&self) -> Result<(), SpecError> {
        let rabbit = &self.rabbitmq;
        let mut seen = BTreeSet::new();
        for plugin in &rabbit.plugins {
            check_plugin(plugin, rabbit.version)?;
            if !seen.insert(plugin.as_str()) {
                return Err(SpecError::DuplicatePlugin(plugin.clone()));
            }
            if UNBOUND_LISTENER_PLUGINS.contains(&plugin.as_str()) {
                return Err(SpecError::PluginListenerUnsupported {
                    plugin: plugin.clone(),
                });
            }
        }
        for &(plugin, listener) in LISTENING_PLUGINS {
            let port = self.optional_listener(listener);
            let enabled = seen.contains(plugin);
            if enabled && port.is_none() {
                return Err(SpecError::PluginWithoutListener { plugin, listener });
            }
            if !enabled && port.is_some() {
                return Err(SpecError::ListenerWithoutPlugin { listener, plugin });
            }
        }
        Ok(())
    }

    fn check_pipes(&self) -> Result<(), SpecError> {
        let mut seen = BTreeSet::new();
        let mut ports: Vec<(u16, &str)> = Vec::new();
        let forwardable: Vec<u16> = self
            .listener_ports()
            .into_iter()
            .filter(|(name, _)| !matches!(*name, "distribution" | "epmd"))
            .map(|(_, port)| port)
            .collect();
        for pipe in &self.spiped.pipes {
            if !seen.insert(pipe.name.as_str()) {
                return Err(SpecError::DuplicatePipe(pipe.name.to_string()));
            }
            if let Some(&(_, first)) = ports.iter().find(|(port, _)| *port == pipe.port) {
                return Err(SpecError::DuplicatePipePort {
                    port: pipe.port,
                    first: first.to_owned(),
                    second: pipe.name.to_string(),
                });
            }
            ports.push((pipe.port, pipe.name.as_str()));
            if !forwardable.contains(&pipe.port) {
                return Err(SpecError::PipeTargetsNoListener {
                    pipe: pipe.name.to_string(),
                    port: pipe.port,
                });
            }
        }
        Ok(())
    }

    fn optional_listener(&self, name: &str) -> Option<u16> {
        let l = &self.rabbitmq.listeners;
        match name {
            "management" => l.management,
            "stomp" => l.stomp,
            "mqtt" => l.mqtt,
            _ => None,
        }
    }

    /// Every listener port with its key in `rabbitmq.listeners`.
    pub fn listener_ports(&self) -> Vec<(&'static str, u16)> {
        let l = &self.rabbitmq.listeners;
        let mut ports = vec![("amqp", l.amqp)];
        ports.extend(l.management.map(|p| ("management", p)));
        ports.extend(l.stomp.map(|p| ("stomp", p)));
        ports.extend(l.mqtt.map(|p| ("mqtt", p)));
        ports.push(("distribution", l.distribution));
        ports.push(("epmd", l.epmd));
        ports
    }

    /// The private addresses, IPv4 first.
    pub fn private_addresses(&self) -> Vec<IpAddr> {
        let mut out: Vec<IpAddr> = Vec::new();
        out.extend(self.private.ipv4.map(IpAddr::V4));
        out.extend(self.private.ipv6.map(IpAddr::V6));
        out
    }

    /// The private address the broker's client listeners (AMQP, management,
    /// STOMP, MQTT) bind to: the IPv6 one if there is one, else the IPv4 one.
    pub fn listener_address(&self) -> IpAddr {
        match (self.private.ipv6, self.private.ipv4) {
            (Some(v6), _) => IpAddr::V6(v6),
            (None, Some(v4)) => IpAddr::V4(v4),
            (None, None) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }

    /// The private address epmd and the Erlang distribution bind to:
    /// `rabbitmq.distribution_address`, else the IPv4 one if there is one,
    /// else the IPv6 one.
    pub fn distribution_address(&self) -> IpAddr {
        if let Some(address) = self.rabbitmq.distribution_address {
            return address;
        }
        match (self.private.ipv4, self.private.ipv6) {
            (Some(v4), _) => IpAddr::V4(v4),
            (None, Some(v6)) => IpAddr::V6(v6),
            (None, None) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        }
    }
}

fn is_link_local(address: Ipv6Addr) -> bool {
    address.segments()[0] & 0xffc0 == 0xfe80
}

/// Turns a TOML error into [`SpecError::Toml`], with the line, the column
/// and the dotted key the error's span falls on.
fn toml_error(text: &str, source_name: &str, error: &toml::de::Error) -> SpecError {
    let offset = error.span().map_or(0, |span| span.start).min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    SpecError::Toml {
        source_name: source_name.to_owned(),
        line,
        column,
        // A missing field has no line of its own; its span covers the table.
        key: if error.message().starts_with("missing field") {
            None
        } else {
            key_at_line(text, line)
        },
        message: error.message().trim().to_owned(),
    }
}

/// The dotted key whose assignment covers `line`: the nearest `key =` at or
/// above it, prefixed by the table header above that.
fn key_at_line(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().take(line).collect();
    let mut key = None;
    let mut table = None;
    for candidate in lines.iter().rev() {
        let trimmed = candidate.trim();
        if trimmed.starts_with('[') {
            let header = trimmed
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim();
            table = Some(header.to_owned());
            break;
        }
        if key.is_none()
            && !trimmed.starts_with('#')
            && let Some((k, _)) = trimmed.split_once('=')
            && !k.trim().is_empty()
            && !k.contains(['"', '{', ','])
        {
            key = Some(k.trim().to_owned());
        }
    }
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(t), None) => Some(t),
        (None, None) => None,
    }
}
