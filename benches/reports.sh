#!/usr/bin/env bash
# Report rendering benchmark (release build). Two networks:
#   - the sample network (30 manufactures, 2025), ingested as `mesure demo` does;
#   - a generated network of 111 manufactures over three years (2023 to 2025).
# For each: every report written from scratch (HTML pages with their SVG charts), the same
# run again (nothing changed: nothing redrawn), and every chart as PNG and SVG files too.
# With MESURE_CARTE=regions.geojson, the 111-manufacture network again with maps drawn from
# those real boundaries. Prints wall time and peak memory. Usage: benches/reports.sh [MANUFACTURES]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mesure-target}"
manufactures="${1:-111}"
if [ -z "${MESURE_BIN:-}" ]; then
  cargo build --release --locked --quiet --features dev-tools
fi
bin="${MESURE_BIN:-$CARGO_TARGET_DIR/release/mesure}"
dev="$(dirname "$bin")/mesure-dev"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

measure() { # label, command...
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2>/dev/null
  read -r seconds kilobytes < "$work/time"
  echo "$label : ${seconds} s, mémoire max $((kilobytes / 1024)) Mio — $(head -1 "$work/out")"
}

render() { # workspace
  local ws="$1"
  rm -rf "$ws/reports"
  measure "  rapports HTML, de zéro" "$bin" -w "$ws" report
  measure "  rapports HTML, rien n'a changé" "$bin" -w "$ws" report
  measure "  + chaque graphique en PNG et SVG" "$bin" -w "$ws" report --format html --format png --format svg
  echo "  fichiers : $(find "$ws/reports" -name '*.html' | wc -l) pages HTML ($(du -sh "$ws/reports" | cut -f1) avec les graphiques), $(find "$ws/reports" -name '*.png' | wc -l) PNG, $(find "$ws/reports" -name '*.svg' | wc -l) SVG"
}

echo "$(nproc) cœurs"
echo "Réseau d'exemple (30 manufactures, 2025)"
mkdir -p "$work/exemple"
cp -r indicators sample-data mesure.toml "$work/exemple/"
"$bin" -w "$work/exemple" demo > /dev/null
render "$work/exemple"

echo "Réseau généré ($manufactures manufactures, janvier 2023 à décembre 2025)"
"$dev" echantillon --manufactures "$manufactures" --debut 2023-01 --fin 2025-12 --output "$work/reseau" > /dev/null
mkdir -p "$work/grand"
cp -r indicators "$work/grand/"
cp "$work/reseau/manufactures.csv" "$work/grand/"
measure "  ingestion de $(find "$work/reseau/classeurs" -name '*.xlsx' | wc -l) classeurs" "$bin" -w "$work/grand" ingest "$work/reseau/classeurs"
render "$work/grand"

if [ -n "${MESURE_CARTE:-}" ]; then
  echo "Le même, cartes aux contours réels ($(basename "$MESURE_CARTE"))"
  printf '[carte]\nregions = "%s"\n' "$(realpath "$MESURE_CARTE")" > "$work/grand/mesure.toml"
  render "$work/grand"
fi
