//! Typed builders that plan, render, apply and audit service jails ("cages")
//! on ZFS.
//!
//! A [`CageSpec`] holds every choice of a cage (jail, addresses, dataset,
//! RabbitMQ, spiped); [`CageSpec::plan`] turns it into a [`Plan`], an ordered
//! list of steps with every file's content; [`Plan::render`] writes those
//! files under a staging directory; [`apply`] creates, starts, stops and
//! destroys the cage on a host, all or nothing.
//!
//! # Limitations
//!
//! - [`apply`] has been run on Linux only: ZFS for real (OpenZFS in a
//!   virtual machine), files for real, and the FreeBSD-only effects (jail,
//!   ifconfig, pkg, service, sockstat) through a recording host. Its
//!   FreeBSD implementations compile but have not run on FreeBSD; see also
//!   the limitations of [`apply`] itself.
//! - The spiped rc.conf.d file holds the pipes of one cage; a host running
//!   several cages needs their pipes merged by hand.
//! - Plugins that open listeners of their own beyond management, STOMP and
//!   MQTT (web STOMP, web MQTT, Prometheus, streams) are refused, because
//!   their listeners are not bound to the private address yet.
//! - In a cage without a private IPv4 address, epmd still tries to bind
//!   127.0.0.1; whether it survives that depends on the Erlang release.

#![forbid(unsafe_code)]

pub mod apply;
pub mod archive;
pub mod audit;
pub mod boot_order;
pub mod erlang_syntax;
pub mod erlang_term;
pub mod inventory;
pub mod names;
pub mod pkg;
pub mod plan;
pub mod plugins;
pub mod posix_shell;
pub mod rabbitmq_conf;
pub mod rabbitmq_files;
pub mod release;
pub mod render;
pub mod rootfs;
pub mod spec;
mod spec_template;
pub mod stage;

pub use plan::{FileRole, PipeMode, Plan, PlannedFile, SpipedPipe, Step};
pub use render::{RenderError, RenderOptions};
pub use spec::{CageSpec, SpecError};
pub use spec_template::DEFAULT_SPEC_TOML;
pub use stage::{StageError, replace_stage};
