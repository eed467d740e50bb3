//! `ip4.addr` / `ip6.addr` lists: parsing never panics, a parsed list
//! prints to strings that parse back to it, and errors point into the input.
//! The input is split at newlines into the strings of one jail.conf list.

#![no_main]

use jailctl::jail8::address::{AddressEntry, AddressError, AddressList, Ipv4Entry, Ipv6Entry};
use libfuzzer_sys::fuzz_target;

fn check_error(err: &AddressError, joined: &str) {
    assert_eq!(err.input, joined);
    assert!(err.input[err.offset..].starts_with(&err.fragment), "{err}");
}

fn check<E: AddressEntry + PartialEq + std::fmt::Debug>(values: &[&str]) {
    match AddressList::<E>::parse_values(values) {
        Ok(list) => {
            let printed = list.values();
            assert_eq!(
                AddressList::<E>::parse_values(&printed).as_ref(),
                Ok(&list),
                "{printed:?}"
            );
        }
        Err(err) => check_error(&err, &values.join(",")),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let values: Vec<&str> = text.split('\n').collect();
        check::<Ipv4Entry>(&values);
        check::<Ipv6Entry>(&values);
    }
});
