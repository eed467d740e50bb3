//! Port audit: the listeners a cage should have against those a host shows,
//! read from sockstat(1).
//!
//! References: sockstat(1).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

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

/// sockstat(1), as the port audit runs it.
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

/// A line of sockstat(1) output that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sockstat line {line_number}: {reason}: {line:?}")]
pub struct SockstatParseError {
    /// 1-based line number in the output.
    pub line_number: usize,
    /// The line, as printed.
    pub line: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The TCP listeners in sockstat(1) output (the default seven columns:
/// `USER COMMAND PID FD PROTO LOCAL FOREIGN`). The header line and
/// sockets of other protocols (UDP, SCTP, UNIX) are skipped. A wildcard
/// local address (`*:5672`) becomes `0.0.0.0` for `tcp4` and `::` for
/// `tcp6` and `tcp46`.
///
/// Limitations: only the default column layout is read (no `-s`, `-S`,
/// `-U` or `-w`); a command name with a space in it is misread.
///
/// ```
/// use cagebun::audit::parse_sockstat;
///
/// let out = "USER     COMMAND    PID   FD PROTO  LOCAL ADDRESS         FOREIGN ADDRESS\n\
///            rabbitmq beam.smp   1201  21 tcp4   127.0.0.7:5672        *:*\n\
///            rabbitmq epmd       1188  3  tcp6   ::7:4369              *:*\n";
/// let listeners = parse_sockstat(out)?;
/// assert_eq!(listeners[0].to_string(), "127.0.0.7:5672 beam.smp");
/// assert_eq!(listeners[1].to_string(), "[::7]:4369 epmd");
/// # Ok::<(), cagebun::audit::SockstatParseError>(())
/// ```
///
/// References: sockstat(1).
pub fn parse_sockstat(output: &str) -> Result<Vec<Listener>, SockstatParseError> {
    let mut listeners = Vec::new();
    for (index, line) in output.lines().enumerate() {
        let fail = |reason| SockstatParseError {
            line_number: index + 1,
            line: line.to_owned(),
            reason,
        };
        let columns: Vec<&str> = line.split_whitespace().collect();
        if columns.is_empty() || columns[0] == "USER" {
            continue;
        }
        let [_user, command, _pid, _fd, proto, local, ..] = columns[..] else {
            return Err(fail("fewer than seven columns"));
        };
        if !proto.starts_with("tcp") {
            continue;
        }
        let (host, port) = local
            .rsplit_once(':')
            .ok_or_else(|| fail("local address without a port"))?;
        let port = port.parse().map_err(|_| fail("port is not a number"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addr = match (host, proto) {
            ("*", "tcp4") => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            ("*", _) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
            (text, _) => text
                .parse()
                .map_err(|_| fail("local address is not an IP address"))?,
        };
        listeners.push(Listener {
            addr,
            port,
            process: command.to_owned(),
        });
    }
    Ok(listeners)
}

impl std::fmt::Display for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let socket = std::net::SocketAddr::new(self.addr, self.port);
        write!(f, "{socket} {}", self.process)
    }
}

/// The observed listeners whose address and port are not among the
/// allowed ones, in the order observed. The process name is not compared:
/// what matters is where something listens.
///
/// References: sockstat(1).
pub fn unexpected_listeners(observed: &[Listener], allowed: &[Listener]) -> Vec<Listener> {
    observed
        .iter()
        .filter(|o| !allowed.iter().any(|a| a.addr == o.addr && a.port == o.port))
        .cloned()
        .collect()
}
