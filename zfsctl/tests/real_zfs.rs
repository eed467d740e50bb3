//! Tests against a real OpenZFS kernel module.
//!
//! Each test skips, saying why, when `/dev/zfs` is absent, unless
//! `ZFSCTL_REQUIRE_ZFS=1` or `CAGEBUN_REQUIRE_ZFS=1` is set: then it fails.
//! Otherwise it makes its own pool on a sparse file under `/run`, named after
//! the test and the process, and destroys it in a guard even when the test
//! fails. Results are
//! read back through zfs(8), independently of the code under test.

use cagebun_test_support::{TestPool, run_checked as run};
use std::fs;
use std::path::PathBuf;

use zfsctl::{
    CreateKind, DatasetKind, DatasetName, Error, ProgramLimits, PropName, PropSource, UserProp, Zfs,
};

/// Datasets and paths inside a test pool.
trait PoolPaths {
    fn ds(&self, rel: &str) -> DatasetName;
    fn path(&self, rel: &str) -> PathBuf;
}

impl PoolPaths for TestPool {
    fn ds(&self, rel: &str) -> DatasetName {
        let full = if rel.is_empty() {
            self.name().to_owned()
        } else {
            format!("{}/{rel}", self.name())
        };
        DatasetName::new(full).unwrap()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.mountpoint().join(rel)
    }
}

/// `zfs get -Hp -o value,source PROP DATASET` as a pair.
fn zfs_get(prop: &str, ds: &DatasetName) -> (String, String) {
    let out = run(&["zfs", "get", "-Hp", "-o", "value,source", prop, ds.as_str()]);
    let line = out.trim_end_matches('\n');
    let (value, source) = line.split_once('\t').expect("two columns");
    (value.to_owned(), source.to_owned())
}

/// `zfs list -H -o name -r [-t TYPE] DATASET` as lines.
fn zfs_list(ds: &DatasetName, ty: &str) -> Vec<String> {
    let out = run(&[
        "zfs",
        "list",
        "-H",
        "-o",
        "name",
        "-r",
        "-t",
        ty,
        ds.as_str(),
    ]);
    out.lines().map(str::to_owned).collect()
}

fn pair(value: &str, source: &str) -> (String, String) {
    (value.to_owned(), source.to_owned())
}

#[test]
fn create_with_properties_and_read_them_back() {
    let Some(pool) = TestPool::create("zc", "create") else {
        return;
    };
    let zfs = Zfs::open().unwrap();
    let a = pool.ds("a");
    assert!(!zfs.exists(&a));

    // One call creates the dataset with native and user properties.
    let props = [
        ("compression", "lz4"),
        ("quota", "67108864"),
        ("org.example:ip6_addr", "2001:db8::5"),
    ];
    let ds = zfs.create(&a, CreateKind::Filesystem, &props).unwrap();
    assert!(zfs.exists(&a));
    assert_eq!(ds.kind(), DatasetKind::Filesystem);
    assert_eq!(zfs_get("compression", &a), pair("lz4", "local"));
    assert_eq!(zfs_get("quota", &a), pair("67108864", "local"));
    assert_eq!(
        zfs_get("org.example:ip6_addr", &a),
        pair("2001:db8::5", "local")
    );

    // Values and sources through zfsctl agree with zfs(8).
    let quota = ds.prop("quota").unwrap().unwrap();
    assert_eq!(
        (quota.as_u64(), quota.source),
        (Some(67_108_864), PropSource::Local)
    );
    let atime = ds.prop("atime").unwrap().unwrap();
    assert_eq!(
        (atime.value.as_str(), atime.source),
        ("on", PropSource::Default)
    );
    assert_eq!(zfs_get("atime", &a), pair("on", "default"));
    let used = ds.prop("used").unwrap().unwrap();
    assert_eq!(used.source, PropSource::None);
    assert_eq!(used.value, zfs_get("used", &a).0);
    assert_eq!(ds.prop("volsize").unwrap(), None);

    // A child inherits, and says from where.
    let b = pool.ds("a/b");
    let child = zfs.create(&b, CreateKind::Filesystem, &[]).unwrap();
    let inherited = format!("inherited from {a}");
    assert_eq!(zfs_get("compression", &b), pair("lz4", &inherited));
    let comp = child.prop("compression").unwrap().unwrap();
    assert_eq!(comp.source, PropSource::Inherited(a.to_string()));
    let ip = child
        .user_prop(&UserProp::new("org.example:ip6_addr").unwrap())
        .unwrap();
    assert_eq!(
        (ip.value.as_str(), ip.source),
        ("2001:db8::5", PropSource::Inherited(a.to_string()))
    );

    // A volume, with its size in the same call.
    let v = pool.ds("vol");
    let vol = zfs
        .create(&v, CreateKind::Volume { size: 16 << 20 }, &[])
        .unwrap();
    assert_eq!(vol.kind(), DatasetKind::Volume);
    assert_eq!(zfs_get("volsize", &v), pair("16777216", "local"));
    assert_eq!(zfs_get("type", &v).0, "volume");

    // Creating it again fails with libzfs's own error.
    let err = zfs.create(&a, CreateKind::Filesystem, &[]).unwrap_err();
    assert_eq!(
        err.libzfs_errno(),
        Some(zfsctl::LibzfsErrno::EXISTS),
        "{err}"
    );
    assert!(
        err.to_string().starts_with(&format!("{a}: zfs_create: ")),
        "{err}"
    );
}

#[test]
fn set_and_inherit_properties() {
    let Some(pool) = TestPool::create("zc", "props") else {
        return;
    };
    let zfs = Zfs::open().unwrap();
    let (p, c) = (pool.ds("p"), pool.ds("p/c"));
    let parent = zfs.create(&p, CreateKind::Filesystem, &[]).unwrap();
    let child = zfs.create(&c, CreateKind::Filesystem, &[]).unwrap();

    parent
        .set("org.freebsd.iocage:release", "14.2-RELEASE")
        .unwrap();
    parent.set("recordsize", "65536").unwrap();
    child
        .set("org.freebsd.iocage:release", "13.4-RELEASE")
        .unwrap();
    assert_eq!(
        zfs_get("org.freebsd.iocage:release", &p),
        pair("14.2-RELEASE", "local")
    );
    assert_eq!(
        zfs_get("org.freebsd.iocage:release", &c),
        pair("13.4-RELEASE", "local")
    );
    assert_eq!(
        zfs_get("recordsize", &c),
        pair("65536", &format!("inherited from {p}"))
    );

    // Inheriting the child's value reveals the parent's.
    child.inherit("org.freebsd.iocage:release").unwrap();
    let inherited = format!("inherited from {p}");
    assert_eq!(
        zfs_get("org.freebsd.iocage:release", &c),
        pair("14.2-RELEASE", &inherited)
    );
    // Inheriting at the top removes it.
    parent.inherit("org.freebsd.iocage:release").unwrap();
    assert_eq!(zfs_get("org.freebsd.iocage:release", &p), pair("-", "-"));
    let zfs2 = Zfs::open().unwrap();
    let reread = zfs2.dataset(&c).unwrap();
    assert_eq!(
        reread.user_prop(&UserProp::new("org.freebsd.iocage:release").unwrap()),
        None
    );

    // Bad names are refused before any call; a bad value by libzfs.
    assert!(matches!(
        child.set("org.example:IP", "x"),
        Err(Error::UserProp(_))
    ));
    assert!(matches!(
        child.set("no_such_prop", "x"),
        Err(Error::UnknownProperty(_))
    ));
    let err = child.set("compression", "bogus").unwrap_err();
    assert_eq!(
        err.libzfs_errno(),
        Some(zfsctl::LibzfsErrno::BADPROP),
        "{err}"
    );
    assert_eq!(zfs_get("compression", &c).0, zfs_get("compression", &p).0);
}

#[test]
fn snapshot_rollback_clone_promote() {
    let Some(pool) = TestPool::create("zc", "snap") else {
        return;
    };
    let zfs = Zfs::open().unwrap();
    let (a, a_sub) = (pool.ds("a"), pool.ds("a/sub"));
    let ds = zfs
        .create(&a, CreateKind::Filesystem, &[("org.example:keep", "yes")])
        .unwrap();
    zfs.create(&a_sub, CreateKind::Filesystem, &[]).unwrap();
    ds.mount().unwrap();
    fs::write(pool.path("a/file"), "one").unwrap();

    // A recursive snapshot covers the child too.
    let s1 = a.snapshot("s1").unwrap();
    zfs.snapshot(&s1, true, &[("org.example:why", "test")])
        .unwrap();
    let snaps = zfs_list(&a, "snapshot");
    assert_eq!(snaps, [format!("{a}@s1"), format!("{a_sub}@s1")]);
    assert_eq!(zfs_get("org.example:why", &s1), pair("test", "local"));
    assert_eq!(
        ds.snapshots()
            .unwrap()
            .iter()
            .map(|s| s.name().to_string())
            .collect::<Vec<_>>(),
        [s1.to_string()]
    );

    // Rollback restores the file.
    fs::write(pool.path("a/file"), "two").unwrap();
    ds.rollback(&s1).unwrap();
    assert_eq!(fs::read_to_string(pool.path("a/file")).unwrap(), "one");

    // A clone gets its own properties but not the origin's user properties.
    let c = pool.ds("clone");
    let snap = zfs.dataset(&s1).unwrap();
    let clone = snap.clone_to(&c, &[("org.example:role", "clone")]).unwrap();
    assert_eq!(zfs_get("origin", &c), pair(s1.as_str(), "-"));
    assert_eq!(zfs_get("org.example:role", &c), pair("clone", "local"));
    assert_eq!(zfs_get("org.example:keep", &c), pair("-", "-"));
    assert_eq!(
        zfs_get("org.example:keep", &s1),
        pair("yes", &format!("inherited from {a}"))
    );
    assert_eq!(
        clone.user_prop(&UserProp::new("org.example:keep").unwrap()),
        None
    );

    // Promotion moves the snapshot to the clone.
    clone.promote().unwrap();
    assert_eq!(zfs_get("origin", &a), pair(&format!("{c}@s1"), "-"));
    assert_eq!(zfs_get("origin", &c), pair("-", "-"));
}

#[test]
fn rename_mount_unmount() {
    let Some(pool) = TestPool::create("zc", "mount") else {
        return;
    };
    let zfs = Zfs::open().unwrap();
    let (old, new) = (pool.ds("old"), pool.ds("new"));
    let ds = zfs.create(&old, CreateKind::Filesystem, &[]).unwrap();
    assert_eq!(zfs_get("mounted", &old).0, "no");
    ds.mount().unwrap();
    assert!(ds.is_mounted());
    assert_eq!(zfs_get("mounted", &old), pair("yes", "-"));
    fs::write(pool.path("old/f"), "x").unwrap();

    let ds = ds.rename(&new).unwrap();
    assert_eq!(ds.name(), &new);
    assert_eq!(
        zfs_list(&pool.ds(""), "filesystem"),
        [pool.name().to_owned(), new.to_string()]
    );
    assert!(!zfs.exists(&old));
    assert_eq!(
        zfs_get("mountpoint", &new).0,
        format!("/run/{}/new", pool.name())
    );
    assert_eq!(fs::read_to_string(pool.path("new/f")).unwrap(), "x");

    ds.unmount().unwrap();
    assert!(!ds.is_mounted());
    assert_eq!(zfs_get("mounted", &new), pair("no", "-"));
}

#[test]
fn destroy_plain_recursive_and_pool_root() {
    let Some(pool) = TestPool::create("zc", "destroy") else {
        return;
    };
    let zfs = Zfs::open().unwrap();
    let (t, t_a, t_b) = (pool.ds("t"), pool.ds("t/a"), pool.ds("t/a/b"));
    zfs.create(&t, CreateKind::Filesystem, &[])
        .unwrap()
        .mount()
        .unwrap();
    zfs.create(&t_a, CreateKind::Filesystem, &[])
        .unwrap()
        .mount()
        .unwrap();
    zfs.create(&t_b, CreateKind::Volume { size: 8 << 20 }, &[])
        .unwrap();
    zfs.snapshot(&t.snapshot("s").unwrap(), true, &[]).unwrap();

    // Without `recursive` a parent is refused and nothing goes.
    let err = zfs.dataset(&t).unwrap().destroy(false).unwrap_err();
    assert!(
        matches!(&err, Error::HasDependents { dataset, children: 1, snapshots: 1 } if *dataset == t),
        "{err}"
    );
    assert_eq!(zfs_list(&t, "all").len(), 6);
    assert_eq!(zfs_get("mounted", &t), pair("yes", "-"));

    // A leaf goes without `recursive`.
    let leaf = pool.ds("t/leaf");
    zfs.create(&leaf, CreateKind::Filesystem, &[])
        .unwrap()
        .mount()
        .unwrap();
    zfs.dataset(&leaf).unwrap().destroy(false).unwrap();
    assert!(!zfs.exists(&leaf));
    assert_eq!(zfs_list(&t, "all").len(), 6);

    // The pool root is refused before any call.
    let root = zfs.dataset(&pool.ds("")).unwrap();
    assert!(matches!(root.destroy(true), Err(Error::PoolRoot(n)) if n.as_str() == pool.name()));
    assert!(zfs.exists(&t));

    // Recursive takes the tree with its snapshots.
    zfs.dataset(&t).unwrap().destroy(true).unwrap();
    assert_eq!(
        zfs_list(&pool.ds(""), "all"),
        std::slice::from_ref(&pool.name())
    );
}

#[test]
fn list_recursively_with_chosen_properties() {
    let Some(pool) = TestPool::create("zc", "list") else {
        return;
    };
    let zfs = Zfs::open().unwrap();
    let names = ["j", "j/b", "j/a", "j/a/x", "j/c"];
    for (i, rel) in names.iter().enumerate() {
        let release = format!("1{i}.0-RELEASE");
        let props = [("org.freebsd.iocage:release", release.as_str())];
        zfs.create(
            &pool.ds(rel),
            CreateKind::Filesystem,
            if *rel == "j/a/x" { &[] } else { &props },
        )
        .unwrap();
    }
    let j = pool.ds("j");
    let props = [
        PropName::parse("org.freebsd.iocage:release").unwrap(),
        PropName::parse("mountpoint").unwrap(),
        PropName::parse("org.freebsd.iocage:absent").unwrap(),
    ];
    let listed = zfs.dataset(&j).unwrap().list(true, &props).unwrap();

    // Same datasets, same order as zfs list -r.
    let got: Vec<String> = listed.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(got, zfs_list(&j, "filesystem"));
    assert_eq!(got.len(), 5);

    // Each value and source as zfs get reports it.
    for entry in &listed {
        for prop in ["org.freebsd.iocage:release", "mountpoint"] {
            let v = entry.get(prop).unwrap();
            let (value, source) = zfs_get(prop, &entry.name);
            assert_eq!(
                (v.value.clone(), v.source.to_string()),
                (value, source),
                "{} {prop}",
                entry.name
            );
        }
        assert_eq!(entry.get("org.freebsd.iocage:absent"), None);
    }
    let x = listed.iter().find(|e| e.name == pool.ds("j/a/x")).unwrap();
    let release = x.get("org.freebsd.iocage:release").unwrap();
    assert_eq!(
        (release.value.as_str(), &release.source),
        (
            "12.0-RELEASE",
            &PropSource::Inherited(pool.ds("j/a").to_string())
        )
    );

    // Not recursive: only the dataset itself.
    let one = zfs.dataset(&j).unwrap().list(false, &props).unwrap();
    assert_eq!(one.len(), 1);
    let children = zfs.dataset(&j).unwrap().children().unwrap();
    let mut child_names: Vec<String> = children.iter().map(|c| c.name().to_string()).collect();
    child_names.sort();
    assert_eq!(
        child_names,
        [
            pool.ds("j/a").to_string(),
            pool.ds("j/b").to_string(),
            pool.ds("j/c").to_string()
        ]
    );
}

#[test]
fn send_and_receive_full_and_incremental() {
    let Some(pool) = TestPool::create("zc", "send") else {
        return;
    };
    let zfs = Zfs::open().unwrap();
    let (src, dst) = (pool.ds("src"), pool.ds("dst"));
    zfs.create(&src, CreateKind::Filesystem, &[])
        .unwrap()
        .mount()
        .unwrap();
    fs::write(pool.path("src/data"), "first").unwrap();
    let s1 = src.snapshot("s1").unwrap();
    zfs.snapshot(&s1, false, &[]).unwrap();

    // Full stream through a file.
    let stream = PathBuf::from(format!("/run/{}-full.zstream", pool.name()));
    zfs.send(&s1, None, fs::File::create(&stream).unwrap())
        .unwrap();
    let full_len = fs::metadata(&stream).unwrap().len();
    assert!(full_len > 0);
    zfs.receive(
        &dst.snapshot("s1").unwrap(),
        false,
        fs::File::open(&stream).unwrap(),
    )
    .unwrap();
    assert_eq!(zfs_list(&dst, "snapshot"), [format!("{dst}@s1")]);
    zfs.dataset(&dst).unwrap().mount().unwrap();
    assert_eq!(fs::read_to_string(pool.path("dst/data")).unwrap(), "first");

    // Incremental stream from s1 to s2.
    fs::write(pool.path("src/data"), "second").unwrap();
    let s2 = src.snapshot("s2").unwrap();
    zfs.snapshot(&s2, false, &[]).unwrap();
    let inc = PathBuf::from(format!("/run/{}-inc.zstream", pool.name()));
    zfs.dataset(&s2)
        .unwrap()
        .send(Some(&s1), fs::File::create(&inc).unwrap())
        .unwrap();
    zfs.receive(
        &dst.snapshot("s2").unwrap(),
        true,
        fs::File::open(&inc).unwrap(),
    )
    .unwrap();
    assert_eq!(
        zfs_list(&dst, "snapshot"),
        [format!("{dst}@s1"), format!("{dst}@s2")]
    );
    let dst_ds = zfs.dataset(&dst).unwrap();
    if !dst_ds.is_mounted() {
        dst_ds.mount().unwrap();
    }
    assert_eq!(fs::read_to_string(pool.path("dst/data")).unwrap(), "second");
    let _ = fs::remove_file(&stream);
    let _ = fs::remove_file(&inc);

    // Sending a dataset that is not a snapshot is refused before any call.
    assert!(matches!(
        zfs.send(&src, None, fs::File::create("/dev/null").unwrap()),
        Err(Error::WrongKind { .. })
    ));
}

#[test]
fn iocage_settings_round_trip() {
    use zfsctl::iocage::{IocageJail, IocageWarning};
    let Some(pool) = TestPool::create("zc", "iocage") else {
        return;
    };
    let zfs = Zfs::open().unwrap();
    let jail = pool.ds("iocage/jails/mq");
    run(&["zfs", "create", "-p", jail.as_str()]);

    // Properties as the shell version left them, written by zfs(8).
    let pool_jails = pool.ds("iocage/jails");
    run(&[
        "zfs",
        "set",
        "org.freebsd.iocage:release=10.3-RELEASE",
        jail.as_str(),
    ]);
    run(&[
        "zfs",
        "set",
        "org.freebsd.iocage:host_hostname=mq",
        jail.as_str(),
    ]);
    run(&[
        "zfs",
        "set",
        "org.freebsd.iocage:ip6_addr=em0|2001:db8::5",
        jail.as_str(),
    ]);
    run(&[
        "zfs",
        "set",
        "org.freebsd.iocage:host_hostuuid=mq",
        jail.as_str(),
    ]);
    run(&[
        "zfs",
        "set",
        "org.freebsd.iocage:type=jail",
        pool_jails.as_str(),
    ]);

    let ds = zfs.dataset(&jail).unwrap();
    let (mut settings, warnings) = IocageJail::read(&ds);
    assert_eq!(warnings, [IocageWarning::Missing("cloned_release")]);
    assert_eq!(settings.release(), Some("10.3-RELEASE"));
    assert_eq!(settings.cloned_release(), None);
    assert_eq!(settings.hostname(), Some("mq"));
    assert_eq!(settings.get("defaultrouter6"), Some("none"));
    assert_eq!(settings.get("type"), Some("jail"));

    // Writing back stores explicit values only and removes unset ones.
    settings
        .set("cloned_release", Some("10.3-RELEASE"))
        .unwrap();
    settings.set("ip6_addr", None).unwrap();
    settings.write(&ds).unwrap();
    assert_eq!(
        zfs_get("org.freebsd.iocage:cloned_release", &jail),
        pair("10.3-RELEASE", "local")
    );
    assert_eq!(
        zfs_get("org.freebsd.iocage:ip6_addr", &jail),
        pair("-", "-")
    );
    assert_eq!(
        zfs_get("org.freebsd.iocage:defaultrouter6", &jail),
        pair("-", "-")
    );
    assert_eq!(
        zfs_get("org.freebsd.iocage:release", &jail),
        pair("10.3-RELEASE", "local")
    );
}

/// Every user property of every filesystem under `root`, read with zfs(8):
/// names from `zfs list -r`, properties from `zfs get all` (local, inherited
/// and received ones; a user property name holds a `:`).
fn zfs_user_props(root: &DatasetName) -> Vec<(String, Vec<(String, String)>)> {
    let mut names = zfs_list(root, "filesystem");
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let out = run(&["zfs", "get", "-Hp", "-o", "property,value", "all", &name]);
            let mut props: Vec<(String, String)> = out
                .lines()
                .filter_map(|line| line.split_once('\t'))
                .filter(|(prop, _)| prop.contains(':'))
                .map(|(prop, value)| (prop.to_owned(), value.to_owned()))
                .collect();
            props.sort();
            (name, props)
        })
        .collect()
}

#[test]
fn user_props_of_a_tree_by_channel_program_equal_the_walk() {
    let Some(pool) = TestPool::create("zc", "cp") else {
        return;
    };
    let zfs = Zfs::open().unwrap();
    // Siblings whose names sort around `/`, a dataset without properties,
    // inherited values, and values with spaces, `=` and non-ASCII text.
    let tree: [(&str, &[(&str, &str)]); 7] = [
        (
            "t",
            &[
                ("cagebun.test:inherited", "from t"),
                ("cagebun.test:top", "1"),
            ],
        ),
        ("t/a", &[("cagebun.test:own", "a = b c")]),
        ("t/a/x", &[]),
        ("t/a/x/deep", &[("cagebun.test:own", "välue ünïcode")]),
        ("t/a-b", &[("cagebun.test:inherited", "overridden")]),
        ("t/b", &[("org.freebsd.iocage:release", "14.2-RELEASE")]),
        ("t/c", &[]),
    ];
    for (rel, props) in tree {
        zfs.create(&pool.ds(rel), CreateKind::Filesystem, props)
            .unwrap();
    }
    let root = pool.ds("t");

    // One program read everything, and it equals the walk exactly.
    let read = zfs
        .user_props_tree(&root, ProgramLimits::default())
        .unwrap();
    assert_eq!((read.programs, read.walks), (1, 0), "{read:?}");
    let walked = zfs.dataset(&root).unwrap().walk_user_props().unwrap();
    assert_eq!(read.datasets, walked);
    assert_eq!(zfs.user_props_recursive(&root).unwrap(), walked);

    // Both equal what zfs(8) reports, dataset by dataset.
    let mut as_strings: Vec<(String, Vec<(String, String)>)> = read
        .datasets
        .iter()
        .map(|(name, props)| {
            let props = props
                .iter()
                .map(|(p, v)| (p.as_str().to_owned(), v.clone()))
                .collect();
            (name.to_string(), props)
        })
        .collect();
    as_strings.sort();
    assert_eq!(as_strings, zfs_user_props(&root));
    let deep = &read.datasets[3];
    assert_eq!(deep.0, pool.ds("t/a/x/deep"));
    assert_eq!(
        deep.1
            .get(&UserProp::new("cagebun.test:inherited").unwrap()),
        Some(&"from t".to_owned())
    );

    // Small instruction limits make the read go in pages (the kernel checks
    // the limit every 100 instructions, so a small program still completes);
    // the result is the same.
    let mut paged_runs = 0;
    for instructions in [1, 100, 200, 400, 800, 1600, 3200, 6400, 12800] {
        let limits = ProgramLimits {
            instructions,
            ..ProgramLimits::default()
        };
        let paged = zfs.user_props_tree(&root, limits).unwrap();
        println!(
            "instruction limit {instructions}: {} programs, {} walks",
            paged.programs, paged.walks
        );
        assert_eq!(paged.datasets, walked, "instruction limit {instructions}");
        if paged.programs > 1 {
            paged_runs += 1;
        }
    }
    assert!(
        paged_runs > 0,
        "no instruction limit made the read go in pages"
    );

    // A memory limit no program fits in makes it fall back to the walk.
    let limits = ProgramLimits {
        memory: 1,
        ..ProgramLimits::default()
    };
    let walked_instead = zfs.user_props_tree(&root, limits).unwrap();
    println!("memory limit 1: {walked_instead:?}");
    assert_eq!((walked_instead.programs, walked_instead.walks), (0, 1));
    assert_eq!(walked_instead.datasets, walked);

    // A missing dataset is an error that names it.
    let missing = pool.ds("t/nonexistent");
    let err = zfs.user_props_recursive(&missing).unwrap_err();
    assert!(err.to_string().contains(missing.as_str()), "{err}");
}
