//! jail.conf(5): parsing, rendering, and the round trip between them.

use jailctl::jail8::address::Ipv6List;
use jailctl::jail8::conf::{
    ConfErrorKind, ConfFile, Item, JailBlock, Op, Param, ParamName, Part, RenderError,
    RenderErrorKind, Value, parse, render,
};

fn lit(text: &str) -> Value {
    Value::literal(text)
}

fn round_trips(file: &ConfFile) {
    let text = render(file).unwrap();
    assert_eq!(&parse(&text).unwrap(), file, "rendered:\n{text}");
}

#[test]
fn values_needing_quotes() {
    let file = ConfFile {
        items: vec![Item::Jail(JailBlock {
            name: "mq".to_owned(),
            params: vec![
                Param::set("ip6.addr", "lo1|fd00::53/128"),
                Param::set("exec.start", "/bin/sh -c 'echo \"$HOME\"'"),
            ],
        })],
    };
    let text = render(&file).unwrap();
    assert_eq!(
        text,
        "mq {\n\tip6.addr = \"lo1|fd00::53/128\";\n\
         \texec.start = \"/bin/sh -c 'echo \\\"\\$HOME\\\"'\";\n}\n"
    );
    let block = parse(&text).unwrap().jail("mq").unwrap().clone();
    assert_eq!(
        block.effective_values("exec.start"),
        Some(vec![lit("/bin/sh -c 'echo \"$HOME\"'")])
    );
    assert_eq!(
        block.effective_values("ip6.addr"),
        Some(vec![lit("lo1|fd00::53/128")])
    );
}

#[test]
fn append_comma_lists_and_comments() {
    let text = r#"
mq {
    ip6.addr = "2001:db8::1", "2001:db8::2";   // two
    ip6.addr += "lo1|fd00::53/128";            # third
    /* block comment */ exec.stop = '';
}
"#;
    let file = parse(text).unwrap();
    let block = file.jail("mq").unwrap();
    let addrs = block.effective_values("ip6.addr").unwrap();
    assert_eq!(
        addrs,
        [
            lit("2001:db8::1"),
            lit("2001:db8::2"),
            lit("lo1|fd00::53/128")
        ]
    );
    assert_eq!(
        block.effective_values("exec.stop"),
        Some(vec![Value::from_parts(vec![])])
    );

    let texts: Vec<String> = addrs.iter().map(|v| v.as_literal().unwrap()).collect();
    let list = Ipv6List::parse_values(&texts).unwrap();
    assert_eq!(list.entries().len(), 3);

    let reset = text.replace("/* block", "ip6.addr = 2001:db8::9; /* block");
    let block = parse(&reset).unwrap().jail("mq").unwrap().clone();
    assert_eq!(
        block.effective_values("ip6.addr"),
        Some(vec![lit("2001:db8::9")])
    );
    round_trips(&file);
}

#[test]
fn variables_in_words_and_double_quotes_but_not_single_quotes() {
    let file = parse(
        "$base = \"/var/jail\";\npath = \"$base/${name}.d\";\nx = $base/z;\ny = '$base';\nz = \"\\$base\";\nw = \"a$\";\n",
    )
    .unwrap();
    let values: Vec<&Param> = file
        .items
        .iter()
        .map(|item| match item {
            Item::Param(p) => p,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(values[0].name, ParamName::Variable("base".to_owned()));
    assert_eq!(
        values[1].values,
        [Value::from_parts(vec![
            Part::Var("base".to_owned()),
            Part::Literal("/".to_owned()),
            Part::Var("name".to_owned()),
            Part::Literal(".d".to_owned()),
        ])]
    );
    assert_eq!(
        values[2].values,
        [Value::from_parts(vec![
            Part::Var("base".to_owned()),
            Part::Literal("/z".to_owned())
        ])]
    );
    assert_eq!(values[3].values, [lit("$base")]);
    assert_eq!(values[4].values, [lit("$base")]);
    assert_eq!(values[5].values, [lit("a$")]);
    round_trips(&file);
}

#[test]
fn escapes_follow_jail8() {
    let file = parse("a = \"t\\tn\\nq\\\"o\\101x\\x41c\\\ncont\";\nb = 'it\\'s';\n").unwrap();
    let Item::Param(a) = &file.items[0] else {
        panic!()
    };
    assert_eq!(a.values, [lit("t\tn\nq\"oAxAccont")]);
    let Item::Param(b) = &file.items[1] else {
        panic!()
    };
    assert_eq!(b.values, [lit("it's")]);
    round_trips(&file);
}

#[test]
fn boolean_shortcuts_wildcards_and_include() {
    let file = parse(
        ".include \"/etc/jail.conf.d/*.conf\";\n* { persist; }\nfoo.* { allow.nomount; }\nfoo.bar { mount.devfs 1; }\n",
    )
    .unwrap();
    assert_eq!(file.items[0], Item::Include(lit("/etc/jail.conf.d/*.conf")));
    assert_eq!(
        file.items[1],
        Item::Jail(JailBlock {
            name: "*".to_owned(),
            params: vec![Param {
                name: ParamName::Param("persist".to_owned()),
                op: Op::Set,
                values: vec![],
            }],
        })
    );
    assert_eq!(file.jail("foo.*").unwrap().params[0].values, []);
    assert_eq!(
        file.jail("foo.bar")
            .unwrap()
            .effective_values("mount.devfs"),
        Some(vec![lit("1")])
    );
    assert_eq!(
        render(&file).unwrap(),
        ".include \"/etc/jail.conf.d/*.conf\";\n* {\n\tpersist;\n}\nfoo.* {\n\tallow.nomount;\n}\n\
         foo.bar {\n\tmount.devfs = 1;\n}\n"
    );
    round_trips(&file);
}

#[test]
fn errors_point_at_line_and_column() {
    let cases: [(&str, ConfErrorKind, usize, usize, usize); 7] = [
        (
            "mq {\n  path = \"/jails;\n}\n",
            ConfErrorKind::UnterminatedString,
            2,
            10,
            14,
        ),
        ("/* open", ConfErrorKind::UnterminatedComment, 1, 1, 0),
        ("a = ${x;\n", ConfErrorKind::UnterminatedVariable, 1, 5, 4),
        (
            "mq {\n  persist\n}\n",
            ConfErrorKind::Expected("`;`"),
            3,
            1,
            15,
        ),
        (
            "mq {\n  persist;\n",
            ConfErrorKind::UnexpectedEnd("`}`"),
            3,
            1,
            16,
        ),
        ("a = \"\\0\";", ConfErrorKind::NulEscape, 1, 6, 5),
        ("a = b #c\n= d;", ConfErrorKind::Expected("`;`"), 2, 1, 9),
    ];
    for (text, kind, line, column, offset) in cases {
        let err = parse(text).unwrap_err();
        assert_eq!(
            (err.kind.clone(), err.at.line, err.at.column, err.at.offset),
            (kind, line, column, offset),
            "{text:?}"
        );
    }
    let err = parse("mq {\n  path = \"/jails;\n}\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2:10 (byte 14): unterminated string at `\"/jails;`"
    );
}

#[test]
fn corpus_manual_examples() {
    let file = parse(include_str!("jail8_corpus/manual_examples.conf")).unwrap();
    assert_eq!(file.items.len(), 7);
    assert_eq!(
        file.items[4],
        Item::Param(Param {
            name: ParamName::Param("path".to_owned()),
            op: Op::Set,
            values: vec![Value::from_parts(vec![
                Part::Literal("/var/jail/".to_owned()),
                Part::Var("name".to_owned()),
            ])],
        })
    );
    let web = file.jail("web").unwrap();
    assert_eq!(
        web.effective_values("ip4.addr"),
        Some(vec![
            lit("192.0.2.21"),
            lit("192.0.2.22"),
            lit("192.0.2.23")
        ])
    );
    let netonly = file.jail("netonly").unwrap();
    assert_eq!(netonly.effective_values("path"), Some(vec![lit("/")]));
    assert_eq!(
        netonly.effective_values("exec.start"),
        Some(vec![Value::default()])
    );
    assert_eq!(netonly.params.len(), 5);
    round_trips(&file);
}

#[test]
fn corpus_iocage_shape() {
    let file = parse(include_str!("jail8_corpus/iocage_shape.conf")).unwrap();
    let block = file.jail("ioc-mq").unwrap();
    assert_eq!(block.params.len(), 35);
    let addrs: Vec<String> = block
        .effective_values("ip6.addr")
        .unwrap()
        .iter()
        .map(|v| v.as_literal().unwrap())
        .collect();
    let list = Ipv6List::parse_values(&addrs).unwrap();
    assert_eq!(list.values(), ["em0|2001:db8::40/64", "lo1|fd00::40/128"]);
    assert_eq!(
        block.effective_values("stop.timeout"),
        Some(vec![lit("30")])
    );
    round_trips(&file);
}

#[test]
fn corpus_bastille_shape() {
    let file = parse(include_str!("jail8_corpus/bastille_shape.conf")).unwrap();
    assert_eq!(file.items.len(), 2);
    let mq = file.jail("mq").unwrap();
    assert_eq!(
        mq.effective_values("exec.consolelog"),
        Some(vec![lit("/var/log/bastille/mq_console.log")])
    );
    assert_eq!(
        mq.effective_values("osrelease"),
        Some(vec![lit("14.1-RELEASE")])
    );
    assert_eq!(
        mq.effective_values("exec.start"),
        Some(vec![lit("/bin/sh /etc/rc")])
    );
    let mqv = file.jail("mqv").unwrap();
    assert_eq!(
        mqv.effective_values("exec.prestart"),
        Some(vec![lit("jib addm mqv vtnet0")])
    );
    assert_eq!(mqv.effective_values("vnet"), Some(vec![]));
    round_trips(&file);
}

fn top_level(param: Param) -> ConfFile {
    ConfFile {
        items: vec![Item::Param(param)],
    }
}

#[test]
fn nul_in_a_value_is_refused_by_the_renderer() {
    let file = ConfFile {
        items: vec![Item::Jail(JailBlock {
            name: "mq".to_owned(),
            params: vec![Param::set("exec.start", "a\0b")],
        })],
    };
    let err = render(&file).unwrap_err();
    assert_eq!(
        err,
        RenderError {
            place: "jail `mq`, parameter `exec.start`".to_owned(),
            kind: RenderErrorKind::NulByte("a value"),
        }
    );
    assert_eq!(
        err.to_string(),
        "jail `mq`, parameter `exec.start`: NUL byte in a value"
    );
    let err = render(&top_level(Param::set("a\0b", "x"))).unwrap_err();
    assert_eq!(err.kind, RenderErrorKind::NulByte("the parameter name"));
    assert_eq!(err.place, "top level, parameter `a\\0b`");
}

#[test]
fn include_named_parameter_is_refused_by_the_renderer() {
    let err = render(&top_level(Param::set(".include", "/etc/x.conf"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "top level, parameter `.include`: \
         a top-level parameter named `.include` reads back as an include directive"
    );
    let include = ConfFile {
        items: vec![Item::Include(lit("/etc/x.conf"))],
    };
    round_trips(&include);
}

#[test]
fn append_without_value_is_refused_by_the_renderer() {
    let param = Param {
        name: ParamName::Param("persist".to_owned()),
        op: Op::Append,
        values: vec![],
    };
    let err = render(&top_level(param)).unwrap_err();
    assert_eq!(err.kind, RenderErrorKind::AppendWithoutValue);
}

#[test]
fn values_built_from_parts_take_the_parsed_form() {
    let value = Value::from_parts(vec![
        Part::Literal(String::new()),
        Part::Literal("/var/".to_owned()),
        Part::Literal("jail/".to_owned()),
        Part::Var("name".to_owned()),
        Part::Literal(String::new()),
    ]);
    assert_eq!(
        value.parts(),
        [
            Part::Literal("/var/jail/".to_owned()),
            Part::Var("name".to_owned())
        ]
    );
    round_trips(&top_level(Param {
        name: ParamName::Param("path".to_owned()),
        op: Op::Set,
        values: vec![value, Value::from_parts(vec![Part::Literal(String::new())])],
    }));
}
