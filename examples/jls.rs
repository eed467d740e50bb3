//! List jails with their parameters, like jls(8).
//!
//! ```text
//! cargo run --example jls            # JID, IP address, host name, path
//! cargo run --example jls -- --all   # every parameter, name=value
//! cargo run --example jls -- --json  # jls --libxo=json shape
//! ```
//!
//! Jails exist on FreeBSD only; elsewhere this prints one line saying so and
//! exits with status 1.

use std::process::ExitCode;

use clap::Parser;

/// List jails with their parameters.
#[derive(Debug, Parser)]
#[command(name = "jls")]
struct Args {
    /// Print every parameter, as `jls -n` does.
    #[arg(short = 'n', long = "all")]
    all: bool,
    /// Print JSON in the shape of `jls --libxo=json`.
    #[arg(long)]
    json: bool,
}

#[cfg(not(target_os = "freebsd"))]
fn main() -> ExitCode {
    let _args = Args::parse();
    eprintln!("jls: jails need FreeBSD; this system has none");
    ExitCode::FAILURE
}

#[cfg(target_os = "freebsd")]
fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("jls: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(target_os = "freebsd")]
fn run(args: &Args) -> Result<(), jailctl::Error> {
    let mut infos = Vec::new();
    for jail in jailctl::jails() {
        infos.push(jail?.info()?);
    }

    if args.json {
        let rows = infos
            .iter()
            .map(|i| {
                if args.all {
                    i.all_params_row()
                } else {
                    i.default_row()
                }
            })
            .collect();
        println!("{}", jailctl::jls_document(rows));
    } else if args.all {
        for info in &infos {
            println!("{}", name_value_line(info));
        }
    } else {
        println!("{:>6}  {:<15} {:<29} Path", "JID", "IP Address", "Hostname");
        for info in &infos {
            let row = info.default_row();
            println!(
                "{:>6}  {:<15} {:<29} {}",
                info.jid(),
                row["ipv4"].as_str().unwrap_or_default(),
                row["hostname"].as_str().unwrap_or_default(),
                row["path"].as_str().unwrap_or_default(),
            );
        }
    }
    Ok(())
}

/// One jail as `jls -n` prints it: `name=value`, booleans as `name` or
/// `noname`.
#[cfg(target_os = "freebsd")]
fn name_value_line(info: &jailctl::JailInfo) -> String {
    use jailctl::{Param, Value};

    let fields: Vec<String> = info
        .params()
        .iter()
        .map(
            |(name, value)| match (Param::new(name, value.clone()), value) {
                (Ok(param), Value::Bool(_)) => param.to_string(),
                _ => format!("{name}={value}"),
            },
        )
        .collect();
    fields.join(" ")
}
