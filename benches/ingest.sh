#!/usr/bin/env bash
# Ingestion benchmark (release build): a generated network of 100 manufactures over 2024
# (about a thousand monthly workbooks) is parsed by calamine alone (the floor), then ingested
# by `mesure ingest` into an empty store, and checked by `mesure ingest --dry-run`, the three
# in turn for ROUNDS rounds (medians compared); then once more (every file already received),
# and a one-month re-upload into a three-year store. Prints wall times and peak memory.
# Usage: benches/ingest.sh [MANUFACTURES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mesure-target}"
manufactures="${1:-100}"
rounds="${2:-9}"
cargo build --release --locked --quiet --features dev-tools
bin="$CARGO_TARGET_DIR/release/mesure"
dev="$CARGO_TARGET_DIR/release/mesure-dev"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$dev" echantillon --manufactures "$manufactures" --debut 2024-01 --fin 2024-12 --output "$work/reseau" >/dev/null
mkdir -p "$work/ws"
cp -r indicators "$work/ws/"
cp "$work/reseau/manufactures.csv" "$work/ws/"
files=$(find "$work/reseau/classeurs" -name '*.xlsx' | wc -l)
bytes=$(du -sb "$work/reseau/classeurs" | cut -f1)
echo "réseau : $manufactures manufactures, $files classeurs, $((bytes / 1024)) Kio, $(nproc) cœurs"

measure() { # label, command...
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2>/dev/null || true
  read -r seconds kilobytes < "$work/time"
  echo "$label : ${seconds} s, mémoire max $((kilobytes / 1024)) Mio"
}

# The floor, the dry run and the empty-store ingest, one after the other, ROUNDS times: on a
# machine whose load changes from minute to minute, the three share the same minutes, and
# the medians are compared. Each round's workspace is made before any run is timed. On ext4
# without a journal (this project's build machine), every new file's inode is chosen past the
# inodes freed in the last minutes (Linux's `recently_deleted`), so an ingest run soon after
# thousands of deletions (a previous run's stores) spends half its time there: set TMPDIR to
# a folder on the file system to measure (a journaled ext4, the usual one, has no such wait).
for ((round = 1; round <= rounds; round++)); do
  cp -r "$work/ws" "$work/vide$round"
done
declare -a floor dry empty
for ((round = 1; round <= rounds; round++)); do
  /usr/bin/time -f "%e" -o "$work/time" "$dev" lecture-brute "$work/reseau/classeurs" > /dev/null
  floor+=("$(cat "$work/time")")
  /usr/bin/time -f "%e" -o "$work/time" "$bin" -w "$work/ws" ingest --dry-run "$work/reseau/classeurs" > /dev/null || true
  dry+=("$(cat "$work/time")")
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" -w "$work/vide$round" ingest "$work/reseau/classeurs" > "$work/out" || true
  read -r seconds kilobytes < "$work/time"
  empty+=("$seconds")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
floor_median=$(median "${floor[@]}")
echo "$rounds passages alternés (médianes) :"
echo "calamine seul (plancher) : ${floor_median} s   [${floor[*]}]"
echo "mesure ingest --dry-run : $(median "${dry[@]}") s, $(ratio "$(median "${dry[@]}")" "$floor_median") × le plancher   [${dry[*]}]"
echo "mesure ingest (stockage vide) : $(median "${empty[@]}") s, $(ratio "$(median "${empty[@]}")" "$floor_median") × le plancher, mémoire max $((kilobytes / 1024)) Mio   [${empty[*]}]"
tail -1 "$work/out"
rows=$(python3 -c "import json,sys; print(sum(sum(m['lignes'].values()) for l in open(sys.argv[1]) for m in json.loads(l)['mois']))" "$work/vide$rounds/store/depots.jsonl")
echo "lignes enregistrées : $rows"
measure "mesure ingest (déjà reçus)" "$bin" -w "$work/vide$rounds" ingest "$work/reseau/classeurs"
tail -1 "$work/out"

# One month sent again into a three-year store of 111 manufactures (2023 to 2025): the new
# files come from the same generator with another seed, so each replaces a stored month.
"$dev" echantillon --manufactures 111 --debut 2023-01 --fin 2025-12 --output "$work/grand" >/dev/null
mkdir -p "$work/ws3"
cp -r indicators "$work/ws3/"
cp "$work/grand/manufactures.csv" "$work/ws3/"
measure "stockage de 3 ans, 111 manufactures ($(find "$work/grand/classeurs" -name '*.xlsx' | wc -l) classeurs)" \
  "$bin" -w "$work/ws3" ingest "$work/grand/classeurs"
tail -1 "$work/out"
"$dev" echantillon --manufactures 111 --seed 7 --debut 2025-06 --fin 2025-06 --output "$work/renvoi" >/dev/null
times=()
for file in $(find "$work/renvoi/classeurs" -name '*.xlsx' | sort | head -n 9); do
  start=$(date +%s%N)
  "$bin" -w "$work/ws3" ingest "$file" > "$work/out" 2>&1 || true
  end=$(date +%s%N)
  grep -q "remplace" "$work/out" || { echo "pas un remplacement :"; cat "$work/out"; }
  times+=($(( (end - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
echo "renvoi d'un mois (9 manufactures, une à une) : ${sorted}ms ; médiane $(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p) ms"
echo "fichiers de tables : $(find "$work/ws3/store/tables" "$work/ws3/store/declarations" -name '*.parquet' | wc -l)"
