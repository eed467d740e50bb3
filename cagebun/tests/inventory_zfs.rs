//! The inventory read from a real pool, with zfs(8) as the witness.
//!
//! Skips, saying why, when `/dev/zfs` is absent, unless
//! `CAGEBUN_REQUIRE_ZFS=1` (then it fails). Makes its own pool on a sparse
//! file under `/run` and destroys it in a guard.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use cagebun::inventory::{RecordError, read_inventory};
use cagebun::{CageSpec, Step};
use zfsctl::{CreateKind, DatasetName, Zfs};

struct TestPool {
    name: String,
    vdev: PathBuf,
}

impl TestPool {
    fn create(tag: &str) -> Option<TestPool> {
        if !std::path::Path::new("/dev/zfs").exists() {
            assert!(
                std::env::var("CAGEBUN_REQUIRE_ZFS").as_deref() != Ok("1"),
                "CAGEBUN_REQUIRE_ZFS=1 but /dev/zfs is absent"
            );
            println!("skipped: /dev/zfs is absent (no ZFS kernel module)");
            return None;
        }
        let name = format!("cbi{}{tag}", std::process::id());
        let vdev = PathBuf::from(format!("/run/{name}.img"));
        fs::File::create(&vdev).unwrap().set_len(128 << 20).unwrap();
        let pool = TestPool { name, vdev };
        let mountpoint = format!("mountpoint=/run/{}", pool.name);
        run(&[
            "zpool",
            "create",
            "-O",
            &mountpoint,
            &pool.name,
            pool.vdev.to_str().unwrap(),
        ]);
        Some(pool)
    }
}

impl Drop for TestPool {
    fn drop(&mut self) {
        let status = Command::new("zpool")
            .args(["destroy", "-f", &self.name])
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("zpool destroy {} failed: {status:?}", self.name);
        }
        let _ = fs::remove_file(&self.vdev);
    }
}

fn run(args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("spawn");
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn cages_are_listed_from_zfs_alone() {
    let Some(pool) = TestPool::create("inv") else {
        return;
    };
    let parent = format!("{}/cagebun/cages", pool.name);
    run(&["zfs", "create", "-p", &parent]);
    // A value on the parent is inherited by every child, and must not make
    // a child a cage.
    run(&["zfs", "set", "org.cagebun:jail_name=inherited", &parent]);

    // The recipe's cage, created from the plan's own first step.
    let mut spec = CageSpec::default();
    spec.dataset.name = cagebun::names::DatasetName::new(&format!("{parent}/rabbit")).unwrap();
    spec.dataset.mountpoint =
        cagebun::names::AbsolutePath::new(&format!("/run/{}/cages/rabbit", pool.name)).unwrap();
    let plan = spec.plan().unwrap();
    let Step::CreateDataset { name, properties } = &plan.steps[0] else {
        panic!("step 0")
    };
    let zfs = Zfs::open().unwrap();
    let props: Vec<(&str, &str)> = properties
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    zfs.create(
        &DatasetName::new(name.as_str()).unwrap(),
        CreateKind::Filesystem,
        &props,
    )
    .unwrap();
    run(&["zfs", "create", &format!("{parent}/rabbit/root")]);

    // A second cage made by zfs(8) directly, IPv6-only, booting first.
    let mq2 = format!("{parent}/mq2");
    run(&[
        "zfs",
        "create",
        "-o",
        "org.cagebun:jail_name=mq2",
        "-o",
        "org.cagebun:hostname=mq2.example.org",
        "-o",
        "org.cagebun:release=13.2-RELEASE-p4",
        "-o",
        "org.cagebun:public_address=vtnet0|2001:db8::8/64",
        "-o",
        "org.cagebun:private_ipv6=lo1|fd00::8/128",
        "-o",
        "org.cagebun:rabbitmq_version=3.13.7",
        "-o",
        "org.cagebun:config_format=conf",
        "-o",
        "org.cagebun:priority=10",
        "-o",
        "org.cagebun:boot=on",
        &mq2,
    ]);
    // A child that is no cage.
    run(&["zfs", "create", &format!("{parent}/stray")]);

    let inventory = read_inventory(&zfs, &pool.name).unwrap();
    let names: Vec<(&str, &str)> = inventory
        .cages
        .iter()
        .map(|c| (c.dataset.as_str(), c.name.as_str()))
        .collect();
    let rabbit_ds = format!("{parent}/rabbit");
    assert_eq!(
        names,
        [(mq2.as_str(), "mq2"), (rabbit_ds.as_str(), "rabbit")]
    );
    assert_eq!(
        inventory.unreadable,
        [RecordError::Missing {
            dataset: format!("{parent}/stray"),
            property: "org.cagebun:jail_name",
        }]
    );

    // Witness: zfs(8) shows the same local values on exactly these two.
    let witness = run(&[
        "zfs",
        "get",
        "-H",
        "-r",
        "-d",
        "1",
        "-s",
        "local",
        "-o",
        "name,value",
        "org.cagebun:jail_name,org.cagebun:priority",
        &parent,
    ]);
    let expected = format!("{parent}\tinherited\n{mq2}\tmq2\n{mq2}\t10\n{rabbit_ds}\trabbit\n");
    let mut witness_lines: Vec<&str> = witness.lines().collect();
    witness_lines.sort();
    let mut expected_lines: Vec<&str> = expected.lines().collect();
    expected_lines.sort();
    assert_eq!(witness_lines, expected_lines);

    let rabbit = &inventory.cages[1];
    assert_eq!(rabbit.public, spec.public);
    assert_eq!(rabbit.private, spec.private);
    assert_eq!(rabbit.release, spec.release);
    assert_eq!(
        rabbit.mountpoint.as_deref(),
        Some(spec.dataset.mountpoint.to_string().as_str())
    );
    assert_eq!((rabbit.priority, rabbit.boot), (99, false));
    let mq = &inventory.cages[0];
    assert_eq!(mq.private.ipv4, None);
    assert_eq!(mq.private.ipv6, Some("fd00::8".parse().unwrap()));
    assert_eq!(mq.private.interface.as_str(), "lo1");
    assert_eq!(mq.release.as_str(), "13.2-RELEASE-p4");
    assert_eq!((mq.priority, mq.boot), (10, true));
    assert_eq!(
        mq.mountpoint.as_deref(),
        Some(format!("/run/{}/cagebun/cages/mq2", pool.name).as_str())
    );
}

#[test]
fn pool_without_cages_dataset_is_an_empty_inventory() {
    let Some(pool) = TestPool::create("empty") else {
        return;
    };
    let zfs = Zfs::open().unwrap();
    let inventory = read_inventory(&zfs, &pool.name).unwrap();
    assert!(inventory.cages.is_empty() && inventory.unreadable.is_empty());
}
