//! The jail the default cage starts, as jailctl's jail(8) layer is asked
//! for it: every command and kernel call, in order, for start and stop.

use std::path::PathBuf;

use cagebun::CageSpec;
use cagebun::apply::recording::DirectoryZfs;
use cagebun::apply::{
    self, Cage, CageHost, EffectError, HostPkg, JailAbiPkg, PackageCommands, PackageTarget,
    RootedFiles,
};
use cagebun::pkg::AddressFamilies;
use jailctl::jail8::lifecycle::KernelParam;
use jailctl::jail8::recording::{Operation, RecordingHost};
use zfsctl::DatasetName;

fn run(line: &str) -> Operation {
    Operation::Run(line.split(' ').map(str::to_owned).collect())
}

fn exec(argv: &[&str]) -> Operation {
    Operation::Exec(1, argv.iter().map(|w| (*w).to_owned()).collect(), false)
}

#[test]
fn default_cage_starts_and_stops_its_jail_with_these_calls() {
    let cage = Cage::from_spec(&CageSpec::default()).unwrap();
    let system = RecordingHost::new(1);
    let zfs = DirectoryZfs::new();
    let host = CageHost {
        zfs: &zfs,
        files: &RootedFiles,
        system: &system,
        packages: &HostPkg,
        host_root: PathBuf::from("/"),
        releases: DatasetName::new("zroot/cagebun/releases").unwrap(),
    };
    let running = apply::start(&cage, &host).unwrap();
    apply::stop(running, &host).unwrap();
    let param = |name: &str, value: &str| KernelParam::new(name, value);
    assert_eq!(
        system.operations(),
        [
            run("/sbin/ifconfig lo0 inet 127.0.0.7/32 alias"),
            run("/sbin/ifconfig lo0 inet6 ::7/128 alias"),
            run("/sbin/ifconfig em0 inet6 2001:db8::7/64 alias"),
            run("/sbin/mount -t devfs -oruleset=4 . /cagebun/cages/rabbit/root/dev"),
            Operation::Create(vec![
                param("name", "rabbit"),
                param("path", "/cagebun/cages/rabbit/root"),
                param("persist", "true"),
                param("ip4.addr", "127.0.0.7"),
                param("ip6.addr", "::7,2001:db8::7"),
                param("devfs_ruleset", "4"),
                param("host.hostname", "rabbit.example.org"),
                param("enforce_statfs", "2"),
                param("allow.raw_sockets", "false"),
            ]),
            exec(&["/bin/sh", "/etc/rc"]),
            run("/usr/sbin/service spiped start"),
            run("/usr/bin/sockstat -46l -j 1"),
            run("/usr/sbin/service spiped stop"),
            exec(&["/bin/sh", "/etc/rc.shutdown", "jail"]),
            Operation::Terminate(1, 10),
            Operation::Remove(1),
            run("/sbin/umount /cagebun/cages/rabbit/root/dev"),
            run("/sbin/ifconfig lo0 inet6 ::7/128 -alias"),
            run("/sbin/ifconfig em0 inet6 2001:db8::7/64 -alias"),
            run("/sbin/ifconfig lo0 inet 127.0.0.7/32 -alias"),
        ]
    );
}

#[test]
fn abi_aware_install_refuses_a_root_without_a_freebsd_userland() {
    let root = tempfile::tempdir().unwrap();
    let packages = JailAbiPkg {
        families: AddressFamilies {
            ipv4: true,
            ipv6: true,
        },
    };
    let error = packages
        .install(PackageTarget::Jail(root.path()), &["rabbitmq".to_owned()])
        .unwrap_err();
    assert!(matches!(error, EffectError::Pkg(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "{}/bin/freebsd-version: missing; \
             the root's userland version is unknown and the host's is not assumed",
            root.path().display()
        )
    );
    let host = packages
        .install(PackageTarget::Host, &["spiped".to_owned()])
        .unwrap();
    assert_eq!(host.argv(), ["/usr/sbin/pkg", "install", "-y", "spiped"]);
}
