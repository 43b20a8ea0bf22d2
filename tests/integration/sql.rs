//! `mesure sql` run on a real DuckDB (the `duckdb` package of PyPI, in the virtual
//! environment `.ci/run` creates): every figure of `mesure compute`, coverage included.
//! Where DuckDB is missing, the test says so loudly and passes, except under CI (`CI` set).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use crate::support::{Workdir, repo};

/// The Python that has DuckDB: `MESURE_PYTHON_DUCKDB`, or the virtual environment of `.ci/run`.
fn duckdb_python() -> Option<PathBuf> {
    let python = match std::env::var_os("MESURE_PYTHON_DUCKDB") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache/mesure-venv/bin/python"),
    };
    let works = Command::new(&python)
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(python);
    }
    let message = format!(
        "\n*** DuckDB introuvable ({}) : test SQL sauté. Installez-le : python3 -m venv ~/.cache/mesure-venv && ~/.cache/mesure-venv/bin/pip install duckdb ***\n",
        python.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}(CI est défini : DuckDB doit être là)");
    }
    eprintln!("{message}");
    None
}

type Figures = BTreeMap<(String, String, String, String), (Option<f64>, String, u32, u32)>;

/// The long-form rows of a CSV, by indicator, level, entity and period.
fn figures(csv: &str) -> Figures {
    let csv = if csv
        .lines()
        .next()
        .is_some_and(|l| l.ends_with(",definitions"))
    {
        crate::support::without_definitions(csv)
    } else {
        csv.to_string()
    };
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().map(|l| l.trim_start_matches('\u{feff}')),
        Some("indicateur,niveau,entite,periode,valeur,unite,declarants,attendus")
    );
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 8, "{line}");
            let value = (!f[4].is_empty()).then(|| f[4].parse::<f64>().unwrap());
            let key = (f[0].into(), f[1].into(), f[2].into(), f[3].into());
            (
                key,
                (
                    value,
                    f[5].into(),
                    f[6].parse().unwrap(),
                    f[7].parse().unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn duckdb_finds_every_figure_of_compute_coverage_included() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let workdir = Workdir::sample_workspace();
    let classeurs = repo().join("sample-data/classeurs");
    let ingest = workdir.run(&["ingest", classeurs.to_str().unwrap()]);
    assert!(
        ingest.stdout.contains("Bilan : 294 fichier(s) accepté(s)"),
        "{ingest:?}"
    );
    // A withdrawn month: declared no more, so neither counted nor covered.
    let withdrawn = workdir.run(&["retirer", "--manufacture", "mp002", "--mois", "2025-05"]);
    assert_eq!(withdrawn.code, 0, "{withdrawn:?}");

    let computed = workdir.run(&["compute"]);
    assert_eq!(computed.code, 0, "{computed:?}");
    let expected = figures(&computed.stdout);
    let sql = workdir.run(&["sql", "--dialect", "duckdb", "--output", "requete.sql"]);
    assert_eq!(sql.code, 0, "{sql:?}");
    let output = Command::new(&python)
        .arg(repo().join("tests/sql/duckdb_run.py"))
        .arg(workdir.path().join("requete.sql"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found = figures(&String::from_utf8(output.stdout).unwrap());

    assert!(expected.len() > 40_000, "{}", expected.len());
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the same cells"
    );
    let mut differences = Vec::new();
    for (key, (value, unit, declarants, attendus)) in &expected {
        let (found_value, found_unit, found_declarants, found_attendus) = &found[key];
        let close = match (value, found_value) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(1.0),
            (None, None) => true,
            _ => false,
        };
        if !close
            || unit != found_unit
            || declarants != found_declarants
            || attendus != found_attendus
        {
            differences.push(format!("{key:?}: {value:?} {declarants}/{attendus} ≠ {found_value:?} {found_declarants}/{found_attendus}"));
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences[..differences.len().min(20)].join("\n")
    );
    // Coverage is there: the withdrawn month leaves mp002's May uncovered.
    let may = (
        "frequentation".to_string(),
        "manufacture".to_string(),
        "mp002".to_string(),
        "2025-05".to_string(),
    );
    assert_eq!(found[&may].0, None);
    assert_eq!((found[&may].2, found[&may].3), (0, 1));
}

#[test]
fn one_indicator_reads_only_its_table_and_spark_reads_each_file_with_its_month() {
    let workdir = Workdir::sample_workspace();
    let file = repo().join("sample-data/classeurs/mp001/mp001_2025-03.xlsx");
    assert_eq!(workdir.run(&["ingest", file.to_str().unwrap()]).code, 0);
    let duckdb = workdir.run(&["sql", "--indicator", "taux_occupation"]);
    assert_eq!(duckdb.code, 0, "{duckdb:?}");
    assert!(
        duckdb.stdout.contains("tables/equipements/mois=2025-03/"),
        "{}",
        duckdb.stdout
    );
    assert!(!duckdb.stdout.contains("tables/flux/"), "{}", duckdb.stdout);
    assert!(duckdb.stdout.contains("hive_partitioning = true"));
    let spark = workdir.run(&[
        "sql",
        "--dialect",
        "spark",
        "--racine",
        "s3://reseau/store",
        "--indicator",
        "part_achats_circuit_court",
    ]);
    assert_eq!(spark.code, 0, "{spark:?}");
    assert!(
        spark
            .stdout
            .contains("FROM parquet.`s3://reseau/store/tables/flux/mois=2025-03/"),
        "{}",
        spark.stdout
    );
    assert!(
        spark.stdout.contains("'2025-03' AS mois"),
        "{}",
        spark.stdout
    );
    let unknown = workdir.run(&["sql", "--indicator", "taux_ocupation"]);
    assert_eq!(
        unknown.code, 2,
        "an unknown indicator is a usage error: {unknown:?}"
    );
    assert!(
        unknown.stderr.contains("taux_occupation"),
        "{}",
        unknown.stderr
    );
}
