//! Expected values below follow the kernel's own rules: names and limits as
//! the `security.jail.param` sysctls declare them, value layout as
//! jail_set(2) reads it.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;
use crate::iovec::{IovecPair, JailIovecs};
use crate::probe::{ParamProbe, check_against_kernel};
use crate::spec::{JailSpec, SetMode};

fn pairs_of(params: &[Param]) -> Vec<(Vec<u8>, Option<Vec<u8>>, usize)> {
    let mut iov = JailIovecs::new();
    for p in params {
        iov.push_param(p);
    }
    iov.pairs()
        .into_iter()
        .map(|IovecPair { name, value, len }| (name.to_vec(), value.map(<[u8]>::to_vec), len))
        .collect()
}

fn one(param: Param) -> (Vec<u8>, Option<Vec<u8>>, usize) {
    let pairs = pairs_of(&[param]);
    assert_eq!(pairs.len(), 2, "one parameter and errmsg");
    pairs[0].clone()
}

fn p(name: &str, value: Value) -> Param {
    Param::new(name, value).unwrap()
}

// Iovec layout.

#[test]
#[cfg(target_endian = "little")]
fn int_goes_out_as_four_native_bytes() {
    let got = one(p("securelevel", Value::Int(2)));
    assert_eq!(got, (b"securelevel\0".to_vec(), Some(vec![2, 0, 0, 0]), 4));
    let got = one(p("securelevel", Value::Int(-1)));
    assert_eq!(got.1, Some(vec![0xff, 0xff, 0xff, 0xff]));
}

#[test]
#[cfg(target_endian = "little")]
fn unsigned_long_and_64_bit_values_keep_native_layout() {
    let got = one(p("host.hostid", Value::Ulong(0x0102_0304_0506_0708)));
    assert_eq!(
        got,
        (
            b"host.hostid\0".to_vec(),
            Some(vec![8, 7, 6, 5, 4, 3, 2, 1]),
            8
        )
    );
    let got = one(p("x.uint_param", Value::Uint(0x0a0b_0c0d)));
    assert_eq!(
        got,
        (
            b"x.uint_param\0".to_vec(),
            Some(vec![0x0d, 0x0c, 0x0b, 0x0a]),
            4
        )
    );
    let got = one(p("x.long_param", Value::Long(-2)));
    assert_eq!(
        got.1,
        Some(vec![0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    );
    let got = one(p("x.quad_param", Value::Int64(1 << 40)));
    assert_eq!(got.1, Some(vec![0, 0, 0, 0, 0, 1, 0, 0]));
}

#[test]
fn string_goes_out_with_its_nul() {
    let got = one(p("host.hostname", Value::String("mq.example.org".into())));
    assert_eq!(
        got,
        (
            b"host.hostname\0".to_vec(),
            Some(b"mq.example.org\0".to_vec()),
            15
        )
    );
}

#[test]
fn booleans_are_names_with_a_null_value() {
    let cases = [
        ("persist", true, &b"persist\0"[..]),
        ("persist", false, &b"nopersist\0"[..]),
        ("allow.raw_sockets", true, &b"allow.raw_sockets\0"[..]),
        ("allow.raw_sockets", false, &b"allow.noraw_sockets\0"[..]),
        ("allow.mount.nullfs", false, &b"allow.mount.nonullfs\0"[..]),
        ("ip6.saddrsel", false, &b"ip6.nosaddrsel\0"[..]),
    ];
    for (name, value, wire) in cases {
        assert_eq!(
            one(p(name, Value::Bool(value))),
            (wire.to_vec(), None, 0),
            "{name}={value}"
        );
    }
}

#[test]
fn no_form_is_stored_as_the_positive_name() {
    let param = p("allow.noraw_sockets", Value::Bool(true));
    assert_eq!(param.name(), "allow.raw_sockets");
    assert_eq!(param.value(), &Value::Bool(false));
    assert_eq!(param.wire_name(), "allow.noraw_sockets");
    let param = p("nopersist", Value::Bool(false));
    assert_eq!(
        (param.name(), param.value()),
        ("persist", &Value::Bool(true))
    );
}

#[test]
#[cfg(target_endian = "little")]
fn jailsys_is_an_int_zero_one_or_two() {
    assert_eq!(
        one(p("vnet", Value::JailSys(JailSys::New))).1,
        Some(vec![1, 0, 0, 0])
    );
    assert_eq!(
        one(p("ip4", Value::JailSys(JailSys::Inherit))).1,
        Some(vec![2, 0, 0, 0])
    );
    assert_eq!(
        one(p("sysvshm", Value::JailSys(JailSys::Disable))).1,
        Some(vec![0, 0, 0, 0])
    );
}

#[test]
fn ipv4_list_is_packed_in_network_order_primary_first() {
    let addrs = Ipv4Addrs::new([Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(10, 0, 0, 1)]).unwrap();
    let got = one(addrs.into());
    assert_eq!(
        got,
        (
            b"ip4.addr\0".to_vec(),
            Some(vec![192, 0, 2, 10, 10, 0, 0, 1]),
            8
        )
    );
}

#[test]
fn ipv6_list_is_packed_sixteen_bytes_each_in_order() {
    let first: Ipv6Addr = "fd00::53".parse().unwrap();
    let second: Ipv6Addr = "2001:db8::1".parse().unwrap();
    let got = one(Ipv6Addrs::new([first, second]).unwrap().into());
    let mut expected = vec![0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53];
    expected.extend([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(got, (b"ip6.addr\0".to_vec(), Some(expected), 32));
}

#[test]
fn empty_address_list_has_length_zero() {
    let got = one(Ipv4Addrs::new([]).unwrap().into());
    assert_eq!(got, (b"ip4.addr\0".to_vec(), Some(vec![]), 0));
}

#[test]
fn errmsg_is_appended_last_with_1024_bytes() {
    let pairs = pairs_of(&[p("persist", Value::Bool(true))]);
    assert_eq!(
        pairs.last().unwrap(),
        &(b"errmsg\0".to_vec(), Some(vec![0; 1024]), 1024)
    );
}

#[test]
fn iovec_array_has_two_entries_per_pair_and_null_for_booleans() {
    let spec = JailSpec::new()
        .hostname(Hostname::new("mq").unwrap())
        .persist(true);
    let mut iov = spec.to_iovecs();
    let raw = iov.iovecs();
    let lens: Vec<usize> = raw.iter().map(|v| v.iov_len).collect();
    assert_eq!(lens, vec![14, 3, 8, 0, 7, 1024]);
    assert!(raw[3].iov_base.is_null());
    assert!(!raw[1].iov_base.is_null());
}

#[test]
fn lengths_written_back_are_taken_and_capped() {
    let mut iov = JailIovecs::new();
    iov.push_out("host.hostname", 256).unwrap();
    iov.push_out("ip4.addr", 8).unwrap();
    let mut raw = iov.iovecs();
    raw[1].iov_len = 3;
    raw[3].iov_len = 4096;
    iov.take_lengths(&raw);
    assert_eq!(iov.value("host.hostname").map(<[u8]>::len), Some(3));
    assert_eq!(iov.value("ip4.addr").map(<[u8]>::len), Some(8));
    assert_eq!(iov.errmsg(), None);
}

#[test]
fn iovecs_print_like_jail_verbose() {
    let spec = JailSpec::new()
        .name(JailName::new("mq").unwrap())
        .ip4_addrs(
            Ipv4Addrs::new([Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(10, 0, 0, 1)]).unwrap(),
        )
        .allow(Allow::MountNullfs, false)
        .persist(true);
    assert_eq!(
        spec.to_iovecs().to_string(),
        "name=mq ip4.addr=192.0.2.10,10.0.0.1 allow.mount.nonullfs persist"
    );
}

// Reading values back.

#[test]
#[cfg(target_endian = "little")]
fn decode_reads_what_jail_get_returns() {
    assert_eq!(
        Value::decode(ParamType::Bool, &[1, 0, 0, 0]),
        Some(Value::Bool(true))
    );
    assert_eq!(
        Value::decode(ParamType::Bool, &[0, 0, 0, 0]),
        Some(Value::Bool(false))
    );
    let inherit = ParamType::JailSys { disable: false };
    assert_eq!(
        Value::decode(inherit, &[2, 0, 0, 0]),
        Some(Value::JailSys(JailSys::Inherit))
    );
    assert_eq!(Value::decode(inherit, &[3, 0, 0, 0]), None);
    let s = ParamType::String { max_len: Some(255) };
    assert_eq!(
        Value::decode(s, b"mq\0junk"),
        Some(Value::String("mq".into()))
    );
    assert_eq!(
        Value::decode(ParamType::Ipv4Addrs, &[192, 0, 2, 10, 10, 0, 0, 1]),
        Some(Value::Ipv4(vec![
            Ipv4Addr::new(192, 0, 2, 10),
            Ipv4Addr::new(10, 0, 0, 1)
        ]))
    );
    assert_eq!(Value::decode(ParamType::Ipv6Addrs, &[0; 17]), None);
    assert_eq!(Value::decode(ParamType::Int, &[1, 0]), None);
}

// Names.

#[test]
fn jail_name_with_dots_is_refused() {
    assert_eq!(
        JailName::new("mq.example.org"),
        Err(ParamError::InvalidJailName {
            name: "mq.example.org".into(),
            problem: NameProblem::Dot
        })
    );
    assert_eq!(
        JailName::new("mq_example_org").unwrap().as_str(),
        "mq_example_org"
    );
}

#[test]
fn jail_name_rules() {
    let problem = |name: &str| match JailName::new(name) {
        Err(ParamError::InvalidJailName { problem, .. }) => Some(problem),
        _ => None,
    };
    assert_eq!(problem(""), Some(NameProblem::Empty));
    assert_eq!(problem("1234"), Some(NameProblem::Numeric));
    assert_eq!(problem("a\0b"), Some(NameProblem::Nul));
    assert_eq!(problem(&"a".repeat(256)), Some(NameProblem::TooLong));
    assert_eq!(problem(&"a".repeat(255)), None);
    assert_eq!(problem("12ab"), None);
}

#[test]
fn hierarchical_names_check_every_component() {
    assert_eq!(HierarchicalName::new("web.db").unwrap().as_str(), "web.db");
    let problem = |name: &str| match HierarchicalName::new(name) {
        Err(ParamError::InvalidJailName { problem, .. }) => Some(problem),
        _ => None,
    };
    assert_eq!(problem("web..db"), Some(NameProblem::EmptyComponent));
    assert_eq!(problem("web.42"), Some(NameProblem::Numeric));
    assert_eq!(problem(".web"), Some(NameProblem::EmptyComponent));
    assert!(matches!(
        Param::new("name", Value::String("7".into())),
        Err(ParamError::InvalidJailName { .. })
    ));
}

// Limits.

#[test]
fn hostname_up_to_255_bytes_is_accepted_256_refused() {
    assert!(Hostname::new(&"a".repeat(64)).is_ok());
    assert!(Hostname::new(&"a".repeat(255)).is_ok());
    assert_eq!(
        Hostname::new(&"a".repeat(256)),
        Err(ParamError::TooLong {
            param: "host.hostname".into(),
            len: 256,
            max: 255
        })
    );
    assert_eq!(
        Hostname::new(""),
        Err(ParamError::Empty {
            param: "host.hostname".into()
        })
    );
    assert_eq!(
        Param::new("host.domainname", Value::String("d".repeat(256))),
        Err(ParamError::TooLong {
            param: "host.domainname".into(),
            len: 256,
            max: 255
        })
    );
}

#[test]
fn string_limits_of_path_uuid_and_osrelease() {
    assert!(JailPath::new("/".repeat(1023)).is_ok());
    assert_eq!(
        JailPath::new("/".repeat(1024)),
        Err(ParamError::TooLong {
            param: "path".into(),
            len: 1024,
            max: 1023
        })
    );
    assert_eq!(
        Param::new("host.hostuuid", Value::String("u".repeat(64))),
        Err(ParamError::TooLong {
            param: "host.hostuuid".into(),
            len: 64,
            max: 63
        })
    );
    assert!(OsRelease::new(&"r".repeat(31)).is_ok());
    assert_eq!(
        OsRelease::new(&"r".repeat(32)),
        Err(ParamError::TooLong {
            param: "osrelease".into(),
            len: 32,
            max: 31
        })
    );
    assert_eq!(
        OsRelease::new(""),
        Err(ParamError::Empty {
            param: "osrelease".into()
        })
    );
}

#[test]
fn integer_ranges() {
    let range = |param: &str, value, min, max| {
        Some(ParamError::OutOfRange {
            param: param.into(),
            value,
            min,
            max,
        })
    };
    assert_eq!(
        EnforceStatfs::new(3).err(),
        range("enforce_statfs", 3, 0, 2)
    );
    assert_eq!(
        EnforceStatfs::new(-1).err(),
        range("enforce_statfs", -1, 0, 2)
    );
    assert_eq!(
        (0..=2)
            .map(|v| EnforceStatfs::new(v).unwrap().get())
            .sum::<i32>(),
        3
    );
    assert_eq!(Securelevel::new(4).err(), range("securelevel", 4, -1, 3));
    assert_eq!(Securelevel::new(-2).err(), range("securelevel", -2, -1, 3));
    assert_eq!(Securelevel::new(-1).unwrap().get(), -1);
    assert_eq!(
        DevfsRuleset::new(65536).err(),
        range("devfs_ruleset", 65536, 0, 65535)
    );
    assert_eq!(DevfsRuleset::new(65535).unwrap().get(), 65535);
    assert_eq!(
        ChildrenMax::new(-1).err(),
        range("children.max", -1, 0, i32::MAX as i64)
    );
    assert_eq!(
        OsRelDate::new(0).err(),
        range("osreldate", 0, 1, i32::MAX as i64)
    );
    assert_eq!(
        Param::new("jid", Value::Int(-3)).err(),
        range("jid", -3, 0, i32::MAX as i64)
    );
}

#[test]
fn disable_is_refused_for_vnet_and_host_only() {
    for name in ["vnet", "host"] {
        assert_eq!(
            Param::new(name, Value::JailSys(JailSys::Disable)),
            Err(ParamError::DisableRefused { param: name.into() })
        );
    }
    assert!(Param::new("ip4", Value::JailSys(JailSys::Disable)).is_ok());
    assert!(Param::new("ip6", Value::JailSys(JailSys::Disable)).is_ok());
}

#[test]
fn a_boolean_never_takes_an_int() {
    assert_eq!(
        Param::new("persist", Value::Int(0)),
        Err(ParamError::TypeMismatch {
            param: "persist".into(),
            expected: ParamType::Bool,
            got: Value::Int(0)
        })
    );
}

#[test]
fn addresses_the_kernel_refuses() {
    let v4 = |a: [u8; 4]| Ipv4Addr::from(a);
    assert_eq!(
        Ipv4Addrs::new([v4([0, 0, 0, 0])]),
        Err(ParamError::InvalidAddress {
            param: "ip4.addr".into(),
            addr: "0.0.0.0".into()
        })
    );
    assert_eq!(
        Ipv4Addrs::new([v4([255, 255, 255, 255])]),
        Err(ParamError::InvalidAddress {
            param: "ip4.addr".into(),
            addr: "255.255.255.255".into()
        })
    );
    assert_eq!(
        Ipv4Addrs::new([v4([192, 0, 2, 1]), v4([10, 0, 0, 1]), v4([192, 0, 2, 1])]),
        Err(ParamError::DuplicateAddress {
            param: "ip4.addr".into(),
            addr: "192.0.2.1".into()
        })
    );
    assert_eq!(
        Ipv6Addrs::new([Ipv6Addr::UNSPECIFIED]),
        Err(ParamError::InvalidAddress {
            param: "ip6.addr".into(),
            addr: "::".into()
        })
    );
    assert_eq!(
        Ipv6Addrs::new([Ipv6Addr::LOCALHOST, Ipv6Addr::LOCALHOST]),
        Err(ParamError::DuplicateAddress {
            param: "ip6.addr".into(),
            addr: "::1".into()
        })
    );
}

// Pseudo-parameters never reach jail_set.

#[test]
fn pseudo_parameters_are_refused_by_name() {
    let names = [
        "mount.devfs",
        "mount.fstab",
        "mount",
        "exec.start",
        "exec.jail_user",
        "exec.timeout",
        "command",
        "interface",
        "vnet.interface",
        "ip_hostname",
        "depend",
        "allow.dying",
        "stop.timeout",
    ];
    for name in names {
        assert_eq!(
            Param::new(name, Value::String("x".into())),
            Err(ParamError::PseudoParameter { name: name.into() }),
            "{name}"
        );
        assert_eq!(
            Param::parse(name, "x", Some(ParamType::String { max_len: None })),
            Err(ParamError::PseudoParameter { name: name.into() })
        );
    }
    let err = Param::new("mount.fstab", Value::String("/etc/fstab.mq".into())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "mount.fstab: a jail(8) pseudo-parameter, not a kernel parameter; use jailctl::jail8 for it"
    );
}

#[test]
fn only_kernel_parameters_reach_the_iovec_list() {
    let spec = JailSpec::new()
        .hostname(Hostname::new("mq.example.org").unwrap())
        .persist(true);
    assert!(Param::new("mount.devfs", Value::Bool(true)).is_err());
    assert!(Param::new("exec.start", Value::String("/bin/sh /etc/rc".into())).is_err());
    let names: Vec<Vec<u8>> = pairs_of(spec.params())
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(
        names,
        vec![
            b"host.hostname\0".to_vec(),
            b"persist\0".to_vec(),
            b"errmsg\0".to_vec()
        ]
    );
}

#[test]
fn invalid_parameter_names() {
    for name in ["errmsg", "lastjid", "", "a..b", "bad name", "x.", ".x"] {
        assert_eq!(
            Param::new(name, Value::Int(1)),
            Err(ParamError::InvalidName { name: name.into() }),
            "{name:?}"
        );
    }
}

// Text form.

#[test]
fn inherit_in_an_address_list_is_refused_at_parse_time() {
    assert_eq!(
        Param::parse("ip6.addr", "inherit", None),
        Err(ParamError::InvalidText {
            param: "ip6.addr".into(),
            text: "inherit".into(),
            expected: "an IPv6 address"
        })
    );
    let mode = Param::parse("ip6", "inherit", None).unwrap();
    assert_eq!(mode.value(), &Value::JailSys(JailSys::Inherit));
    let list = Param::parse("ip6.addr", "fd00::53, 2001:db8::1", None).unwrap();
    assert_eq!(
        list.value(),
        &Value::Ipv6(vec![
            "fd00::53".parse().unwrap(),
            "2001:db8::1".parse().unwrap()
        ])
    );
    assert_eq!(
        Param::parse("persist", "yes", None),
        Err(ParamError::InvalidText {
            param: "persist".into(),
            text: "yes".into(),
            expected: "true or false"
        })
    );
    assert_eq!(
        Param::parse("no.such", "1", None),
        Err(ParamError::UnknownParameter {
            name: "no.such".into()
        })
    );
}

// Whole-call rules.

fn persistent() -> JailSpec {
    JailSpec::new().persist(true)
}

#[test]
fn a_new_jail_must_persist() {
    let spec = JailSpec::new().name(JailName::new("mq").unwrap());
    assert_eq!(
        spec.check(SetMode::Create),
        Err(ParamError::MustPersistOrAttach)
    );
    assert_eq!(
        spec.clone().persist(false).check(SetMode::Create),
        Err(ParamError::MustPersistOrAttach)
    );
    assert_eq!(spec.check(SetMode::Update), Ok(()));
}

#[test]
fn create_only_parameters_are_refused_on_update() {
    let spec = JailSpec::new().path(JailPath::new("/jails/mq").unwrap());
    assert_eq!(
        spec.check(SetMode::Update),
        Err(ParamError::CreateOnly {
            param: "path".into()
        })
    );
    assert_eq!(
        persistent()
            .path(JailPath::new("/jails/mq").unwrap())
            .check(SetMode::Create),
        Ok(())
    );
    for (name, value) in [
        ("vnet", Value::JailSys(JailSys::New)),
        ("ip4", Value::JailSys(JailSys::New)),
        ("osreldate", Value::Int(1_400_000)),
    ] {
        let spec = JailSpec::new().param(p(name, value));
        assert_eq!(
            spec.check(SetMode::Update),
            Err(ParamError::CreateOnly { param: name.into() })
        );
    }
}

#[test]
fn read_only_parameters_are_refused() {
    let spec = persistent().param(p("dying", Value::Bool(false)));
    assert_eq!(
        spec.check(SetMode::Create),
        Err(ParamError::ReadOnly {
            param: "dying".into()
        })
    );
    let spec = JailSpec::new().param(p("cpuset.id", Value::Int(3)));
    assert_eq!(
        spec.check(SetMode::Update),
        Err(ParamError::ReadOnly {
            param: "cpuset.id".into()
        })
    );
}

#[test]
fn vnet_cannot_have_addresses() {
    let addrs = Ipv4Addrs::new([Ipv4Addr::new(192, 0, 2, 1)]).unwrap();
    let spec = persistent()
        .jailsys("vnet", JailSys::New)
        .unwrap()
        .ip4_addrs(addrs);
    assert_eq!(
        spec.check(SetMode::Create),
        Err(ParamError::VnetWithAddresses {
            param: "ip4.addr".into()
        })
    );
    let spec = persistent()
        .jailsys("vnet", JailSys::Inherit)
        .unwrap()
        .jailsys("ip6", JailSys::New)
        .unwrap();
    assert_eq!(
        spec.check(SetMode::Create),
        Err(ParamError::VnetWithAddresses {
            param: "ip6".into()
        })
    );
}

#[test]
fn mode_and_list_conflicts() {
    let addrs = Ipv6Addrs::new(["fd00::53".parse().unwrap()]).unwrap();
    let spec = persistent()
        .jailsys("ip6", JailSys::Inherit)
        .unwrap()
        .ip6_addrs(addrs.clone());
    assert!(matches!(
        spec.check(SetMode::Create),
        Err(ParamError::Conflict { .. })
    ));
    let spec = persistent()
        .jailsys("ip6", JailSys::Disable)
        .unwrap()
        .ip6_addrs(addrs.clone());
    assert!(matches!(
        spec.check(SetMode::Create),
        Err(ParamError::Conflict { .. })
    ));
    let spec = persistent()
        .jailsys("ip6", JailSys::New)
        .unwrap()
        .ip6_addrs(addrs);
    assert_eq!(spec.check(SetMode::Create), Ok(()));
    let spec = persistent()
        .jailsys("host", JailSys::Inherit)
        .unwrap()
        .hostname(Hostname::new("mq").unwrap());
    assert_eq!(
        spec.check(SetMode::Create),
        Err(ParamError::Conflict {
            first: "host".into(),
            second: "host.hostname".into(),
            reason: "setting host.* gives the jail its own host information (\"new\")",
        })
    );
}

#[test]
fn setting_a_parameter_twice_keeps_the_last_value_in_the_first_place() {
    let spec = JailSpec::new()
        .persist(false)
        .name(JailName::new("a").unwrap())
        .persist(true);
    assert_eq!(spec.to_string(), "persist name=a");
}

// Checks against the running kernel.

struct FakeKernel(Vec<(&'static str, ParamType, Access)>);

impl ParamProbe for FakeKernel {
    fn lookup(&self, name: &str) -> Result<Option<(ParamType, Access)>, crate::Error> {
        Ok(self
            .0
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|&(_, t, a)| (t, a)))
    }
}

fn kernel_without_inet6() -> FakeKernel {
    FakeKernel(vec![
        ("persist", ParamType::Bool, Access::ReadWrite),
        ("ip4.addr", ParamType::Ipv4Addrs, Access::ReadWrite),
        ("allow.vmm", ParamType::Bool, Access::ReadWrite),
        (
            "x.label",
            ParamType::String { max_len: Some(3) },
            Access::ReadWrite,
        ),
        ("x.fixed", ParamType::Int, Access::CreateOnly),
    ])
}

fn kernel_check(spec: &JailSpec, mode: SetMode) -> Result<(), ParamError> {
    match check_against_kernel(spec.params(), mode, &kernel_without_inet6()) {
        Ok(()) => Ok(()),
        Err(crate::Error::Param(e)) => Err(e),
        Err(other) => panic!("unexpected {other}"),
    }
}

#[test]
fn ipv6_on_a_kernel_without_it_is_a_typed_error() {
    let spec = persistent().ip6_addrs(Ipv6Addrs::new(["fd00::53".parse().unwrap()]).unwrap());
    assert_eq!(
        kernel_check(&spec, SetMode::Create),
        Err(ParamError::Ipv6Unsupported {
            param: "ip6.addr".into()
        })
    );
    let spec = persistent().jailsys("ip6", JailSys::Disable).unwrap();
    assert_eq!(
        kernel_check(&spec, SetMode::Create),
        Err(ParamError::Ipv6Unsupported {
            param: "ip6".into()
        })
    );
}

#[test]
fn parameters_learned_from_the_kernel_are_typed_by_it() {
    assert_eq!(
        kernel_check(
            &persistent().param(p("allow.vmm", Value::Bool(true))),
            SetMode::Create
        ),
        Ok(())
    );
    assert_eq!(
        kernel_check(
            &persistent().param(p("allow.vmm", Value::Int(1))),
            SetMode::Create
        ),
        Err(ParamError::TypeMismatch {
            param: "allow.vmm".into(),
            expected: ParamType::Bool,
            got: Value::Int(1)
        })
    );
    assert_eq!(
        kernel_check(
            &persistent().param(p("x.label", Value::String("abcd".into()))),
            SetMode::Create
        ),
        Err(ParamError::TooLong {
            param: "x.label".into(),
            len: 4,
            max: 3
        })
    );
    assert_eq!(
        kernel_check(
            &JailSpec::new().param(p("x.fixed", Value::Int(1))),
            SetMode::Update
        ),
        Err(ParamError::CreateOnly {
            param: "x.fixed".into()
        })
    );
    assert_eq!(
        kernel_check(
            &persistent().param(p("allow.nonesuch", Value::Bool(true))),
            SetMode::Create
        ),
        Err(ParamError::UnknownParameter {
            name: "allow.nonesuch".into()
        })
    );
}

// Format strings of `security.jail.param.*`.

const RD: u32 = 0x8000_0000;
const WR: u32 = 0x4000_0000;
const TUN: u32 = 0x0008_0000;
const MPSAFE: u32 = 0x0004_0000;

fn format(kind: u32, fmt: &str, size: Option<&str>) -> Result<ParamFormat, ParamError> {
    parse_param_format("p", kind, fmt, size)
}

fn param_format(ty: ParamType, access: Access) -> Result<ParamFormat, ParamError> {
    Ok(ParamFormat::Param { ty, access })
}

#[test]
fn format_strings_of_the_kernel_parameters() {
    use Access::*;
    assert_eq!(
        format(2 | RD | WR, "B", None),
        param_format(ParamType::Bool, ReadWrite)
    );
    assert_eq!(
        format(2 | RD | WR | MPSAFE, "B", None),
        param_format(ParamType::Bool, ReadWrite)
    );
    assert_eq!(
        format(2 | RD | TUN, "E,jailsys", None),
        param_format(ParamType::JailSys { disable: true }, CreateOnly)
    );
    assert_eq!(
        format(2 | RD, "I", None),
        param_format(ParamType::Int, ReadOnly)
    );
    assert_eq!(
        format(2 | RD | TUN, "I", None),
        param_format(ParamType::Int, CreateOnly)
    );
    assert_eq!(
        format(6 | RD | WR, "IU", None),
        param_format(ParamType::Uint, ReadWrite)
    );
    assert_eq!(
        format(7 | RD | WR, "L", None),
        param_format(ParamType::Long, ReadWrite)
    );
    assert_eq!(
        format(8 | RD | WR, "LU", None),
        param_format(ParamType::Ulong, ReadWrite)
    );
    assert_eq!(
        format(4 | RD | WR, "Q", None),
        param_format(ParamType::Int64, ReadWrite)
    );
    assert_eq!(
        format(9 | RD | WR, "QU", None),
        param_format(ParamType::Uint64, ReadWrite)
    );
    assert_eq!(
        format(3 | RD | WR, "A", Some("256\0")),
        param_format(ParamType::String { max_len: Some(255) }, ReadWrite)
    );
    assert_eq!(
        format(3 | RD | TUN, "A", Some("1024")),
        param_format(
            ParamType::String {
                max_len: Some(1023)
            },
            CreateOnly
        )
    );
    assert_eq!(
        format(5 | RD | WR, "S,in_addr,a", None),
        param_format(ParamType::Ipv4Addrs, ReadWrite)
    );
    assert_eq!(
        format(5 | RD | WR, "S,in6_addr,a", None),
        param_format(ParamType::Ipv6Addrs, ReadWrite)
    );
    assert_eq!(format(1 | RD | WR, "N", None), Ok(ParamFormat::Node));
}

#[test]
fn unreadable_formats_are_typed_errors() {
    let unsupported = |f: &str| {
        Err(ParamError::UnsupportedFormat {
            name: "p".into(),
            format: f.into(),
        })
    };
    assert_eq!(
        format(5 | RD | WR, "S,timeval", None),
        unsupported("S,timeval")
    );
    assert_eq!(format(3 | RD | WR, "A", None), unsupported("A"));
    assert_eq!(format(3 | RD | WR, "A", Some("many")), unsupported("A"));
    assert_eq!(format(0xc | RD | WR, "C", None), unsupported("C"));
}
