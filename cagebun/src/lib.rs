//! Typed builders that plan, render, apply and audit service jails ("cages")
//! on ZFS.

#![forbid(unsafe_code)]

pub mod audit;
pub mod release;
pub mod rootfs;
