//! Plans the RabbitMQ cage and renders its files into a staging directory.
//!
//! ```text
//! cargo run --example rabbit-cage                      # default spec
//! cargo run --example rabbit-cage -- --spec cage.toml  # your spec
//! cargo run --example rabbit-cage -- --print-spec      # commented default spec
//! cargo run --example rabbit-cage -- --json            # plan as JSON
//! ```
//!
//! Each run replaces the staging directory as a whole: the new stage is
//! rendered beside it and swapped in by rename. Only a stage this tool made
//! (it holds `.cagebun-stage`) or an empty directory is replaced; the spiped
//! key of the previous stage is kept. `--apply` needs FreeBSD and
//! root and is not implemented yet.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cagebun::{CageSpec, DEFAULT_SPEC_TOML, RenderOptions};
use clap::Parser;

/// Plan and render a RabbitMQ cage.
#[derive(Debug, Parser)]
#[command(name = "rabbit-cage")]
struct Args {
    /// Cage spec in TOML (default: the built-in spec, see --print-spec).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Staging directory the files are rendered into.
    #[arg(long, value_name = "DIR", default_value = "target/rabbit-cage/stage")]
    stage: PathBuf,
    /// Print the default spec as commented TOML and exit.
    #[arg(long, conflicts_with = "apply")]
    print_spec: bool,
    /// Print the plan as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Give rendered files their planned owners (names looked up on this host).
    #[arg(long)]
    chown: bool,
    /// Apply the plan to this host (FreeBSD, root).
    #[arg(long)]
    apply: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rabbit-cage: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    if args.print_spec {
        print!("{DEFAULT_SPEC_TOML}");
        return Ok(());
    }
    if args.apply {
        return Err(apply_refusal());
    }
    let spec = match &args.spec {
        Some(path) => CageSpec::from_toml_file(path).map_err(one_line)?,
        None => CageSpec::default(),
    };
    let plan = spec.plan().map_err(one_line)?;
    if args.json {
        let json = serde_json::to_string_pretty(&plan).map_err(|e| e.to_string())?;
        println!("{json}");
    } else {
        print!("{plan}");
    }
    let options = RenderOptions { chown: args.chown };
    render_stage(&plan, &args.stage, &options)?;
    eprintln!("rabbit-cage: rendered into {}", args.stage.display());
    Ok(())
}

fn apply_refusal() -> String {
    if cfg!(target_os = "freebsd") {
        "--apply is not implemented yet; render the plan and apply it by hand".to_owned()
    } else {
        "--apply needs a FreeBSD host and root; this is not FreeBSD".to_owned()
    }
}

fn one_line(error: impl std::fmt::Display) -> String {
    error.to_string().replace('\n', " ")
}

/// Renders into `stage`, replacing only a stage this tool made; see
/// [`cagebun::stage`].
fn render_stage(plan: &cagebun::Plan, stage: &Path, options: &RenderOptions) -> Result<(), String> {
    cagebun::replace_stage(plan, stage, options)
        .map(|_| ())
        .map_err(one_line)
}
