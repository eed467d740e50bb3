//! Create and start of a cage are all or nothing: a failure injected at
//! every effect of create and of start leaves nothing behind.
//!
//! Two worlds run the same checks. Without ZFS, datasets are directories
//! ([`DirectoryZfs`]); with ZFS (`/dev/zfs` present, or required by
//! `CAGEBUN_REQUIRE_ZFS=1`), a throwaway pool on a file vdev under `/run`
//! holds them and zfs(8) is the witness. Files are written for real in
//! both; the FreeBSD-only effects (jail, ifconfig, mount, pkg, service,
//! sockstat) go to a [`RecordingSystem`], whose state is the witness for
//! aliases, mounts, jails and processes.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use cagebun::apply::recording::{Counted, DirectoryZfs, EffectCounter, HostState, RecordingSystem};
use cagebun::apply::{
    self, ApplyError, Cage, CageHost, DestroyConfirmation, DestroyError, EffectError, HostPkg,
    LibzfsEffects, RootedFiles, ZfsEffects,
};
use cagebun::{CageSpec, DEFAULT_SPEC_TOML};
use cagebun_test_support::{TestPool, run_checked as must_run};
use zfsctl::DatasetName;

const RELEASE: &str = "14.3-RELEASE";

/// Where one run happens: a scratch host root and a release tree.
struct World {
    _dir: tempfile::TempDir,
    host_root: PathBuf,
    release_tree: PathBuf,
    pool: String,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

impl World {
    fn new(parent: &Path, pool: &str) -> Self {
        let dir = tempfile::tempdir_in(parent).unwrap();
        let host_root = dir.path().join("host");
        write(
            &host_root.join("etc/passwd"),
            "root:*:0:0:Charlie &:/root:/bin/sh\n",
        );
        write(&host_root.join("etc/group"), "wheel:*:0:root\n");
        let release_tree = dir.path().join("release");
        write(
            &release_tree.join("etc/passwd"),
            "root:*:0:0:Charlie &:/root:/bin/sh\n",
        );
        write(
            &release_tree.join("etc/group"),
            "wheel:*:0:root\nrabbitmq:*:135:\n",
        );
        Self {
            host_root,
            release_tree,
            pool: pool.to_owned(),
            _dir: dir,
        }
    }

    fn cage(&self) -> Cage {
        Cage::from_spec(&self.spec()).unwrap()
    }

    fn spec(&self) -> CageSpec {
        let mountpoint = self.host_root.join("cagebun/cages/rabbit");
        let toml = DEFAULT_SPEC_TOML
            .replace(
                "\"zroot/cagebun/cages/rabbit\"",
                &format!("\"{}/cagebun/cages/rabbit\"", self.pool),
            )
            .replace(
                "\"/cagebun/cages/rabbit\"",
                &format!("\"{}\"", mountpoint.display()),
            );
        CageSpec::from_toml_str(&toml, "test spec").unwrap()
    }

    fn host<'a>(
        &self,
        zfs: &'a dyn ZfsEffects,
        files: &'a Counted<'a, RootedFiles>,
        system: &'a RecordingSystem<'a>,
    ) -> CageHost<'a> {
        CageHost {
            zfs,
            files,
            system,
            packages: &HostPkg,
            host_root: self.host_root.clone(),
            releases: DatasetName::new(format!("{}/cagebun/releases", self.pool)).unwrap(),
        }
    }

    /// Every entry beneath the host root: type, mode, owner and content.
    fn tree(&self) -> BTreeMap<PathBuf, String> {
        let mut out = BTreeMap::new();
        walk(&self.host_root, &self.host_root, &mut out);
        out
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let rel = path.strip_prefix(root).unwrap().to_owned();
        let owner = format!("{:o} {}:{}", meta.mode() & 0o7777, meta.uid(), meta.gid());
        if meta.is_dir() {
            out.insert(rel, format!("dir {owner}"));
            walk(root, &path, out);
        } else if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).unwrap();
            out.insert(rel, format!("link {}", target.display()));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            out.insert(rel, format!("file {owner} {} bytes {bytes:?}", bytes.len()));
        }
    }
}

/// The ZFS side of a world and its witness.
trait ZfsWorld {
    /// The effects, as the code under test sees them.
    fn effects(&self) -> &dyn ZfsEffects;
    /// Every dataset with its local properties, as a witness reads them.
    fn witness(&self) -> String;
}

struct StandInZfs(DirectoryZfs);

impl ZfsWorld for StandInZfs {
    fn effects(&self) -> &dyn ZfsEffects {
        &self.0
    }

    fn witness(&self) -> String {
        format!("{:?}", self.0.datasets())
    }
}

fn stand_in_zfs(world: &World) -> StandInZfs {
    let mut zfs = DirectoryZfs::new();
    zfs.add_filesystem(&world.pool, &[]);
    zfs.add_filesystem(&format!("{}/cagebun", world.pool), &[]);
    zfs.add_filesystem(&format!("{}/cagebun/cages", world.pool), &[]);
    zfs.add_snapshot(
        &format!("{}/cagebun/releases/{RELEASE}@base", world.pool),
        world.release_tree.clone(),
    );
    StandInZfs(zfs)
}

/// One full run of create then start with failures at `fail`: what the
/// counter logged, the results, and the witnesses between and after.
struct Run {
    log: Vec<String>,
    created: Result<(), ApplyError>,
    started: Option<Result<apply::RunningCage, ApplyError>>,
    after_create: (BTreeMap<PathBuf, String>, String),
    after_all: (BTreeMap<PathBuf, String>, String),
    state: HostState,
    /// The ZFS witness after destroying what create made, when it
    /// succeeded (the datasets must go for the next run in the same pool).
    after_destroy: Option<String>,
}

fn run<Z: ZfsWorld>(world: &World, zfs: &Z, fail: &[usize], sockstat: &str) -> Run {
    let counter = EffectCounter::failing(fail.iter().copied());
    let counted_zfs = Counted {
        inner: ZfsRef(zfs.effects()),
        counter: &counter,
    };
    let files = Counted {
        inner: RootedFiles,
        counter: &counter,
    };
    let mut system = RecordingSystem::new(&counter);
    system.sockstat_output = sockstat.to_owned();
    let host = world.host(&counted_zfs, &files, &system);
    let cage = world.cage();
    let created = apply::create(&cage, &host);
    let after_create = (world.tree(), zfs.witness());
    let started = created.is_ok().then(|| apply::start(&cage, &host));
    let (log, after_all, state) = (counter.log(), (world.tree(), zfs.witness()), system.state());
    let after_destroy = created.is_ok().then(|| {
        let confirmation = DestroyConfirmation::new("rabbit");
        apply::destroy(&cage, &host, &confirmation).unwrap_or_else(|e| panic!("{e}"));
        zfs.witness()
    });
    Run {
        log,
        created,
        started,
        after_create,
        after_all,
        state,
        after_destroy,
    }
}

fn undone(world: &World, error: &ApplyError) -> String {
    let host = world.host_root.display().to_string();
    error
        .undone
        .iter()
        .map(|e| e.undo_description().replace(&host, "<host>"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The effects logged before `index` that change the host (queries left
/// out), last first: what the roll-back must undo, in its order.
fn to_undo(log: &[String], index: usize) -> Vec<String> {
    let query = |line: &&String| line.contains("pkg info -e") || line.contains("sockstat");
    log[..index]
        .iter()
        .filter(|l| !query(l))
        .rev()
        .cloned()
        .collect()
}

/// Lends a `&dyn ZfsEffects` to [`Counted`], which owns its inner value.
struct ZfsRef<'a>(&'a dyn ZfsEffects);

impl ZfsEffects for ZfsRef<'_> {
    fn create_filesystem(
        &self,
        name: &DatasetName,
        properties: &[(String, String)],
    ) -> Result<(), EffectError> {
        self.0.create_filesystem(name, properties)
    }
    fn clone_snapshot(&self, s: &DatasetName, t: &DatasetName) -> Result<(), EffectError> {
        self.0.clone_snapshot(s, t)
    }
    fn mount(&self, name: &DatasetName) -> Result<(), EffectError> {
        self.0.mount(name)
    }
    fn unmount(&self, name: &DatasetName) -> Result<(), EffectError> {
        self.0.unmount(name)
    }
    fn set_property(&self, name: &DatasetName, p: &str, v: &str) -> Result<(), EffectError> {
        self.0.set_property(name, p, v)
    }
    fn inherit_property(&self, name: &DatasetName, p: &str) -> Result<(), EffectError> {
        self.0.inherit_property(name, p)
    }
    fn destroy(&self, name: &DatasetName) -> Result<(), EffectError> {
        self.0.destroy(name)
    }
    fn exists(&self, name: &DatasetName) -> Result<bool, EffectError> {
        self.0.exists(name)
    }
    fn local_user_properties(
        &self,
        name: &DatasetName,
    ) -> Result<BTreeMap<String, String>, EffectError> {
        self.0.local_user_properties(name)
    }
}

/// What a listening broker in the cage shows: only allowed listeners.
const GOOD_SOCKSTAT: &str = "\
USER     COMMAND    PID   FD PROTO  LOCAL ADDRESS         FOREIGN ADDRESS
rabbitmq beam.smp   1201  21 tcp6   ::7:5672              *:*
rabbitmq beam.smp   1201  23 tcp6   ::7:15672             *:*
rabbitmq beam.smp   1201  24 tcp6   ::7:61613             *:*
rabbitmq beam.smp   1201  25 tcp6   ::7:1883              *:*
rabbitmq beam.smp   1201  22 tcp4   127.0.0.7:25672       *:*
rabbitmq epmd       1188  3  tcp4   127.0.0.7:4369        *:*
rabbitmq epmd       1188  4  tcp6   ::7:4369              *:*
";

/// The effects of a successful create and start of the default cage, in
/// order, with `<pool>`, `<host>` and `<root>` for the world's names.
fn expected_log() -> Vec<&'static str> {
    vec![
        // create: the cage's file system, its properties, its mountpoint
        "zfs create <pool>/cagebun/cages/rabbit",
        "zfs set org.cagebun:config_format=classic <pool>/cagebun/cages/rabbit",
        "zfs set org.cagebun:hostname=rabbit.example.org <pool>/cagebun/cages/rabbit",
        "zfs set org.cagebun:jail_name=rabbit <pool>/cagebun/cages/rabbit",
        "zfs set org.cagebun:private_ipv4=lo0|127.0.0.7/32 <pool>/cagebun/cages/rabbit",
        "zfs set org.cagebun:private_ipv6=lo0|::7/128 <pool>/cagebun/cages/rabbit",
        "zfs set org.cagebun:public_address=em0|2001:db8::7/64 <pool>/cagebun/cages/rabbit",
        "zfs set org.cagebun:rabbitmq_version=3.10.8 <pool>/cagebun/cages/rabbit",
        "zfs set org.cagebun:release=14.3-RELEASE <pool>/cagebun/cages/rabbit",
        "zfs set org.cagebun:spec.0=<spec> <pool>/cagebun/cages/rabbit",
        "zfs set org.cagebun:spec.chunks=1 <pool>/cagebun/cages/rabbit",
        "mkdir <host>/cagebun",
        "mkdir <host>/cagebun/cages",
        "mkdir <host>/cagebun/cages/rabbit",
        "zfs mount <pool>/cagebun/cages/rabbit",
        // the release clone and the jail's packages
        "zfs clone <pool>/cagebun/releases/14.3-RELEASE@base <pool>/cagebun/cages/rabbit/root",
        "zfs mount <pool>/cagebun/cages/rabbit/root",
        "/usr/sbin/pkg -c <root> install -y rabbitmq",
        // the jail's files
        "mkdir <root>/usr",
        "mkdir <root>/usr/local",
        "mkdir <root>/usr/local/etc",
        "mkdir <root>/usr/local/etc/rabbitmq",
        "write <root>/usr/local/etc/rabbitmq/rabbitmq-env.conf",
        "write <root>/usr/local/etc/rabbitmq/rabbitmq.config",
        "write <root>/usr/local/etc/rabbitmq/enabled_plugins",
        "write <root>/usr/local/etc/rabbitmq/erl_inetrc",
        "write <root>/etc/rc.conf",
        // the host's package and files
        "/usr/sbin/pkg info -e spiped",
        "/usr/sbin/pkg install -y spiped",
        "mkdir <host>/usr",
        "mkdir <host>/usr/local",
        "mkdir <host>/usr/local/etc",
        "mkdir <host>/usr/local/etc/spiped",
        "write <host>/usr/local/etc/spiped/rabbit.key",
        "mkdir <host>/etc/rc.conf.d",
        "write <host>/etc/rc.conf.d/spiped",
        // start: the jail (which adds the public address), spiped, the audit
        "/sbin/ifconfig lo0 inet 127.0.0.7/32 alias",
        "/sbin/ifconfig lo0 inet6 ::7/128 alias",
        "/sbin/ifconfig em0 inet6 2001:db8::7/64 alias",
        "/sbin/mount -t devfs -oruleset=4 . <root>/dev",
        "jail_set create name=rabbit",
        "jexec 1 /bin/sh /etc/rc",
        "/usr/sbin/service spiped start",
        "/usr/bin/sockstat -46l -j 1",
    ]
}

/// For a failure at each effect of start, in [`expected_log`]'s order:
/// the journal's undone effects, and every effect logged after the failure
/// (jailctl undoes a jail start that fails part way itself; the journal
/// undoes what start recorded, last first).
fn expected_start_undo() -> Vec<(&'static str, Vec<&'static str>)> {
    let alias_undo = [
        "/sbin/ifconfig em0 inet6 2001:db8::7/64 -alias",
        "/sbin/ifconfig lo0 inet6 ::7/128 -alias",
        "/sbin/ifconfig lo0 inet 127.0.0.7/32 -alias",
    ];
    let jail_stop = vec![
        "jexec 1 /bin/sh /etc/rc.shutdown jail",
        "kill -TERM jail 1, wait 10s",
        "jail_remove 1",
        "/sbin/umount <root>/dev",
        "/sbin/ifconfig lo0 inet6 ::7/128 -alias",
        "/sbin/ifconfig em0 inet6 2001:db8::7/64 -alias",
        "/sbin/ifconfig lo0 inet 127.0.0.7/32 -alias",
    ];
    let after_devfs = ["/sbin/umount <root>/dev"].into_iter().chain(alias_undo);
    vec![
        // ifconfig lo0 inet
        ("", vec![]),
        // ifconfig lo0 inet6
        ("", alias_undo[2..].to_vec()),
        // ifconfig em0 inet6
        ("", alias_undo[1..].to_vec()),
        // mount devfs
        ("", alias_undo.to_vec()),
        // jail_set create
        ("", after_devfs.clone().collect()),
        // /etc/rc
        (
            "",
            ["jail_remove 1"].into_iter().chain(after_devfs).collect(),
        ),
        // service spiped start: the jail is stopped
        ("jail stop rabbit (jid 1)", jail_stop.clone()),
        // the audit: spiped, then the jail
        (
            "/usr/sbin/service spiped stop, jail stop rabbit (jid 1)",
            ["/usr/sbin/service spiped stop"]
                .into_iter()
                .chain(jail_stop)
                .collect(),
        ),
    ]
}

/// Number of effects of create in [`expected_log`].
const CREATE_EFFECTS: usize = 36;

fn expected(world: &World) -> Vec<String> {
    let host = world.host_root.display().to_string();
    let root = format!("{host}/cagebun/cages/rabbit/root");
    let spec = cagebun::inventory::spec_properties(&world.spec())["org.cagebun:spec.0"].clone();
    expected_log()
        .into_iter()
        .map(|line| {
            line.replace("<spec>", &spec)
                .replace("<pool>", &world.pool)
                .replace("<root>", &root)
                .replace("<host>", &host)
        })
        .collect()
}

/// Runs every check on worlds made by `make`.
fn check_every_failure<Z: ZfsWorld>(parent: &Path, pool: &str, make: impl Fn(&World) -> Z) {
    // A clean run: the exact effects; start touches no file and no dataset.
    let world = World::new(parent, pool);
    let zfs = make(&world);
    let (tree_before, witness_before) = (world.tree(), zfs.witness());
    let clean = run(&world, &zfs, &[], GOOD_SOCKSTAT);
    assert_eq!(clean.after_destroy.as_ref(), Some(&witness_before));
    clean.created.unwrap();
    let running = clean.started.unwrap().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(clean.log, expected(&world));
    assert_eq!(running.jail.jid.get(), 1);
    assert_eq!(clean.after_all, clean.after_create);
    assert_eq!(
        clean.state.processes.iter().collect::<Vec<_>>(),
        ["jail 1: rc", "service spiped"]
    );
    assert_eq!(clean.state.aliases.len(), 3);
    assert_eq!(clean.state.devfs.len(), 1);
    assert_eq!(clean.state.jails.len(), 1);
    drop((zfs, world));

    // A failure at each effect of create: everything undone.
    for index in 0..CREATE_EFFECTS {
        let world = World::new(parent, pool);
        let zfs = make(&world);
        let before = (world.tree(), zfs.witness());
        assert_eq!(before.0, tree_before);
        let result = run(&world, &zfs, &[index], GOOD_SOCKSTAT);
        let error = result.created.expect_err("create must fail");
        println!(
            "create, failure at effect {index} `{}`: undone: [{}]",
            result.log[index].replace(&world.host_root.display().to_string(), "<host>"),
            undone(&world, &error)
        );
        assert_eq!(error.failure.step, result.log[index], "{error}");
        let undone: Vec<String> = error.undone.iter().map(ToString::to_string).collect();
        assert_eq!(undone, to_undo(&result.log, index));
        assert!(error.undo_failures.is_empty(), "{error}");
        assert_eq!(result.after_create.0, before.0, "files left: {error}");
        assert_eq!(result.after_create.1, before.1, "ZFS left: {error}");
        assert!(result.state.is_empty(), "{:?}: {error}", result.state);
    }

    // A failure at each effect of start: everything start did undone.
    let start_undo = expected_start_undo();
    assert_eq!(start_undo.len(), expected_log().len() - CREATE_EFFECTS);
    for index in CREATE_EFFECTS..expected_log().len() {
        let world = World::new(parent, pool);
        let zfs = make(&world);
        let witness_before = zfs.witness();
        let result = run(&world, &zfs, &[index], GOOD_SOCKSTAT);
        result.created.as_ref().unwrap();
        assert_eq!(result.after_destroy.as_ref(), Some(&witness_before));
        let error = result.started.unwrap().expect_err("start must fail");
        println!(
            "start, failure at effect {index} `{}`: undone: [{}]",
            result.log[index].replace(&world.host_root.display().to_string(), "<host>"),
            undone(&world, &error)
        );
        let root = format!("{}/cagebun/cages/rabbit/root", world.host_root.display());
        let then: Vec<String> = result.log[index + 1..]
            .iter()
            .map(|line| line.replace(&root, "<root>"))
            .collect();
        let (expected_undone, expected_then) = &start_undo[index - CREATE_EFFECTS];
        assert_eq!(undone(&world, &error), *expected_undone, "{error}");
        assert_eq!(then, *expected_then, "{error}");
        assert!(error.undo_failures.is_empty(), "{error}");
        assert_eq!(result.after_all, result.after_create, "{error}");
        let state = &result.state;
        assert!(state.aliases.is_empty(), "{state:?}: {error}");
        assert!(state.devfs.is_empty(), "{state:?}: {error}");
        assert!(state.jails.is_empty(), "{state:?}: {error}");
        assert!(state.processes.is_empty(), "{state:?}: {error}");
        assert_eq!(state.packages.len(), 2, "create's packages stay: {state:?}");
    }
}

/// A throwaway pool holding the release snapshot and the cages' parent,
/// destroyed on drop even when the test fails.
struct ReleasePool {
    pool: TestPool,
}

impl ReleasePool {
    fn create() -> Option<Self> {
        let pool = TestPool::create("cbapply", "")?;
        let name = pool.name();
        let release = format!("{name}/cagebun/releases/{RELEASE}");
        let release_mount = format!("/run/{name}-release");
        let mountpoint = format!("mountpoint={release_mount}");
        must_run(&["zfs", "create", "-p", "-o", &mountpoint, &release]);
        let etc = Path::new(&release_mount).join("etc");
        write(&etc.join("passwd"), "root:*:0:0:Charlie &:/root:/bin/sh\n");
        write(&etc.join("group"), "wheel:*:0:root\nrabbitmq:*:135:\n");
        must_run(&["zfs", "snapshot", &format!("{release}@base")]);
        must_run(&["zfs", "create", &format!("{name}/cagebun/cages")]);
        Some(ReleasePool { pool })
    }

    fn name(&self) -> &str {
        self.pool.name()
    }
}

impl Drop for ReleasePool {
    fn drop(&mut self) {
        // The pool itself goes with `TestPool`'s own guard.
        let _ = std::fs::remove_dir_all(format!("/run/{}-release", self.name()));
    }
}

/// ZFS for real, with zfs(8) as the witness.
struct RealZfs {
    effects: LibzfsEffects,
    pool: String,
}

impl ZfsWorld for RealZfs {
    fn effects(&self) -> &dyn ZfsEffects {
        &self.effects
    }

    fn witness(&self) -> String {
        let list = must_run(&[
            "zfs",
            "list",
            "-H",
            "-r",
            "-t",
            "all",
            "-o",
            "name,mounted,mountpoint",
            &self.pool,
        ]);
        let props = must_run(&[
            "zfs",
            "get",
            "-H",
            "-r",
            "-s",
            "local",
            "-o",
            "name,property,value",
            "all",
            &self.pool,
        ]);
        format!("{list}{props}")
    }
}

#[test]
fn every_failure_is_undone_with_real_zfs() {
    let Some(pool) = ReleasePool::create() else {
        return;
    };
    check_every_failure(Path::new("/run"), pool.name(), |_| RealZfs {
        effects: LibzfsEffects::open().unwrap(),
        pool: pool.name().to_owned(),
    });
}

#[test]
fn every_failure_is_undone_without_zfs() {
    check_every_failure(&std::env::temp_dir(), "standin", stand_in_zfs);
}

/// A world without ZFS with its stand-ins, for the tests below.
fn stand_in_host<'a>(
    world: &World,
    zfs: &'a DirectoryZfs,
    files: &'a Counted<'a, RootedFiles>,
    system: &'a RecordingSystem<'a>,
) -> CageHost<'a> {
    world.host(zfs, files, system)
}

#[test]
fn a_listener_on_the_wildcard_fails_the_start_and_stops_everything() {
    let world = World::new(&std::env::temp_dir(), "standin");
    let zfs = stand_in_zfs(&world);
    let wildcard =
        format!("{GOOD_SOCKSTAT}rabbitmq beam.smp   1201  30 tcp46  *:15672               *:*\n");
    let result = run(&world, &zfs, &[], &wildcard);
    result.created.unwrap();
    let error = result
        .started
        .unwrap()
        .expect_err("the audit must fail the start");
    assert_eq!(
        error.to_string(),
        "rabbit: start failed at `/usr/bin/sockstat -46l -j 1`: port audit of jail 1: \
         unexpected listeners: *:15672 beam.smp reachable on 127.0.0.7 ::7 2001:db8::7 (public); \
         undone: /usr/sbin/service spiped stop, jail stop rabbit (jid 1)"
    );
    assert!(result.state.aliases.is_empty() && result.state.jails.is_empty());
    assert!(result.state.processes.is_empty() && result.state.devfs.is_empty());
}

#[test]
fn an_undo_that_fails_is_reported_and_the_others_still_run() {
    let world = World::new(&std::env::temp_dir(), "standin");
    let zfs = stand_in_zfs(&world);
    // Effect 3 (the third property) fails; the first undo (effect 4,
    // inheriting the second property) fails too.
    let result = run(&world, &zfs, &[3, 4], GOOD_SOCKSTAT);
    let error = result.created.expect_err("create must fail");
    assert_eq!(
        error.to_string(),
        "rabbit: create failed at `zfs set org.cagebun:jail_name=rabbit standin/cagebun/cages/rabbit`: \
         injected failure of effect 3; \
         undone: zfs inherit org.cagebun:config_format standin/cagebun/cages/rabbit, \
         zfs destroy standin/cagebun/cages/rabbit; \
         undo failed: zfs inherit org.cagebun:hostname standin/cagebun/cages/rabbit: \
         injected failure of effect 4"
    );
    // The destroy took the property with it.
    assert!(
        !zfs.0
            .datasets()
            .contains_key("standin/cagebun/cages/rabbit")
    );
}

#[test]
fn stop_start_restart_and_destroy_with_confirmation() {
    let world = World::new(&std::env::temp_dir(), "standin");
    let zfs = stand_in_zfs(&world);
    let tree_before = world.tree();
    let datasets_before = zfs.0.datasets();
    let counter = EffectCounter::new();
    let files = Counted {
        inner: RootedFiles,
        counter: &counter,
    };
    let mut system = RecordingSystem::new(&counter);
    system.sockstat_output = GOOD_SOCKSTAT.to_owned();
    let host = stand_in_host(&world, &zfs.0, &files, &system);
    let cage = world.cage();
    apply::create(&cage, &host).unwrap();
    let props = zfs.0.datasets()["standin/cagebun/cages/rabbit"]
        .properties
        .clone();
    assert_eq!(props["org.cagebun:jail_name"], "rabbit");
    assert_eq!(props["org.cagebun:release"], RELEASE);
    assert_eq!(props["org.cagebun:spec.chunks"], "1");
    assert_eq!(props.len(), 11, "{props:?}");

    // Start, restart, stop.
    let running = apply::start(&cage, &host).unwrap();
    let found = apply::find_running(&cage, &host).unwrap().unwrap();
    assert_eq!(found, running);
    let running = apply::restart(running, &cage, &host).unwrap();
    assert_eq!(running.jail.jid.get(), 2);
    apply::stop(running, &host).unwrap();
    assert!(system.state().jails.is_empty() && system.state().aliases.is_empty());
    assert!(system.state().processes.is_empty());

    // Destroy: refused without the name, done with it.
    let running = apply::start(&cage, &host).unwrap();
    let refused = apply::destroy(&cage, &host, &DestroyConfirmation::new("rabit"));
    assert!(matches!(refused, Err(DestroyError::NotConfirmed { .. })));
    assert_eq!(
        refused.unwrap_err().to_string(),
        "rabbit: destroy not confirmed: got \"rabit\", type the cage's name"
    );
    assert_eq!(apply::find_running(&cage, &host).unwrap(), Some(running));
    apply::destroy(&cage, &host, &DestroyConfirmation::new("rabbit")).unwrap();
    let state = system.state();
    assert!(state.jails.is_empty() && state.aliases.is_empty() && state.devfs.is_empty());
    assert!(state.processes.is_empty());
    assert_eq!(zfs.0.datasets(), datasets_before);
    // Left on purpose: the mountpoint's parents and the host's package.
    let mut expected_tree = tree_before;
    expected_tree.insert("cagebun".into(), "dir 755 0:0".into());
    expected_tree.insert("cagebun/cages".into(), "dir 755 0:0".into());
    for dir in [
        "usr",
        "usr/local",
        "usr/local/etc",
        "usr/local/etc/spiped",
        "etc/rc.conf.d",
    ] {
        expected_tree.insert(dir.into(), "dir 755 0:0".into());
    }
    assert_eq!(world.tree(), expected_tree);
    assert!(state.packages.contains("host spiped"));
}

/// Create with a spiped key already at its place: the error, or `None`,
/// and whether the host root and ZFS are as before.
fn create_with_key(key: &[u8], mode: u32) -> (Option<String>, bool, Vec<u8>) {
    use std::os::unix::fs::PermissionsExt;
    let world = World::new(&std::env::temp_dir(), "standin");
    let zfs = stand_in_zfs(&world);
    let key_path = world.host_root.join("usr/local/etc/spiped/rabbit.key");
    write(&key_path, "");
    std::fs::write(&key_path, key).unwrap();
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(mode)).unwrap();
    let before = (world.tree(), zfs.witness());
    let counter = EffectCounter::new();
    let files = Counted {
        inner: RootedFiles,
        counter: &counter,
    };
    let system = RecordingSystem::new(&counter);
    let host = stand_in_host(&world, &zfs.0, &files, &system);
    let error = apply::create(&world.cage(), &host).err().map(|e| {
        assert!(e.undo_failures.is_empty(), "{e}");
        e.to_string()
            .replace(&world.host_root.display().to_string(), "<host>")
    });
    let unchanged = (world.tree(), zfs.witness()) == before && system.state().is_empty();
    (error, unchanged, std::fs::read(&key_path).unwrap())
}

#[test]
fn an_existing_key_too_short_or_readable_by_others_fails_create_and_is_undone() {
    let failure = "rabbit: create failed at `write /usr/local/etc/spiped/rabbit.key`: \
        <host>/usr/local/etc/spiped/rabbit.key: spiped key";
    let jail_root = "<host>/cagebun/cages/rabbit/root";
    let conf = format!("{jail_root}/usr/local/etc/rabbitmq");
    let undone = format!(
        "undone: /usr/sbin/pkg delete -y spiped, rm {jail_root}/etc/rc.conf, \
         rm {conf}/erl_inetrc, rm {conf}/enabled_plugins, rm {conf}/rabbitmq.config, \
         rm {conf}/rabbitmq-env.conf, rmdir {conf}, rmdir {jail_root}/usr/local/etc, \
         rmdir {jail_root}/usr/local, rmdir {jail_root}/usr, \
         /usr/sbin/pkg -c {jail_root} delete -y rabbitmq, \
         zfs unmount standin/cagebun/cages/rabbit/root, \
         zfs destroy standin/cagebun/cages/rabbit/root, \
         zfs unmount standin/cagebun/cages/rabbit, rmdir <host>/cagebun/cages/rabbit, \
         rmdir <host>/cagebun/cages, rmdir <host>/cagebun, {}\
         zfs destroy standin/cagebun/cages/rabbit",
        [
            "spec.chunks",
            "spec.0",
            "release",
            "rabbitmq_version",
            "public_address",
            "private_ipv6",
            "private_ipv4",
            "jail_name",
            "hostname",
            "config_format",
        ]
        .map(|p| format!("zfs inherit org.cagebun:{p} standin/cagebun/cages/rabbit, "))
        .concat()
    );

    let (error, unchanged, key) = create_with_key(&[7; 16], 0o600);
    assert_eq!(
        error.as_deref(),
        Some(format!("{failure} of 16 bytes, at least 32 needed; {undone}").as_str())
    );
    assert!(unchanged, "{error:?}");
    assert_eq!(key, [7; 16]);

    let (error, unchanged, key) = create_with_key(&[7; 32], 0o640);
    assert_eq!(
        error.as_deref(),
        Some(
            format!("{failure} has mode 0640; group and others must not read it; {undone}")
                .as_str()
        )
    );
    assert!(unchanged, "{error:?}");
    assert_eq!(key, [7; 32]);

    let (error, _, key) = create_with_key(&[7; 32], 0o400);
    assert_eq!(error, None);
    assert_eq!(key, [7; 32], "a good key is kept as it is");
}
