#!/usr/bin/env bash
# The project's whole check: formatting, clippy for Linux and FreeBSD, every
# test (the end-to-end RabbitMQ test in a network namespace included), the API
# docs, the FreeBSD link check, and the real-ZFS tests in a QEMU VM. Run as root
# on Debian; it installs what it needs first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '\n==> %s\n' "$*"; }
t0=$SECONDS

step "set-up"
bash scripts/setup-debian.sh

step "cargo fmt --check"
cargo fmt --all --check

step "clippy (x86_64-unknown-linux-gnu)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy (x86_64-unknown-freebsd)"
cargo clippy --workspace --all-targets --locked --target x86_64-unknown-freebsd -- -D warnings

step "tests (end-to-end test required)"
CAGEBUN_REQUIRE_E2E=1 cargo test --workspace --locked

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --target x86_64-unknown-freebsd

step "FreeBSD link check (cargo zigbuild)"
bash scripts/freebsd-link-check.sh

step "real-ZFS tests in a QEMU VM"
bash scripts/zfs-vm/test.sh

step "all checks passed in $((SECONDS - t0)) s"
