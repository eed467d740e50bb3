//! Which cages exist, read from ZFS alone.
//!
//! Every cage is a child of `<pool>/cagebun/cages`, and its plan records
//! the cage's settings as user properties on that dataset (`org.cagebun:*`,
//! see [`crate::plan`]). [`read_inventory`] walks the children in one
//! listing and turns each one's properties back into a [`CageRecord`]. No
//! file outside ZFS is consulted, so the listing survives a lost
//! configuration directory and follows a cage that was sent to another host.
//!
//! Two optional properties order the cages at boot: `org.cagebun:priority`
//! (an integer, lower first, default [`DEFAULT_PRIORITY`]) and
//! `org.cagebun:boot` (`on` or `off`, default `off`).
//!
//! The whole spec is stored too, as JSON cut into chunks
//! (`org.cagebun:spec.0`, … and `org.cagebun:spec.chunks`, see
//! [`spec_properties`]); [`spec_from_properties`] rebuilds the
//! [`CageSpec`] from them.
//!
//! # Limitations
//!
//! - A record is not a full [`CageSpec`]: its properties hold the jail's
//!   identity, addresses, release and RabbitMQ version and format.
//!   [`spec_from_properties`] rebuilds the full spec, except the RabbitMQ
//!   password, which is never stored (dataset properties are readable by
//!   every user of the host): the caller supplies it again.
//! - Cages made before the spec was stored have no `org.cagebun:spec.*`
//!   properties and cannot be rebuilt from ZFS.
//! - Only properties set on the cage's own dataset (locally, or by a
//!   receive) count; a value inherited from a parent is ignored.
//! - Only direct children of `<pool>/cagebun/cages` are cages.
//!
//! References: zfs(8) `list`, zfsprops(7) "User Properties".

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use thiserror::Error;
use zfsctl::{DatasetName, PropName, PropSource, Zfs};

use crate::CageSpec;
use crate::boot_order::{BootEntry, DEFAULT_PRIORITY};
use crate::names::{FreebsdRelease, Hostname, InterfaceName, JailName};
use crate::plugins::RabbitmqVersion;
use crate::spec::{ConfigFormat, Password, PrivateAddresses, PublicAddress};

/// Where cages live below the pool's root dataset.
pub const CAGES_PARENT: &str = "cagebun/cages";
/// The jail name property, the one every cage has.
pub const JAIL_NAME_PROPERTY: &str = "org.cagebun:jail_name";
/// The boot priority property.
pub const PRIORITY_PROPERTY: &str = "org.cagebun:priority";
/// The boot flag property.
pub const BOOT_PROPERTY: &str = "org.cagebun:boot";

/// The user properties a record is read from, required ones first.
pub const CAGE_PROPERTIES: [&str; 10] = [
    JAIL_NAME_PROPERTY,
    "org.cagebun:hostname",
    "org.cagebun:release",
    "org.cagebun:public_address",
    "org.cagebun:rabbitmq_version",
    "org.cagebun:config_format",
    "org.cagebun:private_ipv4",
    "org.cagebun:private_ipv6",
    PRIORITY_PROPERTY,
    BOOT_PROPERTY,
];

/// One cage as its dataset records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CageRecord {
    /// The cage's dataset, e.g. `zroot/cagebun/cages/rabbit`.
    pub dataset: String,
    /// Its `mountpoint` property, as zfs(8) shows it.
    pub mountpoint: Option<String>,
    /// Jail name.
    pub name: JailName,
    /// The jail's host name.
    pub hostname: Hostname,
    /// FreeBSD release of the jail's userland.
    pub release: FreebsdRelease,
    /// The public address.
    pub public: PublicAddress,
    /// The private addresses.
    pub private: PrivateAddresses,
    /// RabbitMQ version the files were written for.
    pub rabbitmq_version: RabbitmqVersion,
    /// Which configuration files the broker got.
    pub config_format: ConfigFormat,
    /// Boot priority, lower first.
    pub priority: u32,
    /// Whether a boot run starts it.
    pub boot: bool,
}

/// Why a dataset's properties give no record; names the dataset, the
/// property and the value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    /// A required property is not set on the dataset itself.
    #[error("{dataset}: property {property} is not set")]
    Missing {
        /// The dataset.
        dataset: String,
        /// The property.
        property: &'static str,
    },
    /// A property's value cannot be read back.
    #[error("{dataset}: property {property}={value:?}: {reason}")]
    Invalid {
        /// The dataset.
        dataset: String,
        /// The property.
        property: &'static str,
        /// Its value.
        value: String,
        /// Why it was refused.
        reason: String,
    },
}

/// Why no inventory could be read at all.
#[derive(Debug, Error)]
pub enum InventoryError {
    /// The pool name does not make a dataset name.
    #[error("pool {pool:?}: {source}")]
    PoolName {
        /// The refused pool name.
        pool: String,
        /// What was wrong.
        source: zfsctl::NameError,
    },
    /// libzfs failed.
    #[error(transparent)]
    Zfs(#[from] zfsctl::Error),
}

/// The cages of a pool, and the datasets under the cages' parent that are
/// not readable cages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inventory {
    /// The readable cages, by dataset name.
    pub cages: Vec<CageRecord>,
    /// Why each other child is not a readable cage.
    #[serde(serialize_with = "serialize_errors")]
    pub unreadable: Vec<RecordError>,
}

fn serialize_errors<S: serde::Serializer>(
    errors: &[RecordError],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(errors.iter().map(ToString::to_string))
}

impl CageRecord {
    /// Rebuilds a record from the properties of `dataset`: `props` maps
    /// property names to values set on the dataset itself.
    ///
    /// References: zfsprops(7) "User Properties".
    pub fn from_properties(
        dataset: &str,
        mountpoint: Option<&str>,
        props: &BTreeMap<String, String>,
    ) -> Result<Self, RecordError> {
        let reader = PropReader { dataset, props };
        let name = reader.parse("org.cagebun:jail_name", |v| {
            JailName::new(v).map_err(|e| e.reason)
        })?;
        let hostname = reader.parse("org.cagebun:hostname", |v| {
            Hostname::new(v).map_err(|e| e.reason)
        })?;
        let release = reader.parse("org.cagebun:release", |v| {
            FreebsdRelease::new(v).map_err(|e| e.reason)
        })?;
        let public = reader.parse("org.cagebun:public_address", |v| {
            let (interface, address, prefix_len) = interface_address(v)?;
            let address = address
                .parse::<Ipv6Addr>()
                .map_err(|_| format!("{address} is not an IPv6 address"))?;
            if !(1..=128).contains(&prefix_len) {
                return Err(format!("prefix length {prefix_len} is not 1 to 128"));
            }
            Ok(PublicAddress {
                interface,
                address,
                prefix_len,
            })
        })?;
        let private_v4 = reader.optional("org.cagebun:private_ipv4", |v| {
            let (interface, address, prefix) = interface_address(v)?;
            if prefix != 32 {
                return Err(format!("prefix length {prefix}, expected 32"));
            }
            let address = address
                .parse::<Ipv4Addr>()
                .map_err(|_| format!("{address} is not an IPv4 address"))?;
            Ok((interface, address))
        })?;
        let private_v6 = reader.optional("org.cagebun:private_ipv6", |v| {
            let (interface, address, prefix) = interface_address(v)?;
            if prefix != 128 {
                return Err(format!("prefix length {prefix}, expected 128"));
            }
            let address = address
                .parse::<Ipv6Addr>()
                .map_err(|_| format!("{address} is not an IPv6 address"))?;
            Ok((interface, address))
        })?;
        let private = match (private_v4, private_v6) {
            (None, None) => {
                return Err(RecordError::Missing {
                    dataset: dataset.to_owned(),
                    property: "org.cagebun:private_ipv4",
                });
            }
            (Some((i4, _)), Some((i6, _))) if i4 != i6 => {
                return Err(RecordError::Invalid {
                    dataset: dataset.to_owned(),
                    property: "org.cagebun:private_ipv6",
                    value: props["org.cagebun:private_ipv6"].clone(),
                    reason: format!("interface {i6} differs from private_ipv4's interface {i4}"),
                });
            }
            (v4, v6) => PrivateAddresses {
                interface: v4
                    .as_ref()
                    .map(|(i, _)| i.clone())
                    .or_else(|| v6.as_ref().map(|(i, _)| i.clone()))
                    .expect("one of the two is set"),
                ipv4: v4.map(|(_, a)| a),
                ipv6: v6.map(|(_, a)| a),
            },
        };
        let rabbitmq_version = reader.parse("org.cagebun:rabbitmq_version", |v| {
            v.parse::<RabbitmqVersion>().map_err(|e| e.to_string())
        })?;
        let config_format = reader.parse("org.cagebun:config_format", |v| match v {
            "classic" => Ok(ConfigFormat::Classic),
            "conf" => Ok(ConfigFormat::Conf),
            _ => Err("expected classic or conf".to_owned()),
        })?;
        let priority = reader
            .optional(PRIORITY_PROPERTY, |v| {
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err("expected a non-negative integer".to_owned());
                }
                v.parse::<u32>().map_err(|e| e.to_string())
            })?
            .unwrap_or(DEFAULT_PRIORITY);
        let boot = reader
            .optional(BOOT_PROPERTY, |v| match v {
                "on" => Ok(true),
                "off" => Ok(false),
                _ => Err("expected on or off".to_owned()),
            })?
            .unwrap_or(false);
        Ok(CageRecord {
            dataset: dataset.to_owned(),
            mountpoint: mountpoint.map(str::to_owned),
            name,
            hostname,
            release,
            public,
            private,
            rabbitmq_version,
            config_format,
            priority,
            boot,
        })
    }

    /// The record as the boot order sees it.
    pub fn boot_entry(&self) -> BootEntry {
        BootEntry {
            name: self.name.to_string(),
            priority: self.priority,
            boot: self.boot,
        }
    }
}

struct PropReader<'a> {
    dataset: &'a str,
    props: &'a BTreeMap<String, String>,
}

impl PropReader<'_> {
    fn optional<T>(
        &self,
        property: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, RecordError> {
        let Some(value) = self.props.get(property) else {
            return Ok(None);
        };
        parse(value)
            .map(Some)
            .map_err(|reason| RecordError::Invalid {
                dataset: self.dataset.to_owned(),
                property,
                value: value.clone(),
                reason,
            })
    }

    fn parse<T>(
        &self,
        property: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, RecordError> {
        self.optional(property, parse)?
            .ok_or_else(|| RecordError::Missing {
                dataset: self.dataset.to_owned(),
                property,
            })
    }
}

/// Splits `interface|address/prefix`, the jail(8) alias form the plan
/// writes.
fn interface_address(value: &str) -> Result<(InterfaceName, &str, u8), String> {
    let (interface, rest) = value
        .split_once('|')
        .ok_or("expected interface|address/prefix")?;
    let (address, prefix) = rest
        .split_once('/')
        .ok_or("expected interface|address/prefix")?;
    let interface = InterfaceName::new(interface).map_err(|e| e.reason)?;
    let prefix = prefix
        .parse::<u8>()
        .map_err(|_| format!("prefix length {prefix:?} is not a number"))?;
    Ok((interface, address, prefix))
}

/// The dataset that holds the cages of `pool`: `<pool>/cagebun/cages`.
pub fn cages_parent(pool: &str) -> Result<DatasetName, InventoryError> {
    DatasetName::new(format!("{pool}/{CAGES_PARENT}")).map_err(|source| InventoryError::PoolName {
        pool: pool.to_owned(),
        source,
    })
}

/// Lists the cages of `pool` in one walk over `<pool>/cagebun/cages`; an
/// absent parent dataset is an empty inventory.
///
/// References: zfs(8) `list -r -o`, zfsprops(7) "User Properties".
pub fn read_inventory(zfs: &Zfs, pool: &str) -> Result<Inventory, InventoryError> {
    let parent = cages_parent(pool)?;
    if !zfs.exists(&parent) {
        tracing::debug!(dataset = %parent, "no cages dataset");
        return Ok(Inventory::default());
    }
    let mut wanted = vec![PropName::Native("mountpoint".to_owned())];
    for name in CAGE_PROPERTIES {
        wanted.push(PropName::parse(name)?);
    }
    tracing::debug!(dataset = %parent, props = ?CAGE_PROPERTIES, "list cages");
    let entries = zfs.dataset(&parent)?.list(true, &wanted)?;
    let mut inventory = Inventory::default();
    for entry in entries {
        if entry.name.parent().as_ref() != Some(&parent) {
            continue;
        }
        let own = |value: &zfsctl::PropValue| {
            matches!(value.source, PropSource::Local | PropSource::Received)
        };
        let props: BTreeMap<String, String> = entry
            .props
            .iter()
            .filter(|(name, _)| matches!(name, PropName::User(_)))
            .filter_map(|(name, value)| {
                let value = value.as_ref().filter(|v| own(v))?;
                Some((name.as_str().to_owned(), value.value.clone()))
            })
            .collect();
        let mountpoint = entry.get("mountpoint").map(|v| v.value.as_str());
        match CageRecord::from_properties(entry.name.as_str(), mountpoint, &props) {
            Ok(record) => inventory.cages.push(record),
            Err(error) => inventory.unreadable.push(error),
        }
    }
    Ok(inventory)
}

/// The number of `org.cagebun:spec.<n>` chunks holding the stored spec.
pub const SPEC_CHUNKS_PROPERTY: &str = "org.cagebun:spec.chunks";
/// The prefix of each chunk of the stored spec: `org.cagebun:spec.0`,
/// `org.cagebun:spec.1`, ….
pub const SPEC_CHUNK_PREFIX: &str = "org.cagebun:spec.";
/// The longest value ZFS accepts for a user property, in bytes.
///
/// References: zfsprops(7) "User Properties".
pub const MAX_USER_PROPERTY_VALUE: usize = 8191;

/// The whole spec as user properties of the cage's dataset: its JSON form,
/// with the RabbitMQ password emptied, cut into chunks of at most
/// [`MAX_USER_PROPERTY_VALUE`] bytes (`org.cagebun:spec.0`, …) and their
/// count ([`SPEC_CHUNKS_PROPERTY`]).
///
/// The password is never stored: every user of the host can read dataset
/// properties with `zfs get`. [`spec_from_properties`] needs it given
/// again.
///
/// References: zfsprops(7) "User Properties".
pub fn spec_properties(spec: &CageSpec) -> BTreeMap<String, String> {
    let mut stored = spec.clone();
    stored.rabbitmq.password = Password(String::new());
    let json = serde_json::to_string(&stored).expect("a spec serialises to JSON");
    let mut props = BTreeMap::new();
    let mut rest = json.as_str();
    let mut count = 0;
    while !rest.is_empty() {
        let mut end = rest.len().min(MAX_USER_PROPERTY_VALUE);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        props.insert(
            format!("{SPEC_CHUNK_PREFIX}{count}"),
            rest[..end].to_owned(),
        );
        rest = &rest[end..];
        count += 1;
    }
    props.insert(SPEC_CHUNKS_PROPERTY.to_owned(), count.to_string());
    props
}

/// Why a spec could not be rebuilt from a dataset's properties.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoredSpecError {
    /// The chunk count is missing: the cage was made before the spec was
    /// stored, or the property was removed.
    #[error("{SPEC_CHUNKS_PROPERTY}: missing")]
    MissingChunkCount,
    /// The chunk count is not a positive integer.
    #[error("{SPEC_CHUNKS_PROPERTY}: {value:?} is not a positive integer")]
    BadChunkCount {
        /// The property's value.
        value: String,
    },
    /// A chunk below the count is missing.
    #[error("{property}: missing ({count} chunks expected)")]
    MissingChunk {
        /// The missing property.
        property: String,
        /// The stored count.
        count: usize,
    },
    /// The joined chunks are not a spec's JSON.
    #[error("{SPEC_CHUNK_PREFIX}*: not a stored spec: {message}")]
    Corrupt {
        /// What the JSON parser said.
        message: String,
    },
    /// The stored spec breaks the spec's rules.
    #[error("{SPEC_CHUNK_PREFIX}*: stored spec refused: {message}")]
    Invalid {
        /// Why it was refused.
        message: String,
    },
}

/// Rebuilds the spec stored by [`spec_properties`] from a dataset's user
/// properties, with `password` as the RabbitMQ password, which is not
/// stored. The password can be read back from the cage's own RabbitMQ
/// configuration by the caller; this function does not read it.
///
/// References: zfsprops(7) "User Properties".
pub fn spec_from_properties(
    properties: &BTreeMap<String, String>,
    password: Password,
) -> Result<CageSpec, StoredSpecError> {
    let value = properties
        .get(SPEC_CHUNKS_PROPERTY)
        .ok_or(StoredSpecError::MissingChunkCount)?;
    let count = value
        .parse::<usize>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| StoredSpecError::BadChunkCount {
            value: value.clone(),
        })?;
    let mut json = String::new();
    for index in 0..count {
        let property = format!("{SPEC_CHUNK_PREFIX}{index}");
        let chunk = properties
            .get(&property)
            .ok_or(StoredSpecError::MissingChunk { property, count })?;
        json.push_str(chunk);
    }
    let mut spec: CageSpec = serde_json::from_str(&json).map_err(|e| StoredSpecError::Corrupt {
        message: e.to_string(),
    })?;
    spec.rabbitmq.password = password;
    spec.validate().map_err(|e| StoredSpecError::Invalid {
        message: e.to_string(),
    })?;
    Ok(spec)
}
