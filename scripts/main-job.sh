#!/usr/bin/env bash
# The main job: plan and render the RabbitMQ cage for its default spec (or for
# the arguments given, e.g. `--spec FILE`, `--json`, `--stage DIR`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-debian.sh --minimal
exec cargo run --locked --example rabbit-cage -- "$@"
