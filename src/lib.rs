//! Umbrella package of the cagebun workspace.
//!
//! It exists so that the runnable recipes in `examples/` and the integration
//! tests in `tests/` sit at the top of the workspace. It re-exports the three
//! crates under their own names.

pub use cagebun;
pub use jailctl;
pub use zfsctl;
