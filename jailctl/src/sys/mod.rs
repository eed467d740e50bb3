//! The raw system calls under this crate, and nothing else.
//!
//! # Contract
//!
//! Every function here wraps exactly one system call (or one registration
//! of a call to run after fork) and meets these terms, on which the safe
//! layer above relies:
//!
//! - It takes only owned or borrowed Rust values; every pointer it passes
//!   comes from a [`JailIovecs`] or a local buffer that outlives the call.
//! - It returns `Ok` with the call's result, or `Err` with the [`Errno`]
//!   the call left, read before anything else can overwrite it.
//! - It does not log, allocate after fork, or interpret the kernel's
//!   `errmsg`; building messages, logging and validation belong to the
//!   layer above.
//! - jail_get(2) writes value lengths back into the iovec array; the
//!   wrapper hands them to the builder before the array is dropped.
//!
//! The calls exist on FreeBSD only; on other systems this module is empty
//! and the safe layer reports that jails need FreeBSD.

#[cfg(target_os = "freebsd")]
mod sysctl;

#[cfg(target_os = "freebsd")]
pub(crate) use self::freebsd::*;
#[cfg(target_os = "freebsd")]
pub(crate) use self::sysctl::*;

#[cfg(target_os = "freebsd")]
mod freebsd {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    use libc::c_int;

    use crate::error::Errno;
    use crate::iovec::JailIovecs;

    fn check(ret: c_int) -> Result<c_int, Errno> {
        if ret < 0 { Err(Errno::last()) } else { Ok(ret) }
    }

    /// jail_set(2) on the builder's pairs; returns the jid.
    pub(crate) fn jail_set(params: &mut JailIovecs, flags: c_int) -> Result<c_int, Errno> {
        let mut iov = params.iovecs();
        let count = iov.len() as libc::c_uint;
        // SAFETY: every iovec points into `params`, which is borrowed mutably
        // for the whole call, so each buffer is live and holds `iov_len` bytes.
        let ret = unsafe { libc::jail_set(iov.as_mut_ptr(), count, flags) };
        check(ret)
    }

    /// jail_get(2) on the builder's pairs; returns the jid and stores the
    /// value lengths the kernel wrote back.
    pub(crate) fn jail_get(params: &mut JailIovecs, flags: c_int) -> Result<c_int, Errno> {
        let mut iov = params.iovecs();
        let count = iov.len() as libc::c_uint;
        // SAFETY: as for jail_set; the kernel writes at most `iov_len` bytes
        // into each value buffer, all owned by `params`.
        let ret = unsafe { libc::jail_get(iov.as_mut_ptr(), count, flags) };
        let result = check(ret);
        params.take_lengths(&iov);
        result
    }

    /// jail_remove(2).
    pub(crate) fn jail_remove(jid: c_int) -> Result<(), Errno> {
        // SAFETY: jail_remove takes a plain integer and touches no memory of ours.
        check(unsafe { libc::jail_remove(jid) }).map(drop)
    }

    /// jail_attach(2) for the calling process.
    pub(crate) fn jail_attach(jid: c_int) -> Result<(), Errno> {
        // SAFETY: jail_attach takes a plain integer and touches no memory of ours.
        check(unsafe { libc::jail_attach(jid) }).map(drop)
    }

    /// Registers jail_attach(2) to run in the child between fork and exec.
    ///
    /// The closure only makes the system call and builds an `io::Error`
    /// from the raw errno, which does not allocate: both are
    /// async-signal-safe.
    pub(crate) fn attach_in_child(command: &mut Command, jid: c_int) {
        let attach = move || {
            // SAFETY: jail_attach takes a plain integer; it is a system call
            // and so async-signal-safe in the forked child.
            if unsafe { libc::jail_attach(jid) } == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        };
        // SAFETY: `attach` performs only async-signal-safe work (one system
        // call, no allocation, no locks, no logging).
        unsafe { command.pre_exec(attach) };
    }
}
