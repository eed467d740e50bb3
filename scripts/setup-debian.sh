#!/usr/bin/env bash
# Installs what the main job and the tests need on a Debian (bookworm) machine
# that already has a rustup-managed Rust toolchain. Idempotent; run as root.
#
#   scripts/setup-debian.sh            packages for the tests (RabbitMQ, Erlang,
#                                      spiped, iproute2), the FreeBSD target and
#                                      the FreeBSD link tools
#   scripts/setup-debian.sh --minimal  only checks the Rust toolchain
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# The workspace needs Rust 1.88 or newer (edition 2024).
command -v cargo >/dev/null || { log "no cargo on PATH: install Rust with rustup first"; exit 1; }
log "$(rustc --version)"
[ "${1:-}" = --minimal ] && exit 0

[ "$(id -u)" = 0 ] || { log "run as root (apt-get, network namespaces)"; exit 1; }
export DEBIAN_FRONTEND=noninteractive

# Debian packages: the real broker, Erlang and spiped for the end-to-end test.
# A policy-rc.d keeps apt from starting the system broker, whose listeners
# would collide with the test's client pipes.
pkgs=(rabbitmq-server erlang-base spiped iproute2 curl file binutils python3-pip zstd)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  policy_added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy_added=1
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  [ "$policy_added" = 0 ] || rm -f /usr/sbin/policy-rc.d
fi

# The FreeBSD standard library, for clippy and the link check.
if ! rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-freebsd; then
  log "rustup target add x86_64-unknown-freebsd"
  if ! rustup target add x86_64-unknown-freebsd >&2; then
    fallback=../shared/toolchain/rust-std-1.95.0-x86_64-unknown-freebsd.tar.zst
    case "$(rustc --version)" in
      "rustc 1.95.0 "*) [ -f "$fallback" ] || { log "no FreeBSD target and no fallback"; exit 1; }
        log "installing the FreeBSD standard library from $fallback"
        zstd -dc "$fallback" | tar -C "$(rustc --print sysroot)/lib/rustlib" -xf - ;;
      *) log "no FreeBSD target for $(rustc --version)"; exit 1 ;;
    esac
  fi
fi
# zig as a cross linker, for the FreeBSD link check.
if ! command -v cargo-zigbuild >/dev/null || ! python3 -m ziglang version >/dev/null 2>&1; then
  log "pip install ziglang cargo-zigbuild"
  python3 -m pip install -q ziglang==0.17.1 cargo-zigbuild==0.24.1 >&2 \
    || python3 -m pip install -q --break-system-packages ziglang==0.17.1 cargo-zigbuild==0.24.1 >&2
fi
log "setup done"
