//! Every rendered Erlang file evaluated by a real `erl` the way the broker
//! reads it (the whole file as Latin-1 text, scanned, parsed and evaluated;
//! `file:consult/1` for enabled_plugins and erl_inetrc), compared with what
//! cagebun's own reader makes of it and with the values of the spec.
//! Skipped, with the reason printed, where `erl` is not installed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cagebun::erlang_syntax::{parse_single_term, parse_terms};
use cagebun::erlang_term::ErlangTerm;
use cagebun::spec::ConfigFormat;
use cagebun::{CageSpec, FileRole, Plan};

const EVALUATE: &str = r#"
Eval = fun(F) ->
    {ok, B} = file:read_file(F),
    {ok, Ts, _} = erl_scan:string(binary_to_list(B)),
    {ok, Es} = erl_parse:parse_exprs(Ts),
    {value, V, _} = erl_eval:exprs(Es, []),
    V
end,
Consult = fun(F) -> {ok, Ts} = file:consult(F), Ts end,
lists:foreach(
    fun(A) ->
        [Mode, F] = string:split(A, ":"),
        V = case Mode of "eval" -> Eval(F); "consult" -> Consult(F) end,
        io:format("~w~n", [V])
    end,
    init:get_plain_arguments()),
halt().
"#;

fn erl_available() -> bool {
    Command::new("erl")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs erl over the files; one `~w` line per file.
fn evaluate(files: &[(&str, PathBuf)]) -> Vec<String> {
    let mut command = Command::new("erl");
    command.args(["-noshell", "-eval", EVALUATE, "-extra"]);
    for (mode, path) in files {
        command.arg(format!("{mode}:{}", path.display()));
    }
    let output = command.output().expect("erl runs");
    assert!(
        output.status.success(),
        "erl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Writes the plan's Erlang files into `dir`; returns (mode, path, our reading).
fn write_erlang_files(plan: &Plan, dir: &Path) -> Vec<(&'static str, PathBuf, ErlangTerm)> {
    let mut out = Vec::new();
    for (role, mode) in [
        (FileRole::RabbitmqConfig, "eval"),
        (FileRole::AdvancedConfig, "eval"),
        (FileRole::EnabledPlugins, "consult"),
        (FileRole::ErlInetrc, "consult"),
    ] {
        let Some(text) = plan.file(role).and_then(|f| f.text()) else {
            continue;
        };
        let path = dir.join(format!("{role:?}"));
        fs::write(&path, text).unwrap();
        let ours = if mode == "eval" {
            parse_single_term(text).unwrap()
        } else {
            ErlangTerm::List(parse_terms(text).unwrap())
        };
        out.push((mode, path, ours));
    }
    out
}

fn hostile_spec(marker: &Path, format: ConfigFormat) -> CageSpec {
    let mut spec = CageSpec::default();
    spec.rabbitmq.config_format = format;
    spec.rabbitmq.password.0 = format!("\"}}>>, os:cmd(\"touch {}\"), <<\"é\n\\", marker.display());
    spec.rabbitmq.user = "o'neil\u{1}".to_owned();
    spec.rabbitmq.vhost = "/ü".to_owned();
    spec
}

fn bytes_term(bytes: &[u8]) -> String {
    ErlangTerm::Binary(bytes.to_vec()).canonical()
}

#[test]
fn erl_reads_every_rendered_file_as_cagebun_does() {
    if !erl_available() {
        eprintln!("skipped: erl is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("evaluated");
    let specs = [
        CageSpec::default(),
        hostile_spec(&marker, ConfigFormat::Classic),
        hostile_spec(&marker, ConfigFormat::Conf),
    ];
    for (i, spec) in specs.iter().enumerate() {
        let plan = spec.plan().unwrap();
        let sub = dir.path().join(i.to_string());
        fs::create_dir(&sub).unwrap();
        let files = write_erlang_files(&plan, &sub);
        let args: Vec<(&str, PathBuf)> = files.iter().map(|(m, p, _)| (*m, p.clone())).collect();
        let erl_lines = evaluate(&args);
        assert_eq!(erl_lines.len(), files.len());
        for ((_, path, ours), erl) in files.iter().zip(&erl_lines) {
            assert_eq!(&ours.canonical(), erl, "{}", path.display());
        }
        // The password arrives as exactly its own bytes.
        let password = bytes_term(spec.rabbitmq.password.0.as_bytes());
        let config = &erl_lines[0];
        assert!(
            config.contains(&format!("{{default_pass,{password}}}")),
            "{config}"
        );
    }
    assert!(!marker.exists(), "a value was evaluated as code");
}

#[test]
fn erl_sees_the_expected_default_terms() {
    if !erl_available() {
        eprintln!("skipped: erl is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plan = CageSpec::default().plan().unwrap();
    let files = write_erlang_files(&plan, dir.path());
    let args: Vec<(&str, PathBuf)> = files.iter().map(|(m, p, _)| (*m, p.clone())).collect();
    let lines = evaluate(&args);
    // "::7" is the list [58,58,55]; <<"/">> is <<47>>; <<".*">> is <<46,42>>.
    assert_eq!(
        lines[0],
        "[{rabbit,[{tcp_listeners,[{[58,58,55],5672}]},{default_vhost,<<47>>},\
         {default_user,<<101,108,109,101,114>>},{default_pass,<<102,117,100,100>>},\
         {default_permissions,[<<46,42>>,<<46,42>>,<<46,42>>]},\
         {default_user_tags,[administrator]}]},\
         {rabbitmq_management,[{listener,[{port,15672},{ip,[58,58,55]}]}]},\
         {rabbitmq_stomp,[{tcp_listeners,[{[58,58,55],61613}]}]},\
         {rabbitmq_mqtt,[{tcp_listeners,[{[58,58,55],1883}]}]}]"
    );
    assert_eq!(
        lines[1],
        "[[rabbitmq_management,rabbitmq_stomp,rabbitmq_amqp1_0,rabbitmq_mqtt]]"
    );
    assert_eq!(
        lines[2],
        "[{hosts_file,[]},{host,{127,0,0,7},[[108,111,99,97,108,104,111,115,116]]},{lookup,[file,native]}]"
    );
}
