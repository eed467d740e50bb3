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
    let texts = ["em0|2001:db8::1", "em0|2001:db8::2"];
    let list = Ipv6List::parse_values(&texts).unwrap();
    let em0 = named("em0").unwrap();
    let expected = vec![
        Ipv6Entry::new(v6("2001:db8::1"))
            .with_iface(em0.clone())
            .unwrap(),
        Ipv6Entry::new(v6("2001:db8::2")).with_iface(em0).unwrap(),
    ];
    assert_eq!(list.entries(), expected.as_slice());
    assert_eq!(list.values(), texts);
    assert_eq!(
        list.kernel_value().as_deref(),
        Some("2001:db8::1,2001:db8::2")
    );
}

#[test]
fn ifconfig_words_stay_with_their_entry() {
    let text = "DEFAULT|2001:db8::246 vhid 23 advskew 100";
    let entry: Ipv6Entry = text.parse().unwrap();
    assert_eq!(entry.iface(), Some(&Iface::Default));
    assert_eq!(entry.addr(), v6("2001:db8::246"));
    assert_eq!(entry.prefix(), None);
    assert_eq!(entry.extra(), ["vhid", "23", "advskew", "100"]);
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
    assert_eq!(entry.extra(), ["vhid", "3"]);
    assert_eq!(entry.to_string(), "em0|192.0.2.5/24 vhid 3");
}

#[test]
fn bare_address() {
    let entry: Ipv6Entry = "2001:db8::10".parse().unwrap();
    assert_eq!(entry, Ipv6Entry::new(v6("2001:db8::10")));
    assert_eq!(entry.to_string(), "2001:db8::10");
    let list: Ipv6List = "2001:db8::10".parse().unwrap();
    assert_eq!(list.kernel_value().as_deref(), Some("2001:db8::10"));
}

#[test]
fn default_interface_is_kept_distinct() {
    let entry: Ipv6Entry = "DEFAULT|2001:db8::10/64".parse().unwrap();
    assert_eq!(entry.iface(), Some(&Iface::Default));
    assert_eq!(entry.prefix(), Some(64));
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
    let err = Ipv6List::parse_values(&["em0|2001:db8::1", "em0|2001:db8::zz/64"]).unwrap_err();
    assert_eq!((err.offset, err.fragment.as_str()), (30, "zz"));
}

#[test]
fn scope_is_kept_with_its_prefix() {
    let entry: Ipv6Entry = "em0|fe80::1%em0/64".parse().unwrap();
    assert_eq!(entry.iface(), named("em0").as_ref());
    assert_eq!(entry.addr(), v6("fe80::1"));
    assert_eq!(entry.scope(), Some(&InterfaceName::new("em0").unwrap()));
    assert_eq!(entry.prefix(), Some(64));
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
    let err = Ipv4List::parse_values(&["192.0.2.1", "inherit"]).unwrap_err();
    assert_eq!(err.kind, AddressErrorKind::ModeWord);
    assert_eq!((err.offset, err.fragment.as_str()), (10, "inherit"));
}

#[test]
fn ipv4_prefix_and_netmask_forms() {
    let texts = [
        "lo0|127.0.0.7",
        "em0|192.0.2.7/24",
        "em1|198.51.100.7/255.255.255.0",
    ];
    let list = Ipv4List::parse_values(&texts).unwrap();
    let masks: Vec<_> = list.entries().iter().map(|e| e.mask()).collect();
    assert_eq!(
        masks,
        [
            None,
            Some(Ipv4Mask::PrefixLen(24)),
            Some(Ipv4Mask::Netmask(Ipv4Addr::new(255, 255, 255, 0)))
        ]
    );
    assert_eq!(list.values(), texts);
    assert_eq!(
        list.kernel_value().as_deref(),
        Some("127.0.0.7,192.0.2.7,198.51.100.7")
    );
}

#[test]
fn bad_parts_are_named() {
    let cases: [(&str, AddressErrorKind, usize, &str); 4] = [
        ("em0|192.0.2.1/33", AddressErrorKind::BadPrefix, 14, "33"),
        (
            "em0|192.0.2.256",
            AddressErrorKind::NotIpv4,
            4,
            "192.0.2.256",
        ),
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
    let err = Ipv4List::parse_values(&["192.0.2.1", "", "192.0.2.2"]).unwrap_err();
    assert_eq!(
        (err.kind, err.offset, err.fragment.as_str()),
        (AddressErrorKind::EmptyEntry, 10, "")
    );
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
    assert_eq!(
        list.values(),
        ["2001:db8::1", "2001:db8::2", "lo1|fd00::53/128"]
    );
    assert_eq!(Ipv6List::parse("").unwrap().entries().len(), 0);
}

// jail(8)'s config.c strips `iface|`, `/prefix` and the ifconfig words once
// per string; libjail then splits the joined value at commas. A comma inside
// one string would mean something else to jail(8), so it is refused.
#[test]
fn comma_after_a_prefix_is_refused_instead_of_dropping_the_address() {
    let err = "192.0.2.1/24,192.0.2.2".parse::<Ipv4List>().unwrap_err();
    assert_eq!(err.kind, AddressErrorKind::CommaInString);
    assert_eq!((err.offset, err.fragment.as_str()), (12, ",192.0.2.2"));
    assert_eq!(
        err.to_string(),
        "ip4.addr: one string holds one entry in jail(8); write each entry as its own string, \
         as in `ip4.addr = \"em0|192.0.2.1/24\", \"em0|192.0.2.2/24\";`: \
         `,192.0.2.2` at byte 12 of `192.0.2.1/24,192.0.2.2`"
    );
}

#[test]
fn comma_between_interface_entries_is_refused() {
    let err = "em0|192.0.2.1,em0|192.0.2.2"
        .parse::<Ipv4List>()
        .unwrap_err();
    assert_eq!(err.kind, AddressErrorKind::CommaInString);
    assert_eq!((err.offset, err.fragment.as_str()), (13, ",em0|192.0.2.2"));

    let err = Ipv6List::parse_values(&["2001:db8::1", "em0|2001:db8::2,2001:db8::3"]).unwrap_err();
    assert_eq!(err.kind, AddressErrorKind::CommaInString);
    assert_eq!(err.input, "2001:db8::1,em0|2001:db8::2,2001:db8::3");
    assert_eq!((err.offset, err.fragment.as_str()), (27, ",2001:db8::3"));
}

#[test]
fn separate_strings_are_separate_entries() {
    let list = Ipv4List::parse_values(&["192.0.2.1/24", "192.0.2.2"]).unwrap();
    assert_eq!(list.kernel_value().as_deref(), Some("192.0.2.1,192.0.2.2"));
    assert_eq!(list.values(), ["192.0.2.1/24", "192.0.2.2"]);
}

#[test]
fn constructors_refuse_what_would_not_parse_back() {
    let addr = Ipv4Addr::new(192, 0, 2, 9);
    let err = Ipv4Entry::new(addr)
        .with_extra(vec!["x,192.0.2.9".into()])
        .unwrap_err();
    assert_eq!(err.kind, AddressErrorKind::BadExtraWord);
    assert_eq!(err.fragment, "x,192.0.2.9");
    for word in ["", "a b", "a|b", "a\"b", "a\0b"] {
        let err = Ipv4Entry::new(addr)
            .with_extra(vec![word.into()])
            .unwrap_err();
        assert_eq!(err.kind, AddressErrorKind::BadExtraWord, "{word:?}");
    }

    let err = Ipv4Entry::new(addr)
        .with_mask(Ipv4Mask::PrefixLen(40))
        .unwrap_err();
    assert_eq!(err.kind, AddressErrorKind::BadPrefix);
    assert_eq!(
        err.to_string(),
        "ip4.addr: bad prefix length or netmask: `40` at byte 0 of `40`"
    );
    let err = Ipv6Entry::new(v6("2001:db8::9"))
        .with_prefix(129)
        .unwrap_err();
    assert_eq!(err.kind, AddressErrorKind::BadPrefix);

    let em1 = InterfaceName::new("em1").unwrap();
    let err = Ipv6Entry::new(v6("fe80::1"))
        .with_scope(em1)
        .unwrap()
        .with_iface(named("em0").unwrap())
        .unwrap_err();
    assert_eq!(
        (err.kind, err.fragment.as_str()),
        (AddressErrorKind::ScopeMismatch, "em1")
    );

    let built = Ipv4Entry::new(addr)
        .with_iface(named("em0").unwrap())
        .with_mask(Ipv4Mask::PrefixLen(32))
        .unwrap()
        .with_extra(vec!["vhid".into(), "3".into()])
        .unwrap();
    assert_eq!(built.to_string(), "em0|192.0.2.9/32 vhid 3");
    assert_eq!(built.to_string().parse::<Ipv4Entry>(), Ok(built));
}

// The kernel's check on jail IPv6 addresses (prison_valid_v6 in
// sys/netinet6/in6_jail.c) refuses only `::`; mapped addresses pass.
#[test]
fn ipv4_mapped_ipv6_addresses_are_accepted_like_the_kernel() {
    let entry: Ipv6Entry = "em0|::ffff:192.0.2.1/128".parse().unwrap();
    assert_eq!(entry.addr(), v6("::ffff:c000:201"));
    assert_eq!(entry.to_string(), "em0|::ffff:192.0.2.1/128");
    let list = Ipv6List::new(vec![entry]);
    assert_eq!(list.kernel_value().as_deref(), Some("::ffff:192.0.2.1"));
}
