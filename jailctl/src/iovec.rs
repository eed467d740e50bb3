//! The one builder of iovec lists for jail_set(2) and jail_get(2).
//!
//! A [`JailIovecs`] owns every name and value buffer of a call, adds the
//! `errmsg` out-buffer itself, produces the `Vec<libc::iovec>` the kernel
//! reads, and takes back the lengths jail_get(2) writes.

use std::ffi::CString;
use std::fmt;

use crate::param::{Param, ParamError};

/// Size of the `errmsg` buffer, as libjail's `JAIL_ERRMSGLEN`.
pub const ERRMSG_LEN: usize = 1024;

#[derive(Debug)]
struct Pair {
    name: CString,
    value: Option<Vec<u8>>,
    len: usize,
    shown: String,
}

/// The name/value pairs of one jail_set(2) or jail_get(2) call, and the
/// buffers behind them.
///
/// References: jail(2).
#[derive(Debug)]
pub struct JailIovecs {
    pairs: Vec<Pair>,
    errmsg: Vec<u8>,
}

/// One name/value pair as the kernel sees it.
///
/// References: jail(2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IovecPair<'a> {
    /// The name, with its terminating NUL.
    pub name: &'a [u8],
    /// The value buffer, or `None` for a NULL pointer.
    pub value: Option<&'a [u8]>,
    /// The value length the iovec carries.
    pub len: usize,
}

impl Default for JailIovecs {
    fn default() -> Self {
        Self::new()
    }
}

impl JailIovecs {
    /// An empty list; `errmsg` is added by the builder, never by callers.
    ///
    /// References: jail(2).
    pub fn new() -> Self {
        Self {
            pairs: Vec::new(),
            errmsg: vec![0; ERRMSG_LEN],
        }
    }

    fn push_pair(&mut self, name: &str, value: Option<Vec<u8>>, len: usize, shown: String) {
        // Names were checked for NUL bytes when their `Param` was built, and
        // the fixed names used by this crate have none.
        let name = CString::new(name).unwrap_or_default();
        self.pairs.push(Pair {
            name,
            value,
            len,
            shown,
        });
    }

    /// Adds a parameter to send: its wire name (`no` form for a false
    /// boolean) and its value bytes; a boolean gets a NULL value of length 0.
    ///
    /// References: jail(2).
    pub fn push_param(&mut self, param: &Param) {
        let value = param.value().encode();
        let len = value.as_ref().map_or(0, Vec::len);
        self.push_pair(&param.wire_name(), value, len, param.to_string());
    }

    /// Adds a raw key value, such as `jid` or `lastjid` for jail_get(2).
    ///
    /// References: jail(2).
    pub fn push_key(
        &mut self,
        name: &str,
        value: Vec<u8>,
        shown: String,
    ) -> Result<(), ParamError> {
        if name.contains('\0') {
            return Err(ParamError::ContainsNul {
                param: name.to_owned(),
            });
        }
        let len = value.len();
        self.push_pair(name, Some(value), len, format!("{name}={shown}"));
        Ok(())
    }

    /// Adds a zeroed buffer of `capacity` bytes for jail_get(2) to fill.
    ///
    /// References: jail(2).
    pub fn push_out(&mut self, name: &str, capacity: usize) -> Result<(), ParamError> {
        if name.contains('\0') {
            return Err(ParamError::ContainsNul {
                param: name.to_owned(),
            });
        }
        self.push_pair(name, Some(vec![0; capacity]), capacity, name.to_owned());
        Ok(())
    }

    /// The number of pairs, `errmsg` not counted.
    ///
    /// References: jail(2).
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether no pair was added.
    ///
    /// References: jail(2).
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Every pair in call order, `errmsg` last.
    ///
    /// References: jail(2).
    pub fn pairs(&self) -> Vec<IovecPair<'_>> {
        let mut out: Vec<_> = self
            .pairs
            .iter()
            .map(|p| IovecPair {
                name: p.name.as_bytes_with_nul(),
                value: p.value.as_deref(),
                len: p.len,
            })
            .collect();
        out.push(IovecPair {
            name: b"errmsg\0",
            value: Some(&self.errmsg),
            len: self.errmsg.len(),
        });
        out
    }

    /// The iovec array for the call: two entries per pair, `errmsg` last.
    ///
    /// The pointers borrow this builder's buffers; the array must not
    /// outlive it, and the builder must not change while the call runs.
    ///
    /// References: jail(2), iovec(9).
    pub fn iovecs(&mut self) -> Vec<libc::iovec> {
        let mut iov = Vec::with_capacity(2 * (self.pairs.len() + 1));
        for pair in &mut self.pairs {
            iov.push(libc::iovec {
                iov_base: pair.name.as_ptr().cast_mut().cast(),
                iov_len: pair.name.as_bytes_with_nul().len(),
            });
            let base = match &mut pair.value {
                Some(buf) => buf.as_mut_ptr().cast(),
                None => std::ptr::null_mut(),
            };
            iov.push(libc::iovec {
                iov_base: base,
                iov_len: pair.len,
            });
        }
        iov.push(libc::iovec {
            iov_base: c"errmsg".as_ptr().cast_mut().cast(),
            iov_len: 7,
        });
        iov.push(libc::iovec {
            iov_base: self.errmsg.as_mut_ptr().cast(),
            iov_len: ERRMSG_LEN,
        });
        iov
    }

    /// Takes back the value lengths jail_get(2) wrote into `iov`, the array
    /// [`Self::iovecs`] produced; a length never grows past its buffer.
    ///
    /// References: jail(2).
    pub fn take_lengths(&mut self, iov: &[libc::iovec]) {
        for (pair, entry) in self.pairs.iter_mut().zip(iov.chunks_exact(2)) {
            let cap = pair.value.as_ref().map_or(0, Vec::len);
            pair.len = entry[1].iov_len.min(cap);
        }
    }

    /// The value bytes of the pair named `name`, up to its current length.
    ///
    /// References: jail(2).
    pub fn value(&self, name: &str) -> Option<&[u8]> {
        let pair = self
            .pairs
            .iter()
            .find(|p| p.name.as_bytes() == name.as_bytes())?;
        pair.value.as_deref().map(|v| &v[..pair.len.min(v.len())])
    }

    /// The kernel's message, if it wrote one.
    ///
    /// References: jail(2) (`errmsg`).
    pub fn errmsg(&self) -> Option<String> {
        let end = self
            .errmsg
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.errmsg.len());
        (end > 0).then(|| String::from_utf8_lossy(&self.errmsg[..end]).into_owned())
    }
}

impl fmt::Display for JailIovecs {
    /// The pairs the way `jail -v` prints them: `name=value` or a bare
    /// boolean name, separated by spaces; `errmsg` is left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, pair) in self.pairs.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(&pair.shown)?;
        }
        Ok(())
    }
}
