//! The sample network: the committed files are exactly what the committed generator writes,
//! and they look like a real network.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, open_workbook_auto};
use mesure::sample::{SampleOptions, generate};

use crate::support::repo;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn the_committed_sample_is_what_the_generator_writes() {
    let workspace = mesure::Workspace::open(&repo()).unwrap();
    let definitions = workspace.definitions().unwrap();
    let out = tempfile::tempdir().unwrap();
    let summary = generate(&definitions, out.path(), &SampleOptions::default()).unwrap();
    let committed = repo().join("sample-data");
    let generated: Vec<PathBuf> = files_under(out.path());
    let relative = |base: &Path, files: &[PathBuf]| -> Vec<PathBuf> {
        files
            .iter()
            .map(|f| f.strip_prefix(base).unwrap().to_path_buf())
            .collect()
    };
    let committed_files: Vec<PathBuf> = files_under(&committed)
        .into_iter()
        .filter(|f| f.file_name().unwrap() != "README.md" || f.parent().unwrap() != committed)
        .collect();
    assert_eq!(
        relative(out.path(), &generated),
        relative(&committed, &committed_files)
    );
    for file in &generated {
        let twin = committed.join(file.strip_prefix(out.path()).unwrap());
        assert!(
            fs::read(file).unwrap() == fs::read(&twin).unwrap(),
            "{} differs: run `cargo run --features dev-tools --bin mesure-dev -- echantillon`",
            twin.display()
        );
    }
    assert_eq!(summary.manufactures, 30);
    assert_eq!(summary.broken_workbooks, 6);
    assert_eq!(
        summary.workbooks,
        generated.len() - 1 - 6 - 1,
        "registry, broken workbooks and their README"
    );
}

#[test]
fn the_sample_network_is_varied() {
    let registry = mesure::Workspace::open(&repo())
        .unwrap()
        .registry()
        .unwrap();
    let manufactures = registry.manufactures();
    assert_eq!(manufactures.len(), 30);
    let regions: BTreeSet<_> = manufactures.iter().map(|m| m.region.code).collect();
    let filieres: BTreeSet<_> = manufactures.iter().map(|m| m.filiere.as_str()).collect();
    let openings: BTreeSet<_> = manufactures.iter().map(|m| m.opened).collect();
    assert!(regions.len() >= 10, "{regions:?}");
    assert!(filieres.len() >= 5, "{filieres:?}");
    assert!(openings.len() >= 3, "{openings:?}");
    assert!(manufactures.iter().any(|m| m.closed.is_some()));
    let mut months_reported = Vec::new();
    for m in manufactures {
        let folder = repo().join("sample-data/classeurs").join(m.id.as_str());
        let count = fs::read_dir(folder).unwrap().count();
        let open = m
            .opened
            .through(m.closed.unwrap_or(mesure::Month::new(2025, 12).unwrap()))
            .count();
        assert!(
            count <= open,
            "{}: {count} workbooks for {open} open months",
            m.id
        );
        months_reported.push((count, open));
    }
    assert!(
        months_reported.iter().any(|(count, open)| count < open),
        "some months are missing"
    );
    assert!(months_reported.iter().all(|(count, _)| *count >= 3));
}

/// Every sample workbook respects the declared rules: the sample is clean data, apart from
/// the `erreurs/` folder.
#[test]
fn sample_workbooks_hold_plausible_values() {
    let mut checked = 0;
    let mut people_per_month: Vec<(String, f64)> = Vec::new();
    for path in files_under(&repo().join("sample-data/classeurs")) {
        let mut workbook = open_workbook_auto(&path).unwrap();
        let id = workbook.worksheet_range("Identification").unwrap();
        let manufacture = id.get_value((0, 1)).unwrap().to_string();
        let month = id.get_value((1, 1)).unwrap().to_string();
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            format!("{manufacture}_{month}.xlsx")
        );

        let equipements = workbook.worksheet_range("Equipements").unwrap();
        for row in equipements.rows().skip(1) {
            let number = |i: usize| match &row[i] {
                Data::Float(f) => *f,
                other => panic!("{}: {other:?}", path.display()),
            };
            let (available, used, external) = (number(2), number(3), number(4));
            assert!(0.0 <= external && external <= used && used <= available && available <= 744.0);
        }
        let publics = workbook.worksheet_range("Publics").unwrap();
        let mut people = 0.0;
        for row in publics.rows().skip(1) {
            let (Data::Float(persons), Data::Float(visits)) = (&row[1], &row[2]) else {
                panic!("{row:?}")
            };
            assert!(*persons >= 1.0 && visits >= persons);
            if let Data::Float(women) = &row[3] {
                assert!(women <= persons);
            }
            people += persons;
        }
        people_per_month.push((manufacture, people));
        checked += 1;
    }
    assert!(checked > 250, "{checked}");
    let smallest = people_per_month
        .iter()
        .map(|(_, p)| *p)
        .fold(f64::MAX, f64::min);
    let largest = people_per_month.iter().map(|(_, p)| *p).fold(0.0, f64::max);
    assert!(
        largest > 5.0 * smallest,
        "small rural and large urban workshops: {smallest} to {largest}"
    );
}
