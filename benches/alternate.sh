#!/usr/bin/env bash
# Runs several commands in turn, ROUNDS times, and prints each one's median wall time and
# median CPU time (user + system). On a machine whose load changes from minute to minute,
# commands compared this way share the same minutes; compare medians, not single runs.
# Usage: benches/alternate.sh ROUNDS "command A" "command B" ...
# Example (two builds side by side, see BENCHMARKS.md):
#   benches/alternate.sh 21 "/tmp/before/mesure -w ws ingest --dry-run classeurs" \
#                           "/tmp/after/mesure -w ws ingest --dry-run classeurs"
set -euo pipefail
rounds="$1"; shift
timing="$(mktemp)"
trap 'rm -f "$timing"' EXIT
declare -a walls cpus
for ((round = 0; round < rounds; round++)); do
  for ((k = 1; k <= $#; k++)); do
    /usr/bin/time -f "%e %U %S" -o "$timing" bash -c "${!k}" > /dev/null 2>&1 || true
    read -r wall user system < "$timing"
    walls[k]+="$wall "
    cpus[k]+="$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }') "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for ((k = 1; k <= $#; k++)); do
  echo "médiane ${rounds} passages : $(median <<< "${walls[k]}") s, CPU $(median <<< "${cpus[k]}") s :: ${!k}"
done
