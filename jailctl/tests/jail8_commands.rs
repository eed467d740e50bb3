//! Exact argv of the host commands jail(8) runs for pseudo-parameters.

use jailctl::jail8::address::{InterfaceName, Ipv4List, Ipv6List};
use jailctl::jail8::alias::{
    AliasError, AliasPlan, DefaultRouteInterfaces, default_route_query, parse_route_get_interface,
};
use jailctl::jail8::exec::{ExecCommand, ExecCommandError, StopTimeout};
use jailctl::jail8::mount::{DevfsMount, DevfsRuleset, JailRoot, JailRootError};

fn words(line: &str) -> Vec<String> {
    line.split(' ').map(str::to_owned).collect()
}

fn argvs(commands: Vec<jailctl::jail8::command::CommandLine>) -> Vec<Vec<String>> {
    commands.into_iter().map(|c| c.argv().to_vec()).collect()
}

fn plan(ip4: &str, ip6: &str, interface: Option<&str>) -> AliasPlan {
    let interface = interface.map(|n| InterfaceName::new(n).unwrap());
    AliasPlan::new(
        &Ipv4List::parse_values(&ip4.split(',').collect::<Vec<_>>()).unwrap(),
        &Ipv6List::parse_values(&ip6.split(',').collect::<Vec<_>>()).unwrap(),
        interface.as_ref(),
        &DefaultRouteInterfaces::default(),
    )
    .unwrap()
}

#[test]
fn alias_words_follow_jail8() {
    let plan = plan(
        "lo0|127.0.0.7/32,em0|192.0.2.7,em1|198.51.100.7/255.255.255.0",
        "em0|2001:db8::7/64,em0|2001:db8::8",
        None,
    );
    assert_eq!(
        argvs(plan.setup_commands()),
        [
            words("/sbin/ifconfig lo0 inet 127.0.0.7/32 alias"),
            words("/sbin/ifconfig em0 inet 192.0.2.7 netmask 255.255.255.255 alias"),
            words("/sbin/ifconfig em1 inet 198.51.100.7 netmask 255.255.255.0 alias"),
            words("/sbin/ifconfig em0 inet6 2001:db8::7/64 alias"),
            words("/sbin/ifconfig em0 inet6 2001:db8::8 prefixlen 128 alias"),
        ]
    );
    assert_eq!(
        argvs(plan.teardown_commands()),
        [
            words("/sbin/ifconfig em0 inet6 2001:db8::7/64 -alias"),
            words("/sbin/ifconfig em0 inet6 2001:db8::8 prefixlen 128 -alias"),
            words("/sbin/ifconfig lo0 inet 127.0.0.7/32 -alias"),
            words("/sbin/ifconfig em0 inet 192.0.2.7 netmask 255.255.255.255 -alias"),
            words("/sbin/ifconfig em1 inet 198.51.100.7 netmask 255.255.255.0 -alias"),
        ]
    );
}

#[test]
fn removal_matches_setup() {
    let plan = plan("", "em0|2001:db8::1,em0|2001:db8::2", None);
    assert_eq!(
        argvs(plan.setup_commands()),
        [
            words("/sbin/ifconfig em0 inet6 2001:db8::1 prefixlen 128 alias"),
            words("/sbin/ifconfig em0 inet6 2001:db8::2 prefixlen 128 alias"),
        ]
    );
    assert_eq!(
        argvs(plan.teardown_commands()),
        [
            words("/sbin/ifconfig em0 inet6 2001:db8::1 prefixlen 128 -alias"),
            words("/sbin/ifconfig em0 inet6 2001:db8::2 prefixlen 128 -alias"),
        ]
    );
}

#[test]
fn ifconfig_words_go_on_the_add_command_only() {
    let plan = plan("", "igb0|2001:db8::246 vhid 23 advskew 100", None);
    assert_eq!(
        argvs(plan.setup_commands()),
        [words(
            "/sbin/ifconfig igb0 inet6 2001:db8::246 prefixlen 128 vhid 23 advskew 100 alias"
        )]
    );
    assert_eq!(
        argvs(plan.teardown_commands()),
        [words(
            "/sbin/ifconfig igb0 inet6 2001:db8::246 prefixlen 128 -alias"
        )]
    );
}

#[test]
fn no_alias_without_an_interface() {
    let bare = plan("192.0.2.10", "2001:db8::10", None);
    assert!(bare.is_empty());
    assert_eq!(bare.setup_commands(), []);
    assert_eq!(bare.teardown_commands(), []);

    // The `interface` parameter supplies one.
    let with_interface = plan("", "2001:db8::10", Some("vtnet0"));
    assert_eq!(
        argvs(with_interface.setup_commands()),
        [words(
            "/sbin/ifconfig vtnet0 inet6 2001:db8::10 prefixlen 128 alias"
        )]
    );
}

#[test]
fn default_resolves_per_family() {
    let defaults = DefaultRouteInterfaces {
        inet: Some(InterfaceName::new("em0").unwrap()),
        inet6: Some(InterfaceName::new("em1").unwrap()),
    };
    let plan = AliasPlan::new(
        &"DEFAULT|192.0.2.10/24".parse().unwrap(),
        &"DEFAULT|2001:db8::10/64".parse().unwrap(),
        None,
        &defaults,
    )
    .unwrap();
    assert_eq!(
        argvs(plan.setup_commands()),
        [
            words("/sbin/ifconfig em0 inet 192.0.2.10/24 alias"),
            words("/sbin/ifconfig em1 inet6 2001:db8::10/64 alias"),
        ]
    );

    let only_v4 = DefaultRouteInterfaces {
        inet6: None,
        ..defaults
    };
    let err = AliasPlan::new(
        &Ipv4List::default(),
        &"DEFAULT|2001:db8::10/64".parse().unwrap(),
        None,
        &only_v4,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ip6.addr: `DEFAULT|2001:db8::10/64` asks for the default-route interface, \
         but the host has none"
    );
    assert!(matches!(err, AliasError::NoDefaultRoute { .. }));
}

#[test]
fn scope_reaches_ifconfig() {
    let plan = plan("", "em0|fe80::1%em0/64", None);
    assert_eq!(
        argvs(plan.setup_commands()),
        [words("/sbin/ifconfig em0 inet6 fe80::1%em0/64 alias")]
    );
}

#[test]
fn route_get_output_names_the_interface() {
    assert_eq!(
        default_route_query(jailctl::jail8::address::AddressFamily::Inet6).argv(),
        words("/sbin/route -n get -inet6 default")
    );
    let output = "   route to: default\ndestination: default\n       mask: default\n    \
                  gateway: fe80::1%em0\n        fib: 0\n  interface: em0\n      \
                  flags: <UP,GATEWAY,DONE,STATIC>\n";
    assert_eq!(
        parse_route_get_interface(output).unwrap(),
        Some(InterfaceName::new("em0").unwrap())
    );
    assert_eq!(parse_route_get_interface("").unwrap(), None);
}

#[test]
fn devfs_mount_and_unmount() {
    let mount = DevfsMount {
        root: JailRoot::new("/jails/mq").unwrap(),
        ruleset: DevfsRuleset(5),
    };
    assert_eq!(
        mount.mount_command().argv(),
        words("/sbin/mount -t devfs -oruleset=5 . /jails/mq/dev")
    );
    assert_eq!(
        mount.unmount_command().argv(),
        words("/sbin/umount /jails/mq/dev")
    );
    assert_eq!(DevfsRuleset::default(), DevfsRuleset(4));
    assert_eq!(
        JailRoot::new("jails/mq"),
        Err(JailRootError::NotAbsolute("jails/mq".to_owned()))
    );
}

#[test]
fn exec_commands_split_or_go_to_the_shell() {
    let cases: [(&str, &[&str], bool); 6] = [
        ("/bin/sh /etc/rc", &["/bin/sh", "/etc/rc"], false),
        (
            "/bin/sh /etc/rc.shutdown",
            &["/bin/sh", "/etc/rc.shutdown"],
            false,
        ),
        (
            "/bin/sh -c 'echo \"$HOME\"'",
            &["/bin/sh", "-c", "/bin/sh -c 'echo \"$HOME\"'"],
            false,
        ),
        (
            "  /usr/sbin/daemon\t-f  /bin/sleep 9 ",
            &["/usr/sbin/daemon", "-f", "/bin/sleep", "9"],
            false,
        ),
        ("/bin/sleep 60 &", &["/bin/sleep", "60"], true),
        ("a & b", &["/bin/sh", "-c", "a & b"], false),
    ];
    for (text, argv, background) in cases {
        let invocation = ExecCommand::new(text).unwrap().invocation();
        assert_eq!(invocation.command.argv(), argv, "{text}");
        assert_eq!(invocation.background, background, "{text}");
    }
    assert_eq!(ExecCommand::rc_start().as_str(), "/bin/sh /etc/rc");
    assert_eq!(
        ExecCommand::rc_shutdown().as_str(),
        "/bin/sh /etc/rc.shutdown"
    );
    assert_eq!(
        ExecCommand::new(" &"),
        Err(ExecCommandError::Blank(" &".to_owned()))
    );
}

#[test]
fn stop_timeout_defaults_to_ten_seconds() {
    assert_eq!(StopTimeout::default(), StopTimeout(10));
    assert!(!StopTimeout(0).terminates_processes());
}
