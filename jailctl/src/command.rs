//! Running a program inside a jail with [`std::process::Command`].

use std::process::Command;

use crate::Jid;

/// Runs a [`Command`] inside a jail, as jexec(8) does: the child attaches to
/// the jail with jail_attach(2) after fork and before exec, so the program
/// is looked up and runs under the jail's root.
///
/// Limitations: the standard library applies `uid`, `gid`, `groups` and
/// `current_dir` before the attach; a `uid` other than root makes the
/// attach fail with `EPERM`, and the attach then moves the working
/// directory to the jail's root. To run as another user, run a program
/// inside the jail that switches user itself (for example `su -m user -c`).
/// If the attach fails, `spawn` returns its error.
///
/// References: jail_attach(2), jexec(8).
pub trait JailCommandExt {
    /// Makes the child attach to jail `jid` before exec.
    ///
    /// References: jail_attach(2).
    #[doc(alias = "jail_attach")]
    fn jail(&mut self, jid: Jid) -> &mut Self;
}

impl JailCommandExt for Command {
    fn jail(&mut self, jid: Jid) -> &mut Self {
        tracing::debug!(jid = jid.get(), program = ?self.get_program(), "jail_attach in child");
        crate::sys::attach_in_child(self, jid.get());
        self
    }
}
