//! `mesure ingest` and `mesure status`: files written by real programs read to the values
//! typed in them, broken files refused one by one with their exact message, the store kept
//! whole through replacements and crashes.

use std::fs;
use std::path::Path;

use mesure::Month;
use mesure::store::Outcome;
use polars::prelude::*;

use crate::support::{Workdir, fixture, repo};

fn month(text: &str) -> Month {
    text.parse().unwrap()
}

fn table(workdir: &Workdir, name: &str, manufacture: &str, when: &str) -> DataFrame {
    workdir
        .store()
        .read_table(name, manufacture, month(when))
        .unwrap()
        .unwrap_or_else(|| panic!("{name} {manufacture} {when} not stored"))
}

fn floats(frame: &DataFrame, column: &str) -> Vec<Option<f64>> {
    frame
        .column(column)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect()
}

fn texts(frame: &DataFrame, column: &str) -> Vec<Option<String>> {
    frame
        .column(column)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

/// The same workbook saved by LibreOffice as xlsx, xls and ods (see
/// tests/fixtures/libreoffice/regenerer.sh) gives the values typed in it, whatever the format.
#[test]
fn libreoffice_workbooks_give_the_values_typed() {
    for format in ["xlsx", "xls", "ods"] {
        let workdir = Workdir::sample_workspace();
        let file = fixture(&format!("libreoffice/mp001_2025-03.{format}"));
        let outcome = workdir.ingest(&[&file]);
        assert_eq!(outcome.code, 0, "{format}: {}", outcome.stdout);
        assert!(outcome.stdout.contains(": accepté (mp001 2025-03 : emplois 2, equipements 2, finances 3, flux 3, formations 2, matieres 1, publics 4)"), "{}", outcome.stdout);

        // A title row merged over A1:D1, a header in French words, a blank row, a totals row.
        let publics = table(&workdir, "publics", "mp001", "2025-03");
        assert_eq!(
            texts(&publics, "categorie"),
            [
                "salarié",
                "demandeur d'emploi",
                "jeune de moins de 26 ans",
                "retraité"
            ]
            .map(|s| Some(s.to_string())),
            "{format}"
        );
        assert_eq!(
            floats(&publics, "nb_personnes"),
            [Some(12.0), Some(8.0), Some(15.0), Some(3.0)]
        );
        // « 1 234 » typed as text with a no-break space.
        assert_eq!(
            floats(&publics, "nb_passages"),
            [Some(30.0), Some(20.0), Some(1234.0), Some(4.0)]
        );
        // « NC » and an empty cell are missing, not zero.
        assert_eq!(
            floats(&publics, "dont_femmes"),
            [Some(5.0), None, None, Some(2.0)]
        );
        assert_eq!(
            floats(&publics, "ligne"),
            [Some(3.0), Some(4.0), Some(6.0), Some(7.0)]
        );

        let emplois = table(&workdir, "emplois", "mp001", "2025-03");
        assert_eq!(
            texts(&emplois, "type_contrat"),
            [Some("CDI".into()), Some("CDDI".into())]
        );
        assert_eq!(
            floats(&emplois, "etp"),
            [Some(1.8), Some(2.1)],
            "« 2,1 » typed as text"
        );

        let flux = table(&workdir, "flux", "mp001", "2025-03");
        assert_eq!(
            texts(&flux, "sens"),
            [
                Some("achat".into()),
                Some("achat".into()),
                Some("vente".into())
            ]
        );
        assert_eq!(
            floats(&flux, "montant_ht"),
            [Some(1500.5), Some(1500.0), Some(800.0)],
            "« 1 500 € »"
        );
        assert_eq!(
            texts(&flux, "partenaire"),
            [Some("Scierie du Morvan".into()), None, None]
        );

        // « Heures » merged over three columns above « disponibles », « utilisées », « externes ».
        let equipements = table(&workdir, "equipements", "mp001", "2025-03");
        assert_eq!(
            floats(&equipements, "heures_disponibles"),
            [Some(120.0), Some(100.0)]
        );
        assert_eq!(
            floats(&equipements, "heures_externes"),
            [Some(12.5), Some(0.0)]
        );

        let formations = table(&workdir, "formations", "mp001", "2025-03");
        let certifiante: Vec<Option<bool>> = formations
            .column("certifiante")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(certifiante, [Some(true), Some(false)]);

        let finances = table(&workdir, "finances", "mp001", "2025-03");
        assert_eq!(
            texts(&finances, "classe"),
            [
                Some("propre".into()),
                Some("publique".into()),
                Some("privée".into())
            ]
        );

        let matieres = table(&workdir, "matieres", "mp001", "2025-03");
        assert_eq!(floats(&matieres, "kg_recycles"), [None]);
    }
}

#[test]
fn csv_files_exported_the_french_way() {
    let workdir = Workdir::sample_workspace();
    let outcome = workdir.ingest(&[&fixture("csv")]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    // Windows-1252, `;`, decimal comma, no-break space, a month typed 03/2025.
    let flux = table(&workdir, "flux", "mp001", "2025-03");
    assert_eq!(
        texts(&flux, "categorie"),
        [Some("bois".into()), Some("matériaux".into())]
    );
    assert_eq!(floats(&flux, "montant_ht"), [Some(1234.56), Some(1500.0)]);
    assert_eq!(floats(&flux, "distance_km"), [Some(45.0), Some(320.5)]);
    assert_eq!(
        floats(&table(&workdir, "flux", "mp002", "2025-03"), "montant_ht"),
        [Some(800.0)]
    );
    assert_eq!(
        floats(&table(&workdir, "flux", "mp001", "2025-04"), "montant_ht"),
        [Some(99.9)]
    );
    // UTF-8 with a byte-order mark.
    let publics = table(&workdir, "publics", "mp003", "2025-02");
    assert_eq!(
        texts(&publics, "categorie"),
        [
            Some("étudiant".into()),
            Some("demandeur d'emploi".into()),
            Some("retraité".into())
        ]
    );
    assert_eq!(floats(&publics, "dont_femmes"), [Some(9.0), None, None]);
    // A CSV file replaces only its own table of a month.
    assert!(
        workdir
            .store()
            .read_table("emplois", "mp003", month("2025-02"))
            .unwrap()
            .is_none()
    );
}

/// A CSV file is read row by row and split by manufacture and month at the end: rows of
/// several months interleaved land in their own month, in their order, with their lines; a
/// rule is checked over the whole file, naming the line.
#[test]
fn a_csv_file_is_split_by_month_whatever_the_order_of_its_rows() {
    let workdir = Workdir::sample_workspace();
    let csv = "id_manufacture;mois;categorie;nb_personnes;nb_passages\n\
               mp002;2025-02;salarié;4;10\n\
               mp001;2025-03;retraité;7;7\n\
               \n\
               mp002;2025-02;étudiant;3;5\n\
               mp002;2025-03;bénévole;2;8\n\
               mp002;2025-02;retraité;1;1\n";
    workdir.write("envoi/publics.csv", csv);
    let outcome = workdir.run(&["ingest", "envoi/publics.csv"]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let february = table(&workdir, "publics", "mp002", "2025-02");
    assert_eq!(
        floats(&february, "ligne"),
        [Some(2.0), Some(5.0), Some(7.0)]
    );
    assert_eq!(
        floats(&february, "nb_personnes"),
        [Some(4.0), Some(3.0), Some(1.0)]
    );
    assert_eq!(
        floats(&table(&workdir, "publics", "mp002", "2025-03"), "ligne"),
        [Some(6.0)]
    );
    assert_eq!(
        texts(&table(&workdir, "publics", "mp001", "2025-03"), "categorie"),
        [Some("retraité".into())]
    );

    let csv = "id_manufacture;mois;id_equipement;equipement;heures_disponibles;heures_utilisees;heures_externes;nb_structures\n\
               mp001;2025-04;E1;laser;100;20;5;2\n\
               mp002;2025-04;E2;fraiseuse;50;80;0;1\n";
    workdir.write("envoi/equipements.csv", csv);
    let outcome = workdir.run(&["ingest", "envoi/equipements.csv"]);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    assert!(
        outcome.stdout.contains(
            "  ligne 3, colonne heures_utilisees, heures_disponibles : les heures utilisées dépassent les heures disponibles (heures_utilisees = 80, heures_disponibles = 50)"
        ),
        "{}",
        outcome.stdout
    );
}

/// Each broken file is refused with its exact message, and only that file: the good one
/// given in the same run is stored.
#[test]
fn broken_files_are_refused_one_by_one() {
    let workdir = Workdir::sample_workspace();
    let good = fixture("libreoffice/mp001_2025-03.xlsx");
    let outcome = workdir.ingest(&[
        &fixture("casses"),
        &repo().join("sample-data/erreurs"),
        &good,
    ]);
    assert_eq!(outcome.code, 1);
    let expected = [
        (
            "casses/bombe.xlsx",
            "fichier entier : classeur suspect : il se décompresse en plus de 300 Mo",
        ),
        (
            "casses/colonne_manquante/publics.csv",
            "ligne 1 : colonne obligatoire « nb_passages » absente",
        ),
        // Found by the fuzzer: a CSV with `mois` twice and no `id_manufacture`.
        (
            "casses/mois_en_double/publics.csv",
            "ligne 1, colonne mois : la colonne « mois » apparaît deux fois",
        ),
        (
            "casses/pas_un_classeur.xlsx",
            "fichier entier : ce n'est pas un classeur .xlsx, .xls ou .ods lisible (fichier abîmé, ou d'un autre type renommé)",
        ),
        (
            "casses/tronque.xlsx",
            "fichier entier : ce n'est pas un classeur .xlsx, .xls ou .ods lisible (fichier abîmé, ou d'un autre type renommé)",
        ),
        ("casses/vide.xlsx", "fichier entier : fichier vide"),
        (
            "mp001_2025-03_texte_dans_un_nombre.xlsx",
            "feuille Publics, ligne 2, colonne B (nb_personnes) : « douze » n'est pas un nombre entier",
        ),
        (
            "mp002_2025-03_categorie_inconnue.xlsx",
            "feuille Publics, ligne 2, colonne A (categorie) : « intérimaire » n'est pas une valeur permise ; valeurs possibles : « salarié », « indépendant ou artisan », « demandeur d'emploi », « étudiant », « jeune de moins de 26 ans », « retraité », « bénévole » et « autre »",
        ),
        (
            "mp003_2025-03_heures_utilisees_superieures.xlsx",
            "feuille Equipements, ligne 2, colonne heures_utilisees, heures_disponibles : les heures utilisées dépassent les heures disponibles (heures_utilisees = 300, heures_disponibles = 120)",
        ),
        (
            "mp004_2025-05_montant_negatif.xlsx",
            "feuille Flux, ligne 2, colonne C (montant_ht) : -350 est inférieur au minimum 0 : une valeur négative n'est pas permise",
        ),
        (
            "mp005_2025-03_manufacture_inconnue.xlsx",
            "feuille Identification, ligne 1 : manufacture « mp999 » inconnue du registre ; vouliez-vous dire « mp009 » ?",
        ),
        (
            "mp006_2025-05_mois_avant_ouverture.xlsx",
            "feuille Identification, ligne 2 : le mois 2023-05 précède l'ouverture de mp006 (2025-03)",
        ),
    ];
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    for (file, message) in expected {
        let at = lines
            .iter()
            .position(|l| l.contains(file) && l.ends_with(" : REFUSÉ"))
            .unwrap_or_else(|| panic!("{file} not refused:\n{}", outcome.stdout));
        assert_eq!(lines[at + 1], format!("  {message}"), "{file}");
    }
    assert_eq!(
        lines.last().unwrap(),
        &"Bilan : 1 fichier(s) accepté(s), 12 refusé(s), 0 déjà reçu(s)."
    );
    assert_eq!(
        workdir.store().stored_months().unwrap(),
        [(crate::support::id("mp001"), month("2025-03"))]
    );
    let ledger = workdir.store().ledger().unwrap();
    assert_eq!(
        ledger
            .iter()
            .filter(|e| e.outcome == Outcome::Refused)
            .count(),
        11,
        "the empty file has no hash"
    );
}

#[test]
fn the_sample_network_is_stored_and_status_shows_coverage() {
    let workdir = Workdir::sample_workspace();
    let outcome = workdir.ingest(&[&repo().join("sample-data/classeurs")]);
    assert_eq!(outcome.code, 0);
    assert!(
        outcome
            .stdout
            .ends_with("Bilan : 294 fichier(s) accepté(s), 0 refusé(s), 0 déjà reçu(s).\n")
    );
    assert_eq!(workdir.store().stored_months().unwrap().len(), 294);

    let status = workdir.run(&["status"]);
    assert_eq!(status.code, 0);
    assert!(
        status
            .stdout
            .ends_with("Total : 294 mois reçus sur 319 attendus.\n"),
        "{}",
        status.stdout
    );
    // mp014 opens in June; it skipped October to December (see sample-data/classeurs/mp014).
    let mp014 = status
        .stdout
        .lines()
        .find(|l| l.starts_with("mp014"))
        .unwrap();
    assert_eq!(mp014, "mp014                ■ ■ ■ ■ · · ·   4/7");

    let again = workdir.ingest(&[&repo().join("sample-data/classeurs/mp001")]);
    assert!(
        again
            .stdout
            .ends_with("Bilan : 0 fichier(s) accepté(s), 0 refusé(s), 11 déjà reçu(s).\n")
    );
    let ledger = workdir.store().ledger().unwrap();
    assert_eq!(ledger.len(), 294 + 11);
    // Raw files are kept unchanged under their hash.
    let raw = fs::read_dir(workdir.path().join("store/brut"))
        .unwrap()
        .count();
    assert_eq!(raw, 294);
}

/// Every figure of a sample workbook, as calamine reads it from the source, is what is stored.
#[test]
fn stored_values_are_the_values_in_the_source() {
    use calamine::{Data, Reader, open_workbook_auto};
    let workdir = Workdir::sample_workspace();
    let source = repo().join("sample-data/classeurs/mp003/mp003_2025-05.xlsx");
    assert_eq!(workdir.ingest(&[&source]).code, 0);
    let mut workbook = open_workbook_auto(&source).unwrap();
    for (sheet, name) in [
        ("Flux", "flux"),
        ("Equipements", "equipements"),
        ("Publics", "publics"),
    ] {
        let range = workbook.worksheet_range(sheet).unwrap();
        let stored = table(&workdir, name, "mp003", "2025-05");
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        for (col, column) in header.iter().enumerate() {
            let in_source: Vec<Option<String>> = range
                .rows()
                .skip(1)
                .map(|row| match &row[col] {
                    Data::Empty => None,
                    Data::Float(f) => Some(format!("{f}")),
                    other => Some(other.to_string()),
                })
                .collect();
            let in_store: Vec<Option<String>> = stored
                .column(column)
                .unwrap()
                .as_materialized_series()
                .iter()
                .map(|v| match v {
                    AnyValue::Null => None,
                    AnyValue::String(s) => Some(s.to_string()),
                    AnyValue::Int64(i) => Some(format!("{}", i as f64)),
                    AnyValue::Float64(f) => Some(format!("{f}")),
                    other => Some(other.to_string()),
                })
                .collect();
            assert_eq!(in_store, in_source, "{sheet}.{column}");
        }
    }
}

#[test]
fn sending_a_month_again_replaces_it_whole() {
    let workdir = Workdir::sample_workspace();
    let first = fixture("libreoffice/mp001_2025-03.xlsx");
    let second = repo().join("sample-data/classeurs/mp001/mp001_2025-03.xlsx");
    assert_eq!(workdir.ingest(&[&first]).code, 0);
    let outcome = workdir.ingest(&[&second]);
    assert!(
        outcome.stdout.contains("; remplace un envoi précédent)"),
        "{}",
        outcome.stdout
    );
    let publics = table(&workdir, "publics", "mp001", "2025-03");
    assert_ne!(publics.height(), 4, "the sample's rows, not the fixture's");
    let ledger = workdir.store().ledger().unwrap();
    assert_eq!(ledger[1].months[0].replaced, [ledger[0].hash.clone()]);
    // Only one file of the month is left on disk.
    let versions = fs::read_dir(workdir.path().join("store/tables/publics/mois=2025-03"))
        .unwrap()
        .count();
    assert_eq!(versions, 1);
}

/// The process is killed after the new version is written and before it becomes current:
/// the old month is intact, the file is kept and in the ledger, and sending it again completes.
#[test]
fn a_crash_before_the_switch_leaves_the_old_month() {
    let workdir = Workdir::sample_workspace();
    let first = fixture("libreoffice/mp001_2025-03.ods");
    let second = repo().join("sample-data/classeurs/mp001/mp001_2025-03.xlsx");
    assert_eq!(workdir.ingest(&[&first]).code, 0);
    let before = table(&workdir, "publics", "mp001", "2025-03");

    let crashed = workdir.run_with_env(
        &["ingest", second.to_str().unwrap()],
        &[("MESURE_CRASH_AT", "before_switch")],
    );
    assert_ne!(crashed.code, 0, "the process was aborted");
    assert!(table(&workdir, "publics", "mp001", "2025-03").equals_missing(&before));
    let ledger = workdir.store().ledger().unwrap();
    assert_eq!(ledger.len(), 2, "the accepted file is in the ledger");
    assert_eq!(
        fs::read_dir(workdir.path().join("store/brut"))
            .unwrap()
            .count(),
        2,
        "and kept"
    );

    let retried = workdir.ingest(&[&second]);
    assert_eq!(retried.code, 0);
    assert!(retried.stdout.contains(": accepté"), "{}", retried.stdout);
    assert!(!table(&workdir, "publics", "mp001", "2025-03").equals_missing(&before));
}

#[test]
fn dry_run_stores_nothing_and_json_is_for_machines() {
    let workdir = Workdir::sample_workspace();
    let outcome = workdir.run(&[
        "ingest",
        "--dry-run",
        "--format",
        "json",
        repo()
            .join("sample-data/erreurs/mp001_2025-03_texte_dans_un_nombre.xlsx")
            .to_str()
            .unwrap(),
        fixture("csv/excel_fr/flux.csv").to_str().unwrap(),
    ]);
    assert_eq!(outcome.code, 1);
    let json: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    let files = json["fichiers"].as_array().unwrap();
    assert_eq!(files[0]["resultat"], "refuse");
    let problem = &files[0]["problemes"][0];
    assert_eq!(problem["gravite"], "erreur");
    assert_eq!(problem["feuille"], "Publics");
    assert_eq!(problem["ligne"], 2);
    assert_eq!(problem["colonne"], "B (nb_personnes)");
    assert_eq!(problem["message"], "« douze » n'est pas un nombre entier");
    assert_eq!(files[1]["resultat"], "accepte");
    assert_eq!(files[1]["mois"].as_array().unwrap().len(), 3);
    assert!(!workdir.path().join("store").exists());
}

/// Tables rebuilt from the raw files alone are identical to the tables ingested, including a
/// month replaced by a later file and months brought by a CSV file.
#[test]
fn rebuild_gives_identical_tables() {
    let workdir = Workdir::sample_workspace();
    let files = [
        fixture("libreoffice/mp001_2025-03.xlsx"),
        repo().join("sample-data/classeurs/mp001"),
        repo().join("sample-data/classeurs/mp002"),
        fixture("csv"),
        fixture("casses/vide.xlsx"),
    ];
    let paths: Vec<&Path> = files.iter().map(|f| f.as_path()).collect();
    workdir.ingest(&paths);
    let snapshot = |workdir: &Workdir| {
        let store = workdir.store();
        let mut tables = Vec::new();
        for (manufacture, when) in store.stored_months().unwrap() {
            for name in [
                "publics",
                "emplois",
                "flux",
                "equipements",
                "formations",
                "finances",
                "matieres",
            ] {
                let frame = store.read_table(name, &manufacture, when).unwrap();
                tables.push((manufacture.clone(), when, name, frame));
            }
        }
        tables
    };
    let before = snapshot(&workdir);
    assert!(before.len() > 100);
    fs::remove_dir_all(workdir.path().join("store/tables")).unwrap();
    let outcome = workdir.run(&["rebuild"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    // 1 LibreOffice workbook + 11 + 12 sample workbooks + 2 CSV files (3 + 1 months).
    assert_eq!(
        outcome.stdout,
        "Tables recréées : 26 fichier(s) relu(s), 28 mois enregistré(s).\n"
    );
    let after = snapshot(&workdir);
    assert_eq!(before.len(), after.len());
    for ((m, w, t, a), (_, _, _, b)) in before.iter().zip(&after) {
        match (a, b) {
            (Some(a), Some(b)) => assert!(a.equals_missing(b), "{m} {w} {t}"),
            (None, None) => {}
            _ => panic!("{m} {w} {t}: stored on one side only"),
        }
    }
}

/// A rejected workbook gets an annotated copy: the same values, the faulty cell noted.
#[test]
fn rejected_files_get_an_annotated_copy() {
    use calamine::{Data, Reader, open_workbook_auto};
    use std::io::Read;
    let workdir = Workdir::sample_workspace();
    let source = repo().join("sample-data/erreurs/mp001_2025-03_texte_dans_un_nombre.xlsx");
    let outcome = workdir.run(&[
        "ingest",
        "--annotate",
        "corrections",
        source.to_str().unwrap(),
        fixture("casses/vide.xlsx").to_str().unwrap(),
    ]);
    assert_eq!(outcome.code, 1);
    let copy = workdir
        .path()
        .join("corrections/mp001_2025-03_texte_dans_un_nombre_annoté.xlsx");
    assert!(
        outcome.stderr.contains("Copie annotée de "),
        "{}",
        outcome.stderr
    );
    assert_eq!(
        fs::read_dir(workdir.path().join("corrections"))
            .unwrap()
            .count(),
        1,
        "an empty file has nothing to annotate"
    );

    let mut original = open_workbook_auto(&source).unwrap();
    let mut annotated = open_workbook_auto(&copy).unwrap();
    assert_eq!(original.sheet_names(), annotated.sheet_names());
    let publics = annotated.worksheet_range("Publics").unwrap();
    assert_eq!(
        publics.get_value((1, 1)),
        Some(&Data::String("douze".into()))
    );
    assert_eq!(
        original.worksheet_range("Flux").unwrap(),
        annotated.worksheet_range("Flux").unwrap()
    );

    let mut archive = ::zip::ZipArchive::new(fs::File::open(&copy).unwrap()).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().to_string())
        .collect();
    let comments = names
        .iter()
        .find(|n| n.starts_with("xl/comments"))
        .expect("a comments part");
    let mut xml = String::new();
    archive
        .by_name(comments)
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains(r#"ref="B2""#), "{xml}");
    assert!(
        xml.contains("« douze » n'est pas un nombre entier"),
        "{xml}"
    );
}

/// A total ten times last month's is a warning: the file is still accepted.
#[test]
fn a_tenfold_jump_is_a_warning_not_a_refusal() {
    use mesure::template::{Cell, Identification, Rows, write_workbook};
    let workdir = Workdir::sample_workspace();
    let definitions = mesure::Workspace::open(workdir.path())
        .unwrap()
        .definitions()
        .unwrap();
    let write = |when: &str, people: f64, visits: f64| {
        let path = workdir.path().join(format!("mp001_{when}.xlsx"));
        let identification = Identification {
            manufacture: crate::support::id("mp001"),
            name: "La Fabrique nivernaise".into(),
            month: month(when),
        };
        let row = vec![
            Cell::Text("salarié".into()),
            Cell::Number(people),
            Cell::Number(visits),
            Cell::Empty,
        ];
        let rows = Rows::from([("publics".to_string(), vec![row])]);
        write_workbook(&path, &definitions, &identification, &rows).unwrap();
        path
    };
    let february = write("2025-02", 12.0, 30.0);
    let march = write("2025-03", 14.0, 3000.0);
    assert_eq!(workdir.ingest(&[&february]).code, 0);
    let outcome = workdir.ingest(&[&march]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    assert!(lines[0].ends_with(": accepté (mp001 2025-03 : emplois 0, equipements 0, finances 0, flux 0, formations 0, matieres 0, publics 1)"), "{}", lines[0]);
    assert_eq!(
        lines[1],
        "  feuille Emplois : avertissement : la feuille « Emplois » n'a aucune ligne : est-ce bien le cas ce mois-ci ? Sinon, complétez-la et renvoyez le classeur"
    );
    assert_eq!(
        lines[2],
        "  feuille Publics, colonne nb_passages : avertissement : total 3000 en 2025-03, plus de 10 fois celui de 2025-02 (30) : vérifiez l'unité ou une faute de frappe"
    );
    assert_eq!(
        lines.len(),
        4,
        "one jump warning only: nb_personnes went from 12 to 14"
    );
}

/// From a stored workbook to `compute` and `explain`, through the binary: the figure of a
/// month is the sum typed in the workbook, and explain names the file it came from.
#[test]
fn compute_and_explain_on_stored_workbooks() {
    let workdir = Workdir::sample_workspace();
    let file = fixture("libreoffice/mp001_2025-03.ods");
    assert_eq!(workdir.ingest(&[&file]).code, 0);
    let outcome = workdir.run(&[
        "compute",
        "--level",
        "manufacture",
        "--period",
        "2025-03",
        "--indicator",
        "frequentation",
        "--indicator",
        "taux_occupation",
        "--excel",
    ]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    // Passages 30 + 20 + 1234 + 4; hours used 60 + 40 out of 120 + 100 available.
    let figures = crate::support::without_definitions(&outcome.stdout);
    let lines: Vec<&str> = figures.lines().collect();
    assert_eq!(
        lines[0],
        "\u{FEFF}indicateur;niveau;entite;periode;valeur;unite;declarants;attendus"
    );
    assert_eq!(
        lines[1],
        "frequentation;manufacture;mp001;2025-03;1288;passages;1;1"
    );
    // Every other manufacture open in March is expected: no value, not zero.
    assert_eq!(
        lines[2],
        "frequentation;manufacture;mp002;2025-03;;passages;0;1"
    );
    // 100 / 220, to 12 significant digits.
    assert!(lines.contains(&"taux_occupation;manufacture;mp001;2025-03;45,4545454545;%;1;1"));
    let explained = workdir.run(&[
        "explain",
        "taux_occupation",
        "--entity",
        "mp001",
        "--period",
        "2025-03",
    ]);
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    let hash = mesure::store::sha256_hex(&fs::read(&file).unwrap());
    assert!(
        explained
            .stdout
            .contains("Valeur : 45,4545 % (exactement 45,4545454545)"),
        "{}",
        explained.stdout
    );
    assert!(
        explained.stdout.contains(&format!(
            "  mp001 2025-03 : 100 ; 220 ; fichier mp001_2025-03.ods (empreinte {})",
            &hash[..12]
        )),
        "{}",
        explained.stdout
    );
}
