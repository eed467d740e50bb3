//! The sysctl(3) calls that describe `security.jail.param.*`.

use libc::c_int;

use crate::error::Errno;

/// `CTL_MAXNAME`: the longest OID.
const CTL_MAXNAME: usize = 24;

fn sysctl_read(mib: &[c_int], buf: &mut [u8], newp: Option<&[u8]>) -> Result<usize, Errno> {
    let mut len = buf.len();
    let (new_ptr, new_len) = match newp {
        Some(bytes) => (bytes.as_ptr().cast(), bytes.len()),
        None => (std::ptr::null(), 0),
    };
    // SAFETY: `mib`, `buf` and `newp` are live slices of the lengths passed;
    // the kernel writes at most `len` bytes into `buf`.
    let ret = unsafe {
        libc::sysctl(
            mib.as_ptr(),
            mib.len() as libc::c_uint,
            buf.as_mut_ptr().cast(),
            &mut len,
            new_ptr,
            new_len,
        )
    };
    if ret < 0 { Err(Errno::last()) } else { Ok(len) }
}

/// The OID of a sysctl name (`sysctl.name2oid`, MIB 0.3).
pub(crate) fn name_to_oid(name: &str) -> Result<Vec<c_int>, Errno> {
    let mut buf = [0u8; CTL_MAXNAME * 4];
    let len = sysctl_read(
        &[libc::CTL_SYSCTL, libc::CTL_SYSCTL_NAME2OID],
        &mut buf,
        Some(name.as_bytes()),
    )?;
    Ok(buf[..len]
        .chunks_exact(4)
        .map(|c| c_int::from_ne_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

fn with_prefix(op: c_int, oid: &[c_int]) -> Vec<c_int> {
    let mut mib = vec![libc::CTL_SYSCTL, op];
    mib.extend_from_slice(oid);
    mib
}

/// The dotted name of an OID (`sysctl.name`, MIB 0.1).
pub(crate) fn oid_name(oid: &[c_int]) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; 1024];
    let len = sysctl_read(&with_prefix(libc::CTL_SYSCTL_NAME, oid), &mut buf, None)?;
    buf.truncate(len);
    Ok(buf)
}

/// The kind word and format string of an OID (`sysctl.oidfmt`, MIB 0.4).
pub(crate) fn oid_format(oid: &[c_int]) -> Result<(u32, String), Errno> {
    let mut buf = vec![0u8; 4 + 1024];
    let len = sysctl_read(&with_prefix(libc::CTL_SYSCTL_OIDFMT, oid), &mut buf, None)?;
    let kind = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let text = &buf[4..len.max(4)];
    let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
    Ok((kind, String::from_utf8_lossy(&text[..end]).into_owned()))
}

/// The value of an OID, as bytes.
pub(crate) fn oid_value(oid: &[c_int]) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; 64];
    let len = sysctl_read(oid, &mut buf, None)?;
    buf.truncate(len);
    Ok(buf)
}
