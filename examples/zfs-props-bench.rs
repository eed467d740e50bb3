//! Reads the name and user properties of a dataset and of all its descendant
//! filesystems and volumes with zfsctl, in one recursive walk, and prints one
//! `name<TAB>property<TAB>value` line per value found.
//!
//! This is way (a) of the benchmark in `scripts/zfs-vm/bench.sh`, which runs it
//! in a real-ZFS VM next to the zfs(8) ways of reading the same values. It also
//! creates the benchmark's datasets, each with its properties set by the one
//! `zfs_create` call:
//!
//! ```text
//! zfs-props-bench create benchpool/jails --count 1000 --props cagebun.bench:p01,cagebun.bench:p02
//! zfs-props-bench read benchpool/jails --props cagebun.bench:p01,cagebun.bench:p02
//! zfs-props-bench read benchpool/jails --repeat 5
//! zfs-props-bench read benchpool/jails --channel-program
//! ```
//!
//! `create` makes the children `jail0001` to `jailNNNN` of the parent, which
//! must exist, and gives property number `k` (from 1) of dataset `i` the value
//! `value-i-kk`. It does not mount them (`zfs mount -a` does).
//!
//! `read --props` reads the named user properties with `Dataset::list`;
//! without `--props`, every user property is read with `Dataset::user_props`
//! on a walk over `Dataset::children`. `--channel-program` reads every user
//! property with `Zfs::user_props_recursive`, one channel program run in the
//! kernel (way (a2) of the benchmark). `--repeat N` walks N times in the same
//! process and prints each walk's time on standard error, which separates the
//! cost of the walk from that of starting the process and loading libzfs.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use zfsctl::{CreateKind, Dataset, DatasetName, PropName, Zfs};

#[derive(Parser)]
#[command(about = "Create, then read, many datasets with user properties through zfsctl")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the children jail0001.. of PARENT with the user properties set.
    Create {
        /// The existing parent dataset, e.g. `benchpool/jails`.
        parent: String,
        /// How many datasets to create.
        #[arg(long)]
        count: u32,
        /// User properties to set on each, comma separated.
        #[arg(long, value_delimiter = ',', required = true)]
        props: Vec<String>,
    },
    /// Print the name and user properties of PARENT and all its descendants.
    Read {
        /// The dataset at the top of the walk, e.g. `benchpool/jails`.
        parent: String,
        /// User properties to read, comma separated; every user property when absent.
        #[arg(long, value_delimiter = ',')]
        props: Vec<String>,
        /// Walk this many times, printing each walk's duration on standard error.
        #[arg(long, default_value_t = 1)]
        repeat: u32,
        /// Read every user property with one channel program instead of a walk.
        #[arg(long, conflicts_with = "props")]
        channel_program: bool,
    },
}

fn main() -> ExitCode {
    let result = match Args::parse().command {
        Command::Create {
            parent,
            count,
            props,
        } => create(&parent, count, &props),
        Command::Read {
            parent,
            props,
            repeat,
            channel_program,
        } => read(&parent, &props, repeat, channel_program),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("zfs-props-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn create(parent: &str, count: u32, props: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let zfs = Zfs::open()?;
    let parent = DatasetName::new(parent)?;
    for index in 1..=count {
        let values: Vec<String> = (1..=props.len())
            .map(|k| format!("value-{index}-{k:02}"))
            .collect();
        let pairs: Vec<(&str, &str)> = props
            .iter()
            .map(String::as_str)
            .zip(values.iter().map(String::as_str))
            .collect();
        let name = parent.child(&format!("jail{index:04}"))?;
        zfs.create(&name, CreateKind::Filesystem, &pairs)?;
    }
    Ok(())
}

fn read(
    parent: &str,
    props: &[String],
    repeat: u32,
    channel_program: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let zfs = Zfs::open()?;
    let parent_name = DatasetName::new(parent)?;
    let parent = zfs.dataset(&parent_name)?;
    let props = props
        .iter()
        .map(|name| PropName::parse(name))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = BufWriter::new(io::stdout().lock());

    for walk in 1..=repeat {
        let started = Instant::now();
        if channel_program {
            print_props_read_in_kernel(&zfs, &parent_name, &mut out)?;
        } else if props.is_empty() {
            print_all_user_props(&parent, &mut out)?;
        } else {
            print_listed_props(&parent, &props, &mut out)?;
        }
        out.flush()?;
        if repeat > 1 {
            eprintln!(
                "walk {walk}: {:.1} ms",
                started.elapsed().as_secs_f64() * 1e3
            );
        }
    }
    Ok(())
}

/// One `Dataset::list` walk asking for the named properties.
fn print_listed_props(
    parent: &Dataset<'_>,
    props: &[PropName],
    out: &mut impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    for entry in parent.list(true, props)? {
        writeln!(out, "{}", entry.name)?;
        for (name, value) in &entry.props {
            if let Some(value) = value {
                writeln!(out, "{}\t{}\t{}", entry.name, name, value.value)?;
            }
        }
    }
    Ok(())
}

/// One `Zfs::user_props_recursive` call: a channel program in the kernel.
fn print_props_read_in_kernel(
    zfs: &Zfs,
    parent: &DatasetName,
    out: &mut impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    for (name, props) in zfs.user_props_recursive(parent)? {
        writeln!(out, "{name}")?;
        for (prop, value) in &props {
            writeln!(out, "{name}\t{prop}\t{value}")?;
        }
    }
    Ok(())
}

/// A depth-first walk, parents before children, reading each dataset's whole
/// user-property list.
fn print_all_user_props(
    dataset: &Dataset<'_>,
    out: &mut impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    writeln!(out, "{}", dataset.name())?;
    for (name, value) in dataset.user_props() {
        writeln!(out, "{}\t{}\t{}", dataset.name(), name, value.value)?;
    }
    for child in dataset.children()? {
        print_all_user_props(&child, out)?;
    }
    Ok(())
}
