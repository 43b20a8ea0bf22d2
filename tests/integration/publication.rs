//! Publication: `mesure report --publier` freezes a period's figures; a month received later
//! or a definitions change is then named as the reason each published figure moved.

use std::fs;

use crate::support::{Workdir, repo};

#[test]
fn a_late_month_and_a_definitions_change_are_the_reasons_published_figures_moved() {
    let workdir = Workdir::sample_workspace();
    // Every sample workbook but mp002's February, which comes after the publication.
    workdir.copy(&repo().join("sample-data/classeurs"), "classeurs");
    let late = workdir.path().join("classeurs/mp002/mp002_2025-02.xlsx");
    let held = workdir.path().join("retard.xlsx");
    fs::rename(&late, &held).unwrap();
    let ingest = workdir.run(&["ingest", "classeurs"]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    let published = workdir.run(&[
        "report",
        "--period",
        "2025-T1",
        "--level",
        "national",
        "--publier",
    ]);
    assert_eq!(published.code, 0, "{published:?}");
    assert!(
        published.stdout.contains("Publication 2025-T1 figée : "),
        "{}",
        published.stdout
    );
    let folder = workdir.path().join("reports/publications/2025-T1");
    for file in [
        "chiffres.csv",
        "declarations.csv",
        "publication.json",
        "definitions/indicateurs/economie.toml",
    ] {
        assert!(folder.join(file).is_file(), "{file}");
    }
    // Nothing changed yet: the next report says nothing of the publication.
    let again = workdir.run(&["report", "--period", "2025-T1", "--level", "national"]);
    assert!(
        !again.stdout.contains("Publication 2025-T1 :"),
        "{}",
        again.stdout
    );

    let received = workdir.run(&["ingest", "retard.xlsx"]);
    assert_eq!(received.code, 0, "{}", received.stderr);
    let later = workdir.run(&["report", "--period", "2025-T1", "--level", "national"]);
    assert!(
        later.stdout.contains("Publication 2025-T1 : ")
            && later
                .stdout
                .contains("mesure compare --publication 2025-T1"),
        "{}",
        later.stdout
    );
    let compared = workdir.run(&["compare", "--publication", "2025-T1", "-o", "changes.csv"]);
    assert_eq!(compared.code, 0, "{compared:?}");
    let csv = fs::read_to_string(workdir.path().join("changes.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.splitn(7, ',').map(str::to_string).collect())
        .collect();
    assert!(!rows.is_empty());
    let late_reason = "mois reçu après la publication : mp002 2025-02";
    for row in &rows {
        // Only figures that hold mp002: its own, its département, région, filière, vague, nation.
        if row[1] == "manufacture" {
            assert_eq!(row[2], "mp002", "{row:?}");
        }
        assert!(row[6].contains(late_reason), "{row:?}");
    }
    assert!(
        rows.iter()
            .any(|r| r[0] == "frequentation" && r[1] == "national" && r[3] == "2025-T1"),
        "{csv}"
    );

    // A formula changed: its figures now also say the definitions changed.
    let formation = workdir.path().join("indicators/indicateurs/formation.toml");
    let text = fs::read_to_string(&formation).unwrap();
    fs::write(
        &formation,
        text.replacen("duree_h * nb_participants", "duree_h", 1),
    )
    .unwrap();
    let compared = workdir.run(&["compare", "--publication", "2025-T1", "-o", "changes.csv"]);
    assert_eq!(compared.code, 0, "{compared:?}");
    let csv = fs::read_to_string(workdir.path().join("changes.csv")).unwrap();
    let hours = csv
        .lines()
        .find(|l| l.starts_with("heures_stagiaires,national,national,2025-T1,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        hours.contains("définitions changées (empreinte "),
        "{hours}"
    );
    // A figure the change does not touch keeps its one reason.
    let visits = csv
        .lines()
        .find(|l| l.starts_with("frequentation,national,national,2025-T1,"))
        .unwrap();
    assert!(!visits.contains("définitions changées"), "{visits}");

    let unknown = workdir.run(&["compare", "--publication", "2024"]);
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(
        unknown
            .stderr
            .contains("aucune publication de 2024 (publiées : 2025-T1)"),
        "{}",
        unknown.stderr
    );
}
