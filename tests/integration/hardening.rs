//! What a real network does to a store (issue 10): two writers at once, an ingest racing a
//! rebuild, a torn ledger line, a full disk, registry edits after data, a withdrawn month.
//! Each test runs the real binary, and the figures after a busy run must equal a quiet run's.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use mesure::store::WriteLock;

use crate::support::{Workdir, path_str, repo};

fn sample(manufacture: &str) -> PathBuf {
    repo().join("sample-data/classeurs").join(manufacture)
}

/// Starts `mesure ARGS` in the workdir without waiting for it.
fn spawn(workdir: &Workdir, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_mesure"))
        .args(args)
        .current_dir(workdir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

fn finish(child: std::process::Child) -> crate::support::Outcome {
    let output = child.wait_with_output().unwrap();
    crate::support::Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A CSV file of one table for three manufactures over six months of 2025.
fn csv_table(workdir: &Workdir, folder: &str, table: &str) -> PathBuf {
    let mut text = match table {
        "publics" => "id_manufacture;mois;categorie;nb_personnes;nb_passages\n".to_string(),
        _ => "id_manufacture;mois;type_contrat;effectif_fin_mois;etp;entrees;sorties\n".to_string(),
    };
    for (m, id) in ["mp001", "mp002", "mp003"].iter().enumerate() {
        for month in 1..=6 {
            let n = 3 + m * 7 + month;
            text.push_str(&match table {
                "publics" => format!("{id};2025-{month:02};salarié;{n};{}\n", n * 3),
                _ => format!("{id};2025-{month:02};CDI;{};{},5;1;0\n", m + 1, m + 1),
            });
        }
    }
    let path = workdir.path().join(folder).join(format!("{table}.csv"));
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_second_writer_waits_for_the_first_and_says_who_holds_the_store() {
    let workdir = Workdir::sample_workspace();
    let holder = WriteLock::acquire(&workdir.path().join("store"), "test de verrou", &|_| {})
        .expect("the lock is free");
    let waiting = spawn(
        &workdir,
        &[
            "ingest",
            path_str(&sample("mp001").join("mp001_2025-01.xlsx")),
        ],
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let ledger = workdir.path().join("store/depots.jsonl");
    assert!(
        !ledger.exists(),
        "nothing is written while the lock is held"
    );
    drop(holder);
    let outcome = finish(waiting);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert!(
        outcome
            .stderr
            .contains("est en cours de modification par « test de verrou (processus"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stdout.contains(": accepté"), "{}", outcome.stdout);
}

#[test]
fn two_ingests_at_once_give_the_figures_of_one_after_the_other() {
    let (a, b, c) = (sample("mp001"), sample("mp002"), sample("mp003"));
    let quiet = Workdir::sample_workspace();
    for files in [[&a, &b], [&b, &c]] {
        let args = ["ingest", path_str(files[0]), path_str(files[1])];
        assert_eq!(quiet.run(&args).code, 0);
    }
    let busy = Workdir::sample_workspace();
    let first = spawn(&busy, &["ingest", path_str(&a), path_str(&b)]);
    let second = spawn(&busy, &["ingest", path_str(&b), path_str(&c)]);
    for outcome in [finish(first), finish(second)] {
        assert_eq!(outcome.code, 0, "{outcome:?}");
    }
    assert_eq!(
        busy.figures(&["month", "year"]),
        quiet.figures(&["month", "year"])
    );
    assert_eq!(busy.run(&["status"]).stdout, quiet.run(&["status"]).stdout);

    // Two CSV files of different tables for the same months, sent at once.
    let publics = csv_table(&busy, "envoi1", "publics");
    let emplois = csv_table(&busy, "envoi2", "emplois");
    let first = spawn(&busy, &["ingest", path_str(&publics)]);
    let second = spawn(&busy, &["ingest", path_str(&emplois)]);
    for outcome in [finish(first), finish(second)] {
        assert_eq!(outcome.code, 0, "{outcome:?}");
    }
    for path in [&publics, &emplois] {
        assert_eq!(quiet.run(&["ingest", path_str(path)]).code, 0);
    }
    assert_eq!(
        busy.figures(&["month", "year"]),
        quiet.figures(&["month", "year"])
    );
}

#[test]
fn an_ingest_racing_a_rebuild_is_kept() {
    let (a, b) = (sample("mp001"), sample("mp002"));
    let quiet = Workdir::sample_workspace();
    assert_eq!(quiet.run(&["ingest", path_str(&a), path_str(&b)]).code, 0);
    let busy = Workdir::sample_workspace();
    assert_eq!(busy.run(&["ingest", path_str(&a)]).code, 0);
    let rebuild = spawn(&busy, &["rebuild"]);
    let ingest = spawn(&busy, &["ingest", path_str(&b)]);
    let second_rebuild = spawn(&busy, &["rebuild"]);
    for outcome in [finish(rebuild), finish(ingest), finish(second_rebuild)] {
        assert_eq!(outcome.code, 0, "{outcome:?}");
    }
    assert_eq!(
        busy.figures(&["month", "year"]),
        quiet.figures(&["month", "year"])
    );
    assert_eq!(busy.run(&["status"]).stdout, quiet.run(&["status"]).stdout);
}

#[test]
fn a_torn_ledger_line_loses_no_month() {
    let workdir = Workdir::sample_workspace();
    let (first, second) = (
        sample("mp001").join("mp001_2025-01.xlsx"),
        sample("mp001").join("mp001_2025-03.xlsx"),
    );
    assert_eq!(workdir.run(&["ingest", path_str(&first)]).code, 0);
    // The disk filled while a line was appended: it stops in the middle.
    let ledger = workdir.path().join("store/depots.jsonl");
    let mut file = fs::OpenOptions::new().append(true).open(&ledger).unwrap();
    file.write_all(br#"{"horodatage":"2025-04-10T00:00:00Z","fichier":"mp0"#)
        .unwrap();
    drop(file);
    assert_eq!(workdir.run(&["ingest", path_str(&second)]).code, 0);
    let text = fs::read_to_string(&ledger).unwrap();
    assert_eq!(text.lines().count(), 2, "the torn line is gone:\n{text}");
    let before = workdir.figures(&["month", "year"]);
    let rebuilt = workdir.run(&["rebuild"]);
    assert_eq!(rebuilt.code, 0, "{rebuilt:?}");
    assert!(
        rebuilt.stdout.contains("2 mois enregistré(s)"),
        "{rebuilt:?}"
    );
    assert_eq!(workdir.figures(&["month", "year"]), before);

    // A whole line that cannot be read stops the rebuild, which says where.
    fs::write(&ledger, format!("{text}{{\"horodatage\": 12}}\n")).unwrap();
    let refused = workdir.run(&["rebuild"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("depots.jsonl:3 : ligne illisible du registre des dépôts"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        workdir.figures(&["month", "year"]),
        before,
        "the tables are untouched"
    );
}

#[test]
fn registry_edits_after_data_are_reported_and_never_drop_a_month() {
    let workdir = Workdir::sample_workspace();
    let files = sample("mp001");
    assert_eq!(workdir.run(&["ingest", path_str(&files)]).code, 0);
    let before = workdir.figures(&["month", "year"]);
    let registry = fs::read_to_string(workdir.path().join("manufactures.csv")).unwrap();
    let opened_later = registry.replace(
        "mp001,La Fabrique nivernaise,Nevers,58194,58,27,bois,1,2025-01,",
        "mp001,La Fabrique nivernaise,Nevers,58194,58,27,bois,1,2025-04,",
    );
    assert_ne!(opened_later, registry);
    workdir.write("manufactures.csv", &opened_later);
    let check = workdir.run(&["check"]);
    assert_eq!(check.code, 1);
    assert!(
        check.stderr.contains(
            "« mp001 » a des mois enregistrés hors de ses dates d'ouverture (2 mois, de 2025-01 à 2025-03) : le registre ne l'attend que à partir de 2025-04"
        ),
        "{}",
        check.stderr
    );
    let rebuild = workdir.run(&["rebuild"]);
    assert_eq!(rebuild.code, 1);
    assert!(
        rebuild.stderr.contains("Reconstruction annulée"),
        "{}",
        rebuild.stderr
    );
    assert!(
        rebuild.stderr.contains("mp001_2025-01.xlsx"),
        "{}",
        rebuild.stderr
    );
    workdir.write("manufactures.csv", &registry);
    assert_eq!(
        workdir.figures(&["month", "year"]),
        before,
        "no month was dropped"
    );

    let renamed = registry.replace("mp001,", "MP-001,");
    workdir.write("manufactures.csv", &renamed);
    let check = workdir.run(&["check"]);
    assert_eq!(check.code, 1);
    assert!(
        check.stderr.contains(
            "des mois de « mp001 » sont enregistrés (11 mois, de 2025-01 à 2025-12) mais le registre ne connaît pas cet identifiant"
        ),
        "{}",
        check.stderr
    );
}

#[test]
fn ids_that_collide_by_case_or_are_too_long_are_refused_by_check() {
    let workdir = Workdir::sample_workspace();
    let registry = fs::read_to_string(workdir.path().join("manufactures.csv")).unwrap();
    let long = "m".repeat(300);
    let edited = registry
        .replace("mp002,", "MP001,")
        .replace("mp003,", &format!("{long},"));
    workdir.write("manufactures.csv", &edited);
    let check = workdir.run(&["check"]);
    assert_eq!(check.code, 1);
    assert!(
        check.stderr.contains(
            "manufactures.csv:3, colonne id : identifiant « MP001 » en double (déjà ligne 2 : « mp001 », les majuscules ne comptent pas)"
        ),
        "{}",
        check.stderr
    );
    assert!(
        check.stderr.contains(
            "manufactures.csv:4, colonne id : identifiant de 300 caractères, trop long : 40 au plus"
        ),
        "{}",
        check.stderr
    );
}

#[test]
fn a_withdrawn_month_is_gone_recorded_and_stays_gone_after_a_rebuild() {
    let workdir = Workdir::sample_workspace();
    let (wrong, other) = (
        sample("mp001").join("mp001_2025-03.xlsx"),
        sample("mp001").join("mp001_2025-04.xlsx"),
    );
    assert_eq!(workdir.run(&["ingest", path_str(&other)]).code, 0);
    let without = workdir.figures(&["month", "year"]);
    assert_eq!(workdir.run(&["ingest", path_str(&wrong)]).code, 0);
    assert_ne!(workdir.figures(&["month", "year"]), without);

    let outcome = workdir.run(&["retirer", "--manufacture", "mp001", "--mois", "2025-03"]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert!(
        outcome
            .stdout
            .starts_with("mp001 2025-03 retiré ; il venait de mp001_2025-03.xlsx ("),
        "{}",
        outcome.stdout
    );
    assert_eq!(workdir.figures(&["month", "year"]), without);
    let ledger = fs::read_to_string(workdir.path().join("store/depots.jsonl")).unwrap();
    assert!(
        ledger
            .lines()
            .last()
            .unwrap()
            .contains(r#""resultat":"retire""#)
    );
    assert_eq!(
        fs::read_dir(workdir.path().join("store/brut"))
            .unwrap()
            .count(),
        2,
        "the raw file is kept"
    );
    let rebuilt = workdir.run(&["rebuild"]);
    assert_eq!(rebuilt.code, 0, "{rebuilt:?}");
    assert!(
        rebuilt.stdout.contains("1 retrait(s) appliqué(s)"),
        "{}",
        rebuilt.stdout
    );
    assert_eq!(workdir.figures(&["month", "year"]), without);

    let again = workdir.run(&["retirer", "--manufacture", "mp001", "--mois", "2025-03"]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("aucun mois enregistré"),
        "{}",
        again.stderr
    );
    // Sent again, the month is stored again.
    assert_eq!(workdir.run(&["ingest", path_str(&wrong)]).code, 0);
    assert_ne!(workdir.figures(&["month", "year"]), without);
}

/// Runs a shell script in a new user and mount namespace, where it may mount a small tmpfs
/// (a real full disk). `None` when this machine cannot (no `unshare`, or namespaces off): the
/// test then says so, and fails under CI, where it must run.
fn in_mount_namespace(script: &str) -> Option<std::process::Output> {
    let output = Command::new("unshare")
        .args(["-rm", "sh", "-c", script])
        .env("MESURE", env!("CARGO_BIN_EXE_mesure"))
        .output();
    match output {
        Ok(output) if !String::from_utf8_lossy(&output.stderr).contains("unshare: ") => {
            Some(output)
        }
        other => {
            let why =
                format!("unshare -rm indisponible ici ({other:?}) : test du disque plein SAUTÉ");
            assert!(std::env::var_os("CI").is_none(), "{why}");
            eprintln!("\n*** {why} ***\n");
            None
        }
    }
}

#[test]
fn a_full_disk_is_told_in_french_and_leaves_every_stored_month_whole() {
    let workdir = Workdir::sample_workspace();
    workdir.write(
        "mesure.toml",
        "stockage = \"petit/store\"\nrapports = \"petit/rapports\"\n",
    );
    fs::create_dir_all(workdir.path().join("petit")).unwrap();
    let dir = path_str(workdir.path());
    let files = path_str(&sample("mp001")).to_string();
    let more = format!(
        "{}' '{}",
        path_str(&sample("mp002")),
        path_str(&sample("mp003"))
    );
    // 1.4 MB hold mp001's year, then a file fills the disk before the others come.
    let script = format!(
        r#"set -u
cd '{dir}'
mount -t tmpfs -o size=1400k tmpfs petit || exit 90
echo "== ingest"
"$MESURE" ingest '{files}'; echo "code=$?"
"$MESURE" compute --level national --per year > avant.csv
echo "== output"
mkdir -p petit/rapports
"$MESURE" compute --level national --per year --output petit/rapports/chiffres.csv; echo "code=$?"
head -c 4000000 /dev/zero > petit/remplissage 2>/dev/null
"$MESURE" compute --output petit/rapports/chiffres.csv 2>&1; echo "code=$?"
echo "lignes=$(wc -l < petit/rapports/chiffres.csv)"
echo "== full"
"$MESURE" ingest '{more}'; echo "code=$?"
echo "== compute"
"$MESURE" compute --level national --per year > apres.csv; echo "code=$?"
cmp avant.csv apres.csv && echo "figures=same"
echo "== rebuild"
"$MESURE" rebuild 2>&1; echo "code=$?"
ls -A petit/store
echo "== reingest"
rm -f petit/remplissage
"$MESURE" ingest '{more}' | tail -n 1; echo "code=$?"
"#
    );
    let Some(output) = in_mount_namespace(&script) else {
        return;
    };
    let out = String::from_utf8_lossy(&output.stdout).to_string();
    let err = String::from_utf8_lossy(&output.stderr).to_string();
    let section = |name: &str| {
        let start = out
            .find(&format!("== {name}\n"))
            .unwrap_or_else(|| panic!("{out}\n{err}"));
        let rest = &out[start + name.len() + 4..];
        rest[..rest.find("\n== ").unwrap_or(rest.len())].to_string()
    };
    let ingest = section("ingest");
    assert!(ingest.contains("code=0"), "{ingest}\n{err}");
    assert!(ingest.contains(": accepté"), "{ingest}");
    let full = section("full");
    assert!(full.contains("code=1"), "{full}\n{err}");
    assert!(
        full.contains("enregistrement impossible : disque plein"),
        "{full}"
    );
    assert!(full.contains("petit/store"), "the path is named:\n{full}");
    assert!(full.contains("Bilan : 0 fichier(s) accepté(s)"), "{full}");
    assert!(!err.contains("No space left"), "no English OS text:\n{err}");
    let compute = section("compute");
    assert!(compute.contains("code=0"), "{out}\n{err}");
    assert!(
        compute.contains("figures=same"),
        "the months stored before are whole:\n{compute}"
    );
    let output_section = section("output");
    assert!(output_section.contains("code=0\n"), "{output_section}");
    assert!(output_section.contains("disque plein"), "{output_section}");
    assert!(output_section.contains("code=1"), "{output_section}");
    assert!(
        output_section.contains("lignes=") && !output_section.contains("lignes=0"),
        "the previous output is whole:\n{output_section}"
    );
    let rebuild = section("rebuild");
    assert!(
        rebuild.contains("disque plein") && rebuild.contains("code=1"),
        "{rebuild}"
    );
    for leftover in ["manifeste.jsonl.suivant", "changement-en-cours.jsonl"] {
        assert!(
            !rebuild.lines().any(|l| l == leftover),
            "a failed rebuild cleans up:\n{rebuild}"
        );
    }
    assert!(rebuild.lines().any(|l| l == "manifeste.jsonl"), "{rebuild}");
    // Once there is room again, the same files go in: what was stored is already received.
    let reingest = section("reingest");
    assert!(reingest.contains("code=0"), "{reingest}");
}

// ---- Hostile and mistaken workbooks -------------------------------------------------------

use mesure::template::{Cell, Identification, Rows, write_workbook};

/// Writes a workbook for mp001 with the given rows, through a copy of the definitions that
/// `adjust` may change (a renamed sheet, a misspelt header).
fn workbook(
    workdir: &Workdir,
    name: &str,
    month: &str,
    rows: Rows,
    adjust: impl FnOnce(&mut mesure::definitions::Definitions),
) -> PathBuf {
    let mut definitions = mesure::Workspace::open(workdir.path())
        .unwrap()
        .definitions()
        .unwrap();
    adjust(&mut definitions);
    let path = workdir.path().join(name);
    let identification = Identification {
        manufacture: crate::support::id("mp001"),
        name: "La Fabrique nivernaise".into(),
        month: month.parse().unwrap(),
    };
    write_workbook(&path, &definitions, &identification, &rows).unwrap();
    path
}

/// A correct workbook of mp001 for a month, under a file name of its own.
fn plain_workbook(workdir: &Workdir, name: &str, month: &str) -> PathBuf {
    let rows = filled(publics_row(7.0, 20.0), flux_row(Cell::Number(100.0)));
    workbook(workdir, name, month, rows, |_| {})
}

fn publics_row(people: f64, visits: f64) -> Vec<Cell> {
    vec![
        Cell::Text("salarié".into()),
        Cell::Number(people),
        Cell::Number(visits),
        Cell::Number(1.0),
    ]
}

fn emplois_row() -> Vec<Cell> {
    vec![
        Cell::Text("CDI".into()),
        Cell::Number(2.0),
        Cell::Number(1.5),
        Cell::Number(0.0),
        Cell::Number(0.0),
    ]
}

fn flux_row(amount: Cell) -> Vec<Cell> {
    vec![
        Cell::Text("achat".into()),
        Cell::Text("bois".into()),
        amount,
        Cell::Number(40.0),
        Cell::Number(1.0),
        Cell::Empty,
    ]
}

fn filled(publics: Vec<Cell>, flux: Vec<Cell>) -> Rows {
    Rows::from([
        ("publics".to_string(), vec![publics]),
        ("emplois".to_string(), vec![emplois_row()]),
        ("flux".to_string(), vec![flux]),
    ])
}

/// Rewrites, inside an xlsx file, the XML of the cells named, in the sheet named: what a
/// program that writes xlsx files by hand, or a spreadsheet's formula errors, leave there.
fn edit_cells(path: &Path, sheet: &str, cells: &[(&str, &str)]) {
    use std::io::Read;
    let bytes = fs::read(path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        entries.push((entry.name().unwrap().to_string(), content));
    }
    let workbook = String::from_utf8(
        entries
            .iter()
            .find(|(n, _)| n == "xl/workbook.xml")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    // rust_xlsxwriter numbers its sheet files in workbook order.
    let position = workbook
        .match_indices("<sheet ")
        .position(|(at, _)| workbook[at..].starts_with(&format!("<sheet name=\"{sheet}\"")))
        .unwrap_or_else(|| panic!("no sheet {sheet} in {workbook}"));
    let target = format!("xl/worksheets/sheet{}.xml", position + 1);
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in entries {
        let content = if name == target {
            let mut xml = String::from_utf8(content).unwrap();
            for (cell, replacement) in cells {
                let start = xml
                    .find(&format!("<c r=\"{cell}\""))
                    .unwrap_or_else(|| panic!("no cell {cell} in {xml}"));
                let tail = &xml[start..];
                let end = start
                    + if tail.starts_with(&format!("<c r=\"{cell}\"/>"))
                        || tail[..tail.find('>').unwrap()].ends_with('/')
                    {
                        tail.find('>').unwrap() + 1
                    } else {
                        tail.find("</c>").unwrap() + 4
                    };
                xml.replace_range(start..end, replacement);
            }
            xml.into_bytes()
        } else {
            content
        };
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

#[test]
fn a_renamed_sheet_refuses_the_workbook_and_names_the_lookalike() {
    let workdir = Workdir::sample_workspace();
    let first = plain_workbook(&workdir, "mp001_2025-03.xlsx", "2025-03");
    assert_eq!(workdir.run(&["ingest", path_str(&first)]).code, 0);
    let before = workdir.figures(&["month", "year"]);
    // Excel's "copy sheet" gives « Publics (2) »; the original was then deleted.
    let copy = workbook(
        &workdir,
        "mp001_2025-03_v2.xlsx",
        "2025-03",
        filled(publics_row(8.0, 25.0), flux_row(Cell::Number(100.0))),
        |d| {
            d.tables
                .iter_mut()
                .find(|t| t.id == "publics")
                .unwrap()
                .sheet = "Publics (2)".into();
        },
    );
    let outcome = workdir.run(&["ingest", path_str(&copy)]);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    assert!(
        outcome.stdout.contains(
            "  fichier entier : feuille « Publics » absente : le classeur remplace tout le mois, et cette table serait effacée ; la feuille « Publics (2) » lui ressemble : renommez-la « Publics »"
        ),
        "{}",
        outcome.stdout
    );
    assert_eq!(
        workdir.figures(&["month", "year"]),
        before,
        "the stored Publics is untouched"
    );
}

#[test]
fn a_blank_template_is_refused_and_an_empty_emplois_is_warned() {
    let workdir = Workdir::sample_workspace();
    let template = workdir.run(&["template", "--manufacture", "mp001", "--mois", "2025-03"]);
    assert_eq!(template.code, 0, "{template:?}");
    let outcome = workdir.run(&["ingest", "mp001_2025-03.xlsx"]);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    assert!(
        outcome.stdout.contains("  fichier entier : le classeur est vide : aucune feuille n'a de ligne (un modèle renvoyé sans être rempli ?) ; rien n'est enregistré"),
        "{}",
        outcome.stdout
    );
    assert!(!workdir.path().join("store/tables/mp001").exists());

    let rows = Rows::from([("publics".to_string(), vec![publics_row(7.0, 20.0)])]);
    let no_jobs = workbook(&workdir, "mp001_2025-04.xlsx", "2025-04", rows, |_| {});
    let outcome = workdir.run(&["ingest", path_str(&no_jobs)]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert!(
        outcome.stdout.contains(
            "  feuille Emplois : avertissement : la feuille « Emplois » n'a aucune ligne"
        ),
        "{}",
        outcome.stdout
    );
}

#[test]
fn a_dimension_bomb_is_refused_and_the_batch_goes_on() {
    let workdir = Workdir::sample_workspace();
    let good = plain_workbook(&workdir, "mp001_2025-03.xlsx", "2025-03");
    let bomb = plain_workbook(&workdir, "mp001_2025-04.xlsx", "2025-04");
    // One more cell at the very last place of the sheet: a grid would take 512 GB.
    edit_cells(
        &bomb,
        "Publics",
        &[(
            "D2",
            "<c r=\"D2\"><v>1</v></c></row><row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c>",
        )],
    );
    assert!(fs::metadata(&bomb).unwrap().len() < 20_000);
    let outcome = workdir.run(&["ingest", path_str(&good), path_str(&bomb)]);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    assert!(
        outcome.stdout.contains(
            "mp001_2025-04.xlsx : REFUSÉ\n  fichier entier : la feuille « Publics » s'étend de A1 à XFD1048576 : une feuille mensuelle tient en moins de 2 millions de cellules"
        ),
        "{}",
        outcome.stdout
    );
    assert!(
        outcome.stdout.contains("mp001_2025-03.xlsx : accepté"),
        "{}",
        outcome.stdout
    );
}

#[test]
fn every_problem_of_every_sheet_is_reported_at_once() {
    let workdir = Workdir::sample_workspace();
    let path = workbook(
        &workdir,
        "mp001_2025-03.xlsx",
        "2025-03",
        filled(publics_row(7.0, 20.0), flux_row(Cell::Text("douze".into()))),
        |d| {
            let publics = d.tables.iter_mut().find(|t| t.id == "publics").unwrap();
            let column = publics
                .columns
                .iter_mut()
                .find(|c| c.name == "nb_personnes")
                .unwrap();
            column.name = "nb_persones".into();
            column.label = "Nb persones".into();
        },
    );
    let outcome = workdir.run(&["ingest", path_str(&path)]);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    for expected in [
        "  feuille Publics, ligne 1 : colonne obligatoire « nb_personnes » absente ; l'en-tête « nb_persones » lui ressemble : corrigez-le",
        "  feuille Flux, ligne 2, colonne C (montant_ht) : « douze » n'est pas un nombre",
    ] {
        assert!(
            outcome.stdout.contains(expected),
            "{expected}\n{}",
            outcome.stdout
        );
    }
}

#[test]
fn formula_errors_are_named_as_the_spreadsheet_writes_them() {
    let workdir = Workdir::sample_workspace();
    let path = plain_workbook(&workdir, "mp001_2025-03.xlsx", "2025-03");
    edit_cells(
        &path,
        "Publics",
        &[
            ("C2", "<c r=\"C2\"><f>SUM(Z1:Z9)</f></c>"),
            ("D2", "<c r=\"D2\" t=\"e\"><f>B2/0</f><v>#DIV/0!</v></c>"),
        ],
    );
    edit_cells(
        &path,
        "Flux",
        &[("E2", "<c r=\"E2\" t=\"e\"><f>#REF!+1</f><v>#REF!</v></c>")],
    );
    let outcome = workdir.run(&["ingest", path_str(&path)]);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    for expected in [
        "  feuille Publics, ligne 2, colonne C (nb_passages) : formule sans valeur calculée (=SUM(Z1:Z9)) : ouvrez le classeur dans un tableur, puis enregistrez-le pour que la valeur y soit",
        "  feuille Publics, ligne 2, colonne D (dont_femmes) : avertissement : la formule donne #DIV/0! : valeur manquante (ni zéro, ni comptée)",
        "  feuille Flux, ligne 2, colonne E (nb_intermediaires) : la formule donne #REF! (elle renvoie à une cellule ou une feuille supprimée) : corrigez-la",
    ] {
        assert!(
            outcome.stdout.contains(expected),
            "{expected}\n{}",
            outcome.stdout
        );
    }
}

#[test]
fn a_copied_file_renamed_for_another_month_is_warned() {
    let workdir = Workdir::sample_workspace();
    let copy = plain_workbook(&workdir, "mp001_2025-04.xlsx", "2025-03");
    let outcome = workdir.run(&["ingest", path_str(&copy)]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert!(
        outcome.stdout.contains(
            "  feuille Identification : avertissement : le nom du fichier indique le mois 2025-04, mais la feuille Identification dit mp001 2025-03 : enregistré pour mp001 2025-03"
        ),
        "{}",
        outcome.stdout
    );
}

/// A national CSV file with one mistake on every row lists the first thousand problems and
/// counts the rest, rather than holding (and printing) a message per row.
#[test]
fn a_csv_with_a_mistake_on_every_row_lists_a_thousand_and_counts_the_rest() {
    let workdir = Workdir::sample_workspace();
    let mut csv = "id_manufacture;mois;categorie;nb_personnes;nb_passages\n".to_string();
    for row in 0..1500 {
        csv.push_str(&format!("mp001;2025-{:02};intérimaire;1;1\n", row % 6 + 1));
    }
    workdir.write("envoi/publics.csv", csv);
    let outcome = workdir.run(&["ingest", "envoi/publics.csv"]);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    let listed = outcome
        .stdout
        .lines()
        .filter(|l| {
            l.starts_with("  ligne ") && l.contains("« intérimaire » n'est pas une valeur permise")
        })
        .count();
    assert_eq!(listed, 1000, "{}", outcome.stdout);
    assert!(
        outcome
            .stdout
            .contains("  ligne 1001, colonne categorie : « intérimaire »"),
        "{}",
        outcome.stdout
    );
    assert!(
        outcome.stdout.contains(
            "  fichier entier : 500 autres erreurs non listées : seuls les 1\u{202f}000 premiers problèmes du fichier sont détaillés"
        ),
        "{}",
        outcome.stdout
    );
}

#[test]
fn a_workbook_and_a_csv_for_one_month_apply_in_one_order_whatever_their_names() {
    let csv =
        "id_manufacture;mois;categorie;nb_personnes;nb_passages\nmp001;2025-03;retraité;5;9\n";
    let mut results = Vec::new();
    for name in ["Publics.csv", "publics.csv"] {
        let workdir = Workdir::sample_workspace();
        let month = plain_workbook(&workdir, "mp001_2025-03.xlsx", "2025-03");
        workdir.write(&format!("envoi/{name}"), csv);
        fs::rename(&month, workdir.path().join("envoi/mp001_2025-03.xlsx")).unwrap();
        let outcome = workdir.run(&["ingest", "envoi"]);
        assert_eq!(outcome.code, 0, "{outcome:?}");
        // The CSV is applied after the workbook: its Publics replace the workbook's.
        assert!(
            outcome
                .stdout
                .contains("publics 1 ; remplace un envoi précédent"),
            "{}",
            outcome.stdout
        );
        let ledger = fs::read_to_string(workdir.path().join("store/depots.jsonl")).unwrap();
        let lines: Vec<&str> = ledger.lines().collect();
        assert!(lines[0].contains("mp001_2025-03.xlsx"), "{ledger}");
        let workbook_hash = lines[0].split("\"empreinte\":\"").nth(1).unwrap()[..64].to_string();
        assert!(
            lines[1].contains(&format!("\"remplace\":[\"{workbook_hash}\"]")),
            "{ledger}"
        );
        results.push(workdir.figures(&["month", "year"]));
    }
    assert_eq!(results[0], results[1]);
    // Hand-worked: Publics is the CSV's row only, 9 passages in March.
    assert!(
        results[0].contains("frequentation,manufacture,mp001,2025-03,9,"),
        "{}",
        results[0]
    );
}

/// A network's CSV file is reported in one line: manufactures, months, rows per table.
#[test]
fn a_csv_of_many_months_is_reported_as_a_summary() {
    let workdir = Workdir::sample_workspace();
    let path = csv_table(&workdir, "envoi", "publics");
    let outcome = workdir.run(&["ingest", path_str(&path)]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert!(
        outcome.stdout.contains(
            "envoi/publics.csv : accepté (3 manufactures, 18 mois-manufacture de 2025-01 à 2025-06 : publics 18 lignes)"
        ),
        "{}",
        outcome.stdout
    );
    let again = workdir.run(&["ingest", "--dry-run", path_str(&path)]);
    assert!(
        again.stdout.contains("18 mois-manufacture"),
        "{}",
        again.stdout
    );
}
