"""Runs a query written by `mesure sql --dialect duckdb` on DuckDB and prints its rows as CSV
(floats in full, empty for NULL), for the integration test that compares them with
`mesure compute`. Usage: python duckdb_run.py QUERY.sql > rows.csv"""
import csv
import sys

import duckdb

query = open(sys.argv[1], encoding="utf-8").read()
rows = duckdb.connect().execute(query).fetchall()
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["indicateur", "niveau", "entite", "periode", "valeur", "unite", "declarants", "attendus"])
for row in rows:
    out.writerow(["" if v is None else (repr(v) if isinstance(v, float) else v) for v in row])
