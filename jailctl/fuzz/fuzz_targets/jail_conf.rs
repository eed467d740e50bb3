//! jail.conf(5): parsing never panics, rendering a parsed file gives text
//! that parses to the same statements, and errors point into the input.

#![no_main]

use jailctl::jail8::conf::{parse, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Ok(file) => {
            let rendered = render(&file).expect("a parsed file renders");
            assert_eq!(parse(&rendered).as_ref(), Ok(&file), "{rendered}");
        }
        Err(err) => assert!(err.at.offset <= text.len(), "{err}"),
    }
});
