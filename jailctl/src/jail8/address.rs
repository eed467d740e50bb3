//! The `interface|address/prefix extra…` form of `ip4.addr` and `ip6.addr`.
//!
//! jail(8) accepts, for each entry of an address list, an optional interface
//! name before a `|`, the address, an optional prefix length (or, for IPv4, a
//! dotted netmask) after a `/`, and optional ifconfig(8) words after the
//! first space. Only the bare address reaches jail_set(2); the rest tells
//! jail(8) which alias to add to the host before the jail is created.
//!
//! Entries print back with [`Display`](fmt::Display) in the same form. The
//! address itself prints in its canonical form (RFC 5952 for IPv6), so text
//! written that way round-trips byte for byte and any entry satisfies
//! `parse(entry.to_string()) == entry`. A list is a jail.conf(5) list of
//! strings, one entry each: [`AddressList::values`] gives them and
//! [`AddressList::parse_values`] reads them back.
//!
//! References: jail(8) (`ip4.addr`, `ip6.addr`, `interface`), ifconfig(8).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Longest interface name the kernel accepts: `IFNAMSIZ` (16) less the NUL.
pub const MAX_INTERFACE_NAME_LEN: usize = 15;

/// The word jail(8) users write for "the host's default-route interface".
pub const DEFAULT_INTERFACE_WORD: &str = "DEFAULT";

/// Words that select an address mode (`ip4`/`ip6` = `inherit`, `new`,
/// `disable`) and are therefore never valid inside an address list.
pub const MODE_WORDS: [&str; 3] = ["inherit", "new", "disable"];

/// A host network interface name such as `em0`, `epair0b` or `lagg0.10`.
///
/// Valid names are 1 to 15 bytes of ASCII letters, digits, `_`, `.` and `-`,
/// and are not the word `DEFAULT`, which stands for [`Iface::Default`].
///
/// References: ifconfig(8), `IFNAMSIZ` in `net/if.h`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InterfaceName(String);

/// Why a text is not an [`InterfaceName`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterfaceNameError {
    /// The name is empty.
    #[error("empty interface name")]
    Empty,
    /// The name is longer than [`MAX_INTERFACE_NAME_LEN`].
    #[error("interface name `{0}` is longer than 15 bytes")]
    TooLong(String),
    /// The name holds a character outside `A-Za-z0-9_.-`.
    #[error("interface name `{name}` contains {ch:?} at byte {offset}")]
    InvalidChar {
        /// The whole name.
        name: String,
        /// The first offending character.
        ch: char,
        /// Its byte offset in the name.
        offset: usize,
    },
    /// The name is the reserved word `DEFAULT`.
    #[error("`DEFAULT` names the default-route interface, not an interface")]
    Reserved,
}

impl InterfaceName {
    /// Validates `name` as an interface name.
    ///
    /// References: ifconfig(8).
    pub fn new(name: &str) -> Result<Self, InterfaceNameError> {
        if name.is_empty() {
            return Err(InterfaceNameError::Empty);
        }
        if name == DEFAULT_INTERFACE_WORD {
            return Err(InterfaceNameError::Reserved);
        }
        if let Some((offset, ch)) = name
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            return Err(InterfaceNameError::InvalidChar {
                name: name.to_owned(),
                ch,
                offset,
            });
        }
        if name.len() > MAX_INTERFACE_NAME_LEN {
            return Err(InterfaceNameError::TooLong(name.to_owned()));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The interface written before the `|` of an address entry.
///
/// References: jail(8) (`ip4.addr`, `ip6.addr`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Iface {
    /// A named host interface, `em0|…`.
    Named(InterfaceName),
    /// `DEFAULT|…`: the host's default-route interface of the entry's address
    /// family, looked up when the jail starts. jail(8) itself has no such
    /// word; it comes from jail managers that write jail.conf files.
    Default,
}

impl fmt::Display for Iface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Named(name) => name.fmt(f),
            Self::Default => f.write_str(DEFAULT_INTERFACE_WORD),
        }
    }
}

/// The part after the `/` of an IPv4 entry.
///
/// References: jail(8), ifconfig(8) (`netmask`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ipv4Mask {
    /// `/24`: a prefix length, 0 to 32.
    PrefixLen(u8),
    /// `/255.255.255.0`: a dotted netmask, which jail(8) hands to
    /// ifconfig(8) as `netmask 255.255.255.0`.
    Netmask(Ipv4Addr),
}

impl fmt::Display for Ipv4Mask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PrefixLen(len) => len.fmt(f),
            Self::Netmask(mask) => mask.fmt(f),
        }
    }
}

/// One entry of `ip4.addr`: `[iface|]address[/mask][ ifconfig-words…]`.
///
/// The fields are private so that every entry that exists prints to text
/// that parses back to it: [`Ipv4Entry::new`] and the `with_*` methods
/// check what [`FromStr`] would refuse (a prefix length above 32, an
/// ifconfig(8) word with a space, comma, `|`, `"` or control character).
///
/// References: jail(8) (`ip4.addr`), ifconfig(8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ipv4Entry {
    iface: Option<Iface>,
    addr: Ipv4Addr,
    mask: Option<Ipv4Mask>,
    extra: Vec<String>,
}

/// One entry of `ip6.addr`: `[iface|]address[%scope][/prefix][ words…]`.
///
/// A scope (zone) written after `%` is kept and printed back. jail(8) hands
/// the address text to inet_pton(3), which refuses a zone, so jail(8) itself
/// rejects such an entry; here the zone is used only in the ifconfig(8)
/// alias command, and jail_set(2) receives the address without it.
///
/// IPv4-mapped addresses (`::ffff:192.0.2.1`) are accepted: the kernel's
/// only check on a jail's IPv6 addresses refuses the unspecified address
/// `::` and nothing else.
///
/// The fields are private so that every entry that exists prints to text
/// that parses back to it; [`Ipv6Entry::new`] and the `with_*` methods
/// check what [`FromStr`] would refuse.
///
/// References: jail(8) (`ip6.addr`), ifconfig(8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ipv6Entry {
    iface: Option<Iface>,
    addr: Ipv6Addr,
    scope: Option<InterfaceName>,
    prefix: Option<u8>,
    extra: Vec<String>,
}

/// An error about a value given to a constructor rather than parsed: the
/// offending text is the whole input.
fn built_error(family: AddressFamily, kind: AddressErrorKind, text: String) -> AddressError {
    AddressError {
        family,
        kind,
        input: text.clone(),
        offset: 0,
        fragment: text,
    }
}

/// Checks ifconfig(8) words given to a constructor.
fn check_extra(family: AddressFamily, extra: Vec<String>) -> Result<Vec<String>, AddressError> {
    match extra.iter().find(|word| !is_extra_word(word)) {
        Some(word) => Err(built_error(
            family,
            AddressErrorKind::BadExtraWord,
            word.clone(),
        )),
        None => Ok(extra),
    }
}

/// Whether `word` travels as one ifconfig(8) word of an entry.
fn is_extra_word(word: &str) -> bool {
    !word.is_empty()
        && !word
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '|' | ',' | '"'))
}

impl Ipv4Entry {
    /// An entry of `addr` alone, with no interface, mask or words.
    pub fn new(addr: Ipv4Addr) -> Self {
        Self {
            iface: None,
            addr,
            mask: None,
            extra: Vec::new(),
        }
    }

    /// The entry with `iface` before the `|`.
    pub fn with_iface(mut self, iface: Iface) -> Self {
        self.iface = Some(iface);
        self
    }

    /// The entry with `mask` after the `/`. A prefix length above 32 is
    /// refused with [`AddressErrorKind::BadPrefix`].
    pub fn with_mask(mut self, mask: Ipv4Mask) -> Result<Self, AddressError> {
        if matches!(mask, Ipv4Mask::PrefixLen(len) if len > 32) {
            let kind = AddressErrorKind::BadPrefix;
            return Err(built_error(AddressFamily::Inet, kind, mask.to_string()));
        }
        self.mask = Some(mask);
        Ok(self)
    }

    /// The entry with ifconfig(8) `extra` words. An empty word, or one
    /// holding a space, control character, `|`, `,` or `"`, is refused
    /// with [`AddressErrorKind::BadExtraWord`].
    pub fn with_extra(mut self, extra: Vec<String>) -> Result<Self, AddressError> {
        self.extra = check_extra(AddressFamily::Inet, extra)?;
        Ok(self)
    }

    /// The interface before `|`, if any.
    pub fn iface(&self) -> Option<&Iface> {
        self.iface.as_ref()
    }

    /// The address; the only part jail_set(2) receives.
    pub fn addr(&self) -> Ipv4Addr {
        self.addr
    }

    /// The prefix length or netmask after `/`, if any.
    pub fn mask(&self) -> Option<Ipv4Mask> {
        self.mask
    }

    /// ifconfig(8) words after the address, such as `vhid 3 advskew 100`.
    pub fn extra(&self) -> &[String] {
        &self.extra
    }
}

impl Ipv6Entry {
    /// An entry of `addr` alone, with no interface, scope, prefix or words.
    pub fn new(addr: Ipv6Addr) -> Self {
        Self {
            iface: None,
            addr,
            scope: None,
            prefix: None,
            extra: Vec::new(),
        }
    }

    /// The entry with `iface` before the `|`. A named interface other than
    /// the scope's is refused with [`AddressErrorKind::ScopeMismatch`].
    pub fn with_iface(mut self, iface: Iface) -> Result<Self, AddressError> {
        self.iface = Some(iface);
        self.check_scope()?;
        Ok(self)
    }

    /// The entry with zone `scope` after the `%`. A scope other than the
    /// named interface is refused with [`AddressErrorKind::ScopeMismatch`].
    pub fn with_scope(mut self, scope: InterfaceName) -> Result<Self, AddressError> {
        self.scope = Some(scope);
        self.check_scope()?;
        Ok(self)
    }

    /// The entry with prefix length `prefix` after the `/`. A length above
    /// 128 is refused with [`AddressErrorKind::BadPrefix`].
    pub fn with_prefix(mut self, prefix: u8) -> Result<Self, AddressError> {
        if prefix > 128 {
            let kind = AddressErrorKind::BadPrefix;
            return Err(built_error(AddressFamily::Inet6, kind, prefix.to_string()));
        }
        self.prefix = Some(prefix);
        Ok(self)
    }

    /// The entry with ifconfig(8) `extra` words. An empty word, or one
    /// holding a space, control character, `|`, `,` or `"`, is refused
    /// with [`AddressErrorKind::BadExtraWord`].
    pub fn with_extra(mut self, extra: Vec<String>) -> Result<Self, AddressError> {
        self.extra = check_extra(AddressFamily::Inet6, extra)?;
        Ok(self)
    }

    fn check_scope(&self) -> Result<(), AddressError> {
        match (&self.iface, &self.scope) {
            (Some(Iface::Named(name)), Some(scope)) if name != scope => Err(built_error(
                AddressFamily::Inet6,
                AddressErrorKind::ScopeMismatch,
                scope.to_string(),
            )),
            _ => Ok(()),
        }
    }

    /// The interface before `|`, if any.
    pub fn iface(&self) -> Option<&Iface> {
        self.iface.as_ref()
    }

    /// The address; the only part jail_set(2) receives.
    pub fn addr(&self) -> Ipv6Addr {
        self.addr
    }

    /// The zone after `%`, as in `fe80::1%em0`.
    pub fn scope(&self) -> Option<&InterfaceName> {
        self.scope.as_ref()
    }

    /// The prefix length after `/`, 0 to 128.
    pub fn prefix(&self) -> Option<u8> {
        self.prefix
    }

    /// ifconfig(8) words after the address, such as `vhid 23 advskew 100`.
    pub fn extra(&self) -> &[String] {
        &self.extra
    }
}

/// Which address list an error or entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressFamily {
    /// `ip4.addr`.
    Inet,
    /// `ip6.addr`.
    Inet6,
}

impl AddressFamily {
    /// The jail parameter holding this family's addresses.
    pub fn param_name(self) -> &'static str {
        match self {
            Self::Inet => "ip4.addr",
            Self::Inet6 => "ip6.addr",
        }
    }

    /// The ifconfig(8) address-family word.
    pub fn ifconfig_word(self) -> &'static str {
        match self {
            Self::Inet => "inet",
            Self::Inet6 => "inet6",
        }
    }
}

impl fmt::Display for AddressFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.param_name())
    }
}

/// What is wrong with the part of an address list an [`AddressError`]
/// points at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressErrorKind {
    /// An empty entry, as between two commas.
    #[error("empty entry")]
    EmptyEntry,
    /// `inherit`, `new` or `disable`, which belong to the `ip4`/`ip6` key.
    #[error("a mode word belongs to the ip4/ip6 parameter, not to an address list")]
    ModeWord,
    /// The interface before `|` is not valid.
    #[error("bad interface: {0}")]
    Interface(InterfaceNameError),
    /// The address text is not an IPv4 address.
    #[error("not an IPv4 address")]
    NotIpv4,
    /// The address text is not an IPv6 address.
    #[error("not an IPv6 address")]
    NotIpv6,
    /// The text after `/` is not a prefix length of the family (or netmask).
    #[error("bad prefix length or netmask")]
    BadPrefix,
    /// The zone after `%` is not valid.
    #[error("bad scope: {0}")]
    Scope(InterfaceNameError),
    /// The zone after `%` names another interface than the one before `|`.
    #[error("scope names another interface than the entry")]
    ScopeMismatch,
    /// A `%` zone on an IPv4 address.
    #[error("IPv4 addresses have no scope")]
    ScopeOnIpv4,
    /// An ifconfig(8) word is empty or holds a character that cannot travel
    /// in one word (a space, control character, `|`, `,` or `"`).
    #[error("bad ifconfig word")]
    BadExtraWord,
    /// A comma inside one string. jail(8) strips `iface|`, `/prefix` and
    /// the ifconfig(8) words once per string and only then lets libjail
    /// split the joined value at commas, so `"192.0.2.1/24,192.0.2.2"`
    /// loses its second address and `"em0|192.0.2.1,em0|192.0.2.2"` fails.
    #[error(
        "one string holds one entry in jail(8); write each entry as its own string, \
         as in `ip4.addr = \"em0|192.0.2.1/24\", \"em0|192.0.2.2/24\";`"
    )]
    CommaInString,
}

/// A malformed address list, pointing at the offending text.
///
/// `Display` reads like `ip6.addr: not an IPv6 address: `2001.db8` at byte 4
/// of `em0|2001.db8::9/64``.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{family}: {kind}: `{fragment}` at byte {offset} of `{input}`")]
pub struct AddressError {
    /// The list the text was meant for.
    pub family: AddressFamily,
    /// What is wrong.
    pub kind: AddressErrorKind,
    /// The whole text that was parsed.
    pub input: String,
    /// Byte offset of the offending part in `input`.
    pub offset: usize,
    /// The offending part itself.
    pub fragment: String,
}

/// The pieces of one entry, split on `|`, `/` and the first space, with
/// their byte offsets in the whole input.
struct EntryParts<'a> {
    iface: Option<(&'a str, usize)>,
    addr: (&'a str, usize),
    prefix: Option<(&'a str, usize)>,
    extra: Vec<(&'a str, usize)>,
}

/// Builds errors for one parse, so each site only names the kind and span.
struct ErrorSite<'a> {
    family: AddressFamily,
    input: &'a str,
}

impl ErrorSite<'_> {
    fn at(&self, kind: AddressErrorKind, fragment: &str, offset: usize) -> AddressError {
        AddressError {
            family: self.family,
            kind,
            input: self.input.to_owned(),
            offset,
            fragment: fragment.to_owned(),
        }
    }
}

fn split_entry<'a>(
    site: &ErrorSite<'_>,
    entry: &'a str,
    base: usize,
) -> Result<EntryParts<'a>, AddressError> {
    if entry.is_empty() {
        return Err(site.at(AddressErrorKind::EmptyEntry, entry, base));
    }
    if MODE_WORDS.contains(&entry.trim()) {
        return Err(site.at(AddressErrorKind::ModeWord, entry, base));
    }

    // ifconfig words follow the first space.
    let (head, tail) = match entry.find(' ') {
        Some(i) => (&entry[..i], Some((&entry[i + 1..], base + i + 1))),
        None => (entry, None),
    };
    let mut extra = Vec::new();
    if let Some((tail, tail_base)) = tail {
        let mut pos = 0;
        for word in tail.split(' ') {
            if !word.is_empty() {
                if !is_extra_word(word) {
                    return Err(site.at(AddressErrorKind::BadExtraWord, word, tail_base + pos));
                }
                extra.push((word, tail_base + pos));
            }
            pos += word.len() + 1;
        }
    }

    // The interface precedes the first `|`.
    let (iface, rest, rest_base) = match head.find('|') {
        Some(i) => (Some((&head[..i], base)), &head[i + 1..], base + i + 1),
        None => (None, head, base),
    };

    // The prefix follows the first `/`.
    let (addr, prefix) = match rest.find('/') {
        Some(i) => (
            (&rest[..i], rest_base),
            Some((&rest[i + 1..], rest_base + i + 1)),
        ),
        None => ((rest, rest_base), None),
    };
    Ok(EntryParts {
        iface,
        addr,
        prefix,
        extra,
    })
}

fn parse_iface(site: &ErrorSite<'_>, text: &str, offset: usize) -> Result<Iface, AddressError> {
    if text == DEFAULT_INTERFACE_WORD {
        return Ok(Iface::Default);
    }
    InterfaceName::new(text)
        .map(Iface::Named)
        .map_err(|e| site.at(AddressErrorKind::Interface(e), text, offset))
}

fn parse_prefix_len(text: &str, max: u8) -> Option<u8> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u8>().ok().filter(|&len| len <= max)
}

/// Finds the colon-separated group that keeps `text` from being an IPv6
/// address: the first group that is neither 1 to 4 hex digits nor a
/// trailing dotted IPv4 address. Falls back to the whole text.
fn locate_bad_ipv6_group(text: &str) -> (usize, &str) {
    let groups: Vec<&str> = text.split(':').collect();
    let mut offset = 0;
    for (index, group) in groups.iter().enumerate() {
        let is_hex =
            !group.is_empty() && group.len() <= 4 && group.bytes().all(|b| b.is_ascii_hexdigit());
        let is_last_v4 = index + 1 == groups.len() && group.parse::<Ipv4Addr>().is_ok();
        if !group.is_empty() && !is_hex && !is_last_v4 {
            return (offset, group);
        }
        offset += group.len() + 1;
    }
    (0, text)
}

fn extra_words(parts: &EntryParts<'_>) -> Vec<String> {
    parts.extra.iter().map(|(w, _)| (*w).to_owned()).collect()
}

impl Ipv4Entry {
    fn parse_at(site: &ErrorSite<'_>, entry: &str, base: usize) -> Result<Self, AddressError> {
        let parts = split_entry(site, entry, base)?;
        let iface = match parts.iface {
            Some((text, offset)) => Some(parse_iface(site, text, offset)?),
            None => None,
        };
        let (addr_text, addr_offset) = parts.addr;
        if let Some(pct) = addr_text.find('%') {
            return Err(site.at(
                AddressErrorKind::ScopeOnIpv4,
                &addr_text[pct..],
                addr_offset + pct,
            ));
        }
        let addr = addr_text
            .parse::<Ipv4Addr>()
            .map_err(|_| site.at(AddressErrorKind::NotIpv4, addr_text, addr_offset))?;
        let mask = match parts.prefix {
            None => None,
            Some((text, offset)) => Some(
                if text.contains('.') {
                    text.parse::<Ipv4Addr>().ok().map(Ipv4Mask::Netmask)
                } else {
                    parse_prefix_len(text, 32).map(Ipv4Mask::PrefixLen)
                }
                .ok_or_else(|| site.at(AddressErrorKind::BadPrefix, text, offset))?,
            ),
        };
        Ok(Self {
            iface,
            addr,
            mask,
            extra: extra_words(&parts),
        })
    }
}

impl Ipv6Entry {
    fn parse_at(site: &ErrorSite<'_>, entry: &str, base: usize) -> Result<Self, AddressError> {
        let parts = split_entry(site, entry, base)?;
        let iface = match parts.iface {
            Some((text, offset)) => Some(parse_iface(site, text, offset)?),
            None => None,
        };

        // The zone follows the first `%`.
        let (addr_text, addr_offset) = parts.addr;
        let (bare, scope) = match addr_text.find('%') {
            Some(pct) => {
                let zone = &addr_text[pct + 1..];
                let zone_offset = addr_offset + pct + 1;
                let name = InterfaceName::new(zone)
                    .map_err(|e| site.at(AddressErrorKind::Scope(e), zone, zone_offset))?;
                if matches!(&iface, Some(Iface::Named(n)) if *n != name) {
                    return Err(site.at(AddressErrorKind::ScopeMismatch, zone, zone_offset));
                }
                (&addr_text[..pct], Some(name))
            }
            None => (addr_text, None),
        };
        let addr = bare.parse::<Ipv6Addr>().map_err(|_| {
            let (offset, group) = locate_bad_ipv6_group(bare);
            site.at(AddressErrorKind::NotIpv6, group, addr_offset + offset)
        })?;
        let prefix = match parts.prefix {
            None => None,
            Some((text, offset)) => Some(
                parse_prefix_len(text, 128)
                    .ok_or_else(|| site.at(AddressErrorKind::BadPrefix, text, offset))?,
            ),
        };
        Ok(Self {
            iface,
            addr,
            scope,
            prefix,
            extra: extra_words(&parts),
        })
    }
}

fn write_extra(f: &mut fmt::Formatter<'_>, extra: &[String]) -> fmt::Result {
    for word in extra {
        write!(f, " {word}")?;
    }
    Ok(())
}

impl fmt::Display for Ipv4Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(iface) = &self.iface {
            write!(f, "{iface}|")?;
        }
        write!(f, "{}", self.addr)?;
        if let Some(mask) = &self.mask {
            write!(f, "/{mask}")?;
        }
        write_extra(f, &self.extra)
    }
}

impl fmt::Display for Ipv6Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(iface) = &self.iface {
            write!(f, "{iface}|")?;
        }
        write!(f, "{}", self.addr)?;
        if let Some(scope) = &self.scope {
            write!(f, "%{scope}")?;
        }
        if let Some(prefix) = self.prefix {
            write!(f, "/{prefix}")?;
        }
        write_extra(f, &self.extra)
    }
}

impl Ipv6Entry {
    /// The address with its zone, as ifconfig(8) takes it: `fe80::1%em0`.
    pub fn addr_with_scope(&self) -> String {
        match &self.scope {
            Some(scope) => format!("{}%{scope}", self.addr),
            None => self.addr.to_string(),
        }
    }
}

/// An entry of either family's address list.
///
/// References: jail(8) (`ip4.addr`, `ip6.addr`).
pub trait AddressEntry: Sized + fmt::Display {
    /// The list this entry belongs to.
    const FAMILY: AddressFamily;

    /// The interface before `|`, if any.
    fn iface(&self) -> Option<&Iface>;

    /// The bare address as jail_set(2) receives it.
    fn kernel_addr(&self) -> String;

    /// Parses `entry`, which starts at byte `base` of `site_input`; errors
    /// point into `site_input`.
    fn parse_entry_at(site_input: &str, entry: &str, base: usize) -> Result<Self, AddressError>;
}

impl AddressEntry for Ipv4Entry {
    const FAMILY: AddressFamily = AddressFamily::Inet;

    fn iface(&self) -> Option<&Iface> {
        self.iface.as_ref()
    }

    fn kernel_addr(&self) -> String {
        self.addr.to_string()
    }

    fn parse_entry_at(input: &str, entry: &str, base: usize) -> Result<Self, AddressError> {
        let site = ErrorSite {
            family: Self::FAMILY,
            input,
        };
        Self::parse_at(&site, entry, base)
    }
}

impl AddressEntry for Ipv6Entry {
    const FAMILY: AddressFamily = AddressFamily::Inet6;

    fn iface(&self) -> Option<&Iface> {
        self.iface.as_ref()
    }

    fn kernel_addr(&self) -> String {
        self.addr.to_string()
    }

    fn parse_entry_at(input: &str, entry: &str, base: usize) -> Result<Self, AddressError> {
        let site = ErrorSite {
            family: Self::FAMILY,
            input,
        };
        Self::parse_at(&site, entry, base)
    }
}

impl FromStr for Ipv4Entry {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_entry_at(s, s, 0)
    }
}

impl FromStr for Ipv6Entry {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_entry_at(s, s, 0)
    }
}

/// An address list such as the jail.conf(5) list
/// `ip6.addr = "em0|2001:db8::1/64", "em0|2001:db8::2/64";`.
///
/// Each string of the list is one entry, as jail(8) reads it: the list has
/// no text form of its own, and [`AddressList::values`] gives the strings
/// to write. A string holding a comma is refused (see
/// [`AddressList::parse_values`]).
///
/// The order is kept: the kernel treats the first address of each family as
/// the jail's primary address.
///
/// References: jail(8) (`ip4.addr`, `ip6.addr`), jail_set(2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddressList<E> {
    entries: Vec<E>,
}

/// An `ip4.addr` list.
pub type Ipv4List = AddressList<Ipv4Entry>;
/// An `ip6.addr` list.
pub type Ipv6List = AddressList<Ipv6Entry>;

impl<E> Default for AddressList<E> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<E: AddressEntry> AddressList<E> {
    /// A list holding `entries` in order.
    pub fn new(entries: Vec<E>) -> Self {
        Self { entries }
    }

    /// Parses one jail.conf(5) value string as jail(8) reads it: one entry,
    /// or none for the empty text. A comma is refused with
    /// [`AddressErrorKind::CommaInString`].
    ///
    /// References: jail(8) (`ip4.addr`, `ip6.addr`).
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        Self::parse_values(&[text])
    }

    /// Parses the strings of a jail.conf(5) list (`a, b` or `+=` lines),
    /// one entry per string. A lone empty string is the empty list; an
    /// empty string among others is refused with
    /// [`AddressErrorKind::EmptyEntry`]. Error offsets count in the strings
    /// joined with commas, as jail(8) joins them for libjail.
    ///
    /// jail(8) strips `iface|`, `/prefix` and the ifconfig(8) words once per
    /// string and only then lets libjail split the joined value at commas,
    /// so a string holding a comma means something else to jail(8) than
    /// the entries it seems to list. Such a string is refused with
    /// [`AddressErrorKind::CommaInString`] instead.
    ///
    /// References: jail(8), jail.conf(5).
    pub fn parse_values<S: AsRef<str>>(values: &[S]) -> Result<Self, AddressError> {
        let joined = values
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(",");
        if joined.is_empty() {
            return Ok(Self::default());
        }
        let site = ErrorSite {
            family: E::FAMILY,
            input: &joined,
        };
        let mut entries = Vec::new();
        let mut base = 0;
        for value in values.iter().map(AsRef::as_ref) {
            if let Some(comma) = value.find(',') {
                let kind = AddressErrorKind::CommaInString;
                return Err(site.at(kind, &value[comma..], base + comma));
            }
            entries.push(E::parse_entry_at(&joined, value, base)?);
            base += value.len() + 1;
        }
        Ok(Self { entries })
    }

    /// The jail.conf(5) strings of the list, one per entry, which
    /// [`AddressList::parse_values`] reads back to the same list.
    ///
    /// References: jail.conf(5).
    pub fn values(&self) -> Vec<String> {
        self.entries.iter().map(ToString::to_string).collect()
    }

    /// The entries in order.
    pub fn entries(&self) -> &[E] {
        &self.entries
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value jail_set(2) receives through libjail's text form: the bare
    /// addresses joined with commas, or `None` for an empty list.
    ///
    /// References: jail_set(2), jail(8).
    pub fn kernel_value(&self) -> Option<String> {
        if self.entries.is_empty() {
            return None;
        }
        Some(
            self.entries
                .iter()
                .map(AddressEntry::kernel_addr)
                .collect::<Vec<_>>()
                .join(","),
        )
    }
}

impl<E: AddressEntry> FromStr for AddressList<E> {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
