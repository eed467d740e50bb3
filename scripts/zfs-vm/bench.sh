#!/usr/bin/env bash
# Benchmark: reading every dataset name and user property of a pool of many
# datasets, four ways, inside a real-ZFS VM.
#
#   (a) zfsctl: one recursive walk that reads user properties
#       (the example zfs-props-bench of the cagebun-recipes package);
#  (a2) zfsctl: one channel program that reads every user property of the
#       tree in the kernel (the same example, read --channel-program);
#   (b) one `zfs get -H -p all DATASET` process per dataset after one
#       `zfs list`, the way shell jail managers read their settings;
#   (c) one `zfs get -r -H -p all`;
#   (d) one `zfs list -r -H -p -o name,<every user property>`.
#
# The VM gets 6 GiB and a 3 GiB ARC by default (at 256 MiB the ARC starves with
# a thousand mounted datasets). The pool lives on a file vdev in the guest's
# /run. Every way is checked to return all DATASETS x PROPERTIES values; the
# rounds interleave the ways, and the table gives each way's median.
#
#   scripts/zfs-vm/bench.sh [--shell-only]
#
# --shell-only leaves out (a) and (a2); ZFSCTL_BENCH_BINARY names an already built
# zfs-props-bench to use instead of building it. Environment: BENCH_DATASETS (1000),
# BENCH_PROPERTIES (40), BENCH_ROUNDS (5), BENCH_PER_DATASET_ROUNDS (rounds that
# also run (b), 3), BENCH_CREATE_JOBS (concurrent zfs create processes, 8),
# BENCH_COUNT_CALLS=1 (count each way's processes and ZFS ioctls), plus the VM settings of scripts/zfs-vm/run. Not a test: it
# prints figures and fails only when a way returns wrong or missing values.
# shellcheck disable=SC2317 # the way_* functions are called by name
set -euo pipefail

harness_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
workspace_dir=$(cd "$harness_dir/../.." && pwd)

BENCH_DATASETS=${BENCH_DATASETS:-1000}
BENCH_PROPERTIES=${BENCH_PROPERTIES:-40}
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_PER_DATASET_ROUNDS=${BENCH_PER_DATASET_ROUNDS:-3}
BENCH_CREATE_JOBS=${BENCH_CREATE_JOBS:-8}
BENCH_COUNT_CALLS=${BENCH_COUNT_CALLS:-0}
property_prefix=cagebun.bench:p
parent=benchpool/jails

# ---------------------------------------------------------------- inside the VM

now_ns() { date +%s%N; }

property_names() {
	local index
	for ((index = 1; index <= BENCH_PROPERTIES; index++)); do
		printf '%s%02d\n' "$property_prefix" "$index"
	done
}

# One `zfs create -o p01=... -o p40=... DATASET` per dataset, which also mounts
# it, BENCH_CREATE_JOBS at a time: every create waits for a transaction group
# to sync, and concurrent creates share one.
create_datasets() {
	local started
	truncate -s 8G /run/benchpool.vdev
	zpool create -f -O mountpoint=/benchpool benchpool /run/benchpool.vdev
	zfs create "$parent"

	started=$(now_ns)
	seq 1 "$BENCH_DATASETS" | xargs -P "$BENCH_CREATE_JOBS" -I '{}' bash "$0" --create-one '{}'
	printf 'created and mounted %d datasets with %d user properties each in %.1f s (%d zfs create at a time)\n' \
		"$BENCH_DATASETS" "$BENCH_PROPERTIES" "$(ms_between "$started" "$(now_ns)" | awk '{ print $1 / 1000 }')" \
		"$BENCH_CREATE_JOBS"
	[ "$(zfs list -r -H -o name "$parent" | wc -l)" = $((BENCH_DATASETS + 1)) ] ||
		{ echo "the pool does not hold $BENCH_DATASETS datasets under $parent" >&2; return 1; }
}

create_one_dataset() {
	local index=$1 options=() name
	while read -r name; do
		options+=(-o "$name=value-$index-${name#"$property_prefix"}")
	done < <(property_names)
	zfs create "${options[@]}" "$(printf '%s/jail%04d' "$parent" "$index")"
	[ $((index % 100)) != 0 ] || echo "created jail$index" >&2
}

ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }

# Each way writes what it read to stdout. Only the way runs in the timed span;
# its output goes to a file in the guest's RAM and is checked afterwards: the
# count of values that create_datasets set proves it read everything.
way_a() { "$ZFSCTL_BENCH_BINARY" read "$parent" --props "$(property_names | paste -sd,)"; }

way_a2() { "$ZFSCTL_BENCH_BINARY" read "$parent" --channel-program; }

way_b() {
	local dataset
	zfs list -r -H -o name "$parent" | while read -r dataset; do
		zfs get -H -p all "$dataset"
	done
}

way_c() { zfs get -r -H -p all "$parent"; }

way_d() {
	zfs list -r -H -p -o "name,$(property_names | paste -sd,)" "$parent" |
		tr '\t' '\n'
}

time_way() {
	local way=$1 started finished values output=/run/bench-way-$1.out
	started=$(now_ns)
	"way_$way" >"$output"
	finished=$(now_ns)
	values=$(grep -cE "value-[0-9]+-[0-9]{2}" "$output" || true)
	if [ "$values" != $((BENCH_DATASETS * BENCH_PROPERTIES)) ]; then
		echo "way $way returned $values property values, not $((BENCH_DATASETS * BENCH_PROPERTIES))" >&2
		return 1
	fi
	ms_between "$started" "$finished"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

inside_vm() {
	local ways=(c d) round way
	[ -z "${ZFSCTL_BENCH_BINARY:-}" ] || ways=(a a2 "${ways[@]}")
	create_datasets
	# One untimed run of each way first: the first exec of a binary reads it
	# and its libraries from the host over 9p.
	for way in "${ways[@]}" b; do "way_$way" >/dev/null; done
	declare -A timings=()
	for ((round = 1; round <= BENCH_ROUNDS; round++)); do
		local this_round=("${ways[@]}")
		[ "$round" -gt "$BENCH_PER_DATASET_ROUNDS" ] || this_round+=(b)
		for way in "${this_round[@]}"; do
			local ms
			ms=$(time_way "$way")
			timings[$way]+="$ms "
			printf 'round %d: (%s) %s ms\n' "$round" "$way" "$ms" >&2
		done
	done
	report timings
	[ -z "${ZFSCTL_BENCH_BINARY:-}" ] || walk_times_in_process
	[ "$BENCH_COUNT_CALLS" != 1 ] || count_calls "${ways[@]}" b
}

# Runs each way once more to split its time between user space and the kernel,
# then once under strace and prints how many processes it started and which
# ZFS ioctls it made, by name, as the comments of the installed sys/fs/zfs.h
# number them.
count_calls() {
	local way header=/usr/include/libzfs/sys/fs/zfs.h TIMEFORMAT='%R s elapsed, %U s user, %S s system'
	printf '\nwhere the time goes, one run each (BENCH_COUNT_CALLS=1):\n'
	for way in "$@"; do
		printf '  (%s) %s\n' "$way" "$({ time "way_$way" >/dev/null; } 2>&1)"
	done
	for way in "$@"; do
		strace -f -qq -e trace=ioctl,execve -e raw=ioctl -o "/run/bench-trace-$way" \
			bash "$0" --way "$way" >/dev/null
		awk -v way="$way" '
			FNR == NR {
				if (match($0, /ZFS_IOC_[A-Z_0-9]+/) && match($0, /0x5a[0-9a-f][0-9a-f]/)) {
					code = substr($0, RSTART, RLENGTH)
					if (!(code in name)) { split($0, f, /[ ,=\t]+/); name[code] = f[2] }
				}
				next
			}
			/execve\(/ { processes++ }
			match($0, /ioctl\(0x[0-9a-f]+, 0x5a[0-9a-f][0-9a-f]/) {
				code = substr($0, RSTART + RLENGTH - 6, 6); calls[code]++; total++
			}
			END {
				printf "  (%s) %d processes, %d zfs ioctls:", way, processes, total
				for (code in calls) printf " %s=%d", (code in name ? name[code] : code), calls[code]
				printf "\n"
			}' "$header" "/run/bench-trace-$way"
	done
}

# Where (a)'s time goes: five walks in one process, so that only the first pays
# for starting the process and loading libzfs, for both read modes.
walk_times_in_process() {
	printf '\n(a) in one process, five walks each (ms):\n'
	printf '  named user properties (Dataset::list): %s\n' "$("$ZFSCTL_BENCH_BINARY" read "$parent" \
		--props "$(property_names | paste -sd,)" --repeat 5 2>&1 >/dev/null | awk '{ printf "%s ", $3 }')"
	printf '  all user properties (Dataset::user_props): %s\n' "$("$ZFSCTL_BENCH_BINARY" read "$parent" \
		--repeat 5 2>&1 >/dev/null | awk '{ printf "%s ", $3 }')"
	printf '  all user properties (Zfs::user_props_recursive): %s\n' "$("$ZFSCTL_BENCH_BINARY" read "$parent" \
		--channel-program --repeat 5 2>&1 >/dev/null | awk '{ printf "%s ", $3 }')"
}

report() {
	local -n all_timings=$1
	declare -A medians=()
	local way
	printf '\n%d datasets x %d user properties, zfs %s, %s rounds\n\n' \
		"$BENCH_DATASETS" "$BENCH_PROPERTIES" "$(zfs version | head -n 1)" "$BENCH_ROUNDS"
	printf '| way | runs (ms) | median (ms) |\n|---|---|---|\n'
	for way in a a2 b c d; do
		[ -n "${all_timings[$way]:-}" ] || continue
		medians[$way]=$(tr ' ' '\n' <<<"${all_timings[$way]}" | grep . | median)
		printf '| (%s) %s | %s | %.1f |\n' "$way" "$(way_label "$way")" "${all_timings[$way]% }" "${medians[$way]}"
	done
	if [ -n "${medians[a]:-}" ]; then
		printf '\n'
		for way in b c d; do
			[ -n "${medians[$way]:-}" ] || continue
			awk -v w="$way" -v x="${medians[$way]}" -v a="${medians[a]}" \
				'BEGIN { printf "(a) is %.2fx as fast as (%s)\n", x / a, w }'
		done
	fi
	if [ -n "${medians[a2]:-}" ]; then
		printf '\n'
		for way in a b c d; do
			[ -n "${medians[$way]:-}" ] || continue
			awk -v w="$way" -v x="${medians[$way]}" -v a="${medians[a2]}" \
				'BEGIN { printf "(a2) is %.2fx as fast as (%s)\n", x / a, w }'
		done
	fi
}

way_label() {
	case $1 in
	a) echo "zfsctl recursive walk, user properties" ;;
	a2) echo "zfsctl channel program, user properties" ;;
	b) echo "one zfs get -H -p all per dataset" ;;
	c) echo "zfs get -r -H -p all" ;;
	d) echo "zfs list -r -H -p -o name,<props>" ;;
	esac
}

# ---------------------------------------------------------------- on the host

on_host() {
	local shell_only=0
	[ "${1:-}" != --shell-only ] || shell_only=1
	export ZFSVM_MEM_MIB=${ZFSVM_MEM_MIB:-6144}
	export ZFSVM_ARC_MAX=${ZFSVM_ARC_MAX:-3221225472}
	export ZFSVM_TIMEOUT=${ZFSVM_TIMEOUT:-3600}
	export ZFSVM_PASS_ENV="BENCH_DATASETS BENCH_PROPERTIES BENCH_ROUNDS BENCH_PER_DATASET_ROUNDS BENCH_CREATE_JOBS BENCH_COUNT_CALLS ZFSCTL_BENCH_BINARY ${ZFSVM_PASS_ENV:-}"
	"$harness_dir/setup"
	if [ $shell_only = 0 ] && [ -z "${ZFSCTL_BENCH_BINARY:-}" ]; then
		cargo build --release --manifest-path "$workspace_dir/Cargo.toml" --example zfs-props-bench
		export ZFSCTL_BENCH_BINARY=$workspace_dir/target/release/examples/zfs-props-bench
	fi
	cd "$workspace_dir"
	"$harness_dir/run" bash "$harness_dir/bench.sh" --inside-vm
}

main() {
	case "${1:-}" in
	--inside-vm) inside_vm ;;
	--way) "way_$2" ;;
	--create-one) create_one_dataset "$2" ;;
	*) on_host "$@" ;;
	esac
}

# One line, read whole before it runs: editing this file during a run cannot
# change what the run does.
main "$@"; exit
