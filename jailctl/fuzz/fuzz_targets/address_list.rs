//! `ip4.addr` / `ip6.addr` lists: parsing never panics, a parsed list
//! prints to text that parses back to it, and errors point into the input.

#![no_main]

use jailctl::jail8::address::{AddressEntry, AddressError, AddressList, Ipv4Entry, Ipv6Entry};
use libfuzzer_sys::fuzz_target;

fn check_error(err: &AddressError, text: &str) {
    assert_eq!(err.input, text);
    assert!(err.input[err.offset..].starts_with(&err.fragment), "{err}");
}

fn check<E: AddressEntry + PartialEq + std::fmt::Debug>(text: &str) {
    match AddressList::<E>::parse(text) {
        Ok(list) => {
            let printed = list.to_string();
            assert_eq!(AddressList::<E>::parse(&printed).as_ref(), Ok(&list), "{printed}");
        }
        Err(err) => check_error(&err, text),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check::<Ipv4Entry>(text);
        check::<Ipv6Entry>(text);
    }
});
