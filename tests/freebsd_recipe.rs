//! The whole recipe on a real FreeBSD host: fetch a release from a local
//! mirror, create the cage, start it (the start audits the listening
//! ports), speak AMQP to the broker through spiped, stop, destroy, and check
//! that nothing is left.
//!
//! Runs only on FreeBSD, as root, with the `freebsd-recipe` feature (the
//! body needs `cagebun::apply`) and these variables:
//!
//! - `CAGEBUN_RELEASE_MIRROR`: a directory laid out as FreeBSD's mirrors,
//!   `<dir>/releases/amd64/amd64/<release>/{MANIFEST,base.txz}`;
//! - `CAGEBUN_RELEASE` (default `14.3-RELEASE`): the release it holds;
//! - `CAGEBUN_TEST_POOL_DIR` (default `/var/tmp`): where the file-backed
//!   pool's vdev goes.
//!
//! ```text
//! cargo test --features freebsd-recipe --test freebsd_recipe -- --include-ignored
//! ```
//!
//! The pool is made on a 4 GiB sparse file and destroyed in a guard, with
//! every dataset in it, whatever happens.

#[test]
#[cfg_attr(not(target_os = "freebsd"), ignore = "needs FreeBSD")]
fn whole_recipe_on_a_file_backed_pool() {
    #[cfg(feature = "freebsd-recipe")]
    recipe::run();
    #[cfg(not(feature = "freebsd-recipe"))]
    println!("skipped: built without the freebsd-recipe feature");
}

#[cfg(feature = "freebsd-recipe")]
mod recipe {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command};
    use std::time::Duration;

    use cagebun::CageSpec;
    use cagebun::apply::{
        self, Cage, CageHost, DestroyConfirmation, HostPkg, LibzfsEffects, RootedFiles, SystemHost,
    };
    use cagebun::names::{AbsolutePath, DatasetName, FreebsdRelease, InterfaceName};
    use cagebun::release::{Arch, DirectoryTarget, DistSite, ReleaseInstaller, ReleaseName};

    const POOL: &str = "cbrecipe";
    /// Local port of the test's own spiped client pipe.
    const CLIENT_PORT: u16 = 25_672 + 10_000;

    fn run_ok(args: &[&str]) -> String {
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

    /// The pool, destroyed with everything in it on drop.
    struct Pool {
        vdev: PathBuf,
    }

    impl Drop for Pool {
        fn drop(&mut self) {
            let _ = Command::new("zpool").args(["destroy", "-f", POOL]).status();
            let _ = std::fs::remove_file(&self.vdev);
        }
    }

    /// A process this test started, ended by its id on drop.
    struct Started(Child);

    impl Drop for Started {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    pub fn run() {
        assert_eq!(run_ok(&["id", "-u"]).trim(), "0", "the recipe needs root");
        let mirror = std::env::var("CAGEBUN_RELEASE_MIRROR")
            .expect("CAGEBUN_RELEASE_MIRROR names the local mirror directory");
        let release = std::env::var("CAGEBUN_RELEASE").unwrap_or_else(|_| "14.3-RELEASE".into());
        let pool_dir = std::env::var("CAGEBUN_TEST_POOL_DIR").unwrap_or_else(|_| "/var/tmp".into());

        let vdev = Path::new(&pool_dir).join(format!("{POOL}.img"));
        std::fs::File::create(&vdev)
            .unwrap()
            .set_len(4 << 30)
            .unwrap();
        let _pool = Pool { vdev: vdev.clone() };
        run_ok(&[
            "zpool",
            "create",
            "-O",
            &format!("mountpoint=/{POOL}"),
            POOL,
            vdev.to_str().unwrap(),
        ]);

        // Fetch: the release from the local mirror into <pool>/cagebun/releases/<release>@base.
        let releases = format!("{POOL}/cagebun/releases");
        let release_ds = format!("{releases}/{release}");
        run_ok(&["zfs", "create", "-p", &release_ds]);
        let download = Path::new(&pool_dir).join(format!("{POOL}-dist"));
        std::fs::create_dir_all(&download).unwrap();
        let name = ReleaseName::new(&release).unwrap();
        let arch = Arch::new("amd64").unwrap();
        let site = DistSite::for_release(&mirror, &name, &arch).unwrap();
        let mut target = DirectoryTarget::new(format!("/{POOL}/cagebun/releases/{release}"));
        ReleaseInstaller::new(name, arch, site, &download)
            .install(&mut target)
            .unwrap();
        // The jail resolves the package repository through the host's servers.
        std::fs::copy(
            "/etc/resolv.conf",
            format!("/{POOL}/cagebun/releases/{release}/etc/resolv.conf"),
        )
        .unwrap();
        run_ok(&["zfs", "snapshot", &format!("{release_ds}@base")]);

        // The recipe's cage, on this pool, its public address on lo0.
        let mut spec = CageSpec {
            release: FreebsdRelease::new(&release).unwrap(),
            ..CageSpec::default()
        };
        spec.dataset.name = DatasetName::new(&format!("{POOL}/cagebun/cages/rabbit")).unwrap();
        spec.dataset.mountpoint = AbsolutePath::new(&format!("/{POOL}/cages/rabbit")).unwrap();
        spec.public.interface = InterfaceName::new("lo0").unwrap();
        spec.public.address = "fd00:cb::7".parse().unwrap();
        spec.public.prefix_len = 128;
        let cage = Cage::from_spec(&spec).unwrap();
        let zfs = LibzfsEffects::open().unwrap();
        let host = CageHost {
            zfs: &zfs,
            files: &RootedFiles,
            system: &SystemHost,
            packages: &HostPkg,
            host_root: PathBuf::from("/"),
            releases: zfsctl::DatasetName::new(releases.clone()).unwrap(),
        };

        // Create and start; start runs the port audit and fails on a stray listener.
        apply::create(&cage, &host).unwrap();
        let running = apply::start(&cage, &host).unwrap();
        assert!(running.jail.jid.get() > 0);

        // AMQP through spiped: our own client pipe to the cage's server pipe.
        let key = spec.spiped.key.to_string();
        let client = Command::new("spiped")
            .args(["-F", "-e", "-s", &format!("[::1]:{CLIENT_PORT}")])
            .args([
                "-t",
                &format!("[{}]:{}", spec.public.address, spec.rabbitmq.listeners.amqp),
            ])
            .args(["-k", &key])
            .spawn()
            .expect("spiped client");
        let client = Started(client);
        let reply = amqp_protocol_reply(SocketAddr::from((
            std::net::Ipv6Addr::LOCALHOST,
            CLIENT_PORT,
        )));
        // Connection.Start: a method frame (type 1) on channel 0, class 10, method 10.
        assert_eq!(reply[0], 1, "frame type: {reply:02x?}");
        assert_eq!(&reply[1..3], &[0, 0], "channel: {reply:02x?}");
        assert_eq!(
            &reply[7..11],
            &[0, 10, 0, 10],
            "class and method: {reply:02x?}"
        );
        drop(client);

        // Stop and destroy; then nothing of the cage is left.
        apply::stop(running, &host).unwrap();
        apply::destroy(&cage, &host, &DestroyConfirmation::new("rabbit")).unwrap();
        let left = run_ok(&[
            "zfs",
            "list",
            "-H",
            "-t",
            "all",
            "-o",
            "name",
            "-r",
            &format!("{POOL}/cagebun/cages"),
        ]);
        assert_eq!(left, format!("{POOL}/cagebun/cages\n"));
        assert!(
            !Command::new("jls")
                .args(["-j", "rabbit"])
                .status()
                .unwrap()
                .success()
        );
        assert!(!Path::new(&key).exists(), "{key} is left");
        assert!(!Path::new("/etc/rc.conf.d/spiped").exists());
    }

    /// Sends the AMQP 0-9-1 protocol header and returns the first bytes the
    /// broker answers, retrying while it starts.
    fn amqp_protocol_reply(addr: SocketAddr) -> Vec<u8> {
        let mut last_error = String::new();
        for _ in 0..60 {
            match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
                Ok(mut stream) => {
                    stream
                        .set_read_timeout(Some(Duration::from_secs(10)))
                        .unwrap();
                    stream.write_all(b"AMQP\x00\x00\x09\x01").unwrap();
                    let mut reply = vec![0u8; 11];
                    match stream.read_exact(&mut reply) {
                        Ok(()) => return reply,
                        Err(e) => last_error = e.to_string(),
                    }
                }
                Err(e) => last_error = e.to_string(),
            }
            std::thread::sleep(Duration::from_secs(2));
        }
        panic!("no AMQP reply from {addr}: {last_error}");
    }
}
