//! Start and stop: order of operations, and the exact undo after a failure
//! at every step.

use jailctl::jail8::address::Ipv6List;
use jailctl::jail8::exec::ExecCommand;
use jailctl::jail8::lifecycle::{JailConfig, KernelParam, Step, StopError, start, stop};
use jailctl::jail8::mount::{DevfsRuleset, JailRoot};
use jailctl::jail8::recording::{Operation, RecordingHost};

fn run(line: &str) -> Operation {
    Operation::Run(line.split(' ').map(str::to_owned).collect())
}

fn spec() -> JailConfig {
    let mut spec = JailConfig::new("mq", JailRoot::new("/jails/mq").unwrap());
    spec.ip4 = "lo0|127.0.0.7/32".parse().unwrap();
    spec.ip6 = Ipv6List::parse_values(&[
        "em0|2001:db8::7/64",
        "DEFAULT|2001:db8::9 vhid 23 advskew 100",
    ])
    .unwrap();
    spec.devfs = Some(DevfsRuleset(4));
    spec.exec_start = vec![ExecCommand::rc_start()];
    spec.exec_stop = vec![ExecCommand::rc_shutdown()];
    spec.kernel_params = vec![KernelParam::new("host.hostname", "mq.example.org")];
    spec
}

fn host(fail_at: Option<usize>) -> RecordingHost {
    let mut host = match fail_at {
        Some(index) => RecordingHost::failing_at(1, index),
        None => RecordingHost::new(1),
    };
    host.route_output = "  interface: igb0\n".to_owned();
    host
}

fn create() -> Operation {
    Operation::Create(vec![
        KernelParam::new("name", "mq"),
        KernelParam::new("path", "/jails/mq"),
        KernelParam::new("persist", "true"),
        KernelParam::new("ip4.addr", "127.0.0.7"),
        KernelParam::new("ip6.addr", "2001:db8::7,2001:db8::9"),
        KernelParam::new("devfs_ruleset", "4"),
        KernelParam::new("host.hostname", "mq.example.org"),
    ])
}

/// The start sequence, one operation per step.
fn start_sequence() -> Vec<Operation> {
    vec![
        run("/sbin/route -n get -inet6 default"),
        run("/sbin/ifconfig lo0 inet 127.0.0.7/32 alias"),
        run("/sbin/ifconfig em0 inet6 2001:db8::7/64 alias"),
        run("/sbin/ifconfig igb0 inet6 2001:db8::9 prefixlen 128 vhid 23 advskew 100 alias"),
        run("/sbin/mount -t devfs -oruleset=4 . /jails/mq/dev"),
        create(),
        Operation::Exec(1, vec!["/bin/sh".into(), "/etc/rc".into()], false),
    ]
}

#[test]
fn start_then_stop_in_jail8_order() {
    let host = host(None);
    let running = start(&spec(), &host, &host).unwrap();
    assert_eq!(running.jid.get(), 1);
    assert_eq!(host.operations(), start_sequence());

    let host = self::host(None);
    stop(running, &host, &host).unwrap();
    assert_eq!(
        host.operations(),
        [
            Operation::Exec(1, vec!["/bin/sh".into(), "/etc/rc.shutdown".into()], false),
            Operation::Terminate(1, 10),
            Operation::Remove(1),
            run("/sbin/umount /jails/mq/dev"),
            run("/sbin/ifconfig em0 inet6 2001:db8::7/64 -alias"),
            run("/sbin/ifconfig igb0 inet6 2001:db8::9 prefixlen 128 -alias"),
            run("/sbin/ifconfig lo0 inet 127.0.0.7/32 -alias"),
        ]
    );
}

#[test]
fn failure_at_every_start_step_is_undone_in_reverse() {
    let lo0_down = run("/sbin/ifconfig lo0 inet 127.0.0.7/32 -alias");
    let em0_down = run("/sbin/ifconfig em0 inet6 2001:db8::7/64 -alias");
    let igb0_down = run("/sbin/ifconfig igb0 inet6 2001:db8::9 prefixlen 128 -alias");
    let umount = run("/sbin/umount /jails/mq/dev");
    // For a failure at step i: the undo that must follow it.
    let undo: [Vec<Operation>; 7] = [
        vec![],
        vec![],
        vec![lo0_down.clone()],
        vec![em0_down.clone(), lo0_down.clone()],
        vec![igb0_down.clone(), em0_down.clone(), lo0_down.clone()],
        vec![
            umount.clone(),
            igb0_down.clone(),
            em0_down.clone(),
            lo0_down.clone(),
        ],
        vec![Operation::Remove(1), umount, igb0_down, em0_down, lo0_down],
    ];
    let steps = start_sequence();
    for (index, undo) in undo.into_iter().enumerate() {
        let host = host(Some(index));
        let err = start(&spec(), &host, &host).unwrap_err();
        let mut expected = steps[..=index].to_vec();
        expected.extend(undo);
        assert_eq!(host.operations(), expected, "failure at step {index}");
        assert!(err.undo_failures.is_empty(), "{err}");
    }
}

#[test]
fn failed_default_route_lookup_stops_before_any_alias() {
    let host = host(Some(0));
    let err = start(&spec(), &host, &host).unwrap_err();
    assert_eq!(err.failure.step, Step::PlanAliases);
    assert_eq!(
        err.to_string(),
        "mq: start failed: interface aliases: ip6.addr: \
         `DEFAULT|2001:db8::9 vhid 23 advskew 100` asks for the default-route interface, \
         but the host has none"
    );
}

#[test]
fn failing_exec_start_reports_the_command_and_removes_the_jail() {
    let host = host(Some(6));
    let err = start(&spec(), &host, &host).unwrap_err();
    assert_eq!(err.failure.step, Step::Exec(ExecCommand::rc_start()));
    assert_eq!(
        err.to_string(),
        "mq: start failed: exec `/bin/sh /etc/rc`: injected failure of operation 6"
    );
}

#[test]
fn failing_exec_stop_leaves_the_jail_running() {
    let running = start(&spec(), &host(None), &host(None)).unwrap();
    let host = host(Some(0));
    let err = stop(running.clone(), &host, &host).unwrap_err();
    match err {
        StopError::StillRunning {
            running: back,
            failure,
        } => {
            assert_eq!(*back, running);
            assert_eq!(failure.step, Step::Exec(ExecCommand::rc_shutdown()));
        }
        other => panic!("expected StillRunning, got {other}"),
    }
    assert_eq!(
        host.operations(),
        [Operation::Exec(
            1,
            vec!["/bin/sh".into(), "/etc/rc.shutdown".into()],
            false
        )]
    );
}

#[test]
fn failing_unmount_after_removal_still_removes_every_alias() {
    let running = start(&spec(), &host(None), &host(None)).unwrap();
    let host = host(Some(3));
    let err = stop(running, &host, &host).unwrap_err();
    assert_eq!(host.operations().len(), 7);
    match err {
        StopError::Cleanup { jail, failures } => {
            assert_eq!(jail, "mq");
            assert_eq!(failures.len(), 1);
            assert_eq!(
                failures[0].to_string(),
                "mount.devfs on /jails/mq/dev: /sbin/umount /jails/mq/dev: \
                 failed (exit code Some(1)): injected failure"
            );
        }
        other => panic!("expected Cleanup, got {other}"),
    }
}

#[test]
fn zero_stop_timeout_sends_no_sigterm() {
    let mut spec = spec();
    spec.stop_timeout = jailctl::jail8::exec::StopTimeout(0);
    spec.exec_stop.clear();
    let running = start(&spec, &host(None), &host(None)).unwrap();
    let host = host(None);
    stop(running, &host, &host).unwrap();
    assert_eq!(host.operations()[0], Operation::Remove(1));
}

#[test]
fn assumed_running_jail_equals_the_one_start_returned() {
    let host = host(None);
    let started = start(&spec(), &host, &host).unwrap();
    let assumed =
        jailctl::jail8::lifecycle::RunningJail::assume_started(&spec(), started.jid, &host)
            .unwrap();
    assert_eq!(assumed, started);
}
