# shellcheck shell=bash
# Sourced by setup, run, test.sh and bench.sh: the settings every step of the
# real-ZFS VM harness agrees on. Each one can be overridden from the environment.

# Where setup keeps the extracted kernel, its module list and the initramfs.
ZFSVM_STATE_DIR=${ZFSVM_STATE_DIR:-/var/cache/cagebun-zfsvm}

# Guest size. The ARC limit is the zfs module parameter zfs_arc_max, in bytes;
# extra module parameters go in ZFSVM_ZFS_PARAMS as name=value,name=value.
ZFSVM_MEM_MIB=${ZFSVM_MEM_MIB:-2048}
ZFSVM_CPUS=${ZFSVM_CPUS:-2}
ZFSVM_ARC_MAX=${ZFSVM_ARC_MAX:-268435456}
ZFSVM_ZFS_PARAMS=${ZFSVM_ZFS_PARAMS:-}

# Seconds before a VM is killed; the run then exits 125.
ZFSVM_TIMEOUT=${ZFSVM_TIMEOUT:-1200}

# tcg (default) or kvm. A nested KVM that cannot boot a stock kernel is common
# on cloud machines, so emulation is the default.
ZFSVM_ACCEL=${ZFSVM_ACCEL:-tcg}

# Exit status meaning "the VM produced no exit status of the command".
ZFSVM_NO_STATUS=125

zfsvm_log() {
	printf 'zfs-vm %(%H:%M:%S)T: %s\n' -1 "$*" >&2
}

zfsvm_fail() {
	zfsvm_log "error: $*"
	exit "$ZFSVM_NO_STATUS"
}

# The kernel ABI setup picked, e.g. 6.1.0-57-amd64; empty before the first setup.
zfsvm_kernel_abi() {
	cat "$ZFSVM_STATE_DIR/kernel-abi" 2>/dev/null || true
}

zfsvm_kernel_dir() {
	printf '%s/kernel-%s\n' "$ZFSVM_STATE_DIR" "$1"
}
