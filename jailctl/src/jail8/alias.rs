//! The ifconfig(8) alias commands jail(8) runs for address entries that name
//! an interface, before it creates a jail and after it removes it.
//!
//! jail(8) adds an alias for an entry when the entry names an interface
//! (`em0|…`) or the jail has an `interface` parameter; an entry with neither
//! gets no alias at all. Words are built as jail(8) builds them:
//!
//! - IPv4 without a mask: `ifconfig em0 inet 192.0.2.7 netmask
//!   255.255.255.255 alias`; with `/24`: `ifconfig em0 inet 192.0.2.7/24
//!   alias`; with a dotted mask: `… inet 192.0.2.7 netmask 255.255.255.0
//!   alias`.
//! - IPv6 without a prefix: `ifconfig em0 inet6 2001:db8::7 prefixlen 128
//!   alias`; with one: `ifconfig em0 inet6 2001:db8::7/64 alias`.
//! - ifconfig words of the entry follow the address when adding and are left
//!   out when removing (`-alias`).
//!
//! References: jail(8) (`ip4.addr`, `ip6.addr`, `interface`), ifconfig(8),
//! route(8).

use super::address::{
    AddressFamily, Iface, InterfaceName, InterfaceNameError, Ipv4Entry, Ipv4List, Ipv4Mask,
    Ipv6Entry, Ipv6List,
};
use super::command::{CommandError, CommandLine, CommandRunner, IFCONFIG, ROUTE};

/// One address to alias on one host interface; makes both the adding and
/// the removing command, so a removal always matches what was added.
///
/// References: ifconfig(8) (`alias`, `-alias`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AliasCommand {
    family: AddressFamily,
    iface: InterfaceName,
    address_words: Vec<String>,
    extra: Vec<String>,
}

impl AliasCommand {
    fn for_ipv4(entry: &Ipv4Entry, iface: InterfaceName) -> Self {
        let address_words = match entry.mask() {
            None => vec![
                entry.addr().to_string(),
                "netmask".to_owned(),
                "255.255.255.255".to_owned(),
            ],
            Some(Ipv4Mask::PrefixLen(len)) => vec![format!("{}/{len}", entry.addr())],
            Some(Ipv4Mask::Netmask(mask)) => vec![
                entry.addr().to_string(),
                "netmask".to_owned(),
                mask.to_string(),
            ],
        };
        Self {
            family: AddressFamily::Inet,
            iface,
            address_words,
            extra: entry.extra().to_vec(),
        }
    }

    fn for_ipv6(entry: &Ipv6Entry, iface: InterfaceName) -> Self {
        let address_words = match entry.prefix() {
            None => vec![
                entry.addr_with_scope(),
                "prefixlen".to_owned(),
                "128".to_owned(),
            ],
            Some(len) => vec![format!("{}/{len}", entry.addr_with_scope())],
        };
        Self {
            family: AddressFamily::Inet6,
            iface,
            address_words,
            extra: entry.extra().to_vec(),
        }
    }

    /// The address family of the alias.
    pub fn family(&self) -> AddressFamily {
        self.family
    }

    /// The host interface the alias goes on.
    pub fn iface(&self) -> &InterfaceName {
        &self.iface
    }

    fn command(&self, up: bool) -> CommandLine {
        let mut argv = vec![
            IFCONFIG.to_owned(),
            self.iface.to_string(),
            self.family.ifconfig_word().to_owned(),
        ];
        argv.extend(self.address_words.iter().cloned());
        if up {
            argv.extend(self.extra.iter().cloned());
        }
        argv.push(if up { "alias" } else { "-alias" }.to_owned());
        CommandLine::from_words(argv)
    }

    /// `ifconfig <iface> inet|inet6 <address…> [words…] alias`.
    ///
    /// References: ifconfig(8).
    pub fn add(&self) -> CommandLine {
        self.command(true)
    }

    /// `ifconfig <iface> inet|inet6 <address…> -alias`.
    ///
    /// References: ifconfig(8).
    pub fn remove(&self) -> CommandLine {
        self.command(false)
    }
}

/// The host's default-route interface of each family, which `DEFAULT|…`
/// entries resolve to.
///
/// References: route(8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DefaultRouteInterfaces {
    /// The interface of the IPv4 default route.
    pub inet: Option<InterfaceName>,
    /// The interface of the IPv6 default route.
    pub inet6: Option<InterfaceName>,
}

/// Why the alias commands of a jail cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AliasError {
    /// A `DEFAULT|…` entry, but the host has no default route of that family.
    #[error("{family}: `{entry}` asks for the default-route interface, but the host has none")]
    NoDefaultRoute {
        /// The list holding the entry.
        family: AddressFamily,
        /// The entry, as written.
        entry: String,
    },
    /// The lookup of a default route failed.
    #[error("default route lookup: {0}")]
    Lookup(#[from] CommandError),
    /// route(8) printed an interface name that is not valid.
    #[error("default route lookup printed a bad interface name: {0}")]
    BadLookupOutput(InterfaceNameError),
}

/// The command that asks route(8) for the default route of `family`:
/// `/sbin/route -n get -inet default` or `… -inet6 default`.
///
/// References: route(8).
pub fn default_route_query(family: AddressFamily) -> CommandLine {
    let family_flag = match family {
        AddressFamily::Inet => "-inet",
        AddressFamily::Inet6 => "-inet6",
    };
    CommandLine::from_words(
        [ROUTE, "-n", "get", family_flag, "default"]
            .map(str::to_owned)
            .to_vec(),
    )
}

/// Reads the `interface:` line of `route -n get` output; `Ok(None)` when
/// there is none (route(8) printed no route).
///
/// References: route(8).
pub fn parse_route_get_interface(output: &str) -> Result<Option<InterfaceName>, AliasError> {
    for line in output.lines() {
        if let Some(name) = line.trim_start().strip_prefix("interface:") {
            return InterfaceName::new(name.trim())
                .map(Some)
                .map_err(AliasError::BadLookupOutput);
        }
    }
    Ok(None)
}

impl DefaultRouteInterfaces {
    /// Asks route(8) for the default routes of the families that `ip4` and
    /// `ip6` need (those with a `DEFAULT|…` entry) and no other. A failed
    /// lookup counts as "no default route"; that becomes an error only
    /// when the aliases are planned.
    ///
    /// References: route(8).
    pub fn discover(runner: &dyn CommandRunner, ip4: &Ipv4List, ip6: &Ipv6List) -> Self {
        let lookup = |family| {
            runner
                .run(&default_route_query(family))
                .ok()
                .and_then(|out| parse_route_get_interface(&out).ok().flatten())
        };
        Self {
            inet: ip4
                .entries()
                .iter()
                .any(|e| e.iface() == Some(&Iface::Default))
                .then(|| lookup(AddressFamily::Inet))
                .flatten(),
            inet6: ip6
                .entries()
                .iter()
                .any(|e| e.iface() == Some(&Iface::Default))
                .then(|| lookup(AddressFamily::Inet6))
                .flatten(),
        }
    }
}

/// The aliases of one jail, in the order jail(8) adds them: the `ip4.addr`
/// entries in list order, then the `ip6.addr` entries.
///
/// References: jail(8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasPlan {
    ipv4: Vec<AliasCommand>,
    ipv6: Vec<AliasCommand>,
}

fn resolve_iface(
    family: AddressFamily,
    entry_iface: Option<&Iface>,
    entry_text: &dyn Fn() -> String,
    interface: Option<&InterfaceName>,
    default: Option<&InterfaceName>,
) -> Result<Option<InterfaceName>, AliasError> {
    match entry_iface {
        Some(Iface::Named(name)) => Ok(Some(name.clone())),
        Some(Iface::Default) => {
            default
                .cloned()
                .map(Some)
                .ok_or_else(|| AliasError::NoDefaultRoute {
                    family,
                    entry: entry_text(),
                })
        }
        None => Ok(interface.cloned()),
    }
}

impl AliasPlan {
    /// Plans the aliases for `ip4` and `ip6`. `interface` is the jail's
    /// `interface` parameter, used for entries that name none; entries
    /// without either get no alias. `DEFAULT|…` entries take the interface
    /// from `defaults`, and fail when it has none for their family.
    ///
    /// References: jail(8) (`interface`, `ip4.addr`, `ip6.addr`).
    pub fn new(
        ip4: &Ipv4List,
        ip6: &Ipv6List,
        interface: Option<&InterfaceName>,
        defaults: &DefaultRouteInterfaces,
    ) -> Result<Self, AliasError> {
        let mut plan = Self::default();
        for entry in ip4.entries() {
            let iface = resolve_iface(
                AddressFamily::Inet,
                entry.iface(),
                &|| entry.to_string(),
                interface,
                defaults.inet.as_ref(),
            )?;
            if let Some(iface) = iface {
                plan.ipv4.push(AliasCommand::for_ipv4(entry, iface));
            }
        }
        for entry in ip6.entries() {
            let iface = resolve_iface(
                AddressFamily::Inet6,
                entry.iface(),
                &|| entry.to_string(),
                interface,
                defaults.inet6.as_ref(),
            )?;
            if let Some(iface) = iface {
                plan.ipv6.push(AliasCommand::for_ipv6(entry, iface));
            }
        }
        Ok(plan)
    }

    /// The aliases in the order they are added.
    pub fn in_setup_order(&self) -> impl Iterator<Item = &AliasCommand> {
        self.ipv4.iter().chain(self.ipv6.iter())
    }

    /// The aliases in the order jail(8) removes them when a jail stops: the
    /// IPv6 ones in list order, then the IPv4 ones.
    pub fn in_stop_order(&self) -> impl Iterator<Item = &AliasCommand> {
        self.ipv6.iter().chain(self.ipv4.iter())
    }

    /// The commands that add every alias, in setup order.
    pub fn setup_commands(&self) -> Vec<CommandLine> {
        self.in_setup_order().map(AliasCommand::add).collect()
    }

    /// The commands that remove every alias, in stop order.
    pub fn teardown_commands(&self) -> Vec<CommandLine> {
        self.in_stop_order().map(AliasCommand::remove).collect()
    }

    /// Whether there is no alias to add.
    pub fn is_empty(&self) -> bool {
        self.ipv4.is_empty() && self.ipv6.is_empty()
    }
}
