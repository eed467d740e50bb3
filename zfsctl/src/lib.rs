//! Safe bindings for the OpenZFS 2.x `libzfs`, loaded at run time.

#![deny(unsafe_op_in_unsafe_fn)]
