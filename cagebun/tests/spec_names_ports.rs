//! Long node names, node name length, and ports taken twice.

use cagebun::names::{NameError, NodeName, PipeName};
use cagebun::spec::PipeSpec;
use cagebun::{CageSpec, FileRole, SpecError};

fn env_with_node(node: &str) -> String {
    let mut spec = CageSpec::default();
    spec.rabbitmq.node_name = NodeName::new(node).unwrap();
    let plan = spec.plan().unwrap();
    plan.file(FileRole::RabbitmqEnv)
        .unwrap()
        .text()
        .unwrap()
        .to_owned()
}

#[test]
fn a_node_name_with_a_dotted_host_sets_use_longname() {
    for node in ["rabbit@rabbit.example.org", "rabbit@127.0.0.7"] {
        let env = env_with_node(node);
        assert!(
            env.contains(&format!("NODENAME='{node}'\nUSE_LONGNAME='true'\n")),
            "{env}"
        );
    }
}

#[test]
fn a_short_node_name_does_not_set_use_longname() {
    let env = env_with_node("rabbit@localhost");
    assert!(env.contains("NODENAME='rabbit@localhost'\n"), "{env}");
    assert!(!env.contains("USE_LONGNAME"), "{env}");
}

#[test]
fn a_node_name_longer_than_an_atom_is_refused() {
    let node = format!("{}@localhost", "r".repeat(246));
    assert_eq!(node.len(), 256);
    assert_eq!(
        NodeName::new(&node),
        Err(NameError {
            kind: "node name",
            value: node.clone(),
            reason: "256 bytes, more than an Erlang atom's 255".to_owned(),
        })
    );
    let ok = format!("{}@localhost", "r".repeat(245));
    assert!(NodeName::new(&ok).is_ok());
}

#[test]
fn two_pipes_on_one_port_are_refused() {
    let mut spec = CageSpec::default();
    spec.spiped.pipes.push(PipeSpec {
        name: PipeName::new("AGAIN").unwrap(),
        port: 5672,
    });
    let err = spec.plan().unwrap_err();
    assert!(matches!(
        &err,
        SpecError::DuplicatePipePort { port: 5672, first, second } if first == "RMQ" && second == "AGAIN"
    ));
    assert_eq!(
        err.to_string(),
        "spiped.pipes: pipes RMQ and AGAIN both listen on port 5672"
    );
}

#[test]
fn two_broker_listeners_on_one_port_are_refused() {
    let mut spec = CageSpec::default();
    spec.rabbitmq.listeners.mqtt = Some(5672);
    assert_eq!(
        spec.plan().unwrap_err().to_string(),
        "rabbitmq.listeners: port 5672 is used by both amqp and mqtt"
    );
}
