//! The ABI of a jail root's userland and the `pkg install` command built
//! from it: synthetic ELF images laid out by elf(5), and FreeBSD executables
//! linked here with `zig cc` whose notes `readelf -n` reads independently.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use cagebun::names::PackageName;
use cagebun::pkg::{
    AddressFamilies, ElfAbiError, FreebsdArch, JailAbi, PkgError, PkgInstall, ResolvConfError,
    RootMode, UserlandVersion, UserlandVersionError, parse_freebsd_version_script,
    read_elf_abi_tag,
};

/// One note: owner name (without NUL), type, descriptor.
type Note<'a> = (&'a str, u32, Vec<u8>);

/// How to lay out a synthetic ELF image.
struct ElfLayout {
    is_64: bool,
    big_endian: bool,
    machine: u16,
    flags: u32,
    /// Notes reached through a `PT_NOTE` program header, or through an
    /// `SHT_NOTE` section when false.
    program_headers: bool,
    /// Alignment of the note region: entries padded to it (4 or 8).
    align: u64,
}

impl ElfLayout {
    fn amd64() -> Self {
        ElfLayout {
            is_64: true,
            big_endian: false,
            machine: 62,
            flags: 0,
            program_headers: true,
            align: 4,
        }
    }
}

struct Writer {
    bytes: Vec<u8>,
    big_endian: bool,
}

impl Writer {
    fn u16(&mut self, v: u16) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }
    fn u64(&mut self, v: u64) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }
    fn word(&mut self, is_64: bool, v: u64) {
        if is_64 {
            self.u64(v)
        } else {
            self.u32(u32::try_from(v).unwrap())
        }
    }
    fn pad_to(&mut self, align: usize) {
        while !self.bytes.len().is_multiple_of(align) {
            self.bytes.push(0);
        }
    }
}

/// Lays out an ELF image by elf(5): header, one program header or two
/// section headers (null and note), then the notes.
fn elf_image(layout: &ElfLayout, notes: &[Note<'_>]) -> Vec<u8> {
    let is_64 = layout.is_64;
    let pad = usize::try_from(layout.align).unwrap();
    let mut region = Writer {
        bytes: Vec::new(),
        big_endian: layout.big_endian,
    };
    for (name, kind, desc) in notes {
        region.u32(u32::try_from(name.len() + 1).unwrap());
        region.u32(u32::try_from(desc.len()).unwrap());
        region.u32(*kind);
        region.bytes.extend_from_slice(name.as_bytes());
        region.bytes.push(0);
        region.pad_to(pad);
        region.bytes.extend_from_slice(desc);
        region.pad_to(pad);
    }
    let (ehsize, phentsize, shentsize) = if is_64 {
        (64u64, 56u64, 64u64)
    } else {
        (52, 32, 40)
    };
    let notes_offset = if layout.program_headers {
        ehsize + phentsize
    } else {
        ehsize
    };
    let notes_offset = notes_offset.div_ceil(8) * 8;
    let region_len = region.bytes.len() as u64;
    let shoff = (notes_offset + region_len).div_ceil(8) * 8;

    let mut w = Writer {
        bytes: Vec::new(),
        big_endian: layout.big_endian,
    };
    w.bytes.extend_from_slice(b"\x7fELF");
    w.bytes.push(if is_64 { 2 } else { 1 });
    w.bytes.push(if layout.big_endian { 2 } else { 1 });
    w.bytes.push(1); // EI_VERSION
    w.bytes.push(9); // EI_OSABI: ELFOSABI_FREEBSD
    w.bytes.resize(16, 0);
    w.u16(2); // e_type: ET_EXEC
    w.u16(layout.machine);
    w.u32(1); // e_version
    w.word(is_64, 0); // e_entry
    w.word(is_64, if layout.program_headers { ehsize } else { 0 }); // e_phoff
    w.word(is_64, if layout.program_headers { 0 } else { shoff }); // e_shoff
    w.u32(layout.flags);
    w.u16(u16::try_from(ehsize).unwrap());
    w.u16(u16::try_from(phentsize).unwrap());
    w.u16(u16::from(layout.program_headers));
    w.u16(u16::try_from(shentsize).unwrap());
    w.u16(if layout.program_headers { 0 } else { 2 });
    w.u16(0); // e_shstrndx
    assert_eq!(w.bytes.len() as u64, ehsize);
    if layout.program_headers {
        w.u32(4); // PT_NOTE
        if is_64 {
            w.u32(4); // p_flags
        }
        w.word(is_64, notes_offset);
        w.word(is_64, 0);
        w.word(is_64, 0);
        w.word(is_64, region_len);
        w.word(is_64, region_len);
        if !is_64 {
            w.u32(4);
        }
        w.word(is_64, layout.align);
    }
    w.bytes.resize(usize::try_from(notes_offset).unwrap(), 0);
    w.bytes.extend_from_slice(&region.bytes);
    if !layout.program_headers {
        w.bytes.resize(usize::try_from(shoff).unwrap(), 0);
        w.bytes
            .resize(w.bytes.len() + usize::try_from(shentsize).unwrap(), 0);
        w.u32(0); // sh_name
        w.u32(7); // SHT_NOTE
        w.word(is_64, 2); // sh_flags: SHF_ALLOC
        w.word(is_64, 0); // sh_addr
        w.word(is_64, notes_offset);
        w.word(is_64, region_len);
        w.u32(0); // sh_link
        w.u32(0); // sh_info
        w.word(is_64, layout.align);
        w.word(is_64, 0); // sh_entsize
    }
    w.bytes
}

fn abi_tag_note(osversion: u32, big_endian: bool) -> Note<'static> {
    let desc = if big_endian {
        osversion.to_be_bytes()
    } else {
        osversion.to_le_bytes()
    };
    ("FreeBSD", 1, desc.to_vec())
}

fn freebsd_version_script(userland: &str) -> String {
    format!(
        "#!/bin/sh\n#\nset -ef\n\nUSERLAND_VERSION=\"{userland}\"\n\n\
         userland_version() {{\n\techo $USERLAND_VERSION\n}}\n"
    )
}

/// A root with the given files; `None` leaves a file out.
fn make_root(
    userland: Option<&str>,
    shell: Option<&[u8]>,
    resolv: Option<&str>,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("bin")).unwrap();
    fs::create_dir_all(root.join("etc")).unwrap();
    if let Some(v) = userland {
        fs::write(root.join("bin/freebsd-version"), freebsd_version_script(v)).unwrap();
    }
    if let Some(sh) = shell {
        fs::write(root.join("bin/sh"), sh).unwrap();
    }
    if let Some(text) = resolv {
        fs::write(root.join("etc/resolv.conf"), text).unwrap();
    }
    dir
}

fn packages(names: &[&str]) -> Vec<PackageName> {
    names.iter().map(|n| PackageName::new(n).unwrap()).collect()
}

const IPV6_ONLY: AddressFamilies = AddressFamilies {
    ipv4: false,
    ipv6: true,
};
const DUAL_STACK: AddressFamilies = AddressFamilies {
    ipv4: true,
    ipv6: true,
};

fn amd64_sh(osversion: u32) -> Vec<u8> {
    elf_image(&ElfLayout::amd64(), &[abi_tag_note(osversion, false)])
}

#[test]
fn thirteen_two_root_gets_its_own_abi_not_the_hosts() {
    let dir = make_root(
        Some("13.2-RELEASE-p4"),
        Some(&amd64_sh(1_302_001)),
        Some("nameserver 2001:db8::53\n"),
    );
    let root = dir.path();
    let install =
        PkgInstall::prepare(root, RootMode::Chroot, &packages(&["rabbitmq"]), IPV6_ONLY).unwrap();
    assert_eq!(
        install.abi,
        JailAbi {
            userland: UserlandVersion {
                major: 13,
                minor: 2,
                branch: "RELEASE".to_owned(),
                patch: Some(4)
            },
            osversion: 1_302_001,
            arch: FreebsdArch::Amd64,
        }
    );
    assert_eq!(install.abi.abi_string(), "FreeBSD:13:amd64");
    assert_eq!(
        install.to_string(),
        format!(
            "env ABI=FreeBSD:13:amd64 OSVERSION=1302001 pkg -c {} install -y rabbitmq",
            root.display()
        )
    );
    let command = install.command();
    assert_eq!(command.get_program(), "env");
    let args: Vec<String> = command
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        args,
        [
            "ABI=FreeBSD:13:amd64".to_owned(),
            "OSVERSION=1302001".to_owned(),
            "pkg".to_owned(),
            "-c".to_owned(),
            root.display().to_string(),
            "install".to_owned(),
            "-y".to_owned(),
            "rabbitmq".to_owned(),
        ]
    );
}

#[test]
fn rootdir_mode_uses_dash_r_and_keeps_package_order() {
    let dir = make_root(
        Some("14.3-RELEASE"),
        Some(&amd64_sh(1_403_000)),
        Some("nameserver 192.0.2.53\n"),
    );
    let install = PkgInstall::prepare(
        dir.path(),
        RootMode::Rootdir,
        &packages(&["spiped", "rabbitmq", "erlang-runtime26"]),
        DUAL_STACK,
    )
    .unwrap();
    assert_eq!(
        install.to_string(),
        format!(
            "env ABI=FreeBSD:14:amd64 OSVERSION=1403000 pkg -r {} install -y spiped rabbitmq erlang-runtime26",
            dir.path().display()
        )
    );
}

#[test]
fn root_without_freebsd_version_is_refused_not_given_the_hosts_abi() {
    let dir = make_root(None, Some(&amd64_sh(1_302_001)), Some("nameserver ::1\n"));
    let err = PkgInstall::prepare(
        dir.path(),
        RootMode::Chroot,
        &packages(&["rabbitmq"]),
        IPV6_ONLY,
    )
    .unwrap_err();
    match err {
        PkgError::MissingUserlandVersion { path } => {
            assert_eq!(path, dir.path().join("bin/freebsd-version"));
        }
        other => panic!("expected MissingUserlandVersion, got {other:?}"),
    }
}

#[test]
fn script_and_shell_of_different_majors_are_refused() {
    let dir = make_root(
        Some("13.2-RELEASE"),
        Some(&amd64_sh(1_400_500)),
        Some("nameserver ::1\n"),
    );
    let err = JailAbi::read(dir.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: bin/freebsd-version says 13.2-RELEASE but bin/sh is tagged OSVERSION 1400500 (major 14)",
            dir.path().display()
        )
    );
}

#[test]
fn symbolic_link_for_bin_sh_is_refused() {
    let dir = make_root(Some("13.2-RELEASE"), None, Some("nameserver ::1\n"));
    symlink("/bin/sh", dir.path().join("bin/sh")).unwrap();
    match JailAbi::read(dir.path()).unwrap_err() {
        PkgError::NotRegularFile { path, found } => {
            assert_eq!(path, dir.path().join("bin/sh"));
            assert_eq!(found, "symbolic link");
        }
        other => panic!("expected NotRegularFile, got {other:?}"),
    }
}

#[test]
fn symbolic_link_for_bin_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = make_root(Some("13.2-RELEASE"), Some(&amd64_sh(1_302_001)), None);
    symlink(real.path().join("bin"), dir.path().join("bin")).unwrap();
    match JailAbi::read(dir.path()).unwrap_err() {
        PkgError::NotRegularFile { path, .. } => {
            assert_eq!(path, dir.path().join("bin/freebsd-version"));
        }
        other => panic!("expected NotRegularFile, got {other:?}"),
    }
}

#[test]
fn ipv6_only_cage_with_only_ipv4_nameservers_is_refused() {
    let dir = make_root(
        Some("13.2-RELEASE-p4"),
        Some(&amd64_sh(1_302_001)),
        Some("# resolvconf\nsearch example.org\nnameserver 192.0.2.1\nnameserver 198.51.100.2\n"),
    );
    let err = PkgInstall::prepare(
        dir.path(),
        RootMode::Chroot,
        &packages(&["rabbitmq"]),
        IPV6_ONLY,
    )
    .unwrap_err();
    match err {
        PkgError::ResolvConf { path, source } => {
            assert_eq!(path, dir.path().join("etc/resolv.conf"));
            assert_eq!(
                source,
                ResolvConfError::NoReachableNameserver {
                    families: "IPv6 only",
                    found: vec![
                        "192.0.2.1".parse().unwrap(),
                        "198.51.100.2".parse().unwrap()
                    ],
                }
            );
        }
        other => panic!("expected ResolvConf, got {other:?}"),
    }
}

#[test]
fn missing_resolv_conf_is_refused() {
    let dir = make_root(Some("13.2-RELEASE-p4"), Some(&amd64_sh(1_302_001)), None);
    let err = PkgInstall::prepare(
        dir.path(),
        RootMode::Chroot,
        &packages(&["rabbitmq"]),
        DUAL_STACK,
    )
    .unwrap_err();
    match err {
        PkgError::MissingResolvConf { path } => {
            assert_eq!(path, dir.path().join("etc/resolv.conf"))
        }
        other => panic!("expected MissingResolvConf, got {other:?}"),
    }
}

#[test]
fn empty_package_list_and_relative_root_are_refused() {
    let dir = make_root(
        Some("13.2-RELEASE"),
        Some(&amd64_sh(1_302_001)),
        Some("nameserver ::1\n"),
    );
    assert!(matches!(
        PkgInstall::prepare(dir.path(), RootMode::Chroot, &[], DUAL_STACK),
        Err(PkgError::NoPackages { .. })
    ));
    assert!(matches!(
        PkgInstall::prepare(
            Path::new("jails/mq"),
            RootMode::Chroot,
            &packages(&["x"]),
            DUAL_STACK
        ),
        Err(PkgError::RootNotAbsolute { .. })
    ));
}

#[test]
fn freebsd_version_script_is_parsed_exactly() {
    let parse = |v: &str| parse_freebsd_version_script(&freebsd_version_script(v));
    assert_eq!(
        parse("13.2-RELEASE-p4").unwrap(),
        UserlandVersion {
            major: 13,
            minor: 2,
            branch: "RELEASE".to_owned(),
            patch: Some(4)
        }
    );
    assert_eq!(
        parse("15.0-CURRENT").unwrap(),
        UserlandVersion {
            major: 15,
            minor: 0,
            branch: "CURRENT".to_owned(),
            patch: None
        }
    );
    assert_eq!(parse("14.2-RC1").unwrap().branch, "RC1");
    assert_eq!(
        parse("13.2-RELEASE-p4").unwrap().to_string(),
        "13.2-RELEASE-p4"
    );
    for bad in [
        "13.2",
        "13-RELEASE",
        "13.2-release",
        "13.2-RELEASE-p",
        "13.2-RELEASE-x4",
        "1x.2-RELEASE",
    ] {
        assert_eq!(
            parse(bad).unwrap_err(),
            UserlandVersionError::Malformed {
                value: bad.to_owned()
            },
            "{bad}"
        );
    }
    assert_eq!(
        parse_freebsd_version_script("#!/bin/sh\necho $USERLAND_VERSION\n").unwrap_err(),
        UserlandVersionError::AssignmentCount { found: 0 }
    );
    let twice = "USERLAND_VERSION=\"13.2-RELEASE\"\nUSERLAND_VERSION=\"14.1-RELEASE\"\n";
    assert_eq!(
        parse_freebsd_version_script(twice).unwrap_err(),
        UserlandVersionError::AssignmentCount { found: 2 }
    );
}

#[test]
fn elf_machines_byte_orders_and_layouts() {
    let cases: [(ElfLayout, FreebsdArch); 6] = [
        (
            ElfLayout {
                is_64: false,
                machine: 3,
                ..ElfLayout::amd64()
            },
            FreebsdArch::I386,
        ),
        (
            ElfLayout {
                machine: 183,
                ..ElfLayout::amd64()
            },
            FreebsdArch::Aarch64,
        ),
        (
            ElfLayout {
                big_endian: true,
                machine: 21,
                ..ElfLayout::amd64()
            },
            FreebsdArch::Powerpc64,
        ),
        (
            ElfLayout {
                machine: 21,
                ..ElfLayout::amd64()
            },
            FreebsdArch::Powerpc64le,
        ),
        (
            ElfLayout {
                is_64: false,
                big_endian: true,
                machine: 20,
                ..ElfLayout::amd64()
            },
            FreebsdArch::Powerpc,
        ),
        (
            ElfLayout {
                machine: 243,
                flags: 0x5,
                ..ElfLayout::amd64()
            },
            FreebsdArch::Riscv64,
        ),
    ];
    for (layout, arch) in cases {
        for program_headers in [true, false] {
            let layout = ElfLayout {
                program_headers,
                ..layout
            };
            let image = elf_image(&layout, &[abi_tag_note(1_302_001, layout.big_endian)]);
            let tag = read_elf_abi_tag(&image).unwrap();
            assert_eq!(
                (tag.osversion, tag.arch),
                (1_302_001, arch),
                "{arch} {program_headers}"
            );
            assert_eq!(tag.major(), 13);
        }
    }
}

#[test]
fn abi_tag_is_found_after_other_notes_in_an_eight_aligned_region() {
    let layout = ElfLayout {
        align: 8,
        ..ElfLayout::amd64()
    };
    let notes = [
        ("GNU", 5, vec![0xaa; 12]),
        ("FreeBSD", 4, vec![0, 0, 0, 0]),
        abi_tag_note(1_500_018, false),
    ];
    assert_eq!(
        read_elf_abi_tag(&elf_image(&layout, &notes))
            .unwrap()
            .osversion,
        1_500_018
    );
}

#[test]
fn refusals_name_what_was_found() {
    assert_eq!(
        read_elf_abi_tag(b"#!/bin/sh\n").unwrap_err(),
        ElfAbiError::NotElf {
            start: b"#!/b".to_vec()
        }
    );
    let arm = elf_image(
        &ElfLayout {
            is_64: false,
            machine: 40,
            flags: 0x0500_0400,
            ..ElfLayout::amd64()
        },
        &[abi_tag_note(1_302_001, false)],
    );
    assert_eq!(
        read_elf_abi_tag(&arm).unwrap_err(),
        ElfAbiError::UnsupportedMachine {
            machine: 40,
            bits: 32,
            flags: 0x0500_0400
        }
    );
    let soft_float = elf_image(
        &ElfLayout {
            machine: 243,
            flags: 0x1,
            ..ElfLayout::amd64()
        },
        &[abi_tag_note(1_302_001, false)],
    );
    assert_eq!(
        read_elf_abi_tag(&soft_float).unwrap_err(),
        ElfAbiError::UnsupportedMachine {
            machine: 243,
            bits: 64,
            flags: 0x1
        }
    );
    let no_tag = elf_image(&ElfLayout::amd64(), &[("NetBSD", 1, vec![1, 2, 3, 4])]);
    assert_eq!(
        read_elf_abi_tag(&no_tag).unwrap_err(),
        ElfAbiError::NoAbiTag
    );
    let mut cut = amd64_sh(1_302_001);
    cut.truncate(70);
    assert_eq!(
        read_elf_abi_tag(&cut).unwrap_err(),
        ElfAbiError::Truncated {
            what: "program header",
            offset: 64,
            len: 70
        }
    );
    let mut bad_class = amd64_sh(1_302_001);
    bad_class[4] = 3;
    assert_eq!(
        read_elf_abi_tag(&bad_class).unwrap_err(),
        ElfAbiError::BadClass(3)
    );
}

/// The ABI tag `readelf -n` shows: the descriptor bytes of the `FreeBSD`
/// note of type 1 (readelf calls it `NT_VERSION`), read little-endian.
fn readelf_abi_tag(path: &Path) -> Option<u32> {
    let out = Command::new("readelf").arg("-n").arg(path).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"FreeBSD") && words.get(2) == Some(&"NT_VERSION") {
            let data = lines.next()?.split_once("description data:")?.1;
            let bytes: Vec<u8> = data
                .split_whitespace()
                .map(|b| u8::from_str_radix(b, 16).unwrap())
                .collect();
            return Some(u32::from_le_bytes(bytes.try_into().ok()?));
        }
    }
    None
}

/// Links a minimal C program for `target` with `python3 -m ziglang cc`.
fn zig_freebsd_executable(target: &str, out: &Path) -> Result<(), String> {
    let source = out.with_extension("c");
    fs::write(&source, "int main(void) { return 0; }\n").unwrap();
    let status = Command::new("python3")
        .args(["-m", "ziglang", "cc", "-target", target, "-o"])
        .arg(out)
        .arg(&source)
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !status.status.success() {
        return Err(String::from_utf8_lossy(&status.stderr).into_owned());
    }
    Ok(())
}

#[test]
fn linked_freebsd_executables_agree_with_readelf() {
    let dir = tempfile::tempdir().unwrap();
    for (target, arch) in [
        ("x86_64-freebsd", FreebsdArch::Amd64),
        ("aarch64-freebsd", FreebsdArch::Aarch64),
    ] {
        let exe = dir.path().join(target);
        if let Err(why) = zig_freebsd_executable(target, &exe) {
            println!("skipped: cannot link a FreeBSD executable with zig: {why}");
            return;
        }
        let Some(witness) = readelf_abi_tag(&exe) else {
            println!("skipped: readelf -n did not show a FreeBSD ABI tag");
            return;
        };
        let tag = read_elf_abi_tag(&fs::read(&exe).unwrap()).unwrap();
        assert_eq!((tag.osversion, tag.arch), (witness, arch), "{target}");

        // The same executable as a root's bin/sh gives that root's ABI.
        let major = witness / 100_000;
        let minor = witness / 1000 % 100;
        let root = make_root(
            Some(&format!("{major}.{minor}-RELEASE")),
            Some(&fs::read(&exe).unwrap()),
            Some("nameserver 2001:db8::53\n"),
        );
        let install = PkgInstall::prepare(
            root.path(),
            RootMode::Chroot,
            &packages(&["rabbitmq"]),
            IPV6_ONLY,
        )
        .unwrap();
        assert_eq!(
            install.to_string(),
            format!(
                "env ABI=FreeBSD:{major}:{arch} OSVERSION={witness} pkg -c {} install -y rabbitmq",
                root.path().display()
            )
        );
    }
}
