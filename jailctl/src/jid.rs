//! [`Jid`]: a jail's numeric identifier.

use std::fmt;
use std::num::NonZeroI32;

/// A jail ID: a positive integer. 0 is the host, never a jail.
///
/// References: jail(2), jls(8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[doc(alias = "jid")]
pub struct Jid(NonZeroI32);

impl Jid {
    /// The jid for `raw`, or `None` for 0 (the host) and negative values.
    ///
    /// References: jail(2).
    pub const fn from_raw(raw: i32) -> Option<Self> {
        if raw <= 0 {
            return None;
        }
        match NonZeroI32::new(raw) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The jid as the kernel's `int`.
    ///
    /// References: jail(2).
    pub const fn get(self) -> i32 {
        self.0.get()
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Jid;

    #[test]
    fn zero_and_negative_are_not_jails() {
        assert_eq!(Jid::from_raw(0), None);
        assert_eq!(Jid::from_raw(-1), None);
        assert_eq!(Jid::from_raw(7).map(Jid::get), Some(7));
    }
}
