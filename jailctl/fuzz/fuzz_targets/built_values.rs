//! Values built through the public constructors: every jail.conf(5) file
//! that `render` accepts parses back to itself, and every address entry the
//! constructors accept prints to text that parses back to it.

#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use jailctl::jail8::address::{Iface, InterfaceName, Ipv4Entry, Ipv4Mask, Ipv6Entry};
use jailctl::jail8::conf::{ConfFile, Item, JailBlock, Op, Param, ParamName, Part, Value};
use jailctl::jail8::conf::{parse, render};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

fn value(u: &mut Unstructured<'_>) -> Result<Value> {
    let mut parts = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        parts.push(if u.arbitrary()? {
            Part::Var(u.arbitrary()?)
        } else {
            Part::Literal(u.arbitrary()?)
        });
    }
    Ok(Value::from_parts(parts))
}

fn param(u: &mut Unstructured<'_>) -> Result<Param> {
    let name = if u.arbitrary()? {
        ParamName::Variable(u.arbitrary()?)
    } else {
        ParamName::Param(u.arbitrary()?)
    };
    let op = if u.arbitrary()? { Op::Append } else { Op::Set };
    let mut values = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        values.push(value(u)?);
    }
    Ok(Param { name, op, values })
}

fn conf_file(u: &mut Unstructured<'_>) -> Result<ConfFile> {
    let mut items = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        items.push(match u.int_in_range(0..=2)? {
            0 => Item::Param(param(u)?),
            1 => Item::Include(value(u)?),
            _ => {
                let name = u.arbitrary()?;
                let mut params = Vec::new();
                for _ in 0..u.int_in_range(0..=3)? {
                    params.push(param(u)?);
                }
                Item::Jail(JailBlock { name, params })
            }
        });
    }
    Ok(ConfFile { items })
}

fn iface(u: &mut Unstructured<'_>) -> Result<Option<Iface>> {
    Ok(match u.int_in_range(0..=2)? {
        0 => None,
        1 => Some(Iface::Default),
        _ => InterfaceName::new(u.arbitrary()?).ok().map(Iface::Named),
    })
}

fn ipv4_entry(u: &mut Unstructured<'_>) -> Result<Option<Ipv4Entry>> {
    let mut entry = Ipv4Entry::new(Ipv4Addr::from(u.arbitrary::<u32>()?));
    if let Some(iface) = iface(u)? {
        entry = entry.with_iface(iface);
    }
    let mask = match u.int_in_range(0..=2)? {
        0 => None,
        1 => Some(Ipv4Mask::PrefixLen(u.arbitrary()?)),
        _ => Some(Ipv4Mask::Netmask(Ipv4Addr::from(u.arbitrary::<u32>()?))),
    };
    if let Some(mask) = mask {
        let Ok(masked) = entry.with_mask(mask) else {
            return Ok(None);
        };
        entry = masked;
    }
    Ok(entry.with_extra(u.arbitrary()?).ok())
}

fn ipv6_entry(u: &mut Unstructured<'_>) -> Result<Option<Ipv6Entry>> {
    let mut entry = Ipv6Entry::new(Ipv6Addr::from(u.arbitrary::<u128>()?));
    if let Some(iface) = iface(u)? {
        let Ok(with) = entry.with_iface(iface) else {
            return Ok(None);
        };
        entry = with;
    }
    if u.arbitrary()? {
        let Ok(scope) = InterfaceName::new(u.arbitrary()?) else {
            return Ok(None);
        };
        let Ok(with) = entry.with_scope(scope) else {
            return Ok(None);
        };
        entry = with;
    }
    if u.arbitrary()? {
        let Ok(with) = entry.with_prefix(u.arbitrary()?) else {
            return Ok(None);
        };
        entry = with;
    }
    Ok(entry.with_extra(u.arbitrary()?).ok())
}

fn check(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let file = conf_file(&mut u)?;
    if let Ok(text) = render(&file) {
        assert_eq!(parse(&text).as_ref(), Ok(&file), "{text}");
    }
    if let Some(entry) = ipv4_entry(&mut u)? {
        let text = entry.to_string();
        assert_eq!(text.parse::<Ipv4Entry>().as_ref(), Ok(&entry), "{text}");
    }
    if let Some(entry) = ipv6_entry(&mut u)? {
        let text = entry.to_string();
        assert_eq!(text.parse::<Ipv6Entry>().as_ref(), Ok(&entry), "{text}");
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = check(data);
});
