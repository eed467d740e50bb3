//! Jail settings kept as `org.freebsd.iocage:*` user properties.
//!
//! The shell version of iocage (iocage_legacy) stored every jail setting as a
//! user property of the jail's dataset, `org.freebsd.iocage:<key>`, and read
//! an unset one as zfs(8) prints it, `-`. [`IocageJail`] reads such a set of
//! properties, treats `-` as unset, fills what is missing from the legacy
//! defaults table ([`LEGACY_DEFAULTS`], not the defaults of today's iocage),
//! and reports what it had to guess as [`IocageWarning`]s instead of failing.

use std::collections::{BTreeMap, BTreeSet};

use tracing::warn;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::user_prop::{UserProp, UserPropError};

/// The user property namespace of iocage.
pub const IOCAGE_NAMESPACE: &str = "org.freebsd.iocage";

/// Defaults of the shell version of iocage for settings that did not depend
/// on the host: what a legacy jail ran with when a property was absent.
///
/// Current iocage changed some of them (`defaultrouter6` is `auto` there,
/// `interfaces` is `vnet0:bridge0`); legacy jails keep these.
/// `hostname` and `host_hostname` defaulted to the jail's UUID, which
/// [`IocageJail::from_props`] takes from `host_hostuuid`.
pub const LEGACY_DEFAULTS: &[(&str, &str)] = &[
    ("interfaces", "vnet0:bridge0,vnet1:bridge1"),
    ("ip4_addr", "none"),
    ("ip4_saddrsel", "1"),
    ("ip4", "new"),
    ("ip6_addr", "none"),
    ("ip6_saddrsel", "1"),
    ("ip6", "new"),
    ("defaultrouter", "none"),
    ("defaultrouter6", "none"),
    ("resolver", "none"),
    ("exec_fib", "0"),
    ("devfs_ruleset", "4"),
    ("exec_start", "/bin/sh /etc/rc"),
    ("exec_stop", "/bin/sh /etc/rc.shutdown"),
    ("exec_clean", "1"),
    ("exec_timeout", "60"),
    ("stop_timeout", "30"),
    ("mount_devfs", "1"),
    ("mount_fdescfs", "1"),
    ("mount_procfs", "0"),
    ("enforce_statfs", "2"),
    ("children_max", "0"),
    ("securelevel", "2"),
    ("allow_set_hostname", "0"),
    ("allow_sysvipc", "0"),
    ("allow_raw_sockets", "0"),
    ("allow_mount", "0"),
    ("allow_mount_zfs", "0"),
    ("boot", "off"),
    ("notes", "none"),
    ("priority", "99"),
    ("type", "basejail"),
    ("jail_zfs", "off"),
];

/// Something [`IocageJail::from_props`] had to guess or could not reconcile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IocageWarning {
    /// A property that iocage expects was absent (or `-`) and has no legacy
    /// default, e.g. `cloned_release` on jails made before it existed.
    Missing(&'static str),
    /// `hostname` and `host_hostname` differ; `host_hostname` was used, since
    /// that is what the shell version passed to jail(8) as `host.hostname`.
    HostnameConflict {
        /// The `hostname` property.
        hostname: String,
        /// The `host_hostname` property, which wins.
        host_hostname: String,
    },
    /// A property name that is not a valid user property was skipped.
    BadName(UserPropError),
}

/// Settings of one iocage jail, by key (`release`, `ip6_addr`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IocageJail {
    values: BTreeMap<String, String>,
    defaulted: BTreeSet<String>,
    cleared: BTreeSet<String>,
}

impl IocageJail {
    /// Reads jail settings from `(property, value)` pairs, as `zfs get` or
    /// [`Dataset::user_props`] give them; other namespaces are ignored.
    ///
    /// A value of `-` is unset. Missing settings take their [`LEGACY_DEFAULTS`]
    /// value; a missing `release` or `cloned_release` is reported, not fatal.
    pub fn from_props<'a>(
        props: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (IocageJail, Vec<IocageWarning>) {
        let mut jail = IocageJail::default();
        let mut warnings = Vec::new();
        let prefix = format!("{IOCAGE_NAMESPACE}:");

        // Stored values, `-` meaning unset.
        for (name, value) in props {
            let Some(key) = name.strip_prefix(&prefix) else {
                continue;
            };
            if let Err(e) = UserProp::new(name) {
                warnings.push(IocageWarning::BadName(e));
                continue;
            }
            if value != "-" {
                jail.values.insert(key.to_owned(), value.to_owned());
            }
        }

        // Legacy defaults for what is absent.
        for (key, value) in LEGACY_DEFAULTS {
            jail.fill_default(key, value);
        }
        if let Some(uuid) = jail.values.get("host_hostuuid").cloned() {
            jail.fill_default("host_hostname", &uuid);
            jail.fill_default("hostname", &uuid);
        }

        // What has no default is reported.
        for key in ["release", "cloned_release", "host_hostuuid"] {
            if !jail.values.contains_key(key) {
                warnings.push(IocageWarning::Missing(key));
            }
        }
        if let (Some(h), Some(hh)) = (
            jail.values.get("hostname"),
            jail.values.get("host_hostname"),
        ) && h != hh
        {
            warnings.push(IocageWarning::HostnameConflict {
                hostname: h.clone(),
                host_hostname: hh.clone(),
            });
        }
        (jail, warnings)
    }

    /// Reads the jail settings of `dataset` from one `zfs_get_user_props`
    /// nvlist, and logs each warning.
    ///
    /// References: libzfs `zfs_get_user_props`.
    pub fn read(dataset: &Dataset<'_>) -> (IocageJail, Vec<IocageWarning>) {
        let props = dataset.user_props();
        let pairs = props.iter().map(|(k, v)| (k.as_str(), v.value.as_str()));
        let (jail, warnings) = IocageJail::from_props(pairs);
        for w in &warnings {
            warn!(dataset = %dataset.name(), warning = ?w, "iocage settings");
        }
        (jail, warnings)
    }

    fn fill_default(&mut self, key: &str, value: &str) {
        if !self.values.contains_key(key) {
            self.values.insert(key.to_owned(), value.to_owned());
            self.defaulted.insert(key.to_owned());
        }
    }

    /// A setting; `None` when unset and without a legacy default.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// Whether `key` holds a legacy default rather than a stored value.
    pub fn is_default(&self, key: &str) -> bool {
        self.defaulted.contains(key)
    }

    /// The release the jail runs, e.g. `10.3-RELEASE`.
    pub fn release(&self) -> Option<&str> {
        self.get("release")
    }

    /// The release the jail was cloned from; absent on older legacy jails.
    pub fn cloned_release(&self) -> Option<&str> {
        self.get("cloned_release")
    }

    /// The host name the jail runs with: `host_hostname` (what the shell
    /// version gave jail(8) as `host.hostname`), else `hostname`.
    pub fn hostname(&self) -> Option<&str> {
        self.get("host_hostname").or_else(|| self.get("hostname"))
    }

    /// Sets `key` to `value`, or unsets it with `None`.
    pub fn set(&mut self, key: &str, value: Option<&str>) -> Result<(), UserPropError> {
        UserProp::new(format!("{IOCAGE_NAMESPACE}:{key}"))?;
        self.defaulted.remove(key);
        match value {
            Some(v) => {
                self.cleared.remove(key);
                self.values.insert(key.to_owned(), v.to_owned());
            }
            None => {
                self.cleared.insert(key.to_owned());
                self.values.remove(key);
            }
        }
        Ok(())
    }

    /// The stored settings as user properties, defaults left out, in key order.
    pub fn to_props(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .filter(|(k, _)| !self.defaulted.contains(*k))
            .map(|(k, v)| (format!("{IOCAGE_NAMESPACE}:{k}"), v.clone()))
            .collect()
    }

    /// Writes the stored settings to `dataset` as user properties, and
    /// removes (inherits) those unset with [`IocageJail::set`]. Legacy
    /// defaults are not written.
    ///
    /// References: libzfs `zfs_prop_set`, `zfs_prop_inherit`.
    pub fn write(&self, dataset: &Dataset<'_>) -> Result<()> {
        for (name, value) in self.to_props() {
            dataset.set(&name, &value)?;
        }
        for key in &self.cleared {
            dataset.inherit(&format!("{IOCAGE_NAMESPACE}:{key}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "3a9b7e62-31f0-11e6-a2a1-0cc47a6b11f0";

    fn legacy_jail() -> Vec<(String, String)> {
        [
            ("org.freebsd.iocage:release", "10.3-RELEASE"),
            ("org.freebsd.iocage:hostname", "mq"),
            ("org.freebsd.iocage:host_hostname", UUID),
            ("org.freebsd.iocage:host_hostuuid", UUID),
            ("org.freebsd.iocage:ip6_addr", "em0|2001:db8::5"),
            ("org.freebsd.iocage:ip4_addr", "-"),
            ("org.example:other", "x"),
            ("compression", "lz4"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    }

    fn read(props: &[(String, String)]) -> (IocageJail, Vec<IocageWarning>) {
        IocageJail::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    #[test]
    fn missing_cloned_release_is_a_warning() {
        let (jail, warnings) = read(&legacy_jail());
        assert_eq!(jail.release(), Some("10.3-RELEASE"));
        assert_eq!(jail.cloned_release(), None);
        assert_eq!(jail.get("ip6_addr"), Some("em0|2001:db8::5"));
        assert_eq!(
            warnings,
            [
                IocageWarning::Missing("cloned_release"),
                IocageWarning::HostnameConflict {
                    hostname: "mq".into(),
                    host_hostname: UUID.into()
                },
            ]
        );
    }

    #[test]
    fn hostname_is_what_jail_8_was_given() {
        let (jail, _) = read(&legacy_jail());
        assert_eq!(jail.hostname(), Some(UUID));
        let mut only_hostname = legacy_jail();
        only_hostname
            .retain(|(k, _)| !k.ends_with(":host_hostname") && !k.ends_with(":host_hostuuid"));
        let (jail, warnings) = read(&only_hostname);
        assert_eq!(jail.hostname(), Some("mq"));
        assert!(warnings.contains(&IocageWarning::Missing("host_hostuuid")));
    }

    #[test]
    fn dash_is_unset_and_takes_the_legacy_default() {
        let (jail, _) = read(&legacy_jail());
        assert_eq!(jail.get("ip4_addr"), Some("none"));
        assert!(jail.is_default("ip4_addr"));
        assert!(!jail.is_default("ip6_addr"));
        assert_eq!(jail.get("compression"), None);
        assert_eq!(jail.get("other"), None);
    }

    #[test]
    fn legacy_defaults_not_current_ones() {
        let (jail, _) = read(&legacy_jail());
        assert_eq!(jail.get("defaultrouter6"), Some("none"));
        assert_eq!(jail.get("interfaces"), Some("vnet0:bridge0,vnet1:bridge1"));
        assert!(jail.is_default("defaultrouter6"));
        let (empty, warnings) = IocageJail::from_props([]);
        assert_eq!(empty.hostname(), None);
        assert_eq!(
            warnings,
            [
                IocageWarning::Missing("release"),
                IocageWarning::Missing("cloned_release"),
                IocageWarning::Missing("host_hostuuid"),
            ]
        );
    }

    #[test]
    fn writes_only_stored_values() {
        let (mut jail, _) = read(&legacy_jail());
        jail.set("cloned_release", Some("10.3-RELEASE")).unwrap();
        jail.set("defaultrouter6", Some("fe80::1%em0")).unwrap();
        jail.set("ip6_addr", None).unwrap();
        assert_eq!(
            jail.set("Bad", Some("x")).unwrap_err().invalid_char(),
            Some('B')
        );
        let props = jail.to_props();
        let keys: Vec<&str> = props.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "org.freebsd.iocage:cloned_release",
                "org.freebsd.iocage:defaultrouter6",
                "org.freebsd.iocage:host_hostname",
                "org.freebsd.iocage:host_hostuuid",
                "org.freebsd.iocage:hostname",
                "org.freebsd.iocage:release",
            ]
        );
        assert_eq!(jail.get("ip6_addr"), None);
    }
}
