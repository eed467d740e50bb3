//! RabbitMQ versions and the plugins each release line ships.
//!
//! The table lists the plugins found in the `deps/` directory of
//! rabbitmq-server at each line's first release (3.9.0 onwards; 3.8 shipped
//! the same set without the stream plugins), minus the libraries that are not
//! plugins (`rabbitmq_aws`, `rabbitmq_cli`, `rabbitmq_codegen`, the test
//! helpers, `rabbitmq_prelaunch`, `rabbitmq_amqp_client`,
//! `rabbitmq_stream_common`, `rabbitmq_federation_common`).
//!
//! Limitations: plugins that are not shipped with the broker (community
//! plugins such as `rabbitmq_delayed_message_exchange`) are refused as
//! unknown; a plugin added in a patch release counts from the next line.
//!
//! References: rabbitmq-plugins(8), RabbitMQ "Plugins" guide,
//! `deps/` of rabbitmq-server.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Oldest and newest release lines the plugin table covers.
pub const SUPPORTED_LINES: &str = "3.8 to 4.3";

/// A RabbitMQ version `major.minor.patch` within the supported lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RabbitmqVersion {
    major: u16,
    minor: u16,
    patch: u16,
}

/// A plugin name that is malformed, unknown, removed or unsupported.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PluginError {
    /// Not a plugin name: plugin names are lower-case atoms such as
    /// `rabbitmq_management` (a hyphen is never part of one).
    #[error(
        "{name:?} is not a plugin name (lower-case letters, digits and '_', e.g. rabbitmq_management)"
    )]
    InvalidPluginName {
        /// The refused name.
        name: String,
    },
    /// The plugin was removed from RabbitMQ.
    #[error("plugin {name} was removed in RabbitMQ {since}")]
    RemovedPlugin {
        /// The refused name.
        name: String,
        /// First version without it.
        since: &'static str,
    },
    /// The targeted version does not ship a plugin of that name.
    #[error("plugin {name} is not shipped with RabbitMQ {version}")]
    UnknownPlugin {
        /// The refused name.
        name: String,
        /// The targeted version.
        version: RabbitmqVersion,
    },
    /// The version is malformed or outside the supported lines.
    #[error("RabbitMQ version {0:?} is not a version of the supported lines ({SUPPORTED_LINES})")]
    UnsupportedVersion(String),
}

impl RabbitmqVersion {
    /// A version from its numbers, refused outside the supported lines.
    pub fn new(major: u16, minor: u16, patch: u16) -> Result<Self, PluginError> {
        let supported = matches!((major, minor), (3, 8..=13) | (4, 0..=3));
        if !supported {
            return Err(PluginError::UnsupportedVersion(format!(
                "{major}.{minor}.{patch}"
            )));
        }
        Ok(Self {
            major,
            minor,
            patch,
        })
    }

    fn line(self) -> (u16, u16) {
        (self.major, self.minor)
    }
}

impl FromStr for RabbitmqVersion {
    type Err = PluginError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || PluginError::UnsupportedVersion(text.to_owned());
        let numbers: Vec<u16> = text
            .split('.')
            .map(|part| {
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    Err(bad())
                } else {
                    part.parse().map_err(|_| bad())
                }
            })
            .collect::<Result<_, _>>()?;
        match numbers[..] {
            [major, minor, patch] => Self::new(major, minor, patch),
            _ => Err(bad()),
        }
    }
}

impl TryFrom<String> for RabbitmqVersion {
    type Error = PluginError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<RabbitmqVersion> for String {
    fn from(version: RabbitmqVersion) -> Self {
        version.to_string()
    }
}

impl fmt::Display for RabbitmqVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Plugins removed from RabbitMQ, with the first version without them.
const REMOVED_PLUGINS: &[(&str, &str)] = &[("rabbitmq_management_visualiser", "3.7.0")];

/// Plugins every line from 3.8 to 4.3 ships.
const PLUGINS_SINCE_3_8: &[&str] = &[
    "rabbitmq_amqp1_0",
    "rabbitmq_auth_backend_cache",
    "rabbitmq_auth_backend_http",
    "rabbitmq_auth_backend_ldap",
    "rabbitmq_auth_backend_oauth2",
    "rabbitmq_auth_mechanism_ssl",
    "rabbitmq_consistent_hash_exchange",
    "rabbitmq_event_exchange",
    "rabbitmq_federation",
    "rabbitmq_federation_management",
    "rabbitmq_jms_topic_exchange",
    "rabbitmq_management",
    "rabbitmq_management_agent",
    "rabbitmq_mqtt",
    "rabbitmq_peer_discovery_aws",
    "rabbitmq_peer_discovery_common",
    "rabbitmq_peer_discovery_consul",
    "rabbitmq_peer_discovery_etcd",
    "rabbitmq_peer_discovery_k8s",
    "rabbitmq_prometheus",
    "rabbitmq_random_exchange",
    "rabbitmq_recent_history_exchange",
    "rabbitmq_sharding",
    "rabbitmq_shovel",
    "rabbitmq_shovel_management",
    "rabbitmq_stomp",
    "rabbitmq_top",
    "rabbitmq_tracing",
    "rabbitmq_trust_store",
    "rabbitmq_web_dispatch",
    "rabbitmq_web_mqtt",
    "rabbitmq_web_mqtt_examples",
    "rabbitmq_web_stomp",
    "rabbitmq_web_stomp_examples",
];

/// Plugins added after 3.8, with the first line that ships them.
const PLUGINS_ADDED: &[((u16, u16), &str)] = &[
    ((3, 9), "rabbitmq_stream"),
    ((3, 9), "rabbitmq_stream_management"),
    ((4, 0), "rabbitmq_federation_prometheus"),
    ((4, 0), "rabbitmq_shovel_prometheus"),
    ((4, 2), "rabbitmq_auth_backend_internal_loopback"),
    ((4, 2), "rabbitmq_exchange_federation"),
    ((4, 2), "rabbitmq_queue_federation"),
];

/// Whether `name` has the shape of a plugin name: a lower-case letter, then
/// lower-case letters, digits and `_`.
pub fn is_plugin_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks that `name` is a plugin that `version` ships.
///
/// References: rabbitmq-plugins(8) `enable`.
pub fn check_plugin(name: &str, version: RabbitmqVersion) -> Result<(), PluginError> {
    if !is_plugin_name(name) {
        return Err(PluginError::InvalidPluginName {
            name: name.to_owned(),
        });
    }
    if let Some(&(_, since)) = REMOVED_PLUGINS.iter().find(|(n, _)| *n == name) {
        return Err(PluginError::RemovedPlugin {
            name: name.to_owned(),
            since,
        });
    }
    let shipped = PLUGINS_SINCE_3_8.contains(&name)
        || PLUGINS_ADDED
            .iter()
            .any(|&(line, n)| n == name && version.line() >= line);
    if shipped {
        Ok(())
    } else {
        Err(PluginError::UnknownPlugin {
            name: name.to_owned(),
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> RabbitmqVersion {
        text.parse().unwrap()
    }

    #[test]
    fn visualiser_is_removed_since_3_7_0() {
        assert_eq!(
            check_plugin("rabbitmq_management_visualiser", v("3.10.8")),
            Err(PluginError::RemovedPlugin {
                name: "rabbitmq_management_visualiser".to_owned(),
                since: "3.7.0"
            })
        );
    }

    #[test]
    fn hyphenated_name_is_invalid() {
        assert_eq!(
            check_plugin("rabbitmq-management", v("3.10.8")),
            Err(PluginError::InvalidPluginName {
                name: "rabbitmq-management".to_owned()
            })
        );
    }

    #[test]
    fn stream_plugin_arrives_in_3_9() {
        assert!(matches!(
            check_plugin("rabbitmq_stream", v("3.8.35")),
            Err(PluginError::UnknownPlugin { .. })
        ));
        assert_eq!(check_plugin("rabbitmq_stream", v("3.9.0")), Ok(()));
        assert!(check_plugin("rabbitmq_queue_federation", v("4.1.4")).is_err());
        assert_eq!(
            check_plugin("rabbitmq_queue_federation", v("4.2.0")),
            Ok(())
        );
    }

    #[test]
    fn versions_outside_the_table_are_refused() {
        assert!("3.7.28".parse::<RabbitmqVersion>().is_err());
        assert!("4.4.0".parse::<RabbitmqVersion>().is_err());
        assert!("3.10".parse::<RabbitmqVersion>().is_err());
        assert!("3.10.x".parse::<RabbitmqVersion>().is_err());
        assert_eq!(v("4.0.1").to_string(), "4.0.1");
    }
}
