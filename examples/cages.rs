//! List the cages of a pool from ZFS alone.
//!
//! ```text
//! cargo run --example cages -- zroot          # a table, boot order first
//! cargo run --example cages -- zroot --json   # the records as JSON
//! ```
//!
//! Each cage is a child of `<pool>/cagebun/cages`; its settings come from
//! the `org.cagebun:*` properties on that dataset. Children that are not
//! readable cages are listed after the table (or under `unreadable` in the
//! JSON) with the reason. On a machine without `/dev/zfs` this prints one
//! line saying so and exits with status 1.

use std::process::ExitCode;

use cagebun::boot_order::{RunScope, start_order};
use cagebun::inventory::{CageRecord, Inventory, read_inventory};
use clap::Parser;

/// List the cages of a pool.
#[derive(Debug, Parser)]
#[command(name = "cages")]
struct Args {
    /// The pool whose `cagebun/cages` dataset holds the cages.
    pool: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if !std::path::Path::new("/dev/zfs").exists() {
        eprintln!("cages: /dev/zfs is absent; this machine has no ZFS");
        return ExitCode::FAILURE;
    }
    let zfs = match zfsctl::Zfs::open() {
        Ok(zfs) => zfs,
        Err(err) => {
            eprintln!("cages: {err}");
            return ExitCode::FAILURE;
        }
    };
    let inventory = match read_inventory(&zfs, &args.pool) {
        Ok(inventory) => inventory,
        Err(err) => {
            eprintln!("cages: {err}");
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        match serde_json::to_string_pretty(&inventory) {
            Ok(text) => println!("{text}"),
            Err(err) => {
                eprintln!("cages: {err}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print_table(&inventory);
    }
    ExitCode::SUCCESS
}

fn private_addresses(record: &CageRecord) -> String {
    let p = &record.private;
    let addresses: Vec<String> = p
        .ipv4
        .map(|a| a.to_string())
        .into_iter()
        .chain(p.ipv6.map(|a| a.to_string()))
        .collect();
    format!("{}|{}", p.interface, addresses.join(","))
}

/// One row per cage in start order (all cages, boot on or off).
fn print_table(inventory: &Inventory) {
    let entries: Vec<_> = inventory.cages.iter().map(CageRecord::boot_entry).collect();
    let order = match start_order(&entries, RunScope::All) {
        Ok(order) => order,
        Err(err) => {
            println!("cages: {err}");
            return;
        }
    };
    let header = [
        "NAME", "PRIO", "BOOT", "RELEASE", "PUBLIC", "PRIVATE", "RABBITMQ", "DATASET",
    ];
    let mut rows: Vec<[String; 8]> = vec![header.map(str::to_owned)];
    for entry in order {
        let Some(c) = inventory
            .cages
            .iter()
            .find(|c| c.name.as_str() == entry.name)
        else {
            continue;
        };
        rows.push([
            c.name.to_string(),
            c.priority.to_string(),
            if c.boot { "on" } else { "off" }.to_owned(),
            c.release.to_string(),
            format!(
                "{}|{}/{}",
                c.public.interface, c.public.address, c.public.prefix_len
            ),
            private_addresses(c),
            c.rabbitmq_version.to_string(),
            c.dataset.clone(),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
    for problem in &inventory.unreadable {
        println!("not a readable cage: {problem}");
    }
}
