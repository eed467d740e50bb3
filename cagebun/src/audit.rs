//! Port audit: the listeners a cage should have against those a host shows.
//!
//! Two steps. First the listener table of the host is read from the text of
//! `sockstat -46l` (FreeBSD, also with `-j jid` or `-q`) with
//! [`parse_sockstat`], or of `ss -ltnp` (Linux, with or without `-H`) with
//! [`parse_ss`]. Then [`PortAudit::compare`] holds it against the intended
//! listeners and reports every listener nobody asked for, with the addresses
//! it can be reached on, and every intended listener that is not there.
//!
//! # Limitations
//!
//! - A listener on `::` is taken to accept IPv4 connections as well. ss(8)
//!   prints a dual-stack socket as `*` and an IPv6-only one as `[::]`;
//!   sockstat(1) prints `tcp46` and `tcp6`. Both spellings become `::` in a
//!   [`Listener`], so an IPv6-only wildcard is reported as reachable on the
//!   IPv4 addresses too: the audit may say too much, never too little.
//! - Command names are compared the way the tools truncate them: sockstat(1)
//!   prints at most 10 characters and Linux keeps at most 15, so an observed
//!   name of exactly that length matches an intended name it begins.
//! - Only TCP is audited. UDP and SCTP rows are skipped, and so are the
//!   indented continuation lines sockstat(1) prints for a socket with several
//!   local addresses (SCTP only).

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One listening TCP socket: where it listens and which process holds it.
///
/// An intended listener and an observed one have the same shape; the wildcard
/// address is `::` or `0.0.0.0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Listener {
    /// Local address the socket is bound to.
    pub addr: IpAddr,
    /// Local TCP port.
    pub port: u16,
    /// Command name of the process, as sockstat(1) and ss(8) print it
    /// (`beam.smp`, `epmd`, `spiped`).
    pub process: String,
}

impl Listener {
    /// A listener on `addr`:`port` held by the command `process`.
    pub fn new(addr: IpAddr, port: u16, process: impl Into<String>) -> Self {
        Listener {
            addr,
            port,
            process: process.into(),
        }
    }

    /// Whether this listener is bound to the wildcard address of its family.
    pub fn is_wildcard(&self) -> bool {
        self.addr.is_unspecified()
    }

    /// Whether a connection to `addr` on this listener's port reaches it:
    /// the same address, or any address of a family its wildcard covers.
    pub fn accepts_on(&self, addr: IpAddr) -> bool {
        match self.addr {
            IpAddr::V6(v6) if v6.is_unspecified() => true,
            IpAddr::V4(v4) if v4.is_unspecified() => addr.is_ipv4(),
            own => own == addr,
        }
    }
}

/// Prints `127.0.0.7:4369 epmd`, `[::7]:5672 beam.smp`, `0.0.0.0:25672
/// beam.smp`, and `*:5672 spiped` for the IPv6 wildcard (which ss(8) and
/// sockstat(1) print as `*` when it takes IPv4 as well).
impl fmt::Display for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.addr {
            IpAddr::V6(v6) if v6.is_unspecified() => write!(f, "*:{}", self.port)?,
            IpAddr::V4(v4) => write!(f, "{v4}:{}", self.port)?,
            IpAddr::V6(v6) => write!(f, "[{v6}]:{}", self.port)?,
        }
        write!(f, " {}", self.process)
    }
}

/// The tool whose output a listener table was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListenerTool {
    /// FreeBSD's sockstat(1).
    Sockstat,
    /// Linux's ss(8) from iproute2.
    Ss,
}

impl fmt::Display for ListenerTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ListenerTool::Sockstat => "sockstat",
            ListenerTool::Ss => "ss",
        })
    }
}

/// What is wrong with one line of a listener table.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ListenerLineProblem {
    /// The line has fewer whitespace-separated columns than a row needs.
    #[error("{found} columns, a row has at least {needed}")]
    TooFewColumns {
        /// Columns on the line.
        found: usize,
        /// Columns a row of this tool has at least.
        needed: usize,
    },
    /// The local address column is not `address:port`.
    #[error("local address {0:?} is not address:port")]
    BadAddress(String),
    /// The port of the local address is not a number from 1 to 65535
    /// (`ss` without `-n` prints service names).
    #[error("port {0:?} is not a number from 1 to 65535")]
    BadPort(String),
    /// The PID column holds neither a number nor `?`.
    #[error("PID {0:?} is not a number")]
    BadPid(String),
    /// The process column of `ss -p` is not `users:(("name",pid=N,fd=N),...)`.
    #[error("process column {0:?} is not users:((\"name\",pid=N,fd=N),...)")]
    BadUsers(String),
}

/// A line of `sockstat` or `ss` output that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{tool} output, line {line_number}: {problem}: {line:?}")]
pub struct ListenerTableError {
    /// The tool whose output was being read.
    pub tool: ListenerTool,
    /// Line number, counted from 1.
    pub line_number: usize,
    /// The whole line as it was read.
    pub line: String,
    /// What is wrong with it.
    pub problem: ListenerLineProblem,
}

/// Command name sockstat(1) and ss(8) print for a socket no process holds.
pub const UNKNOWN_PROCESS: &str = "?";

/// Reads the listening TCP sockets from the output of FreeBSD's
/// `sockstat -46l`.
///
/// Accepts the header line or its absence (`-q`), the `-j jid` variant, the
/// columns newer versions add after FOREIGN ADDRESS, and the connected rows
/// that plain `sockstat -46` prints as well: a row is a listener when its
/// PROTO starts with `tcp` and its FOREIGN ADDRESS is `*:*`. A wildcard
/// LOCAL ADDRESS `*:port` becomes `0.0.0.0` for `tcp4` and `::` for `tcp6`
/// and `tcp46`. A zone suffix (`fe80::1%em0:22`) is dropped.
///
/// # Errors
///
/// [`ListenerTableError`] naming the first row that has too few columns, an
/// unreadable PID, or a local address that is not `address:port`.
///
/// # References
///
/// sockstat(1)
pub fn parse_sockstat(output: &str) -> Result<Vec<Listener>, ListenerTableError> {
    let mut listeners = Vec::new();
    for (index, line) in output.lines().enumerate() {
        let fail = |problem| ListenerTableError {
            tool: ListenerTool::Sockstat,
            line_number: index + 1,
            line: line.to_owned(),
            problem,
        };
        if line.trim().is_empty() || line.starts_with(char::is_whitespace) {
            continue;
        }
        let columns: Vec<&str> = line.split_whitespace().collect();
        if columns[0] == "USER" {
            continue;
        }
        let [_user, command, pid, _fd, proto, local, foreign, ..] = columns[..] else {
            return Err(fail(ListenerLineProblem::TooFewColumns {
                found: columns.len(),
                needed: 7,
            }));
        };
        if pid != UNKNOWN_PROCESS && pid.parse::<u32>().is_err() {
            return Err(fail(ListenerLineProblem::BadPid(pid.to_owned())));
        }
        if !proto.starts_with("tcp") || foreign != "*:*" {
            continue;
        }
        let (host, port) = split_host_port(local).map_err(fail)?;
        let addr = match host {
            "*" if proto == "tcp4" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            "*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            literal => parse_ip(literal, local).map_err(fail)?,
        };
        listeners.push(Listener::new(addr, port, command));
    }
    Ok(listeners)
}

/// Reads the listening TCP sockets from the output of Linux's `ss -ltnp`
/// (also `-H`, and `ss -ltunp` whose rows start with a Netid column).
///
/// A socket that several processes hold
/// (`users:(("a",pid=1,fd=3),("b",pid=2,fd=4))`) gives one [`Listener`] per
/// distinct command name; a socket without a process column gives one with
/// the command [`UNKNOWN_PROCESS`]. Addresses are read as ss prints them:
/// `127.0.0.7:4369`, `[::7]:5672`, `0.0.0.0:25672`, `[::]:4369`, `*:5672`
/// (dual-stack, read as `::`), and with a device suffix
/// (`127.0.0.1%lo:53`, `[::1]%lo:54`) which is dropped. An IPv4-mapped
/// address (`[::ffff:127.0.0.1]`) is read as the IPv4 address. Rows in a
/// state other than `LISTEN` and rows of other protocols are skipped.
///
/// # Errors
///
/// [`ListenerTableError`] naming the first row that has too few columns, a
/// local address that is not `address:port` with a numeric port (run ss with
/// `-n`), or a process column it cannot read.
///
/// # References
///
/// ss(8)
pub fn parse_ss(output: &str) -> Result<Vec<Listener>, ListenerTableError> {
    let mut listeners = Vec::new();
    for (index, line) in output.lines().enumerate() {
        let fail = |problem| ListenerTableError {
            tool: ListenerTool::Ss,
            line_number: index + 1,
            line: line.to_owned(),
            problem,
        };
        let mut columns: Vec<&str> = line.split_whitespace().collect();
        if columns.is_empty() || columns[0] == "State" || columns[0] == "Netid" {
            continue;
        }
        if columns[0].starts_with(|c: char| c.is_ascii_lowercase()) {
            if !columns[0].ends_with("tcp") {
                continue;
            }
            columns.remove(0);
        }
        let [state, _recv_q, _send_q, local, _peer, ref process @ ..] = columns[..] else {
            return Err(fail(ListenerLineProblem::TooFewColumns {
                found: columns.len(),
                needed: 5,
            }));
        };
        if state != "LISTEN" {
            continue;
        }
        let (host, port) = split_host_port(local).map_err(fail)?;
        let addr = match host {
            "*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            bracketed if bracketed.starts_with('[') && bracketed.ends_with(']') => {
                parse_ip(&bracketed[1..bracketed.len() - 1], local).map_err(fail)?
            }
            literal => parse_ip(literal, local).map_err(fail)?,
        };
        let names = parse_ss_users(&process.join(" ")).map_err(fail)?;
        for name in names {
            listeners.push(Listener::new(addr, port, name));
        }
    }
    Ok(listeners)
}

/// Splits `host:port` at its last colon and drops a `%zone` suffix from the
/// host.
fn split_host_port(local: &str) -> Result<(&str, u16), ListenerLineProblem> {
    let (host, port) = local
        .rsplit_once(':')
        .ok_or_else(|| ListenerLineProblem::BadAddress(local.to_owned()))?;
    let port = match port.parse::<u16>() {
        Ok(number) if number != 0 => number,
        _ => return Err(ListenerLineProblem::BadPort(port.to_owned())),
    };
    let host = host
        .split_once('%')
        .map_or(host, |(address, _zone)| address);
    if host.is_empty() {
        return Err(ListenerLineProblem::BadAddress(local.to_owned()));
    }
    Ok((host, port))
}

/// Parses an address literal, reading an IPv4-mapped IPv6 address as IPv4.
fn parse_ip(literal: &str, local: &str) -> Result<IpAddr, ListenerLineProblem> {
    literal
        .parse::<IpAddr>()
        .map(|addr| addr.to_canonical())
        .map_err(|_| ListenerLineProblem::BadAddress(local.to_owned()))
}

/// Reads the distinct command names out of ss's
/// `users:(("name",pid=N,fd=N),...)`; an empty column gives
/// [`UNKNOWN_PROCESS`].
fn parse_ss_users(column: &str) -> Result<Vec<String>, ListenerLineProblem> {
    let bad = || ListenerLineProblem::BadUsers(column.to_owned());
    if column.is_empty() {
        return Ok(vec![UNKNOWN_PROCESS.to_owned()]);
    }
    let mut rest = column
        .strip_prefix("users:(")
        .and_then(|inner| inner.strip_suffix(')'))
        .ok_or_else(bad)?;
    let mut names: Vec<String> = Vec::new();
    while !rest.is_empty() {
        let entry = rest.strip_prefix("(\"").ok_or_else(bad)?;
        let (name, after_name) = entry.split_once("\",").ok_or_else(bad)?;
        let (fields, after_entry) = after_name.split_once(')').ok_or_else(bad)?;
        if !fields.starts_with("pid=") {
            return Err(bad());
        }
        if !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
        rest = after_entry.strip_prefix(',').unwrap_or(after_entry);
    }
    if names.is_empty() {
        return Err(bad());
    }
    Ok(names)
}

/// Where a bind to a loopback address lands in the cage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoopbackBinding {
    /// `127.0.0.1` and `::1` stay what they are: a Linux network namespace,
    /// a vnet jail, a host.
    Kept,
    /// A non-vnet FreeBSD jail: the kernel rewrites a bind to `127.0.0.1` to
    /// the jail's primary IPv4 address and one to `::1` to its primary IPv6
    /// address. A family the jail has no address of is `None`; an intended
    /// listener on that loopback is then not expected at all (the bind
    /// fails in the jail).
    RemappedToPrimary {
        /// The jail's primary IPv4 address (first of `ip4.addr`).
        ipv4: Option<Ipv4Addr>,
        /// The jail's primary IPv6 address (first of `ip6.addr`).
        ipv6: Option<Ipv6Addr>,
    },
}

impl LoopbackBinding {
    /// The address an intended bind to `addr` is observed at, or `None`
    /// when the bind cannot succeed there.
    pub fn observed_addr(&self, addr: IpAddr) -> Option<IpAddr> {
        match (*self, addr) {
            (LoopbackBinding::Kept, _) => Some(addr),
            (LoopbackBinding::RemappedToPrimary { ipv4, .. }, IpAddr::V4(v4))
                if v4 == Ipv4Addr::LOCALHOST =>
            {
                ipv4.map(IpAddr::V4)
            }
            (LoopbackBinding::RemappedToPrimary { ipv6, .. }, IpAddr::V6(v6))
                if v6 == Ipv6Addr::LOCALHOST =>
            {
                ipv6.map(IpAddr::V6)
            }
            (LoopbackBinding::RemappedToPrimary { .. }, other) => Some(other),
        }
    }
}

/// The addresses of the cage a wildcard listener answers on, and how
/// loopback binds behave there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditScope {
    /// Addresses only the cage itself reaches: its loopback aliases
    /// (`127.0.0.7`, `::7`), and on Linux `127.0.0.1` and `::1`.
    pub private: Vec<IpAddr>,
    /// Addresses the network reaches (`2001:db8::7`).
    pub public: Vec<IpAddr>,
    /// Where a bind to `127.0.0.1` or `::1` lands.
    pub loopback: LoopbackBinding,
}

impl AuditScope {
    /// Every address of the cage: private ones first, then public ones.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.private.iter().chain(&self.public).copied()
    }

    /// Whether `addr` is one of the public addresses.
    pub fn is_public(&self, addr: IpAddr) -> bool {
        self.public.contains(&addr)
    }
}

/// An observed listener that is not in the intended table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnexpectedListener {
    /// The listener as the tool showed it.
    pub listener: Listener,
    /// The cage addresses a connection to it can be made on: every address
    /// of the scope its wildcard covers, or its own address.
    pub reachable_on: Vec<IpAddr>,
    /// Whether one of those addresses is public.
    pub public: bool,
}

/// The findings of holding observed listeners against intended ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortAudit {
    /// Observed listeners that are in the intended table (after the
    /// loopback remapping of the scope), sorted.
    pub present: Vec<Listener>,
    /// Observed listeners that are not, sorted.
    pub unexpected: Vec<UnexpectedListener>,
    /// Intended listeners (after the loopback remapping) that no observed
    /// listener of that port and command accepts connections for, sorted.
    pub missing: Vec<Listener>,
}

impl PortAudit {
    /// Holds `observed` against `intended` in `scope`.
    ///
    /// An observed listener is present when an intended one has its
    /// address, port and command; a wildcard is present only when the
    /// wildcard itself was intended. An intended listener is missing when no
    /// observed listener of its port and command accepts connections on its
    /// address: a wildcard does, so an intended `[::7]:61613` served by a
    /// `*:61613` is not missing, while the wildcard is unexpected.
    pub fn compare(intended: &[Listener], observed: &[Listener], scope: &AuditScope) -> Self {
        let expected: BTreeSet<Listener> = intended
            .iter()
            .filter_map(|listener| {
                let addr = scope.loopback.observed_addr(listener.addr)?;
                Some(Listener::new(addr, listener.port, listener.process.clone()))
            })
            .collect();
        let observed: BTreeSet<&Listener> = observed.iter().collect();

        // Sort the observed listeners into intended and not.
        let mut present = Vec::new();
        let mut unexpected = Vec::new();
        for &seen in &observed {
            let intended = expected.iter().any(|want| {
                want.addr == seen.addr
                    && want.port == seen.port
                    && process_names_match(&want.process, &seen.process)
            });
            if intended {
                present.push(seen.clone());
            } else {
                unexpected.push(UnexpectedListener::in_scope(seen, scope));
            }
        }

        // Find the intended listeners nothing accepts connections for.
        let missing = expected
            .iter()
            .filter(|want| {
                !observed.iter().any(|seen| {
                    seen.port == want.port
                        && process_names_match(&want.process, &seen.process)
                        && seen.accepts_on(want.addr)
                })
            })
            .cloned()
            .collect();
        PortAudit {
            present,
            unexpected,
            missing,
        }
    }

    /// Whether nothing is unexpected and nothing is missing.
    pub fn is_clean(&self) -> bool {
        self.unexpected.is_empty() && self.missing.is_empty()
    }

    /// The unexpected listeners reachable on a public address.
    pub fn publicly_exposed(&self) -> impl Iterator<Item = &UnexpectedListener> {
        self.unexpected.iter().filter(|finding| finding.public)
    }
}

impl UnexpectedListener {
    /// The finding for `listener`, with the addresses of `scope` it answers on.
    fn in_scope(listener: &Listener, scope: &AuditScope) -> Self {
        let reachable_on: Vec<IpAddr> = if listener.is_wildcard() {
            scope
                .addresses()
                .filter(|&addr| listener.accepts_on(addr))
                .collect()
        } else {
            vec![listener.addr]
        };
        let public = reachable_on.iter().any(|&addr| scope.is_public(addr));
        UnexpectedListener {
            listener: listener.clone(),
            reachable_on,
            public,
        }
    }
}

/// Whether an observed command name is the intended one, allowing for the
/// truncation of sockstat(1) (10 characters) and of Linux (15).
fn process_names_match(intended: &str, observed: &str) -> bool {
    const TRUNCATED_LENGTHS: [usize; 2] = [10, 15];
    intended == observed
        || (TRUNCATED_LENGTHS.contains(&observed.chars().count()) && intended.starts_with(observed))
}

/// Prints one line per finding:
///
/// ```text
/// port audit: 2 present, 1 unexpected, 0 missing
///   unexpected *:61613 beam.smp, reachable on 127.0.0.7, ::7, 2001:db8::7 (public)
/// ```
impl fmt::Display for PortAudit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "port audit: {} present, {} unexpected, {} missing",
            self.present.len(),
            self.unexpected.len(),
            self.missing.len()
        )?;
        for finding in &self.unexpected {
            let addresses: Vec<String> =
                finding.reachable_on.iter().map(IpAddr::to_string).collect();
            write!(
                f,
                "  unexpected {}, reachable on {}",
                finding.listener,
                addresses.join(", ")
            )?;
            writeln!(f, "{}", if finding.public { " (public)" } else { "" })?;
        }
        for listener in &self.missing {
            writeln!(f, "  missing {listener}")?;
        }
        Ok(())
    }
}

/// sockstat(1), as the port audit of a running jail runs it.
pub const SOCKSTAT: &str = "/usr/bin/sockstat";

/// The argv that lists the listening IPv4 and IPv6 sockets of jail `jid`:
/// `sockstat -46l -j <jid>`.
///
/// References: sockstat(1) `-4`, `-6`, `-l`, `-j`.
pub fn sockstat_argv(jid: i32) -> Vec<String> {
    vec![
        SOCKSTAT.to_owned(),
        "-46l".to_owned(),
        "-j".to_owned(),
        jid.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(addr: &str, port: u16, process: &str) -> Listener {
        Listener::new(addr.parse().unwrap(), port, process)
    }

    /// The port check printed by the recipe this crate's RabbitMQ cage comes
    /// from (`sockstat -4 -6 | egrep '4369|567|ADDRESS'` in a FreeBSD 10.3
    /// jail): listeners and connected sockets mixed.
    const RECIPE_SOCKSTAT: &str = "\
USER     COMMAND    PID   FD PROTO  LOCAL ADDRESS         FOREIGN ADDRESS
rabbitmq epmd       51173 3  tcp4   127.0.0.7:4369        *:*
rabbitmq epmd       51173 5  tcp4   127.0.0.7:4369        127.0.0.7:50944
rabbitmq beam.smp   51103 25 tcp4   127.0.0.7:25672       *:*
rabbitmq beam.smp   51103 28 tcp4   127.0.0.7:50944       127.0.0.7:4369
rabbitmq beam.smp   51103 31 tcp6   ::7:15672             ::7:21511
rabbitmq beam.smp   51103 39 tcp6   ::7:5672              *:*
rabbitmq beam.smp   51103 40 tcp6   ::7:15672             *:*
rabbitmq beam.smp   51103 46 tcp6   ::7:15672             ::7:20431
root     spiped     42796 3  tcp6   *:15672               *:*
root     spiped     42796 6  tcp6   2a01:4f8:200:12cf::7:15672 2001:1620:f00:8287:384a:b197:f909:4f83:54837
root     spiped     42796 7  tcp6   ::7:21511             ::7:15672
root     spiped     42796 10 tcp6   2a01:4f8:200:12cf::7:15672 2001:1620:f00:8287:384a:b197:f909:4f83:54816
root     spiped     42796 11 tcp6   ::7:20431             ::7:15672
root     spiped     42793 3  tcp6   *:5672                *:*
";

    #[test]
    fn parse_sockstat_reads_the_recipe_port_check() {
        assert_eq!(
            parse_sockstat(RECIPE_SOCKSTAT).unwrap(),
            vec![
                listener("127.0.0.7", 4369, "epmd"),
                listener("127.0.0.7", 25672, "beam.smp"),
                listener("::7", 5672, "beam.smp"),
                listener("::7", 15672, "beam.smp"),
                listener("::", 15672, "spiped"),
                listener("::", 5672, "spiped"),
            ]
        );
    }

    #[test]
    fn parse_sockstat_reads_wildcards_by_protocol_and_skips_udp_and_continuations() {
        let output = "\
root     sshd        812 4  tcp4   *:22                  *:*
root     sshd        812 3  tcp6   *:22                  *:*
root     nginx       901 6  tcp46  *:80                  *:*
root     ntpd        700 20 udp4   *:123                 *:*
root     sctpd       950 3  sctp46 127.0.0.7:9899        *:*
                                   ::7:9899
?        ?          ?     ?  tcp4   127.0.0.7:8080        *:*
root     ntpd        700 21 tcp6   fe80::1%em0:4460      *:*
";
        assert_eq!(
            parse_sockstat(output).unwrap(),
            vec![
                listener("0.0.0.0", 22, "sshd"),
                listener("::", 22, "sshd"),
                listener("::", 80, "nginx"),
                listener("127.0.0.7", 8080, "?"),
                listener("fe80::1", 4460, "ntpd"),
            ]
        );
    }

    #[test]
    fn parse_sockstat_ignores_columns_newer_versions_add() {
        let output = "\
USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS       PATH STATE   CONN STATE
rabbitmq beam.smp   4410  39  tcp6   ::7:5672              *:*                                LISTEN
";
        assert_eq!(
            parse_sockstat(output).unwrap(),
            vec![listener("::7", 5672, "beam.smp")]
        );
    }

    #[test]
    fn parse_sockstat_names_the_line_it_cannot_read() {
        let output = "\
USER     COMMAND    PID   FD PROTO  LOCAL ADDRESS         FOREIGN ADDRESS
rabbitmq beam.smp   51103 39 tcp6   ::7:amqp              *:*
";
        assert_eq!(
            parse_sockstat(output).unwrap_err(),
            ListenerTableError {
                tool: ListenerTool::Sockstat,
                line_number: 2,
                line: "rabbitmq beam.smp   51103 39 tcp6   ::7:amqp              *:*".to_owned(),
                problem: ListenerLineProblem::BadPort("amqp".to_owned()),
            }
        );
        assert_eq!(
            parse_sockstat("rabbitmq beam.smp 51103 39 tcp6")
                .unwrap_err()
                .to_string(),
            "sockstat output, line 1: 5 columns, a row has at least 7: \
             \"rabbitmq beam.smp 51103 39 tcp6\""
        );
        assert_eq!(
            parse_sockstat("rabbitmq beam.smp x1 39 tcp6 ::7:5672 *:*")
                .unwrap_err()
                .problem,
            ListenerLineProblem::BadPid("x1".to_owned())
        );
    }

    /// `ss -ltnp` in a network namespace with lo carrying 127.0.0.7/8 and
    /// ::7/128, where one process and its forked child held sockets of each
    /// shape ss prints.
    const NAMESPACE_SS: &str = "\
State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess                                                       
LISTEN 0      128     127.0.0.1%lo:53         0.0.0.0:*    users:((\"python3\",pid=26578,fd=8),(\"python3\",pid=26536,fd=8))
LISTEN 0      128        127.0.0.7:4370       0.0.0.0:*    users:((\"python3\",pid=26578,fd=6),(\"python3\",pid=26536,fd=6))
LISTEN 0      128          0.0.0.0:25672      0.0.0.0:*    users:((\"python3\",pid=26578,fd=5),(\"python3\",pid=26536,fd=5))
LISTEN 0      128             [::]:4369          [::]:*    users:((\"python3\",pid=26578,fd=4),(\"python3\",pid=26536,fd=4))
LISTEN 0      128                *:5672             *:*    users:((\"python3\",pid=26578,fd=3),(\"python3\",pid=26536,fd=3))
LISTEN 0      128         [::1]%lo:54            [::]:*    users:((\"python3\",pid=26578,fd=9),(\"python3\",pid=26536,fd=9))
LISTEN 0      128            [::7]:5673          [::]:*    users:((\"python3\",pid=26578,fd=7),(\"python3\",pid=26536,fd=7))
";

    #[test]
    fn parse_ss_reads_every_address_shape_of_a_namespace() {
        let expected = vec![
            listener("127.0.0.1", 53, "python3"),
            listener("127.0.0.7", 4370, "python3"),
            listener("0.0.0.0", 25672, "python3"),
            listener("::", 4369, "python3"),
            listener("::", 5672, "python3"),
            listener("::1", 54, "python3"),
            listener("::7", 5673, "python3"),
        ];
        assert_eq!(parse_ss(NAMESPACE_SS).unwrap(), expected);
        let without_header: String = NAMESPACE_SS
            .lines()
            .skip(1)
            .map(|l| l.to_owned() + "\n")
            .collect();
        assert_eq!(parse_ss(&without_header).unwrap(), expected);
    }

    #[test]
    fn parse_ss_gives_one_listener_per_distinct_command() {
        let output = "LISTEN 0 4096 [::7]:5672 [::]:* \
                      users:((\"spiped\",pid=10,fd=3),(\"beam.smp\",pid=11,fd=4),(\"spiped\",pid=12,fd=3))";
        assert_eq!(
            parse_ss(output).unwrap(),
            vec![
                listener("::7", 5672, "spiped"),
                listener("::7", 5672, "beam.smp")
            ]
        );
    }

    #[test]
    fn parse_ss_reads_netid_rows_mapped_addresses_and_missing_process() {
        let output = "\
Netid State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess
udp   UNCONN 0      0          127.0.0.7:5353      0.0.0.0:*    users:((\"mdns\",pid=5,fd=3))
tcp   LISTEN 0      128  [::ffff:127.0.0.7]:4369         *:*    users:((\"epmd\",pid=6,fd=3))
tcp   LISTEN 0      128          127.0.0.7:9100      0.0.0.0:*
";
        assert_eq!(
            parse_ss(output).unwrap(),
            vec![
                listener("127.0.0.7", 4369, "epmd"),
                listener("127.0.0.7", 9100, "?")
            ]
        );
    }

    #[test]
    fn parse_ss_names_the_line_it_cannot_read() {
        let output = "LISTEN 0 128 [::7]:amqp [::]:* users:((\"beam.smp\",pid=1,fd=2))";
        assert_eq!(
            parse_ss(output).unwrap_err().to_string(),
            "ss output, line 1: port \"amqp\" is not a number from 1 to 65535: \
             \"LISTEN 0 128 [::7]:amqp [::]:* users:((\\\"beam.smp\\\",pid=1,fd=2))\""
        );
        let output = "\nLISTEN 0 128 [::7]:5672 [::]:* users:(beam.smp)";
        assert_eq!(
            parse_ss(output).unwrap_err(),
            ListenerTableError {
                tool: ListenerTool::Ss,
                line_number: 2,
                line: "LISTEN 0 128 [::7]:5672 [::]:* users:(beam.smp)".to_owned(),
                problem: ListenerLineProblem::BadUsers("users:(beam.smp)".to_owned()),
            }
        );
        assert_eq!(
            parse_ss("LISTEN 0 128 [::7:5672]").unwrap_err().problem,
            ListenerLineProblem::TooFewColumns {
                found: 4,
                needed: 5
            }
        );
        assert_eq!(
            parse_ss("LISTEN 0 128 [::7]5672 [::]:*")
                .unwrap_err()
                .problem,
            ListenerLineProblem::BadPort("7]5672".to_owned())
        );
        assert_eq!(
            parse_ss("LISTEN 0 128 [fe80::zz]:5672 [::]:*")
                .unwrap_err()
                .problem,
            ListenerLineProblem::BadAddress("[fe80::zz]:5672".to_owned())
        );
    }

    /// `ss -ltnp` in a namespace standing in for the jail, with the Debian
    /// broker running the recipe's files and spiped server pipes on the
    /// public address.
    const RECIPE_BROKER_SS: &str = "\
State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess                              
LISTEN 0      4096       127.0.0.7:4369       0.0.0.0:*    users:((\"epmd\",pid=14757,fd=5))     
LISTEN 0      128          0.0.0.0:25672      0.0.0.0:*    users:((\"beam.smp\",pid=14563,fd=18))
LISTEN 0      4096       127.0.0.1:4369       0.0.0.0:*    users:((\"epmd\",pid=14757,fd=3))     
LISTEN 0      128                *:61613            *:*    users:((\"beam.smp\",pid=14563,fd=37))
LISTEN 0      1024           [::7]:15672         [::]:*    users:((\"beam.smp\",pid=14563,fd=36))
LISTEN 0      10     [2001:db8::7]:15672         [::]:*    users:((\"spiped\",pid=15323,fd=3))   
LISTEN 0      128                *:1883             *:*    users:((\"beam.smp\",pid=14563,fd=38))
LISTEN 0      10     [2001:db8::7]:5672          [::]:*    users:((\"spiped\",pid=15321,fd=3))   
LISTEN 0      4096           [::1]:4369          [::]:*    users:((\"epmd\",pid=14757,fd=4))     
LISTEN 0      128            [::7]:5672          [::]:*    users:((\"beam.smp\",pid=14563,fd=39))
";

    #[test]
    fn parse_ss_reads_the_recipe_broker_in_a_namespace() {
        assert_eq!(
            parse_ss(RECIPE_BROKER_SS).unwrap(),
            vec![
                listener("127.0.0.7", 4369, "epmd"),
                listener("0.0.0.0", 25672, "beam.smp"),
                listener("127.0.0.1", 4369, "epmd"),
                listener("::", 61613, "beam.smp"),
                listener("::7", 15672, "beam.smp"),
                listener("2001:db8::7", 15672, "spiped"),
                listener("::", 1883, "beam.smp"),
                listener("2001:db8::7", 5672, "spiped"),
                listener("::1", 4369, "epmd"),
                listener("::7", 5672, "beam.smp"),
            ]
        );
    }

    #[test]
    fn compare_flags_the_recipe_broker_stomp_mqtt_and_distribution() {
        let observed = parse_ss(RECIPE_BROKER_SS).unwrap();
        let audit = PortAudit::compare(&intended_rabbit(), &observed, &linux_scope());
        assert_eq!(
            audit.to_string(),
            "port audit: 7 present, 3 unexpected, 0 missing\n\
             \x20 unexpected 0.0.0.0:25672 beam.smp, reachable on 127.0.0.7, 127.0.0.1\n\
             \x20 unexpected *:1883 beam.smp, reachable on 127.0.0.7, ::7, 127.0.0.1, ::1, 2001:db8::7 (public)\n\
             \x20 unexpected *:61613 beam.smp, reachable on 127.0.0.7, ::7, 127.0.0.1, ::1, 2001:db8::7 (public)\n"
        );
        assert_eq!(
            audit
                .publicly_exposed()
                .map(|f| f.listener.port)
                .collect::<Vec<_>>(),
            vec![1883, 61613]
        );
    }

    fn linux_scope() -> AuditScope {
        AuditScope {
            private: vec![
                "127.0.0.7".parse().unwrap(),
                "::7".parse().unwrap(),
                "127.0.0.1".parse().unwrap(),
                "::1".parse().unwrap(),
            ],
            public: vec!["2001:db8::7".parse().unwrap()],
            loopback: LoopbackBinding::Kept,
        }
    }

    fn intended_rabbit() -> Vec<Listener> {
        vec![
            listener("127.0.0.7", 4369, "epmd"),
            listener("127.0.0.1", 4369, "epmd"),
            listener("::1", 4369, "epmd"),
            listener("127.0.0.7", 25672, "beam.smp"),
            listener("::7", 5672, "beam.smp"),
            listener("::7", 15672, "beam.smp"),
            listener("::7", 61613, "beam.smp"),
            listener("::7", 1883, "beam.smp"),
            listener("2001:db8::7", 5672, "spiped"),
            listener("2001:db8::7", 15672, "spiped"),
        ]
    }

    #[test]
    fn compare_flags_wildcards_on_every_address_and_what_is_missing() {
        let observed = vec![
            listener("127.0.0.7", 4369, "epmd"),
            listener("127.0.0.1", 4369, "epmd"),
            listener("::1", 4369, "epmd"),
            listener("::", 25672, "beam.smp"),
            listener("::7", 5672, "beam.smp"),
            listener("::7", 15672, "beam.smp"),
            listener("::", 61613, "beam.smp"),
            listener("::", 1883, "beam.smp"),
            listener("2001:db8::7", 5672, "spiped"),
        ];
        let audit = PortAudit::compare(&intended_rabbit(), &observed, &linux_scope());
        let everywhere: Vec<IpAddr> = ["127.0.0.7", "::7", "127.0.0.1", "::1", "2001:db8::7"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        assert_eq!(
            audit.unexpected,
            vec![
                UnexpectedListener {
                    listener: listener("::", 1883, "beam.smp"),
                    reachable_on: everywhere.clone(),
                    public: true,
                },
                UnexpectedListener {
                    listener: listener("::", 25672, "beam.smp"),
                    reachable_on: everywhere.clone(),
                    public: true,
                },
                UnexpectedListener {
                    listener: listener("::", 61613, "beam.smp"),
                    reachable_on: everywhere,
                    public: true,
                },
            ]
        );
        assert_eq!(
            audit.missing,
            vec![listener("2001:db8::7", 15672, "spiped")]
        );
        assert_eq!(audit.present.len(), 6);
        assert!(!audit.is_clean());
        assert_eq!(audit.publicly_exposed().count(), 3);
        assert_eq!(
            audit.to_string(),
            "port audit: 6 present, 3 unexpected, 1 missing\n\
             \x20 unexpected *:1883 beam.smp, reachable on 127.0.0.7, ::7, 127.0.0.1, ::1, 2001:db8::7 (public)\n\
             \x20 unexpected *:25672 beam.smp, reachable on 127.0.0.7, ::7, 127.0.0.1, ::1, 2001:db8::7 (public)\n\
             \x20 unexpected *:61613 beam.smp, reachable on 127.0.0.7, ::7, 127.0.0.1, ::1, 2001:db8::7 (public)\n\
             \x20 missing [2001:db8::7]:15672 spiped\n"
        );
    }

    #[test]
    fn compare_is_clean_when_observed_equals_intended() {
        let intended = intended_rabbit();
        let audit = PortAudit::compare(&intended, &intended, &linux_scope());
        assert!(audit.is_clean());
        assert_eq!(audit.present.len(), 10);
        assert_eq!(
            audit.to_string(),
            "port audit: 10 present, 0 unexpected, 0 missing\n"
        );
    }

    #[test]
    fn compare_reports_an_ipv4_wildcard_on_ipv4_addresses_only() {
        let observed = vec![listener("0.0.0.0", 8080, "httpd")];
        let audit = PortAudit::compare(&[], &observed, &linux_scope());
        assert_eq!(
            audit.unexpected,
            vec![UnexpectedListener {
                listener: listener("0.0.0.0", 8080, "httpd"),
                reachable_on: vec!["127.0.0.7".parse().unwrap(), "127.0.0.1".parse().unwrap()],
                public: false,
            }]
        );
    }

    #[test]
    fn compare_remaps_loopback_to_the_primary_address_in_a_jail() {
        let jail = AuditScope {
            private: vec!["127.0.0.7".parse().unwrap(), "::7".parse().unwrap()],
            public: vec!["2001:db8::7".parse().unwrap()],
            loopback: LoopbackBinding::RemappedToPrimary {
                ipv4: Some(Ipv4Addr::new(127, 0, 0, 7)),
                ipv6: None,
            },
        };
        let intended = vec![
            listener("127.0.0.7", 4369, "epmd"),
            listener("127.0.0.1", 4369, "epmd"),
            listener("::1", 4369, "epmd"),
        ];
        let observed = parse_sockstat(RECIPE_SOCKSTAT).unwrap();
        let audit = PortAudit::compare(&intended, &observed, &jail);
        assert_eq!(audit.present, vec![listener("127.0.0.7", 4369, "epmd")]);
        assert_eq!(audit.missing, Vec::<Listener>::new());
        assert_eq!(
            audit
                .unexpected
                .iter()
                .map(|finding| (finding.listener.to_string(), finding.public))
                .collect::<Vec<_>>(),
            vec![
                ("127.0.0.7:25672 beam.smp".to_owned(), false),
                ("*:5672 spiped".to_owned(), true),
                ("*:15672 spiped".to_owned(), true),
                ("[::7]:5672 beam.smp".to_owned(), false),
                ("[::7]:15672 beam.smp".to_owned(), false),
            ]
        );
    }

    #[test]
    fn compare_keeps_loopback_outside_a_jail() {
        let intended = vec![listener("::1", 4369, "epmd")];
        let audit = PortAudit::compare(&intended, &[], &linux_scope());
        assert_eq!(audit.missing, vec![listener("::1", 4369, "epmd")]);
    }

    #[test]
    fn compare_matches_truncated_command_names() {
        let intended = vec![listener("::7", 9000, "rabbitmq-stream-proxy")];
        let sockstat = vec![listener("::7", 9000, "rabbitmq-s")];
        let linux = vec![listener("::7", 9000, "rabbitmq-stream")];
        let short = vec![listener("::7", 9000, "rabbit")];
        assert!(PortAudit::compare(&intended, &sockstat, &linux_scope()).is_clean());
        assert!(PortAudit::compare(&intended, &linux, &linux_scope()).is_clean());
        assert!(!PortAudit::compare(&intended, &short, &linux_scope()).is_clean());
    }

    #[test]
    fn audit_round_trips_through_json() {
        let observed = vec![listener("::", 61613, "beam.smp")];
        let audit = PortAudit::compare(&[], &observed, &linux_scope());
        let json = serde_json::to_string(&audit).unwrap();
        assert_eq!(
            json,
            "{\"present\":[],\"unexpected\":[{\"listener\":{\"addr\":\"::\",\"port\":61613,\
             \"process\":\"beam.smp\"},\"reachable_on\":[\"127.0.0.7\",\"::7\",\"127.0.0.1\",\
             \"::1\",\"2001:db8::7\"],\"public\":true}],\"missing\":[]}"
        );
        assert_eq!(serde_json::from_str::<PortAudit>(&json).unwrap(), audit);
    }
}
