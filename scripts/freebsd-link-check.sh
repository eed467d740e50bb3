#!/bin/sh
# Links the jls example for x86_64-unknown-freebsd with cargo-zigbuild (zig
# as the cross linker, with its own FreeBSD libc stubs) and checks that the
# result is a FreeBSD ELF: a .note.tag owned by FreeBSD, or the FreeBSD
# OS/ABI byte, and FreeBSD's run-time linker as interpreter.
#
# Needs: rustup target x86_64-unknown-freebsd, and
#        pip install ziglang cargo-zigbuild
# Usage: scripts/freebsd-link-check.sh [--release]
set -eu

profile=debug
flag=
if [ "${1:-}" = "--release" ]; then
	profile=release
	flag=--release
fi

cd "$(dirname "$0")/.."
target=x86_64-unknown-freebsd

if ! command -v cargo-zigbuild >/dev/null 2>&1; then
	echo "freebsd-link-check: cargo-zigbuild not found (pip install ziglang cargo-zigbuild)" >&2
	exit 2
fi

# Build and link.
cargo zigbuild --target "$target" --example jls $flag

bin="target/$target/$profile/examples/jls"
[ -f "$bin" ] || { echo "freebsd-link-check: $bin was not produced" >&2; exit 1; }

# Report what was produced.
file "$bin"
readelf -h "$bin" | grep -E 'Class|OS/ABI|Machine'
readelf -n "$bin"

# Check the FreeBSD brand and interpreter.
if readelf -n "$bin" | grep -q '^ *FreeBSD ' || readelf -h "$bin" | grep -q 'OS/ABI: *UNIX - FreeBSD'; then
	echo "freebsd-link-check: FreeBSD brand found"
else
	echo "freebsd-link-check: $bin carries no FreeBSD brand" >&2
	exit 1
fi
if readelf -l "$bin" | grep -q '/libexec/ld-elf.so.1'; then
	echo "freebsd-link-check: interpreter is /libexec/ld-elf.so.1"
else
	echo "freebsd-link-check: $bin does not use FreeBSD's run-time linker" >&2
	exit 1
fi
echo "freebsd-link-check: ok"
