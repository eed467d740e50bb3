#!/usr/bin/env bash
# Runs zfsctl's real-ZFS tests inside a VM with OpenZFS, and fails when any of
# them fails or when they did not really run.
#
#   scripts/zfs-vm/test.sh
#
# Steps: setup (quick when done before), build the zfsctl test binaries on the
# host, then `cargo test -p zfsctl --test real_zfs` with scripts/zfs-vm/run as
# the cargo runner, so that the test binary runs in the VM. The VM itself
# refuses to start the command when /dev/zfs is missing. The tests get
# ZFSCTL_REQUIRE_ZFS=1, for tests that fail instead of skipping when it is set.
# They run with --show-output, and this script fails when any test printed a
# line starting with "skipped" (the way zfsctl's tests say they returned early)
# or when the run reports no passed test at all.
#
# Suitable for CI: runs as root, reads no stdin, prints progress on stderr.
# Time: about 50 seconds once setup is done (45 of them in the VM), plus any
# build; on a fresh machine setup first installs the packages and builds the
# zfs module, 3 to 12 minutes on 2 cores. Extra arguments go to the test
# binary (e.g. a test name).
set -euo pipefail

harness_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
workspace_dir=$(cd "$harness_dir/../.." && pwd)

log() { printf 'zfs-vm test %(%H:%M:%S)T: %s\n' -1 "$*" >&2; }

# Prints the number of passed tests in a cargo test transcript.
passed_tests() {
	sed -n 's/^test result: ok\. \([0-9]*\) passed.*/\1/p' "$1" | awk '{ n += $1 } END { print n + 0 }'
}

main() {
	local started=$SECONDS transcript status=0 passed
	"$harness_dir/setup" </dev/null

	cd "$workspace_dir"
	log "building the zfsctl test binaries"
	cargo test --locked -p zfsctl --no-run </dev/null

	log "running zfsctl's real_zfs tests in the VM"
	export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER=$harness_dir/run
	export ZFSCTL_REQUIRE_ZFS=1
	export ZFSVM_TIMEOUT=${ZFSVM_TIMEOUT:-900}
	transcript=$(mktemp "${TMPDIR:-/tmp}/cagebun-zfsvm-test.XXXXXX")
	# shellcheck disable=SC2064 # the path is fixed now
	trap "rm -f '$transcript'" EXIT
	cargo test --locked -p zfsctl --test real_zfs -- --show-output "$@" </dev/null |
		tee "$transcript" || status=${PIPESTATUS[0]}

	if [ "$status" != 0 ]; then
		log "FAILED: cargo test exited with $status after $((SECONDS - started))s"
		return "$status"
	fi
	if grep -qi '^skipped' "$transcript"; then
		log "FAILED: tests skipped inside the VM:"
		grep -i '^skipped' "$transcript" >&2
		return 1
	fi
	passed=$(passed_tests "$transcript")
	if [ "$passed" = 0 ]; then
		log "FAILED: no real-ZFS test passed (none ran, or all were ignored or filtered out)"
		return 1
	fi
	log "ok: $passed real-ZFS tests passed in the VM, $((SECONDS - started))s in all"
}

# One line, read whole before it runs: editing this file during a run cannot
# change what the run does.
main "$@"; exit
