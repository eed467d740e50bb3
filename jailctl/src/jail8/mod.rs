//! The userland layer of jail(8): pseudo-parameters that are never sent to
//! the kernel.
