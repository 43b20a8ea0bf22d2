//! The national scale through the real path (issue 12): a network of tiers-lieux (3,500 places
//! over 120 months by default, the whole French network) written as one CSV file per table,
//! then, each timed with its peak memory, `mesure ingest` of the seven files into an empty
//! store, `mesure compute` of every indicator at every level and period, `mesure report
//! --level national`, and the DuckDB query of `mesure sql` on the same store (when the
//! `duckdb` Python package is there: `MESURE_PYTHON_DUCKDB`, or `~/.cache/mesure-venv`), whose
//! figures are then compared with `compute`'s one by one (the bench fails on a difference).
//!
//! Run: `cargo bench --features dev-tools --bench national -- [PLACES] [FOLDER]` (release profile). The workspace
//! is written to FOLDER (default: a temporary folder, removed at the end).

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use mesure::Month;
use mesure::geo::DEPARTEMENTS;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Compares two CSV files of figures (`compute`'s, DuckDB's) cell by cell: a full join on
/// indicator, level, entity and period; coverage equal, values equal to a relative 1e-9.
const COMPARE: &str = r#"import duckdb, sys
a, b = sys.argv[1], sys.argv[2]
rows, only_a, only_b, coverage, empty, value = duckdb.connect().sql(f"""
with a as (select * from read_csv('{a}', all_varchar=true)),
     b as (select * from read_csv('{b}', all_varchar=true))
select count(*),
  count(*) filter (where a.indicateur is null),
  count(*) filter (where b.indicateur is null),
  count(*) filter (where a.declarants <> b.declarants or a.attendus <> b.attendus),
  count(*) filter (where (a.valeur is null) <> (b.valeur is null)),
  count(*) filter (where a.valeur is not null and b.valeur is not null and
    abs(a.valeur::double - b.valeur::double) > 1e-9 * greatest(1, abs(b.valeur::double)))
from a full join b using (indicateur, niveau, entite, periode)""").fetchall()[0]
print(f"{rows} chiffres : {only_b} de compute seul, {only_a} de DuckDB seul, "
      f"couverture différente {coverage}, vide d'un côté {empty}, valeur différente {value}")
sys.exit(0 if only_a + only_b + coverage + empty + value == 0 else 1)
"#;

const MONTHS: i32 = 120;
const FILIERES: [&str; 8] = [
    "bois",
    "textile",
    "métal",
    "réemploi",
    "numérique",
    "alimentaire",
    "céramique",
    "éco-construction",
];

/// The seven CSV files, each with its header.
const TABLES: [(&str, &str); 7] = [
    ("publics", "categorie,nb_personnes,nb_passages,dont_femmes"),
    (
        "emplois",
        "type_contrat,effectif_fin_mois,etp,entrees,sorties",
    ),
    (
        "flux",
        "sens,categorie,partenaire,montant_ht,distance_km,nb_intermediaires",
    ),
    (
        "equipements",
        "id_equipement,equipement,heures_disponibles,heures_utilisees,heures_externes,nb_structures",
    ),
    (
        "formations",
        "intitule,duree_h,nb_participants,dont_demandeurs_emploi,certifiante",
    ),
    ("finances", "poste,classe,nature,montant"),
    (
        "matieres",
        "matiere,kg_entrants,kg_reemployes,kg_recycles,kg_dechets",
    ),
];

/// Writes the registry of `places` places open from a month of their first two years.
fn write_registry(
    path: &Path,
    places: usize,
    first: Month,
    rng: &mut ChaCha8Rng,
) -> Vec<(String, Month)> {
    let mut text = String::from(
        "id,nom,commune,code_insee,code_departement,code_region,filiere,vague,ouverture,fermeture\n",
    );
    let mut open = Vec::with_capacity(places);
    for i in 0..places {
        let departement = &DEPARTEMENTS[i % DEPARTEMENTS.len()];
        let id = format!("tl{i:05}");
        let opening = first.plus(rng.random_range(0..24));
        let _ = writeln!(
            text,
            "{id},Tiers-lieu {i},Commune,{}{}1,{},{},{},{},{opening},",
            departement.code,
            "0".repeat(4 - departement.code.len()),
            departement.code,
            departement.region,
            FILIERES[i % FILIERES.len()],
            1 + i % 2
        );
        open.push((id, opening));
    }
    fs::write(path, text).expect("registry written");
    open
}

/// Writes one CSV file per table: every place, every month from its opening, 5 % of months
/// not declared. Returns the rows written.
fn write_tables(
    dir: &Path,
    open: &[(String, Month)],
    last: Month,
    publics: &[String],
    rng: &mut ChaCha8Rng,
) -> usize {
    fs::create_dir_all(dir).expect("folder");
    let mut files: Vec<BufWriter<fs::File>> = TABLES
        .iter()
        .map(|(table, header)| {
            let mut file =
                BufWriter::new(fs::File::create(dir.join(format!("{table}.csv"))).unwrap());
            writeln!(file, "id_manufacture,mois,{header}").unwrap();
            file
        })
        .collect();
    let mut rows = 0;
    for (id, opening) in open {
        for month in opening.through(last) {
            if rng.random_bool(0.05) {
                continue;
            }
            let size = rng.random_range(5.0..50.0f64);
            let key = format!("{id},{month}");
            let mut row = |table: usize, values: String| {
                writeln!(files[table], "{key},{values}").unwrap();
                rows += 1;
            };
            for k in 0..4 {
                let people = (size * rng.random_range(0.2..1.0f64)).round();
                let category = &publics[(k * 2 + month.month() as usize) % publics.len()];
                row(
                    0,
                    format!(
                        "{category},{people},{},{}",
                        people * 2.0,
                        (people * 0.4).round()
                    ),
                );
            }
            row(1, "CDI,3,2.5,0,0".into());
            row(1, "CDDI,2,1.4,1,1".into());
            for (sens, k) in [("achat", 0), ("achat", 1), ("vente", 2), ("vente", 3)] {
                let distance = rng.random_range(1.0..600.0f64);
                row(
                    2,
                    format!("{sens},bois,,{:.2},{distance:.1},{}", size * 100.0, k % 3),
                );
            }
            for e in 0..3 {
                let available = 100.0 + e as f64 * 20.0;
                let used = (available * rng.random_range(0.1..0.9f64)).round();
                row(
                    3,
                    format!(
                        "EQ{e},Machine,{available},{used},{},2",
                        (used * 0.3).round()
                    ),
                );
            }
            row(4, "Formation,7,8,3,oui".into());
            for (classe, share) in [("propre", 0.5), ("publique", 0.4), ("privée", 0.1)] {
                row(
                    5,
                    format!("poste,{classe},fonctionnement,{:.2}", size * 200.0 * share),
                );
            }
            row(
                6,
                format!(
                    "bois,{:.1},{:.1},{:.1},{:.1}",
                    size * 10.0,
                    size * 3.0,
                    size,
                    size * 0.5
                ),
            );
        }
    }
    for mut file in files {
        file.flush().unwrap();
    }
    rows
}

/// Runs a command under `/usr/bin/time`; prints and returns its wall time and peak memory.
fn measure(label: &str, command: &mut Command) -> (f64, u64) {
    let times = std::env::temp_dir().join(format!("mesure-bench-{}", std::process::id()));
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
    let start = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(&times)
        .arg(program)
        .args(args)
        .current_dir(command.get_current_dir().unwrap_or(Path::new(".")))
        .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .output()
        .expect("/usr/bin/time runs (Debian package time)");
    let seconds = start.elapsed().as_secs_f64();
    let kilobytes: u64 = fs::read_to_string(&times)
        .unwrap_or_default()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    let _ = fs::remove_file(&times);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or("");
    println!(
        "{label} : {seconds:.1} s, mémoire max {} Mio{}",
        kilobytes / 1024,
        if output.status.success() {
            String::new()
        } else {
            format!(
                " — ÉCHEC ({}) : {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        }
    );
    if !last.is_empty() && last.len() < 300 {
        println!("    {last}");
    }
    assert!(output.status.success(), "{label} failed");
    (seconds, kilobytes / 1024)
}

fn count_files(dir: &Path) -> usize {
    fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                let path = e.path();
                if path.is_dir() { count_files(&path) } else { 1 }
            })
            .sum()
    })
}

fn duckdb_python() -> Option<PathBuf> {
    let python = match std::env::var_os("MESURE_PYTHON_DUCKDB") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache/mesure-venv/bin/python"),
    };
    Command::new(&python)
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success())
        .then_some(python)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let places: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(3_500);
    let kept = args.get(1).map(PathBuf::from);
    let temporary = tempfile::tempdir().expect("temporary folder");
    let work = kept
        .clone()
        .unwrap_or_else(|| temporary.path().to_path_buf());
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mesure = env!("CARGO_BIN_EXE_mesure");
    fs::create_dir_all(&work).expect("folder");
    let status = Command::new("cp")
        .args(["-r"])
        .arg(repo.join("indicators"))
        .arg(&work)
        .status()
        .expect("cp");
    assert!(status.success());

    let first = Month::new(2016, 1).expect("valid month");
    let last = first.plus(MONTHS - 1);
    let mut rng = ChaCha8Rng::seed_from_u64(3500);
    let start = Instant::now();
    let open = write_registry(&work.join("manufactures.csv"), places, first, &mut rng);
    // The categories of publics as the definitions declare them.
    let publics: Vec<String> = mesure::Workspace::open(repo)
        .and_then(|w| w.definitions())
        .ok()
        .and_then(|d| {
            let column = d.table("publics")?.column("categorie")?;
            Some(column.values.iter().map(|v| v.value.clone()).collect())
        })
        .expect("publics.categorie is declared");
    let rows = write_tables(&work.join("envoi"), &open, last, &publics, &mut rng);
    let bytes: u64 = fs::read_dir(work.join("envoi"))
        .unwrap()
        .flatten()
        .map(|e| e.metadata().map_or(0, |m| m.len()))
        .sum();
    println!(
        "réseau : {places} lieux, {MONTHS} mois ({first} à {last}), {rows} lignes dans 7 fichiers CSV ({} Mo), écrits en {:.1} s ; {} cœurs",
        bytes / 1_000_000,
        start.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let run = |args: &[&str]| {
        let mut command = Command::new(mesure);
        command.args(["--workspace"]).arg(&work).args(args);
        command
    };
    let envoi = work.join("envoi");
    measure(
        "mesure ingest (7 CSV, stockage vide)",
        &mut run(&["ingest", envoi.to_str().unwrap()]),
    );
    println!(
        "    stockage : {} fichiers Parquet de tables et déclarations",
        count_files(&work.join("store/tables")) + count_files(&work.join("store/declarations"))
    );
    let figures = work.join("chiffres.csv");
    measure(
        "mesure compute (tous niveaux, toutes périodes)",
        &mut run(&["compute", "--output", figures.to_str().unwrap()]),
    );
    let lines = fs::read_to_string(&figures).map_or(0, |t| t.lines().count().saturating_sub(1));
    println!("    {lines} chiffres");
    measure(
        "mesure report --level national",
        &mut run(&["report", "--level", "national"]),
    );
    let query = work.join("requete.sql");
    measure(
        "mesure sql --dialect duckdb",
        &mut run(&["sql", "--output", query.to_str().unwrap()]),
    );
    match duckdb_python() {
        Some(python) => {
            // Written to a CSV file, as `mesure compute --output` does.
            let script = "import duckdb, sys\ncon = duckdb.connect()\ncon.execute(f\"COPY ({open(sys.argv[1]).read()}) TO '{sys.argv[2]}' (HEADER)\")\nprint(con.execute(f\"SELECT count(*) FROM '{sys.argv[2]}'\").fetchone()[0], 'lignes')";
            measure(
                "DuckDB, requête de mesure sql (mêmes fichiers)",
                Command::new(&python)
                    .args(["-c", script])
                    .arg(&query)
                    .arg(work.join("chiffres-duckdb.csv")),
            );
            measure(
                "chiffres de compute et de DuckDB comparés un à un",
                Command::new(&python)
                    .args(["-c", COMPARE])
                    .arg(&figures)
                    .arg(work.join("chiffres-duckdb.csv")),
            );
        }
        None => println!("DuckDB absent : pip install duckdb dans ~/.cache/mesure-venv"),
    }
    if let Some(kept) = kept {
        println!("espace de travail gardé : {}", kept.display());
    }
}
