//! The `interface|address/prefix words…` form of `ip4.addr` / `ip6.addr`.

use std::net::{Ipv4Addr, Ipv6Addr};

use jailctl::jail8::address::{
    AddressErrorKind, AddressFamily, Iface, InterfaceName, InterfaceNameError, Ipv4Entry, Ipv4List,
    Ipv4Mask, Ipv6Entry, Ipv6List,
};

fn named(name: &str) -> Option<Iface> {
    Some(Iface::Named(InterfaceName::new(name).unwrap()))
}

fn v6(text: &str) -> Ipv6Addr {
    text.parse().unwrap()
}

#[test]
fn two_entries_on_one_interface() {
    let text = "em0|2001:db8::1,em0|2001:db8::2";
    let list: Ipv6List = text.parse().unwrap();
    let expected = vec![
        Ipv6Entry {
            iface: named("em0"),
            addr: v6("2001:db8::1"),
            scope: None,
            prefix: None,
            extra: vec![],
        },
        Ipv6Entry {
            iface: named("em0"),
            addr: v6("2001:db8::2"),
            scope: None,
            prefix: None,
            extra: vec![],
        },
    ];
    assert_eq!(list.entries(), expected.as_slice());
    assert_eq!(list.to_string(), text);
    assert_eq!(
        list.kernel_value().as_deref(),
        Some("2001:db8::1,2001:db8::2")
    );
}

#[test]
fn ifconfig_words_stay_with_their_entry() {
    let text = "DEFAULT|2001:db8::246 vhid 23 advskew 100";
    let entry: Ipv6Entry = text.parse().unwrap();
    assert_eq!(entry.iface, Some(Iface::Default));
    assert_eq!(entry.addr, v6("2001:db8::246"));
    assert_eq!(entry.prefix, None);
    assert_eq!(entry.extra, ["vhid", "23", "advskew", "100"]);
    assert_eq!(entry.to_string(), text);

    let igb: Ipv6Entry = "igb0|2001:db8::246 vhid 23 advskew 100".parse().unwrap();
    assert_eq!(igb.to_string(), "igb0|2001:db8::246 vhid 23 advskew 100");
    let list = Ipv6List::new(vec![igb]);
    // Only the bare address goes to jail_set(2).
    assert_eq!(list.kernel_value().as_deref(), Some("2001:db8::246"));
}

#[test]
fn repeated_spaces_between_words_collapse_like_strtok() {
    let entry: Ipv4Entry = "em0|192.0.2.5/24  vhid 3".parse().unwrap();
    assert_eq!(entry.extra, ["vhid", "3"]);
    assert_eq!(entry.to_string(), "em0|192.0.2.5/24 vhid 3");
}

#[test]
fn bare_address() {
    let entry: Ipv6Entry = "2001:db8::10".parse().unwrap();
    assert_eq!(
        entry,
        Ipv6Entry {
            iface: None,
            addr: v6("2001:db8::10"),
            scope: None,
            prefix: None,
            extra: vec![],
        }
    );
    assert_eq!(entry.to_string(), "2001:db8::10");
    let list: Ipv6List = "2001:db8::10".parse().unwrap();
    assert_eq!(list.kernel_value().as_deref(), Some("2001:db8::10"));
}

#[test]
fn default_interface_is_kept_distinct() {
    let entry: Ipv6Entry = "DEFAULT|2001:db8::10/64".parse().unwrap();
    assert_eq!(entry.iface, Some(Iface::Default));
    assert_eq!(entry.prefix, Some(64));
    assert_eq!(entry.to_string(), "DEFAULT|2001:db8::10/64");
    assert_eq!(
        InterfaceName::new("DEFAULT"),
        Err(InterfaceNameError::Reserved)
    );
}

#[test]
fn malformed_literal_points_at_the_bad_group() {
    let err = "em0|2001.db8::9/64".parse::<Ipv6List>().unwrap_err();
    assert_eq!(err.kind, AddressErrorKind::NotIpv6);
    assert_eq!(err.fragment, "2001.db8");
    assert_eq!(err.offset, 4);
    assert_eq!(
        err.to_string(),
        "ip6.addr: not an IPv6 address: `2001.db8` at byte 4 of `em0|2001.db8::9/64`"
    );
}

#[test]
fn error_offsets_count_in_the_whole_list() {
    let err = "em0|2001:db8::1,em0|2001:db8::zz/64"
        .parse::<Ipv6List>()
        .unwrap_err();
    assert_eq!((err.offset, err.fragment.as_str()), (30, "zz"));
}

#[test]
fn scope_is_kept_with_its_prefix() {
    let entry: Ipv6Entry = "em0|fe80::1%em0/64".parse().unwrap();
    assert_eq!(entry.iface, named("em0"));
    assert_eq!(entry.addr, v6("fe80::1"));
    assert_eq!(entry.scope, Some(InterfaceName::new("em0").unwrap()));
    assert_eq!(entry.prefix, Some(64));
    assert_eq!(entry.to_string(), "em0|fe80::1%em0/64");
    assert_eq!(entry.addr_with_scope(), "fe80::1%em0");
}

#[test]
fn scope_naming_another_interface_is_refused() {
    let err = "em0|fe80::1%em1/64".parse::<Ipv6Entry>().unwrap_err();
    assert_eq!(err.kind, AddressErrorKind::ScopeMismatch);
    assert_eq!((err.offset, err.fragment.as_str()), (12, "em1"));
}

#[test]
fn mode_words_are_refused_in_address_lists() {
    for word in ["inherit", "new", "disable"] {
        let err = word.parse::<Ipv6List>().unwrap_err();
        assert_eq!(err.kind, AddressErrorKind::ModeWord, "{word}");
        assert_eq!(err.family, AddressFamily::Inet6);
        assert_eq!((err.offset, err.fragment.as_str()), (0, word));
    }
    let err = "192.0.2.1,inherit".parse::<Ipv4List>().unwrap_err();
    assert_eq!(err.kind, AddressErrorKind::ModeWord);
    assert_eq!((err.offset, err.fragment.as_str()), (10, "inherit"));
}

#[test]
fn ipv4_prefix_and_netmask_forms() {
    let list: Ipv4List = "lo0|127.0.0.7,em0|192.0.2.7/24,em1|198.51.100.7/255.255.255.0"
        .parse()
        .unwrap();
    let masks: Vec<_> = list.entries().iter().map(|e| e.mask).collect();
    assert_eq!(
        masks,
        [
            None,
            Some(Ipv4Mask::PrefixLen(24)),
            Some(Ipv4Mask::Netmask(Ipv4Addr::new(255, 255, 255, 0)))
        ]
    );
    assert_eq!(
        list.to_string(),
        "lo0|127.0.0.7,em0|192.0.2.7/24,em1|198.51.100.7/255.255.255.0"
    );
    assert_eq!(
        list.kernel_value().as_deref(),
        Some("127.0.0.7,192.0.2.7,198.51.100.7")
    );
}

#[test]
fn bad_parts_are_named() {
    let cases: [(&str, AddressErrorKind, usize, &str); 5] = [
        ("em0|192.0.2.1/33", AddressErrorKind::BadPrefix, 14, "33"),
        (
            "em0|192.0.2.256",
            AddressErrorKind::NotIpv4,
            4,
            "192.0.2.256",
        ),
        ("192.0.2.1,,192.0.2.2", AddressErrorKind::EmptyEntry, 10, ""),
        (
            "em0|192.0.2.1%em0",
            AddressErrorKind::ScopeOnIpv4,
            13,
            "%em0",
        ),
        ("em0|192.0.2.1/", AddressErrorKind::BadPrefix, 14, ""),
    ];
    for (text, kind, offset, fragment) in cases {
        let err = text.parse::<Ipv4List>().unwrap_err();
        assert_eq!(
            (err.kind, err.offset, err.fragment.as_str()),
            (kind, offset, fragment),
            "{text}"
        );
    }
    let err = "e m0|2001:db8::1".parse::<Ipv6List>().unwrap_err();
    assert_eq!(
        (err.kind, err.offset, err.fragment.as_str()),
        (AddressErrorKind::BadExtraWord, 2, "m0|2001:db8::1")
    );
    let err = "2001:db8::1/129".parse::<Ipv6List>().unwrap_err();
    assert_eq!(
        (err.kind, err.offset, err.fragment.as_str()),
        (AddressErrorKind::BadPrefix, 12, "129")
    );
}

#[test]
fn values_of_a_conf_list_join_like_jail8() {
    let list = Ipv6List::parse_values(&["2001:db8::1", "2001:db8::2", "lo1|fd00::53/128"]).unwrap();
    assert_eq!(list.to_string(), "2001:db8::1,2001:db8::2,lo1|fd00::53/128");
    assert_eq!(Ipv6List::parse("").unwrap().entries().len(), 0);
}
