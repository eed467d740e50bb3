//! Exact start and stop sequences of several cages.

use std::collections::BTreeSet;

use cagebun::boot_order::{
    BootEntry, BootOrderError, CageControl, RunScope, start_all, start_order, stop_all, stop_order,
};

/// Records every call; fails the cages named in `fail_start` / `fail_stop`.
#[derive(Default)]
struct Recorder {
    calls: Vec<String>,
    fail_start: BTreeSet<&'static str>,
    fail_stop: BTreeSet<&'static str>,
}

impl CageControl for Recorder {
    type Error = String;
    fn start(&mut self, name: &str) -> Result<(), String> {
        self.calls.push(format!("start {name}"));
        if self.fail_start.contains(name) {
            return Err(format!("jail {name} exited 1"));
        }
        Ok(())
    }
    fn stop(&mut self, name: &str) -> Result<(), String> {
        self.calls.push(format!("stop {name}"));
        if self.fail_stop.contains(name) {
            return Err(format!("jail {name} busy"));
        }
        Ok(())
    }
}

fn entry(name: &str, priority: u32, boot: bool) -> BootEntry {
    BootEntry {
        name: name.to_owned(),
        priority,
        boot,
    }
}

/// The recipe's cage at priority 10 with boot on, a database before it, two
/// cages tied at 50, one cage with boot off and one at the default 99.
fn cages() -> Vec<BootEntry> {
    vec![
        entry("web", 50, true),
        entry("rabbit", 10, true),
        entry("scratch", 20, false),
        entry("db", 5, true),
        entry("api", 50, true),
        entry("batch", 99, true),
    ]
}

fn names(order: &[&BootEntry]) -> Vec<String> {
    order.iter().map(|e| e.name.clone()).collect()
}

#[test]
fn boot_run_starts_by_priority_then_name_and_skips_boot_off() {
    let cages = cages();
    assert_eq!(
        names(&start_order(&cages, RunScope::Boot).unwrap()),
        ["db", "rabbit", "api", "web", "batch"]
    );
    assert_eq!(
        names(&stop_order(&cages, RunScope::Boot).unwrap()),
        ["batch", "web", "api", "rabbit", "db"]
    );
    assert_eq!(
        names(&start_order(&cages, RunScope::All).unwrap()),
        ["db", "rabbit", "scratch", "api", "web", "batch"]
    );
}

#[test]
fn start_then_stop_calls_in_exact_sequence() {
    let cages = cages();
    let mut control = Recorder::default();
    let started = start_all(&mut control, &cages, RunScope::Boot)
        .unwrap()
        .unwrap();
    assert_eq!(started, ["db", "rabbit", "api", "web", "batch"]);
    let report = stop_all(&mut control, &cages, RunScope::Boot).unwrap();
    assert!(report.is_clean());
    assert_eq!(report.stopped, ["batch", "web", "api", "rabbit", "db"]);
    assert_eq!(
        control.calls,
        [
            "start db",
            "start rabbit",
            "start api",
            "start web",
            "start batch",
            "stop batch",
            "stop web",
            "stop api",
            "stop rabbit",
            "stop db",
        ]
    );
}

#[test]
fn failed_start_stops_the_started_ones_in_reverse() {
    let cages = cages();
    let mut control = Recorder {
        fail_start: BTreeSet::from(["web"]),
        ..Recorder::default()
    };
    let failure = start_all(&mut control, &cages, RunScope::Boot)
        .unwrap()
        .unwrap_err();
    assert_eq!(failure.failed, "web");
    assert_eq!(failure.error, "jail web exited 1");
    assert_eq!(failure.rolled_back, ["api", "rabbit", "db"]);
    assert!(failure.rollback_failures.is_empty());
    assert_eq!(
        control.calls,
        [
            "start db",
            "start rabbit",
            "start api",
            "start web",
            "stop api",
            "stop rabbit",
            "stop db"
        ]
    );
    assert_eq!(
        failure.to_string(),
        "starting cage \"web\" failed: jail web exited 1; stopped again: [\"api\", \"rabbit\", \"db\"]"
    );
}

#[test]
fn rollback_goes_on_past_a_stop_that_fails() {
    let cages = cages();
    let mut control = Recorder {
        fail_start: BTreeSet::from(["batch"]),
        fail_stop: BTreeSet::from(["api"]),
        ..Recorder::default()
    };
    let failure = start_all(&mut control, &cages, RunScope::Boot)
        .unwrap()
        .unwrap_err();
    assert_eq!(failure.rolled_back, ["web", "rabbit", "db"]);
    assert_eq!(
        failure.rollback_failures,
        [("api".to_owned(), "jail api busy".to_owned())]
    );
    assert_eq!(
        failure.to_string(),
        "starting cage \"batch\" failed: jail batch exited 1; stopped again: [\"web\", \"rabbit\", \"db\"]; could not stop: \"api\" (jail api busy)"
    );
}

#[test]
fn first_cage_failing_undoes_nothing() {
    let cages = cages();
    let mut control = Recorder {
        fail_start: BTreeSet::from(["db"]),
        ..Recorder::default()
    };
    let failure = start_all(&mut control, &cages, RunScope::Boot)
        .unwrap()
        .unwrap_err();
    assert!(failure.rolled_back.is_empty());
    assert_eq!(control.calls, ["start db"]);
}

#[test]
fn stop_run_reports_every_failure_and_goes_on() {
    let cages = cages();
    let mut control = Recorder {
        fail_stop: BTreeSet::from(["web", "rabbit"]),
        ..Recorder::default()
    };
    let report = stop_all(&mut control, &cages, RunScope::All).unwrap();
    assert_eq!(report.stopped, ["batch", "api", "scratch", "db"]);
    assert_eq!(
        report.failures,
        [
            ("web".to_owned(), "jail web busy".to_owned()),
            ("rabbit".to_owned(), "jail rabbit busy".to_owned()),
        ]
    );
    assert_eq!(
        control.calls,
        [
            "stop batch",
            "stop web",
            "stop api",
            "stop scratch",
            "stop rabbit",
            "stop db"
        ]
    );
}

#[test]
fn duplicate_names_are_refused_before_anything_runs() {
    let mut cages = cages();
    cages.push(entry("rabbit", 1, false));
    let mut control = Recorder::default();
    assert_eq!(
        start_all(&mut control, &cages, RunScope::Boot).unwrap_err(),
        BootOrderError::DuplicateName("rabbit".to_owned())
    );
    assert!(control.calls.is_empty());
}
