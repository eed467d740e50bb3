//! Plans the RabbitMQ cage and renders its files into a staging directory.
//!
//! ```text
//! cargo run --example rabbit-cage                      # default spec
//! cargo run --example rabbit-cage -- --spec cage.toml  # your spec
//! cargo run --example rabbit-cage -- --print-spec      # commented default spec
//! cargo run --example rabbit-cage -- --json            # plan as JSON
//! cargo run --example rabbit-cage -- --apply           # create and start (FreeBSD, root)
//! cargo run --example rabbit-cage -- --destroy --confirm rabbit
//! ```
//!
//! Each run replaces the staging directory as a whole: the new stage is
//! rendered beside it and swapped in by rename. Only a stage this tool made
//! (it holds `.cagebun-stage`) or an empty directory is replaced; the spiped
//! key of the previous stage is kept.
//!
//! `--apply` creates the cage and starts it, all or nothing: on failure
//! everything done is undone and the error lists what was. It needs FreeBSD,
//! root, and the release snapshot `<pool>/cagebun/releases/<release>@base`
//! in the pool of the cage's dataset. `--destroy` stops the cage if it runs
//! and destroys it; `--confirm` must repeat the cage's name. On any other
//! system both refuse on one line and exit non-zero.

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
    /// Create and start the cage on this host (FreeBSD, root).
    #[arg(long, conflicts_with = "destroy")]
    apply: bool,
    /// Stop and destroy the cage on this host (FreeBSD, root).
    #[arg(long)]
    destroy: bool,
    /// The cage's name, repeated to confirm --destroy.
    #[arg(long, value_name = "NAME", requires = "destroy")]
    confirm: Option<String>,
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
    let spec = match &args.spec {
        Some(path) => CageSpec::from_toml_file(path).map_err(one_line)?,
        None => CageSpec::default(),
    };
    if args.apply || args.destroy {
        return host_action(args, &spec);
    }
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

#[cfg(not(target_os = "freebsd"))]
fn host_action(args: &Args, _spec: &CageSpec) -> Result<(), String> {
    let flag = if args.apply { "--apply" } else { "--destroy" };
    Err(format!(
        "{flag} needs a FreeBSD host and root; this is not FreeBSD"
    ))
}

#[cfg(target_os = "freebsd")]
fn host_action(args: &Args, spec: &CageSpec) -> Result<(), String> {
    use cagebun::apply::{
        self, Cage, CageHost, DestroyConfirmation, JailAbiPkg, LibzfsEffects, RootedFiles,
        SystemHost, ZfsEffects,
    };
    use cagebun::pkg::AddressFamilies;

    let cage = Cage::from_spec(spec).map_err(one_line)?;
    let zfs = LibzfsEffects::open().map_err(one_line)?;
    let releases = apply::releases_dataset(&cage.dataset).map_err(one_line)?;
    let packages = JailAbiPkg {
        families: AddressFamilies {
            ipv4: spec.private.ipv4.is_some(),
            ipv6: true,
        },
    };
    let host = CageHost {
        zfs: &zfs,
        files: &RootedFiles,
        system: &SystemHost,
        packages: &packages,
        host_root: PathBuf::from("/"),
        releases,
    };
    if args.destroy {
        let typed = args
            .confirm
            .clone()
            .ok_or_else(|| format!("--destroy needs --confirm {} to go ahead", cage.name))?;
        apply::destroy(&cage, &host, &DestroyConfirmation::new(typed)).map_err(one_line)?;
        eprintln!("rabbit-cage: destroyed {}", cage.name);
        return Ok(());
    }
    let snapshot = host
        .releases
        .child(&cage.release)
        .and_then(|r| r.snapshot("base"))
        .map_err(one_line)?;
    if !zfs.exists(&snapshot).map_err(one_line)? {
        return Err(format!(
            "{snapshot} does not exist: extract the {} base set into a dataset there and snapshot it",
            cage.release
        ));
    }
    apply::create(&cage, &host).map_err(one_line)?;
    let running = apply::start(&cage, &host).map_err(one_line)?;
    eprintln!(
        "rabbit-cage: {} created and started (jid {})",
        cage.name, running.jail.jid
    );
    Ok(())
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
