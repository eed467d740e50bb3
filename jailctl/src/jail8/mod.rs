//! The userland layer of jail(8): pseudo-parameters that are never sent to
//! the kernel.
//!
//! - [`address`]: the `interface|address/prefix words…` form of `ip4.addr`
//!   and `ip6.addr`, parsed to typed entries that print back to the same text.
//! - `alias`: the ifconfig(8) commands that add those addresses to host
//!   interfaces before the jail is created and remove them afterwards.
//!
//! References: jail(8), jail.conf(5), ifconfig(8), devfs(8).

pub mod address;
