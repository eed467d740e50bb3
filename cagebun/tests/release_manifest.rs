//! Parsing `MANIFEST` lines as the release build writes them.

use cagebun::release::{DistSetName, Manifest, ManifestError, ManifestLineError, ReleaseName};

const SUM: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn line_error(text: &str) -> ManifestLineError {
    match Manifest::parse(text).unwrap_err() {
        ManifestError::Line { line: 1, error, .. } => error,
        other => panic!("unexpected error: {other}"),
    }
}

#[test]
fn well_formed_lines_are_read_field_by_field() {
    let text = format!(
        "base.txz\t{SUM}\t34567\tbase\t\"Base system (MANDATORY)\"\ton\n\
         src.txz\t{}\t90001\tsrc\t\"System source code\"\toff\n",
        SUM.to_uppercase()
    );
    let manifest = Manifest::parse(&text).unwrap();
    let base = manifest
        .get(&DistSetName::new("base.txz").unwrap())
        .unwrap();
    assert_eq!(base.sha256.to_string(), SUM);
    assert_eq!(base.entry_count, 34567);
    assert_eq!(base.description, "Base system (MANDATORY)");
    assert!(base.selected_by_default);
    let src = manifest.get(&DistSetName::new("src.txz").unwrap()).unwrap();
    assert_eq!(src.sha256.to_string(), SUM);
    assert!(!src.selected_by_default);
    assert_eq!(manifest.entries().count(), 2);
}

#[test]
fn each_malformed_field_is_named() {
    assert_eq!(
        line_error("base.txz base 1"),
        ManifestLineError::FieldCount { found: 1 }
    );
    assert_eq!(
        line_error(&format!("Base.txz\t{SUM}\t1\tBase\t\"x\"\ton")).to_string(),
        "\"Base.txz\" is not a distribution set file name (lowercase letters, digits, '-', '_', then .txz)"
    );
    let short = &SUM[..63];
    assert_eq!(
        line_error(&format!("base.txz\t{short}\t1\tbase\t\"x\"\ton")),
        ManifestLineError::Checksum {
            text: short.to_string()
        }
    );
    let signed = format!("+{}", &SUM[1..]);
    assert_eq!(
        line_error(&format!("base.txz\t{signed}\t1\tbase\t\"x\"\ton")),
        ManifestLineError::Checksum { text: signed }
    );
    assert_eq!(
        line_error(&format!("base.txz\t{SUM}\t-1\tbase\t\"x\"\ton")),
        ManifestLineError::EntryCount {
            text: "-1".to_string()
        }
    );
    assert_eq!(
        line_error(&format!("base.txz\t{SUM}\t1\tkernel\t\"x\"\ton")),
        ManifestLineError::DistMismatch {
            dist: "kernel".to_string(),
            file: "base.txz".to_string()
        }
    );
    assert_eq!(
        line_error(&format!("base.txz\t{SUM}\t1\tbase\tBase system\ton")),
        ManifestLineError::Description {
            text: "Base system".to_string()
        }
    );
    assert_eq!(
        line_error(&format!("base.txz\t{SUM}\t1\tbase\t\"x\"\tyes")),
        ManifestLineError::Default {
            text: "yes".to_string()
        }
    );
}

#[test]
fn duplicates_and_empty_files_are_refused() {
    let line = format!("base.txz\t{SUM}\t1\tbase\t\"x\"\ton\n");
    match Manifest::parse(&format!("{line}{line}")).unwrap_err() {
        ManifestError::Line { line: 2, error, .. } => assert_eq!(
            error,
            ManifestLineError::Duplicate {
                name: DistSetName::new("base.txz").unwrap()
            }
        ),
        other => panic!("unexpected error: {other}"),
    }
    assert_eq!(Manifest::parse("\n\n").unwrap_err(), ManifestError::Empty);
}

#[test]
fn release_names_follow_freebsd_version() {
    for good in ["14.3-RELEASE", "15.0-RC1", "14.2-BETA2", "15.0-ALPHA3"] {
        assert_eq!(ReleaseName::new(good).unwrap().as_str(), good);
    }
    for bad in [
        "14.3",
        "14-RELEASE",
        "14.3-STABLE",
        "14.3-RC",
        "../14.3-RELEASE",
        "14.3-RELEASE/x",
    ] {
        assert_eq!(ReleaseName::new(bad).unwrap_err().name, bad);
    }
}
