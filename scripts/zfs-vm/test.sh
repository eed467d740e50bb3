#!/usr/bin/env bash
# Runs the workspace's real-ZFS tests (zfsctl's, and cagebun's that need ZFS)
# inside a VM with OpenZFS, and fails when any of them fails or when they did
# not really run.
#
#   scripts/zfs-vm/test.sh
#
# Steps: setup (quick when done before), build the test binaries on the host,
# then `cargo test` for each binary in zfs_test_targets with scripts/zfs-vm/run
# as the cargo runner, so that each test binary runs in its own VM. The VM
# itself refuses to start the command when /dev/zfs is missing. The tests get
# ZFSCTL_REQUIRE_ZFS=1 and CAGEBUN_REQUIRE_ZFS=1, under which they fail instead
# of skipping. They run with --show-output, and this script also fails when any
# test printed a line starting with "skipped" or when no test passed at all.
#
# Suitable for CI: runs as root, reads no stdin, prints progress on stderr.
# Time: a few minutes once setup is done (one VM boot per test binary), plus any
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

# The test binaries that need real ZFS, as cargo arguments.
zfs_test_targets=(
	"-p zfsctl --test real_zfs"
	"-p cagebun --test inventory_zfs"
	"-p cagebun --test archive_zfs"
	"-p cagebun --test apply_rollback"
)

main() {
	local started=$SECONDS transcript status=0 passed
	"$harness_dir/setup" </dev/null

	cd "$workspace_dir"
	log "building the test binaries"
	cargo test --locked -p zfsctl -p cagebun --no-run </dev/null

	export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER=$harness_dir/run
	export ZFSCTL_REQUIRE_ZFS=1 CAGEBUN_REQUIRE_ZFS=1
	export ZFSVM_TIMEOUT=${ZFSVM_TIMEOUT:-900}
	transcript=$(mktemp "${TMPDIR:-/tmp}/cagebun-zfsvm-test.XXXXXX")
	# shellcheck disable=SC2064 # the path is fixed now
	trap "rm -f '$transcript'" EXIT
	# One VM per test binary; the tests of a binary run one at a time, since
	# zfs_rename was seen to report "busy" while another test's pool changed.
	local target
	for target in "${zfs_test_targets[@]}"; do
		log "running $target in the VM"
		# shellcheck disable=SC2086 # "-p PKG --test NAME" is meant to split
		cargo test --locked $target -- --show-output --test-threads=1 "$@" </dev/null |
			tee -a "$transcript" || status=${PIPESTATUS[0]}
		[ "$status" = 0 ] || break
	done

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
