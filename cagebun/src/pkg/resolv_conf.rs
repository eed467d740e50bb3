//! Whether a root's `etc/resolv.conf` names a name server the cage can
//! reach with the address families it has.
//!
//! pkg(8) resolves the repository's host name before it fetches anything;
//! with `pkg -c` it does so inside the root, through the root's own
//! `etc/resolv.conf`, and the services of the cage use the same file once it
//! runs. A cage without IPv4 cannot reach an IPv4 name server, so a file
//! whose only `nameserver` lines are IPv4 addresses leaves an IPv6-only cage
//! without names.
//!
//! # Limitations
//!
//! - Only `nameserver` lines are read; `search`, `domain` and `options` are
//!   ignored.
//! - Reachability is judged by address family alone: whether a route to the
//!   server exists is not checked.
//!
//! References: resolv.conf(5).

use std::net::IpAddr;

use thiserror::Error;

/// The address families a cage has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressFamilies {
    /// The cage has an IPv4 address.
    pub ipv4: bool,
    /// The cage has an IPv6 address.
    pub ipv6: bool,
}

impl AddressFamilies {
    /// Whether the cage can reach `addr` by family.
    pub fn reaches(self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(_) => self.ipv4,
            IpAddr::V6(_) => self.ipv6,
        }
    }

    fn describe(self) -> &'static str {
        match (self.ipv4, self.ipv6) {
            (true, true) => "IPv4 and IPv6",
            (true, false) => "IPv4 only",
            (false, true) => "IPv6 only",
            (false, false) => "no address family",
        }
    }
}

/// What is wrong with the name server list.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResolvConfError {
    /// A `nameserver` line holds no address, or not an IP address.
    #[error("line {line}: nameserver {value:?} is not an IP address")]
    BadNameserver {
        /// Line number, from 1.
        line: usize,
        /// The value after `nameserver`.
        value: String,
    },
    /// No `nameserver` line names a server of a family the cage has.
    #[error("no nameserver the cage ({families}) can reach; found {found:?}")]
    NoReachableNameserver {
        /// The cage's families, in words.
        families: &'static str,
        /// The name servers the file does list.
        found: Vec<IpAddr>,
    },
}

/// The `nameserver` addresses of a resolv.conf text, in order. Comment lines
/// start with `#` or `;`; an IPv6 address may carry a `%scope` suffix,
/// which is dropped.
///
/// References: resolv.conf(5) `nameserver`.
pub fn nameservers(text: &str) -> Result<Vec<IpAddr>, ResolvConfError> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        if words.next() != Some("nameserver") {
            continue;
        }
        let value = words.next().unwrap_or("");
        let address = value.split_once('%').map_or(value, |(addr, _)| addr);
        let parsed = address
            .parse::<IpAddr>()
            .ok()
            .filter(|a| a.is_ipv6() || !value.contains('%'));
        match parsed {
            Some(addr) => out.push(addr),
            None => {
                return Err(ResolvConfError::BadNameserver {
                    line: index + 1,
                    value: value.to_owned(),
                });
            }
        }
    }
    Ok(out)
}

/// The name servers of `text` the cage can reach; an error when there is
/// none.
///
/// References: resolv.conf(5).
pub fn reachable_nameservers(
    text: &str,
    families: AddressFamilies,
) -> Result<Vec<IpAddr>, ResolvConfError> {
    let all = nameservers(text)?;
    let reachable: Vec<IpAddr> = all
        .iter()
        .copied()
        .filter(|a| families.reaches(*a))
        .collect();
    if reachable.is_empty() {
        return Err(ResolvConfError::NoReachableNameserver {
            families: families.describe(),
            found: all,
        });
    }
    Ok(reachable)
}
