//! Port audit: the listeners a cage should have against those a host shows.

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
