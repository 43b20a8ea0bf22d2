//! `mesure compare` on the sample store: a changed filter moves exactly the figures that read
//! it (its indicator and the quotient built on it), a changed description moves none, and a
//! git revision of the workspace is read as well as a folder.

use std::collections::BTreeSet;
use std::fs;

use crate::support::{Workdir, repo};

/// The sample workspace with its store filled, and a copy of its definitions in `avant/`.
fn ingested_with_a_copy_of_its_definitions() -> Workdir {
    let workdir = Workdir::sample_workspace();
    let classeurs = repo().join("sample-data/classeurs");
    let ingest = workdir.run(&["ingest", classeurs.to_str().unwrap()]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    workdir.copy(&workdir.path().join("indicators"), "avant");
    workdir
}

fn edit(workdir: &Workdir, file: &str, from: &str, to: &str) {
    let path = workdir.path().join("indicators/indicateurs").join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// The indicators of the moved figures' CSV file.
fn moved_indicators(csv: &str) -> BTreeSet<String> {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("indicateur,niveau,entite,periode,avant,apres,difference")
    );
    lines
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn a_changed_filter_moves_its_figures_and_a_changed_description_none() {
    let workdir = ingested_with_a_copy_of_its_definitions();
    edit(
        &workdir,
        "economie.toml",
        "filtre = \"nature = 'fonctionnement'\"\nexpression = \"montant\"",
        "filtre = \"nature = 'investissement'\"\nexpression = \"montant\"",
    );
    edit(
        &workdir,
        "social.toml",
        "description = \"",
        "description = \"Nouvelle description. ",
    );
    let outcome = workdir.run(&["compare", "--avant", "avant", "-o", "bouge.csv"]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let csv = fs::read_to_string(workdir.path().join("bouge.csv")).unwrap();
    // Operating income, and the quotient that divides it by the ETP: nothing else.
    assert_eq!(
        moved_indicators(&csv),
        BTreeSet::from(["produits_exploitation".into(), "produits_par_etp".into()])
    );
    assert!(
        outcome.stdout.contains("frequentation : aucun des "),
        "{}",
        outcome.stdout
    );
    // The national figure of the year, before and after, is each side's `compute` figure.
    let national = |dir: &str| -> f64 {
        let figures = Workdir::new();
        figures.copy(&workdir.path().join(dir), "indicators");
        figures.copy(&workdir.path().join("manufactures.csv"), "manufactures.csv");
        figures.copy(&workdir.path().join("store"), "store");
        let computed = figures.run(&[
            "compute",
            "--indicator",
            "produits_exploitation",
            "--level",
            "national",
            "--period",
            "2025",
        ]);
        assert_eq!(computed.code, 0, "{computed:?}");
        let line = computed.stdout.lines().nth(1).unwrap().to_string();
        line.split(',').nth(4).unwrap().parse().unwrap()
    };
    let row = csv
        .lines()
        .find(|l| l.starts_with("produits_exploitation,national,national,2025,"))
        .unwrap();
    let fields: Vec<f64> = row.split(',').skip(4).map(|v| v.parse().unwrap()).collect();
    assert_eq!(fields[0], national("avant"));
    assert_eq!(fields[1], national("indicators"));
    assert!((fields[2] - (fields[1] - fields[0])).abs() < 1e-6);
    // The fingerprints differ, and the report says which is which.
    assert!(
        outcome
            .stdout
            .contains("Définitions d'avant : avant (empreinte ")
    );
}

#[test]
fn the_same_definitions_move_nothing_and_a_git_revision_is_read() {
    let workdir = ingested_with_a_copy_of_its_definitions();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t", "-C"])
            .arg(workdir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "indicators"]);
    git(&["commit", "-q", "-m", "définitions"]);
    let same = workdir.run(&["compare", "--avant", "HEAD", "-o", "rien.csv"]);
    assert_eq!(same.code, 0, "{same:?}");
    assert!(same.stdout.contains("révision git HEAD"), "{}", same.stdout);
    assert!(
        same.stdout.contains("0 chiffre(s) qui changent"),
        "{}",
        same.stdout
    );
    edit(
        &workdir,
        "formation.toml",
        "duree_h * nb_participants",
        "duree_h",
    );
    let changed = workdir.run(&["compare", "--avant", "HEAD", "-o", "bouge.csv"]);
    let csv = fs::read_to_string(workdir.path().join("bouge.csv")).unwrap();
    assert_eq!(
        moved_indicators(&csv),
        BTreeSet::from([
            "heures_stagiaires".into(),
            "heures_stagiaires_par_etp".into()
        ]),
        "{}",
        changed.stdout
    );
    let unknown = workdir.run(&["compare", "--avant", "v9"]);
    assert_eq!(
        unknown.code, 2,
        "a revision mistyped is a usage error: {unknown:?}"
    );
    assert!(
        unknown.stderr.contains("révision « v9 » introuvable"),
        "{}",
        unknown.stderr
    );
}
