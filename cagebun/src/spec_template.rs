//! The default cage spec as commented TOML, for `--print-spec`.

/// The default [`CageSpec`](crate::CageSpec) written as TOML with a comment
/// on every setting. It reads back as `CageSpec::default()`.
///
/// References: TOML 1.0.
pub const DEFAULT_SPEC_TOML: &str = r#"# A cagebun cage spec: one RabbitMQ broker in a FreeBSD jail on ZFS, reached
# from outside only through spiped pipes. Addresses are documentation ones
# (2001:db8::/32); put your own.

# Jail name: letters, digits, '_' and '-'; no '.', not only digits.
name = "rabbit"
# The jail's host.hostname (DNS rules: labels up to 63 bytes, 253 in all).
hostname = "rabbit.example.org"
# FreeBSD release of the jail's base system.
release = "14.3-RELEASE"
# Group of root-owned system files such as the jail's rc.conf (FreeBSD: wheel).
system_group = "wheel"
# Packages installed into the jail.
packages = ["rabbitmq"]
# Packages installed on the host.
host_packages = ["spiped"]

[dataset]
# The cage's ZFS file system; the jail root is its child "root".
name = "zroot/cagebun/cages/rabbit"
# Its mountpoint; the jail root is then <mountpoint>/root.
mountpoint = "/cagebun/cages/rabbit"

[public]
# The public IPv6 address, an alias on this host interface. Only spiped
# listens on it.
interface = "em0"
address = "2001:db8::7"
prefix_len = 64

[private]
# Private addresses on a loopback interface, as /32 and /128 aliases. They
# come first in the jail's address lists, so binds to 127.0.0.1 and ::1 land
# on them. At least one is needed.
interface = "lo0"
ipv4 = "127.0.0.7"
ipv6 = "::7"

[rabbitmq]
# RabbitMQ version the files are written for (3.8.0 to 4.3.x).
version = "3.10.8"
# "classic" writes rabbitmq.config (Erlang terms); "conf" writes
# rabbitmq.conf plus advanced.config.
config_format = "classic"
# Erlang node name; its host part resolves to the distribution address.
node_name = "rabbit@localhost"
# Default vhost, user and password (replacing guest).
vhost = "/"
user = "elmer"
password = "fudd"
# Tags of the default user.
tags = ["administrator"]
# Plugins to enable, checked against the version's plugin list.
plugins = ["rabbitmq_management", "rabbitmq_stomp", "rabbitmq_amqp1_0", "rabbitmq_mqtt"]
# Address for epmd and the Erlang distribution, one of the private
# addresses; left out, the private IPv4 address is used if there is one.
# distribution_address = "127.0.0.7"
# Owner and group of the configuration files (mode 0440).
config_owner = "root"
config_group = "rabbitmq"

[rabbitmq.permissions]
# Regular expressions for the default user on the default vhost.
configure = ".*"
write = ".*"
read = ".*"

[rabbitmq.listeners]
# Every listener is bound to a private address. Leave out management, stomp
# or mqtt together with its plugin.
amqp = 5672
management = 15672
stomp = 61613
mqtt = 1883
distribution = 25672
epmd = 4369

[spiped]
# The shared key on the host (32 random bytes, made once, mode 0400).
key = "/usr/local/etc/spiped/rabbit.key"
key_owner = "root"
# FreeBSD: wheel. Debian has no wheel group: use root there.
key_group = "wheel"

# Server pipes: listen on the public address, forward to the same port on
# the private address.
[[spiped.pipes]]
name = "RMQ"
port = 5672

[[spiped.pipes]]
name = "RMQADMIN"
port = 15672
"#;
