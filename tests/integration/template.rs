//! `mesure template`: the workbook a manager fills in, read back as a spreadsheet program would.

use std::fs;
use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use mesure::definitions::{ColumnType, Definitions};

use crate::support::{Workdir, repo};

/// Runs `mesure -w REPO template --manufacture ID --mois MONTH [ARGS...]` (`args`: the id,
/// the month, then any other arguments) in the workdir, with the repository's workspace.
fn template_in_repo(workdir: &Workdir, args: &[&str]) -> crate::support::Outcome {
    let repo = repo();
    let mut all = vec![
        "-w",
        repo.to_str().unwrap(),
        "template",
        "--manufacture",
        args[0],
        "--mois",
        args[1],
    ];
    all.extend(&args[2..]);
    workdir.run(&all)
}

fn repo_definitions() -> Definitions {
    mesure::Workspace::open(&repo())
        .unwrap()
        .definitions()
        .unwrap()
}

fn rows(path: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut workbook = open_workbook_auto(path).unwrap();
    let range = workbook.worksheet_range(sheet).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        other => panic!("expected text, found {other:?}"),
    }
}

/// The XML of one part of an xlsx file (a zip archive).
fn part(path: &Path, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn the_template_has_every_declared_sheet_column_and_list() {
    let workdir = Workdir::new();
    let outcome = template_in_repo(&workdir, &["mp001", "2025-03"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let path = workdir.path().join("mp001_2025-03.xlsx");
    assert_eq!(outcome.stdout, "Classeur écrit : mp001_2025-03.xlsx\n");

    let definitions = repo_definitions();
    let workbook = open_workbook_auto(&path).unwrap();
    let mut expected_sheets = vec!["Identification".to_string()];
    expected_sheets.extend(definitions.tables.iter().map(|t| t.sheet.clone()));
    expected_sheets.push("Listes".to_string());
    assert_eq!(workbook.sheet_names(), expected_sheets);

    let identification = rows(&path, "Identification");
    assert_eq!(text(&identification[0][0]), "id_manufacture");
    assert_eq!(text(&identification[0][1]), "mp001");
    assert_eq!(text(&identification[1][0]), "mois");
    assert_eq!(text(&identification[1][1]), "2025-03");
    assert_eq!(text(&identification[2][1]), "La Fabrique nivernaise");

    for table in &definitions.tables {
        let header: Vec<String> = rows(&path, &table.sheet)[0].iter().map(text).collect();
        let declared: Vec<&str> = table.column_names().collect();
        assert_eq!(header, declared, "sheet {}", table.sheet);
    }

    let lists = rows(&path, "Listes");
    let mut list_count = 0;
    for (col, header) in lists[0].iter().enumerate() {
        let (table, column) = text(header)
            .split_once('.')
            .map(|(t, c)| (t.to_string(), c.to_string()))
            .unwrap();
        let declared = definitions.table(&table).unwrap().column(&column).unwrap();
        let values: Vec<String> = lists[1..]
            .iter()
            .filter_map(|row| match &row[col] {
                Data::Empty => None,
                cell => Some(text(cell)),
            })
            .collect();
        let expected: Vec<String> = declared.values.iter().map(|v| v.value.clone()).collect();
        assert_eq!(values, expected, "{table}.{column}");
        list_count += 1;
    }
    let category_columns = definitions
        .tables
        .iter()
        .flat_map(|t| &t.columns)
        .filter(|c| c.kind == ColumnType::Category)
        .count();
    assert_eq!(list_count, category_columns);
    assert_eq!(category_columns, 5, "publics, emplois, flux, finances x2");
}

#[test]
fn the_template_carries_drop_downs_notes_formats_and_a_frozen_header() {
    let workdir = Workdir::new();
    let out = workdir.path().join("modele.xlsx");
    let outcome = template_in_repo(
        &workdir,
        &["mp002", "2025-04", "--output", out.to_str().unwrap()],
    );
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    // Sheet 2 is Emplois (tables in file-name order: emplois, equipements, ...).
    let emplois = part(&out, "xl/worksheets/sheet2.xml");
    assert!(
        emplois.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{emplois}"
    );
    assert!(
        emplois.contains("<formula1>Listes!$A$2:$A$10</formula1>"),
        "type_contrat drop-down: {emplois}"
    );
    assert!(emplois.contains(r#"type="decimal""#), "etp bounds");
    let notes = part(&out, "xl/comments1.xml");
    assert!(notes.contains("Équivalents temps plein"), "{notes}");
    assert!(
        notes.contains("Attendu : nombre décimal, en ETP, au moins 0."),
        "{notes}"
    );
    let styles = part(&out, "xl/styles.xml");
    assert!(styles.contains(r##"formatCode="#,##0.00""##), "{styles}");
}

#[test]
fn a_column_added_to_a_definition_appears_without_code() {
    let workdir = Workdir::workspace();
    let publics = workdir.path().join("indicators/tables/publics.toml");
    let mut text = fs::read_to_string(&publics).unwrap();
    text.push_str("\n[[colonnes]]\nnom = \"dont_habitants_qpv\"\ntype = \"entier\"\nmin = 0\n");
    fs::write(&publics, text).unwrap();
    workdir.write(
        "manufactures.csv",
        "id,nom,commune,code_insee,code_departement,code_region,filiere,vague,ouverture\nm1,Atelier,Nevers,58194,58,27,bois,1,2025-01\n",
    );
    let outcome = workdir.run(&["template", "--manufacture", "m1", "--mois", "2025-02"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let header = &rows(&workdir.path().join("m1_2025-02.xlsx"), "Publics")[0];
    assert_eq!(
        header.last(),
        Some(&Data::String("dont_habitants_qpv".into()))
    );
}

#[test]
fn an_unknown_manufacture_gets_a_suggestion() {
    let workdir = Workdir::new();
    let outcome = template_in_repo(&workdir, &["mp01", "2025-03"]);
    assert_eq!(outcome.code, 2, "a usage error");
    assert!(
        outcome
            .stderr
            .starts_with("erreur : manufacture « mp01 » absente du registre ")
            && outcome
                .stderr
                .ends_with("manufactures.csv ; vouliez-vous dire « mp001 » ?\n"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_month_before_opening_is_warned_about() {
    let workdir = Workdir::new();
    // mp004 opens in 2025-03 in the sample registry (see sample-data/manufactures.csv).
    let ouverture = mesure::Workspace::open(&repo())
        .unwrap()
        .registry()
        .unwrap()
        .get("mp004")
        .unwrap()
        .opened;
    let before = ouverture.plus(-1).to_string();
    let outcome = template_in_repo(&workdir, &["mp004", &before]);
    assert_eq!(outcome.code, 0);
    assert_eq!(
        outcome.stderr,
        format!(
            "avertissement : mp004 n'est pas ouverte en {before} d'après le registre (ouverture {ouverture})\n"
        )
    );
}
