"""Runs the query of `mesure sql --dialect spark` on a local Spark (pyspark from PyPI, with
the machine's Java) and compares every row with `mesure compute`'s CSV (values to a relative
1e-9, coverage exactly). Not run by CI: the command and its result are in BENCHMARKS.md.

Usage: python benches/spark.py QUERY.sql FIGURES.csv"""
import csv
import sys
import time

from pyspark.sql import SparkSession

query_path, figures_path = sys.argv[1], sys.argv[2]
spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.driver.memory", "6g")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.sql.shuffle.partitions", "8")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
query = open(query_path, encoding="utf-8").read()
start = time.time()
rows = spark.sql(query).collect()
elapsed = time.time() - start
found = {(r[0], r[1], r[2], r[3]): r for r in rows}

expected = {}
with open(figures_path, newline="", encoding="utf-8-sig") as f:
    for r in csv.DictReader(f):
        expected[(r["indicateur"], r["niveau"], r["entite"], r["periode"])] = r

differences = 0
for key, want in expected.items():
    got = found.get(key)
    if got is None:
        differences += 1
        continue
    a = float(want["valeur"]) if want["valeur"] else None
    b = got[4]
    same_value = (a is None and b is None) or (
        a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a))
    )
    same_coverage = int(want["declarants"]) == got[6] and int(want["attendus"]) == got[7]
    if not (same_value and same_coverage and want["unite"] == got[5]):
        differences += 1
        if differences <= 5:
            print("différence :", key, dict(want), got)
extra = len(set(found) - set(expected))
print(
    f"Spark {spark.version} : {len(rows)} lignes en {elapsed:.1f} s ; "
    f"{len(expected)} chiffres de compute, {differences} différent(s), {extra} en trop"
)
spark.stop()
sys.exit(1 if differences or extra else 0)
