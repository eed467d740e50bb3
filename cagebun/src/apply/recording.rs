//! Stand-ins for tests: a FreeBSD host that records commands and jail calls
//! and keeps the state they would leave, a ZFS made of directories, and a
//! shared counter that fails chosen effects.
//!
//! References: jail(8), ifconfig(8), pkg(8), service(8), zfs(8).
