//! iocage
