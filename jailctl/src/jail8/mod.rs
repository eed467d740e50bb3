//! The userland layer of jail(8): pseudo-parameters that are never sent to
//! the kernel.
//!
//! - [`address`]: the `interface|address/prefix words…` form of `ip4.addr`
//!   and `ip6.addr`, parsed to typed entries that print back to the same text.
//! - [`alias`]: the ifconfig(8) commands that add those addresses to host
//!   interfaces before the jail is created and remove them afterwards.
//! - [`mount`]: `mount.devfs` with its ruleset.
//! - [`exec`]: `exec.start`, `exec.stop` and `stop.timeout`.
//! - [`lifecycle`]: start and stop composed from the above, undoing a
//!   failed start step by step, over the [`command::CommandRunner`] and
//!   [`lifecycle::KernelJails`] traits.
//! - [`conf`]: jail.conf(5) parsed to statements and rendered back.
//! - [`recording`]: a host that records operations, for tests.
//! - `system` (FreeBSD only): `SystemJails`, the real
//!   [`lifecycle::KernelJails`] over the kernel layer of this crate.
//!
//! Everything here builds and is tested on any platform; only the real
//! [`lifecycle::KernelJails`] implementation and the commands themselves
//! need FreeBSD.
//!
//! References: jail(8), jail.conf(5), ifconfig(8), devfs(8).

pub mod address;
pub mod alias;
pub mod command;
pub mod conf;
pub mod exec;
pub mod lifecycle;
pub mod mount;
pub mod recording;
#[cfg(target_os = "freebsd")]
pub mod system;
