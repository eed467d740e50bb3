//! The FreeBSD ABI tag of an ELF executable: the `OSVERSION` its userland
//! was built for and the machine it runs on.
//!
//! FreeBSD links a note into every executable (section `.note.tag`, owner
//! `FreeBSD`, type `NT_FREEBSD_ABI_TAG` = 1) whose 4-byte descriptor is the
//! `__FreeBSD_version` of the tree it was built from, e.g. `1302001`. The
//! machine comes from the ELF header (`e_machine`, class and byte order).
//! The parser reads bytes only: it never maps, loads or runs the file.
//!
//! # Limitations
//!
//! - 32-bit ARM (`armv6`, `armv7`) is refused: telling them apart needs the
//!   ARM attributes section, which is not read.
//! - RISC-V is named `riscv64` only for the double-float ABI; soft-float
//!   executables are refused.
//!
//! References: elf(5), FreeBSD's `crtbrand` note, pkg(8) `ABI`.

use std::fmt;

use thiserror::Error;

/// Owner name of FreeBSD notes, without its NUL.
const FREEBSD_NOTE_OWNER: &[u8] = b"FreeBSD";
/// Note type of the ABI tag.
pub const NT_FREEBSD_ABI_TAG: u32 = 1;
const PT_NOTE: u32 = 4;
const SHT_NOTE: u32 = 7;
const EM_386: u16 = 3;
const EM_PPC: u16 = 20;
const EM_PPC64: u16 = 21;
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;
const EM_RISCV: u16 = 243;
const EF_RISCV_FLOAT_ABI_MASK: u32 = 0x6;
const EF_RISCV_FLOAT_ABI_DOUBLE: u32 = 0x4;

/// A machine as pkg(8) names it in an ABI string.
///
/// References: pkg(8) `ABI`, elf(5) `e_machine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreebsdArch {
    /// x86-64 (`EM_X86_64`).
    Amd64,
    /// 32-bit x86 (`EM_386`).
    I386,
    /// 64-bit ARM (`EM_AARCH64`).
    Aarch64,
    /// 32-bit big-endian PowerPC (`EM_PPC`).
    Powerpc,
    /// 64-bit big-endian PowerPC (`EM_PPC64`, `ELFDATA2MSB`).
    Powerpc64,
    /// 64-bit little-endian PowerPC (`EM_PPC64`, `ELFDATA2LSB`).
    Powerpc64le,
    /// 64-bit RISC-V with the double-float ABI (`EM_RISCV`).
    Riscv64,
}

impl FreebsdArch {
    /// The name pkg(8) uses, e.g. `amd64`.
    pub fn as_str(self) -> &'static str {
        match self {
            FreebsdArch::Amd64 => "amd64",
            FreebsdArch::I386 => "i386",
            FreebsdArch::Aarch64 => "aarch64",
            FreebsdArch::Powerpc => "powerpc",
            FreebsdArch::Powerpc64 => "powerpc64",
            FreebsdArch::Powerpc64le => "powerpc64le",
            FreebsdArch::Riscv64 => "riscv64",
        }
    }
}

impl fmt::Display for FreebsdArch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the ABI tag of an executable says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElfAbiTag {
    /// `__FreeBSD_version` of the userland, e.g. `1302001` for 13.2.
    pub osversion: u32,
    /// The machine.
    pub arch: FreebsdArch,
}

impl ElfAbiTag {
    /// The major release, `osversion / 100000` (13 for `1302001`).
    pub fn major(&self) -> u32 {
        self.osversion / 100_000
    }
}

/// Why no ABI tag could be read, naming what was found instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ElfAbiError {
    /// The file does not start with `\x7fELF`.
    #[error("not an ELF file (starts with {start:02x?})")]
    NotElf {
        /// Its first bytes, up to four.
        start: Vec<u8>,
    },
    /// `EI_CLASS` is neither 1 (32-bit) nor 2 (64-bit).
    #[error("ELF class {0} is neither ELFCLASS32 (1) nor ELFCLASS64 (2)")]
    BadClass(u8),
    /// `EI_DATA` is neither 1 (little-endian) nor 2 (big-endian).
    #[error("ELF data encoding {0} is neither ELFDATA2LSB (1) nor ELFDATA2MSB (2)")]
    BadByteOrder(u8),
    /// A header or note runs past the end of the file.
    #[error("{what} at offset {offset} runs past the end of the {len}-byte file")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Where it starts.
        offset: u64,
        /// The file's length.
        len: usize,
    },
    /// `e_machine` (with class and flags) is not a FreeBSD package machine.
    #[error("ELF machine {machine} ({bits}-bit, e_flags {flags:#x}) has no pkg ABI name here")]
    UnsupportedMachine {
        /// `e_machine`.
        machine: u16,
        /// 32 or 64.
        bits: u8,
        /// `e_flags`.
        flags: u32,
    },
    /// No `FreeBSD` note of type `NT_FREEBSD_ABI_TAG` with a 4-byte descriptor.
    #[error("no FreeBSD ABI tag note (owner \"FreeBSD\", type 1, 4-byte descriptor)")]
    NoAbiTag,
}

/// Reads `len` bytes at `offset` of `data`, or says what ran out.
fn slice_at<'a>(
    data: &'a [u8],
    offset: u64,
    len: u64,
    what: &'static str,
) -> Result<&'a [u8], ElfAbiError> {
    let truncated = ElfAbiError::Truncated {
        what,
        offset,
        len: data.len(),
    };
    let start = usize::try_from(offset).map_err(|_| truncated.clone())?;
    let len = usize::try_from(len).map_err(|_| truncated.clone())?;
    let end = start.checked_add(len).ok_or_else(|| truncated.clone())?;
    data.get(start..end).ok_or(truncated)
}

/// Byte order and word size of one file.
#[derive(Clone, Copy)]
struct Layout {
    is_64: bool,
    big_endian: bool,
}

impl Layout {
    fn u16(self, b: &[u8], at: usize) -> u16 {
        let bytes = [b[at], b[at + 1]];
        if self.big_endian {
            u16::from_be_bytes(bytes)
        } else {
            u16::from_le_bytes(bytes)
        }
    }

    fn u32(self, b: &[u8], at: usize) -> u32 {
        let bytes = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if self.big_endian {
            u32::from_be_bytes(bytes)
        } else {
            u32::from_le_bytes(bytes)
        }
    }

    fn u64(self, b: &[u8], at: usize) -> u64 {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&b[at..at + 8]);
        if self.big_endian {
            u64::from_be_bytes(bytes)
        } else {
            u64::from_le_bytes(bytes)
        }
    }

    /// An address-sized field: 8 bytes in ELF64, 4 in ELF32.
    fn word(self, b: &[u8], at64: usize, at32: usize) -> u64 {
        if self.is_64 {
            self.u64(b, at64)
        } else {
            u64::from(self.u32(b, at32))
        }
    }
}

/// One note region: where it is and how its entries are padded.
struct NoteRegion {
    offset: u64,
    size: u64,
    align: u64,
}

/// Reads the ABI tag of the ELF image `data`: the machine from the header,
/// the `OSVERSION` from the first `FreeBSD` note of type 1 in a `PT_NOTE`
/// segment (or, for a file without program headers, an `SHT_NOTE` section).
///
/// References: elf(5) "ELF header", "Program header", "Section header",
/// "Notes".
pub fn read_elf_abi_tag(data: &[u8]) -> Result<ElfAbiTag, ElfAbiError> {
    if data.len() < 4 || &data[..4] != b"\x7fELF" {
        return Err(ElfAbiError::NotElf {
            start: data.iter().take(4).copied().collect(),
        });
    }
    let ident = slice_at(data, 0, 16, "e_ident")?;
    let is_64 = match ident[4] {
        1 => false,
        2 => true,
        other => return Err(ElfAbiError::BadClass(other)),
    };
    let big_endian = match ident[5] {
        1 => false,
        2 => true,
        other => return Err(ElfAbiError::BadByteOrder(other)),
    };
    let layout = Layout { is_64, big_endian };
    let header = slice_at(data, 0, if is_64 { 64 } else { 52 }, "ELF header")?;
    let machine = layout.u16(header, 18);
    let flags = layout.u32(header, if is_64 { 48 } else { 36 });
    let arch = arch_of(machine, layout, flags)?;

    let regions = note_regions(data, header, layout)?;
    for region in regions {
        let notes = slice_at(data, region.offset, region.size, "note region")?;
        if let Some(osversion) = find_abi_tag(notes, layout, region.align) {
            return Ok(ElfAbiTag { osversion, arch });
        }
    }
    Err(ElfAbiError::NoAbiTag)
}

fn arch_of(machine: u16, layout: Layout, flags: u32) -> Result<FreebsdArch, ElfAbiError> {
    let arch = match (machine, layout.is_64) {
        (EM_X86_64, true) => Some(FreebsdArch::Amd64),
        (EM_386, false) => Some(FreebsdArch::I386),
        (EM_AARCH64, true) => Some(FreebsdArch::Aarch64),
        (EM_PPC, false) if layout.big_endian => Some(FreebsdArch::Powerpc),
        (EM_PPC64, true) if layout.big_endian => Some(FreebsdArch::Powerpc64),
        (EM_PPC64, true) => Some(FreebsdArch::Powerpc64le),
        (EM_RISCV, true) if flags & EF_RISCV_FLOAT_ABI_MASK == EF_RISCV_FLOAT_ABI_DOUBLE => {
            Some(FreebsdArch::Riscv64)
        }
        // EM_ARM among others: see the module's limitations.
        _ => None,
    };
    arch.ok_or(ElfAbiError::UnsupportedMachine {
        machine,
        bits: if layout.is_64 { 64 } else { 32 },
        flags,
    })
}

/// The `PT_NOTE` segments, or the `SHT_NOTE` sections when the file has no
/// program headers.
fn note_regions(data: &[u8], header: &[u8], l: Layout) -> Result<Vec<NoteRegion>, ElfAbiError> {
    let (phoff, phentsize, phnum) = (
        l.word(header, 32, 28),
        l.u16(header, if l.is_64 { 54 } else { 42 }),
        l.u16(header, if l.is_64 { 56 } else { 44 }),
    );
    let mut regions = Vec::new();
    for i in 0..u64::from(phnum) {
        let at = phoff.saturating_add(i.saturating_mul(u64::from(phentsize)));
        let ph = slice_at(data, at, if l.is_64 { 56 } else { 32 }, "program header")?;
        if l.u32(ph, 0) != PT_NOTE {
            continue;
        }
        regions.push(NoteRegion {
            offset: l.word(ph, 8, 4),
            size: l.word(ph, 32, 16),
            align: l.word(ph, 48, 28),
        });
    }
    if phnum > 0 {
        return Ok(regions);
    }
    let (shoff, shentsize, shnum) = (
        l.word(header, 40, 32),
        l.u16(header, if l.is_64 { 58 } else { 46 }),
        l.u16(header, if l.is_64 { 60 } else { 48 }),
    );
    for i in 0..u64::from(shnum) {
        let at = shoff.saturating_add(i.saturating_mul(u64::from(shentsize)));
        let sh = slice_at(data, at, if l.is_64 { 64 } else { 40 }, "section header")?;
        if l.u32(sh, 4) != SHT_NOTE {
            continue;
        }
        regions.push(NoteRegion {
            offset: l.word(sh, 24, 16),
            size: l.word(sh, 32, 20),
            align: l.word(sh, 48, 32),
        });
    }
    Ok(regions)
}

/// Walks the notes of one region; name and descriptor end on 8-byte
/// boundaries when the region is 8-aligned, else on 4-byte ones.
fn find_abi_tag(notes: &[u8], l: Layout, align: u64) -> Option<u32> {
    let pad = if align == 8 { 8 } else { 4 };
    let round = |n: usize| n.checked_add(pad - 1).map(|v| v / pad * pad);
    let mut at = 0usize;
    while at.checked_add(12)? <= notes.len() {
        let namesz = usize::try_from(l.u32(notes, at)).ok()?;
        let descsz = usize::try_from(l.u32(notes, at + 4)).ok()?;
        let kind = l.u32(notes, at + 8);
        let name_at = at + 12;
        // Offsets are rounded within the region, which starts aligned: in
        // an 8-aligned region the descriptor of a note with a 4-byte name
        // starts right after the name (12 + 4 = 16).
        let desc_at = round(name_at.checked_add(namesz)?)?;
        let next = round(desc_at.checked_add(descsz)?)?;
        let name = notes.get(name_at..name_at.checked_add(namesz)?)?;
        let desc = notes.get(desc_at..desc_at.checked_add(descsz)?)?;
        let owner = name.strip_suffix(b"\0").unwrap_or(name);
        if owner == FREEBSD_NOTE_OWNER && kind == NT_FREEBSD_ABI_TAG && descsz == 4 {
            return Some(l.u32(desc, 0));
        }
        at = next;
    }
    None
}
