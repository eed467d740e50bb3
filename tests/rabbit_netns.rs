//! End to end on Linux: the RabbitMQ cage run for real in a network
//! namespace standing in for the jail.
//!
//! The namespace has the cage's private addresses on `lo` and its public
//! address on a veth pair whose other end stays in the test's namespace. The
//! Debian broker runs in it as user `rabbitmq` with the cage's files, spiped
//! server pipes run beside it, client pipes run outside. Then the port audit
//! reads `ss -ltnp` inside, a connect probe tries every listening port on the
//! public address from outside, and AMQP and the management API are used
//! through the pipes.
//!
//! Needs root, `ip`, `ss`, `setpriv`, `spiped`, the `rabbitmq-server`
//! package and its `rabbitmq` user. Without them each test prints why and
//! passes, unless `CAGEBUN_REQUIRE_E2E=1` is set: then it fails. The tests
//! take turns, since every run routes the same public /64 from here.
//! `cargo test --test rabbit_netns -- --nocapture` shows the port tables and
//! timings. Linux only: FreeBSD has no network namespaces.

#![cfg(target_os = "linux")]

#[path = "rabbit_netns/cage_layout.rs"]
mod cage_layout;
#[path = "rabbit_netns/cage_network.rs"]
mod cage_network;
#[path = "rabbit_netns/cage_processes.rs"]
mod cage_processes;
#[path = "rabbit_netns/probes.rs"]
mod probes;
#[path = "rabbit_netns/recipe_files.rs"]
mod recipe_files;
#[path = "rabbit_netns/rendered_cage.rs"]
mod rendered_cage;

use std::collections::BTreeSet;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cagebun::audit::{AuditScope, Listener, LoopbackBinding, PortAudit, parse_ss};

use cage_layout::{CageLayout, Owner, StageDir};
use cage_network::{CageAddresses, CageNetwork, run};
use cage_processes::{CageProcesses, TeardownReport, wait_until};
use probes::{PortState, amqp_round_trip, http_get_status, probe_port};

/// The broker's launcher script.
const RABBITMQ_SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/// The user the broker runs as.
const BROKER_USER: &str = "rabbitmq";

/// How long the broker may take to open its listeners.
const BOOT_LIMIT: Duration = Duration::from_secs(90);

/// Runs take turns: each routes the public /64 from this namespace.
static ONE_RUN_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Where a wildcard listener in the namespace answers: the private aliases,
/// the loopback addresses Linux keeps on `lo`, and the public address.
fn audit_scope(addresses: &CageAddresses) -> AuditScope {
    AuditScope {
        private: vec![
            addresses.private_v4,
            addresses.private_v6,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ],
        public: vec![IpAddr::V6(addresses.public)],
        loopback: LoopbackBinding::Kept,
    }
}

// ---------------------------------------------------------------------------
// The tests.

/// The default spec, rendered by cagebun and run: the audit finds exactly the
/// intended listeners, only spiped answers on the public address, and the
/// broker works through the pipes only.
#[test]
fn rendered_default_cage_exposes_only_spiped() {
    let Some(_turn) = take_turn() else { return };
    let spec =
        rendered_cage::default_spec_for_this_host().unwrap_or_else(|error| panic!("{error}"));
    let addresses = rendered_cage::addresses_of(&spec).unwrap_or_else(|error| panic!("{error}"));
    let outcome = run_cage("rendered default spec", &addresses, |stage, _broker| {
        rendered_cage::render_layout(&spec, stage)
    });
    let outcome = outcome.unwrap_or_else(|error| panic!("rendered cage run: {error}"));

    // Every intended listener is there and nothing else.
    assert!(
        outcome.audit.is_clean(),
        "{}\n{}",
        outcome.audit,
        outcome.ss_table
    );
    assert_eq!(outcome.audit.present, spec.intended_listeners());

    // From outside, only the pipes answer on the public address.
    let pipe_ports: BTreeSet<u16> = spec.spiped.pipes.iter().map(|pipe| pipe.port).collect();
    assert_eq!(
        outcome.open_public_ports(),
        pipe_ports,
        "{:?}",
        outcome.public_probe
    );

    outcome.assert_pipes_work();
    outcome.assert_teardown_complete();
}

/// The recipe's own files, run the same way: the audit and the probe must
/// find its STOMP and MQTT listeners open on the public address.
#[test]
fn recipe_files_expose_stomp_and_mqtt_on_the_public_address() {
    let Some(_turn) = take_turn() else { return };
    let spec =
        rendered_cage::default_spec_for_this_host().unwrap_or_else(|error| panic!("{error}"));
    let addresses = rendered_cage::addresses_of(&spec).unwrap_or_else(|error| panic!("{error}"));
    let intended = spec.intended_listeners();
    let outcome = run_cage("recipe (negative control)", &addresses, |stage, broker| {
        recipe_files::write_recipe_layout(stage, &addresses, broker, intended.clone())
    });
    let outcome = outcome.unwrap_or_else(|error| panic!("recipe run: {error}"));

    // The audit flags STOMP and MQTT on every address, the public one too.
    let public = IpAddr::V6(addresses.public);
    for port in [61613, 1883] {
        let wildcard = Listener::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port, "beam.smp");
        let finding = outcome
            .audit
            .unexpected
            .iter()
            .find(|finding| finding.listener == wildcard)
            .unwrap_or_else(|| {
                panic!(
                    "audit did not flag {wildcard}:\n{}\n{}",
                    outcome.audit, outcome.ss_table
                )
            });
        assert!(finding.public, "{wildcard} not marked public");
        assert_eq!(
            finding.reachable_on,
            audit_scope(&addresses).addresses().collect::<Vec<_>>()
        );
        assert!(finding.reachable_on.contains(&public));
    }

    // The probe from outside finds them open beside the two pipes. The
    // Erlang distribution's wildcard is IPv4 only: not on the public address.
    assert_eq!(
        outcome.open_public_ports(),
        BTreeSet::from([1883, 5672, 15672, 61613])
    );

    // Through the pipes the broker works as the recipe says.
    outcome.assert_pipes_work();
    outcome.assert_teardown_complete();
}

// ---------------------------------------------------------------------------
// One run.

/// What one run saw, and what its teardown left.
#[derive(Debug)]
struct Outcome {
    /// The namespace's `ss -ltnp` output.
    ss_table: String,
    /// The audit of it.
    audit: PortAudit,
    /// Every listening port of the namespace, probed on the public address.
    public_probe: Vec<(u16, PortState)>,
    /// AMQP round trip through the client pipe: the body, or why not.
    amqp_through_pipe: Result<Vec<u8>, String>,
    /// The body the round trip published.
    amqp_sent: Vec<u8>,
    /// `GET /api/overview` through the pipe with the cage's user.
    overview_as_user: Result<u16, String>,
    /// The same as guest.
    overview_as_guest: Result<u16, String>,
    /// AMQP straight to the public address.
    amqp_direct: Result<Vec<u8>, String>,
    /// Namespace, links and PIDs still there after the teardown.
    leftovers: Vec<String>,
}

impl Outcome {
    /// The ports the connect probe found open on the public address.
    fn open_public_ports(&self) -> BTreeSet<u16> {
        self.public_probe
            .iter()
            .filter(|(_, state)| *state == PortState::Open)
            .map(|&(port, _)| port)
            .collect()
    }

    /// AMQP and the management API work through the pipes, and not
    /// without them.
    fn assert_pipes_work(&self) {
        assert_eq!(
            self.amqp_through_pipe.as_ref(),
            Ok(&self.amqp_sent),
            "AMQP through spiped"
        );
        assert_eq!(
            self.overview_as_user,
            Ok(200),
            "GET /api/overview as the cage's user"
        );
        assert_eq!(
            self.overview_as_guest,
            Ok(401),
            "GET /api/overview as guest"
        );
        assert!(
            self.amqp_direct.is_err(),
            "AMQP straight to the public address worked: {:?}",
            self.amqp_direct
        );
    }

    /// Nothing of the run is left.
    fn assert_teardown_complete(&self) {
        assert_eq!(self.leftovers, Vec::<String>::new(), "left after teardown");
    }
}

/// Everything one run set up; torn down on drop if the run ends early.
struct CageRun {
    network: CageNetwork,
    processes: CageProcesses,
    stage: StageDir,
    torn_down: bool,
}

impl CageRun {
    /// Ends the processes and removes the namespace; what is left after.
    fn tear_down(&mut self) -> (TeardownReport, Vec<String>) {
        self.torn_down = true;
        let report = self.processes.teardown(&mut self.network);
        let mut left = self.network.leftovers();
        left.extend(
            self.processes
                .still_running()
                .iter()
                .map(|pid| format!("pid {pid}")),
        );
        (report, left)
    }
}

impl Drop for CageRun {
    fn drop(&mut self) {
        if !self.torn_down {
            let (report, left) = self.tear_down();
            println!(
                "teardown after an early end: ended {:?}, left {left:?}",
                report.ended
            );
        }
    }
}

/// Sets up the namespace, writes the layout with `write_layout`, starts the
/// broker and the pipes, observes, and tears everything down again.
fn run_cage(
    label: &str,
    addresses: &CageAddresses,
    write_layout: impl FnOnce(&StageDir, Owner) -> Result<CageLayout, String>,
) -> Result<Outcome, String> {
    let started = Instant::now();
    println!("=== {label}");
    let routed =
        run(Command::new("ip").args(["-6", "route", "show", &format!("{}/64", addresses.public)]))?;
    if !routed.trim().is_empty() {
        return Err(format!(
            "the public /64 is already routed here: {}",
            routed.trim()
        ));
    }

    // The namespace, the stage directory and the files.
    let broker = Owner::of_user(BROKER_USER)?;
    let mut cage = CageRun {
        network: CageNetwork::create(addresses.clone())?,
        processes: CageProcesses::default(),
        stage: StageDir::create(broker)?,
        torn_down: false,
    };
    let layout = write_layout(&cage.stage, broker)?;
    println!(
        "namespace {}, stage {}",
        cage.network.namespace,
        cage.stage.root.display()
    );

    // The broker, until every intended port and pipe target listens.
    let boot_started = Instant::now();
    start_broker(&mut cage, &layout)?;
    let mut awaited: BTreeSet<u16> = layout
        .intended
        .iter()
        .filter(|listener| listener.process != "spiped")
        .map(|listener| listener.port)
        .collect();
    awaited.extend(layout.server_pipes.iter().map(|pipe| pipe.target.port()));
    wait_for_broker(&mut cage, &awaited)?;
    let boot_took = boot_started.elapsed();
    println!("broker listening after {:.1} s", boot_took.as_secs_f64());

    // The pipes: servers inside, clients outside on free loopback ports.
    let client_ports = start_pipes(&mut cage, &layout)?;

    // The port table and its audit.
    let ss_table = run(cage.network.command("ss").arg("-ltnp"))?;
    println!("--- ss -ltnp in {}\n{ss_table}", cage.network.namespace);
    let observed = parse_ss(&ss_table).map_err(|error| error.to_string())?;
    let audit = PortAudit::compare(&layout.intended, &observed, &audit_scope(addresses));
    println!("--- {audit}");

    // The connect probe on the public address.
    let ports: BTreeSet<u16> = observed.iter().map(|listener| listener.port).collect();
    let public_probe: Vec<(u16, PortState)> = ports
        .iter()
        .map(|&port| {
            (
                port,
                probe_port(SocketAddr::new(IpAddr::V6(addresses.public), port)),
            )
        })
        .collect();
    println!("--- connect probe on [{}]", addresses.public);
    for (port, state) in &public_probe {
        println!("  {port:>5} {state}");
    }

    // AMQP and the management API through the pipes, and AMQP without them.
    let amqp_sent = format!("through spiped to cagebun-e2e-{}", std::process::id()).into_bytes();
    let amqp_port = client_ports.amqp.ok_or("no pipe to the AMQP port 5672")?;
    let management_port = client_ports
        .management
        .ok_or("no pipe to the management port 15672")?;
    let amqp_through_pipe = amqp_round_trip("::1", amqp_port, &layout.user, &layout.password);
    println!(
        "AMQP through [::1]:{amqp_port}: {}",
        summarize(&amqp_through_pipe)
    );
    let management = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), management_port);
    let overview_as_user =
        http_get_status(management, "/api/overview", &layout.user, &layout.password);
    let overview_as_guest = http_get_status(management, "/api/overview", "guest", "guest");
    println!(
        "GET /api/overview: {} {overview_as_user:?}, guest {overview_as_guest:?}",
        layout.user
    );
    let amqp_direct = amqp_round_trip(
        &addresses.public.to_string(),
        5672,
        &layout.user,
        &layout.password,
    );
    println!(
        "AMQP straight to [{}]:5672: {}",
        addresses.public,
        summarize(&amqp_direct)
    );

    // Teardown, then what is left.
    let (teardown, leftovers) = cage.tear_down();
    println!(
        "teardown took {:.1} s: ended {:?}, killed {:?}, left {leftovers:?}",
        teardown.took.as_secs_f64(),
        teardown.ended,
        teardown.killed
    );
    println!(
        "=== {label}: {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    Ok(Outcome {
        ss_table,
        audit,
        public_probe,
        amqp_through_pipe,
        amqp_sent,
        overview_as_user,
        overview_as_guest,
        amqp_direct,
        leftovers,
    })
}

/// One line for a probe's result.
fn summarize(result: &Result<Vec<u8>, String>) -> String {
    match result {
        Ok(body) => format!("received {:?}", String::from_utf8_lossy(body)),
        Err(error) => format!("failed: {error}"),
    }
}

/// Starts the broker inside the namespace as its user, with only the
/// environment that points it at the layout's files and the stage directory.
fn start_broker(cage: &mut CageRun, layout: &CageLayout) -> Result<(), String> {
    let run_dir = cage.stage.run();
    let files = &layout.files;
    let mut environment = vec![
        (
            "PATH",
            "/usr/lib/rabbitmq/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_owned(),
        ),
        ("LANG", "C.UTF-8".to_owned()),
        ("LC_ALL", "C.UTF-8".to_owned()),
        ("HOME", path_text(&run_dir.join("home"))),
        ("RABBITMQ_CONF_ENV_FILE", path_text(&files.env)),
        ("RABBITMQ_CONFIG_FILE", path_text(&files.config)),
        (
            "RABBITMQ_ADVANCED_CONFIG_FILE",
            path_text(&files.advanced_config),
        ),
        (
            "RABBITMQ_CONFIG_FILES",
            path_text(&cage.stage.etc().join("conf.d")),
        ),
        (
            "RABBITMQ_ENABLED_PLUGINS_FILE",
            path_text(&files.enabled_plugins),
        ),
        ("RABBITMQ_MNESIA_BASE", path_text(&run_dir.join("mnesia"))),
        ("RABBITMQ_LOG_BASE", path_text(&run_dir.join("log"))),
        ("RABBITMQ_PID_FILE", path_text(&run_dir.join("rabbit.pid"))),
    ];
    if let Some(inetrc) = &files.erl_inetrc {
        environment.push(("ERL_INETRC", path_text(inetrc)));
    }
    let output =
        fs::File::create(run_dir.join("server.stdout")).map_err(|error| error.to_string())?;
    let errors = output.try_clone().map_err(|error| error.to_string())?;

    let mut command = match &layout.bind_mount {
        Some((source, target)) => {
            let mut command = cage.network.command("sh");
            command.args([
                "-c",
                r#"mount --bind -- "$1" "$2" && shift 2 && exec "$@""#,
                "sh",
            ]);
            command.args([source, target]).arg("setpriv");
            command
        }
        None => cage.network.command("setpriv"),
    };
    command
        .args([
            "--reuid",
            BROKER_USER,
            "--regid",
            BROKER_USER,
            "--init-groups",
            "env",
            "-i",
        ])
        .args(
            environment
                .iter()
                .map(|(name, value)| format!("{name}={value}")),
        )
        .arg(RABBITMQ_SERVER)
        .stdin(Stdio::null())
        .stdout(output)
        .stderr(errors);
    let launcher = cage.processes.spawn(&mut command)?;
    println!("broker launcher PID {}", launcher.id());
    cage.processes.broker = Some(launcher);
    Ok(())
}

/// Waits until every port in `ports` has a listener in the namespace, or
/// fails with the tail of the broker's output when it exits or takes longer
/// than [`BOOT_LIMIT`].
fn wait_for_broker(cage: &mut CageRun, ports: &BTreeSet<u16>) -> Result<(), String> {
    let deadline = Instant::now() + BOOT_LIMIT;
    loop {
        let table = run(cage.network.command("ss").arg("-Hltn"))?;
        let listening: BTreeSet<u16> = table
            .lines()
            .filter_map(|line| {
                line.split_whitespace()
                    .nth(3)?
                    .rsplit_once(':')?
                    .1
                    .parse()
                    .ok()
            })
            .collect();
        if ports.is_subset(&listening) {
            return Ok(());
        }
        let launcher = cage.processes.broker.as_mut().ok_or("broker not started")?;
        let exited = launcher.try_wait().map_err(|error| error.to_string())?;
        if exited.is_some() || Instant::now() >= deadline {
            let missing: Vec<&u16> = ports.difference(&listening).collect();
            let stdout =
                fs::read_to_string(cage.stage.run().join("server.stdout")).unwrap_or_default();
            let tail: Vec<&str> = stdout.lines().rev().take(30).collect();
            return Err(format!(
                "broker {} without listeners on ports {missing:?}; its output ends:\n{}",
                exited.map_or("timed out".to_owned(), |status| format!(
                    "exited ({status})"
                )),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Local ports of the client pipes to the AMQP and management listeners.
struct ClientPorts {
    amqp: Option<u16>,
    management: Option<u16>,
}

/// Starts each server pipe inside the namespace and a client pipe for it
/// outside on a free `[::1]` port; waits until all of them listen.
fn start_pipes(cage: &mut CageRun, layout: &CageLayout) -> Result<ClientPorts, String> {
    let key = path_text(&layout.key);
    let mut ports = ClientPorts {
        amqp: None,
        management: None,
    };
    let mut awaited = Vec::new();
    for pipe in &layout.server_pipes {
        let pidfile = path_text(&cage.stage.run().join(format!("spiped-{}.pid", pipe.name)));
        let mut server = cage.network.command("spiped");
        server.args([
            "-d",
            "-F",
            "-s",
            &spiped_address(pipe.source),
            "-t",
            &spiped_address(pipe.target),
        ]);
        server
            .args(["-k", &key, "-p", &pidfile])
            .stdin(Stdio::null());
        let server = cage.processes.spawn(&mut server)?;
        println!(
            "spiped server {} PID {}: {} -> {}",
            pipe.name,
            server.id(),
            pipe.source,
            pipe.target
        );
        cage.processes.servers.push(server);

        let local = free_loopback_port()?;
        let pidfile = path_text(
            &cage
                .stage
                .run()
                .join(format!("spiped-client-{}.pid", pipe.name)),
        );
        let mut client = Command::new("spiped");
        client.args([
            "-e",
            "-F",
            "-s",
            &spiped_address(local),
            "-t",
            &spiped_address(pipe.source),
        ]);
        client
            .args(["-k", &key, "-p", &pidfile])
            .stdin(Stdio::null());
        let client = cage.processes.spawn(&mut client)?;
        println!(
            "spiped client {} PID {}: {} -> {}",
            pipe.name,
            client.id(),
            local,
            pipe.source
        );
        cage.processes.clients.push(client);
        match pipe.target.port() {
            5672 => ports.amqp = Some(local.port()),
            15672 => ports.management = Some(local.port()),
            _ => {}
        }
        awaited.push((true, pipe.source));
        awaited.push((false, local));
    }
    let all_listen = wait_until(Duration::from_secs(10), || {
        awaited
            .iter()
            .all(|&(inside, address)| listens(&cage.network, inside, address))
    });
    if !all_listen {
        return Err(format!(
            "spiped pipes not all listening after 10 s: {awaited:?}"
        ));
    }
    Ok(ports)
}

/// Whether `address` has a TCP listener, inside the namespace or here.
fn listens(network: &CageNetwork, inside: bool, address: SocketAddr) -> bool {
    let filter = format!("sport = :{}", address.port());
    let mut command = if inside {
        network.command("ss")
    } else {
        Command::new("ss")
    };
    let wanted = match address.ip() {
        IpAddr::V6(v6) => format!("[{v6}]:{}", address.port()),
        IpAddr::V4(v4) => format!("{v4}:{}", address.port()),
    };
    run(command.args(["-Hltn", &filter])).is_ok_and(|table| {
        table
            .lines()
            .any(|line| line.split_whitespace().nth(3) == Some(&wanted))
    })
}

/// A port on `[::1]` that nothing listens on right now.
fn free_loopback_port() -> Result<SocketAddr, String> {
    let probe = TcpListener::bind((Ipv6Addr::LOCALHOST, 0))
        .map_err(|error| format!("bind [::1]:0: {error}"))?;
    probe.local_addr().map_err(|error| error.to_string())
}

/// An address as spiped's `-s` and `-t` take it: `[::7]:5672`,
/// `[127.0.0.7]:4369`.
fn spiped_address(address: SocketAddr) -> String {
    format!("[{}]:{}", address.ip(), address.port())
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------------
// Prerequisites.

/// Waits for this test's turn, or returns `None` (after printing why) when
/// the machine cannot run it. With `CAGEBUN_REQUIRE_E2E=1` a missing
/// prerequisite fails the test instead.
fn take_turn() -> Option<std::sync::MutexGuard<'static, ()>> {
    if let Err(reason) = prerequisites() {
        if std::env::var("CAGEBUN_REQUIRE_E2E").as_deref() == Ok("1") {
            panic!("CAGEBUN_REQUIRE_E2E=1 but {reason}");
        }
        println!("skipped: {reason}");
        return None;
    }
    Some(
        ONE_RUN_AT_A_TIME
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

/// What this machine lacks to run the test, if anything.
fn prerequisites() -> Result<(), String> {
    let uid = fs::metadata("/proc/self")
        .map_err(|error| format!("/proc/self: {error}"))?
        .uid();
    if uid != 0 {
        return Err(format!(
            "needs root to create network namespaces (running as uid {uid})"
        ));
    }
    if !Path::new(RABBITMQ_SERVER).exists() {
        return Err(format!(
            "{RABBITMQ_SERVER} is missing (Debian package rabbitmq-server)"
        ));
    }
    for (program, package) in [
        ("ip", "iproute2"),
        ("ss", "iproute2"),
        ("spiped", "spiped"),
        ("setpriv", "util-linux"),
    ] {
        let found = std::env::var_os("PATH").is_some_and(|path| {
            std::env::split_paths(&path).any(|dir| dir.join(program).is_file())
        });
        if !found {
            return Err(format!(
                "{program} is not on PATH (Debian package {package})"
            ));
        }
    }
    Owner::of_user(BROKER_USER)
        .map(|_| ())
        .map_err(|error| format!("no user {BROKER_USER}: {error}"))
}
