//! `mesure check` on the repository, and on broken definitions and registries: each fixture
//! holds one kind of mistake and, beside it, the exact French messages expected.

use std::fs;

use crate::support::{Workdir, fixture, repo};

#[test]
fn the_repository_checks_clean() {
    let outcome = Workdir::new().run(&["--workspace", repo().to_str().unwrap(), "check"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(
        outcome.stdout,
        "Aucun problème : 7 tables et 20 indicateurs, 30 manufactures.\n"
    );
    assert_eq!(outcome.stderr, "");
}

#[test]
fn a_fresh_workspace_checks_clean() {
    let outcome = Workdir::workspace().run(&["check"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(
        outcome.stdout,
        "Aucun problème : 7 tables et 20 indicateurs, 0 manufactures.\n"
    );
}

/// Each folder of `tests/fixtures/definitions` adds broken files to the default definitions;
/// its `attendu.txt` is what `mesure check` must print.
#[test]
fn each_broken_definition_gets_its_exact_message() {
    let cases = fs::read_dir(fixture("definitions")).unwrap();
    let mut count = 0;
    for case in cases {
        let case = case.unwrap().path();
        let workdir = Workdir::workspace();
        for sub in ["tables", "indicateurs"] {
            if case.join(sub).exists() {
                workdir.copy(&case.join(sub), &format!("indicators/{sub}"));
            }
        }
        let outcome = workdir.run(&["check"]);
        let expected = fs::read_to_string(case.join("attendu.txt")).unwrap();
        assert_eq!(outcome.code, 1, "{}", case.display());
        assert_eq!(outcome.stderr, expected, "{}", case.display());
        count += 1;
    }
    assert!(count >= 17, "only {count} cases");
}

/// Each `tests/fixtures/registres/*.csv` but the valid one has a `.attendu` beside it.
#[test]
fn each_broken_registry_gets_its_exact_message() {
    let mut count = 0;
    for entry in fs::read_dir(fixture("registres")).unwrap() {
        let path = entry.unwrap().path();
        let Some("csv") = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if path
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("valide")
        {
            continue;
        }
        let workdir = Workdir::workspace();
        workdir.copy(&path, "manufactures.csv");
        let outcome = workdir.run(&["check"]);
        let expected = fs::read_to_string(path.with_extension("attendu")).unwrap();
        assert_eq!(outcome.code, 1, "{}", path.display());
        assert_eq!(outcome.stderr, expected, "{}", path.display());
        count += 1;
    }
    assert!(count >= 9, "only {count} cases");
}

#[test]
fn a_registry_saved_by_french_excel_is_read() {
    let workdir = Workdir::workspace();
    workdir.copy(
        &fixture("registres/valide_excel_windows_1252.csv"),
        "manufactures.csv",
    );
    let outcome = workdir.run(&["check"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(
        outcome.stdout,
        "Aucun problème : 7 tables et 20 indicateurs, 2 manufactures.\n"
    );
    let registry =
        mesure::registry::Registry::load(&workdir.path().join("manufactures.csv")).unwrap();
    let tulle = registry.get("mp002").unwrap();
    assert_eq!(tulle.name, "L'Établi corrézien");
    assert_eq!(tulle.filiere, "métal");
    assert_eq!(tulle.closed.unwrap().to_string(), "2025-11");
}

#[test]
fn definitions_and_registry_problems_are_listed_together() {
    let workdir = Workdir::workspace();
    workdir.copy(
        &fixture("definitions/colonne_inconnue/indicateurs"),
        "indicators/indicateurs",
    );
    workdir.copy(&fixture("registres/id_en_double.csv"), "manufactures.csv");
    let outcome = workdir.run(&["check"]);
    assert_eq!(outcome.code, 1);
    let lines: Vec<&str> = outcome.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", outcome.stderr);
    assert!(lines[0].contains("heures_utilises"));
    assert!(lines[1].contains("mp001"));
    assert_eq!(lines[2], "2 problème(s) à corriger.");
}

#[test]
fn a_missing_definitions_folder_is_named() {
    let workdir = Workdir::new();
    workdir.write(
        "manufactures.csv",
        "id,nom,commune,code_insee,code_departement,code_region,filiere,vague,ouverture\n",
    );
    let outcome = workdir.run(&["check"]);
    assert_eq!(outcome.code, 1);
    assert_eq!(
        outcome.stderr,
        "./indicators/tables : fichier ou dossier introuvable\n1 problème(s) à corriger.\n"
    );
}

/// The definitions dictionary lists each table's columns with their type, unit and bounds,
/// and each indicator's formula and the columns it reads, across tables for a quotient.
#[test]
fn the_dictionary_describes_tables_and_indicators() {
    let workdir = Workdir::workspace();
    let markdown = workdir.run(&["definitions", "--format", "markdown"]);
    assert_eq!(markdown.code, 0, "{markdown:?}");
    for line in [
        "### `emplois` (feuille « Emplois »)",
        "| `etp` | Équivalents temps plein | decimal | ETP | oui | au moins 0 |  |",
        "| `heures_disponibles` | Heures disponibles | decimal | h | oui | 0 à 744 |  |",
        "Règle : `heures_utilisees <= heures_disponibles` ; sinon : « les heures utilisées dépassent les heures disponibles »",
        "### Produits d'exploitation par ETP (`produits_par_etp`)",
        "- Formule : `Produits d'exploitation (produits_exploitation) / Emplois en équivalents temps plein (etp)`",
        "- Colonnes lues : finances.nature, finances.montant, emplois.etp",
        "- Cible : au moins 50,0\u{a0}%",
    ] {
        assert!(
            markdown.stdout.lines().any(|l| l == line),
            "missing « {line} » in\n{}",
            markdown.stdout
        );
    }
    let html = workdir.run(&["definitions", "-o", "dictionnaire.html"]);
    assert_eq!(html.code, 0, "{html:?}");
    let page = fs::read_to_string(workdir.path().join("dictionnaire.html")).unwrap();
    assert!(page.contains("<h1>Dictionnaire des définitions</h1>"));
    assert!(page.contains("<code>produits_par_etp</code>"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "self-contained"
    );
}
