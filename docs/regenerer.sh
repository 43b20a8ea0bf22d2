#!/bin/sh
# Redraws the charts shown in the README from the sample network: runs the demo (store and
# reports in the repository's workspace, both ignored by git), writes La Fabrique nivernaise's
# and the national charts as PNG, and copies one chart of each kind here.
# Usage: sh docs/regenerer.sh [REGIONS.geojson]
set -eu
cd "$(dirname "$0")/.."
cargo run --quiet -- demo > /dev/null
cargo run --quiet -- report --period 2025 --level national --level manufacture \
    --manufacture mp001 --format png
charts=reports/2025/graphiques
cp "$charts/manufacture-mp001/tendance-taux_occupation.png" docs/tendance.png
cp "$charts/manufacture-mp001/publics.png" docs/publics.png
cp "$charts/manufacture-mp001/profil.png" docs/profil.png
cp "$charts/national/classement-part_achats_circuit_court.png" docs/classement.png
cp "$charts/national/regions-taux_occupation.png" docs/regions.png
cp "$charts/national/carte-taux_occupation.png" docs/carte.png
cp "$charts/national/declarations.png" docs/declarations.png
# With a GeoJSON of the régions (e.g. ../shared/data/regions.geojson), the map with real
# outlines too, drawn in a copy of the workspace whose mesure.toml names the file.
if [ -n "${1:-}" ]; then
    regions="$(realpath "$1")"
    copy="$(mktemp -d)"
    cp -r indicators sample-data mesure.toml "$copy/"
    printf '\n[carte]\nregions = "%s"\n' "$regions" >> "$copy/mesure.toml"
    cargo run --quiet -- -w "$copy" demo > /dev/null
    cargo run --quiet -- -w "$copy" report --period 2025 --level national --format png > /dev/null
    cp "$copy/reports/2025/graphiques/national/carte-taux_occupation.png" docs/carte-contours.png
    rm -rf "$copy"
fi
echo "Graphiques copiés dans docs/."
