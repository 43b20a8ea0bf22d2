#!/usr/bin/env bash
# Ingestion benchmark (release build): a generated network of 100 manufactures over 2024
# (about a thousand monthly workbooks) is parsed by calamine alone (the floor), then ingested
# by `mesure ingest` into an empty store, then once more (every file already received).
# Prints wall time, peak memory and rows per second. Usage: benches/ingest.sh [MANUFACTURES]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mesure-target}"
manufactures="${1:-100}"
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

measure "calamine seul (plancher)" "$dev" lecture-brute "$work/reseau/classeurs"
cat "$work/out"
measure "mesure ingest (stockage vide)" "$bin" -w "$work/ws" ingest "$work/reseau/classeurs"
tail -1 "$work/out"
rows=$(python3 -c "import json,sys; print(sum(sum(m['lignes'].values()) for l in open(sys.argv[1]) for m in json.loads(l)['mois']))" "$work/ws/store/depots.jsonl")
echo "lignes enregistrées : $rows"
measure "mesure ingest --dry-run" "$bin" -w "$work/ws" ingest --dry-run "$work/reseau/classeurs"
measure "mesure ingest (déjà reçus)" "$bin" -w "$work/ws" ingest "$work/reseau/classeurs"
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
