//! Safe, typed bindings for FreeBSD's jail(2) family of system calls, with the
//! userland layer of jail(8) kept apart in [`jail8`].
//!
//! The kernel layer never sees a pseudo-parameter: everything in [`jail8`] is
//! carried out by this crate in userland, the way jail(8) does it.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod jail8;
