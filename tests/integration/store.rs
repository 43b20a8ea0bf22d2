//! The store by table and month (issue 12): what a re-upload touches, what a killed writer
//! leaves, a manifest cut short, and a store of the first layout converted by `rebuild`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::support::{Workdir, fixture, path_str, repo};

fn workbook(manufacture: &str, month: &str) -> PathBuf {
    repo().join(format!(
        "sample-data/classeurs/{manufacture}/{manufacture}_{month}.xlsx"
    ))
}

/// Every file under the store's tables and declarations, with its modification time.
fn data_files(workdir: &Workdir) -> BTreeMap<String, SystemTime> {
    let store = workdir.path().join("store");
    let mut files = BTreeMap::new();
    for top in ["tables", "declarations"] {
        collect(&store.join(top), &store, &mut files);
    }
    files
}

fn collect(dir: &Path, root: &Path, files: &mut BTreeMap<String, SystemTime>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, root, files);
        } else {
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            files.insert(relative, fs::metadata(&path).unwrap().modified().unwrap());
        }
    }
}

/// The LibreOffice copy of mp001's March 2025 and the sample's own: two versions of a month.
fn two_versions_of_march() -> (PathBuf, PathBuf) {
    (
        fixture("libreoffice/mp001_2025-03.ods"),
        workbook("mp001", "2025-03"),
    )
}

#[test]
fn a_reupload_rewrites_only_its_months_files() {
    let workdir = Workdir::sample_workspace();
    let (first, second) = two_versions_of_march();
    let mut year: Vec<PathBuf> = ["2025-01", "2025-04", "2025-05", "2025-06"]
        .iter()
        .flat_map(|m| [workbook("mp001", m), workbook("mp002", m)])
        .collect();
    year.push(first);
    year.push(workbook("mp002", "2025-03"));
    assert_eq!(workdir.ingest(&year).code, 0);
    let before = data_files(&workdir);
    // Seven tables and the declarations, five months: one file each.
    assert_eq!(before.len(), 8 * 5, "{before:#?}");

    std::thread::sleep(std::time::Duration::from_millis(20));
    let outcome = workdir.ingest(&[second]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let after = data_files(&workdir);
    assert_eq!(after.len(), before.len(), "superseded files are removed");
    for (file, modified) in &before {
        if file.contains("mois=2025-03") {
            assert!(!after.contains_key(file), "{file} is superseded");
        } else {
            assert_eq!(after.get(file), Some(modified), "{file} is untouched");
        }
    }
    let march: Vec<&String> = after
        .keys()
        .filter(|f| f.contains("mois=2025-03"))
        .collect();
    assert_eq!(march.len(), 8, "{march:?}");
    assert!(march.iter().all(|f| !before.contains_key(*f)), "{march:?}");
}

/// The figures after a month is replaced without any crash.
fn figures_after_a_clean_replacement() -> String {
    let workdir = Workdir::sample_workspace();
    let (first, second) = two_versions_of_march();
    assert_eq!(
        workdir.ingest(&[first, workbook("mp002", "2025-03")]).code,
        0
    );
    assert_eq!(workdir.ingest(&[second]).code, 0);
    workdir.figures(&["month"])
}

#[test]
fn a_writer_killed_at_either_switch_point_leaves_the_old_store_or_the_new_one() {
    let replaced = figures_after_a_clean_replacement();
    for (point, expect_new) in [("before_switch", false), ("after_switch", true)] {
        let workdir = Workdir::sample_workspace();
        let (first, second) = two_versions_of_march();
        assert_eq!(
            workdir.ingest(&[first, workbook("mp002", "2025-03")]).code,
            0
        );
        let old = workdir.figures(&["month"]);
        let files_before = data_files(&workdir);
        let crashed = workdir.run_with_env(
            &["ingest", path_str(&second)],
            &[("MESURE_CRASH_AT", point)],
        );
        assert_ne!(crashed.code, 0, "{point}: the process was aborted");
        let now = workdir.figures(&["month"]);
        if expect_new {
            assert_eq!(now, replaced, "{point}: the new month");
        } else {
            assert_eq!(now, old, "{point}: the old month");
        }
        // The crash left files behind, which the next writer removes.
        assert!(data_files(&workdir).len() > files_before.len(), "{point}");
        let outcome = workdir.ingest(&[workbook("mp002", "2025-04")]);
        assert_eq!(outcome.code, 0, "{point}: {outcome:?}");
        let files = data_files(&workdir);
        assert_eq!(files.len(), 8 * 2, "{point}: one file per part: {files:#?}");
        assert!(
            !workdir
                .path()
                .join("store/changement-en-cours.jsonl")
                .exists()
        );
        // Sending the file again after a crash before the switch completes it.
        let again = workdir.ingest(std::slice::from_ref(&second));
        assert_eq!(again.code, 0, "{point}: {again:?}");
        let expected = Workdir::sample_workspace();
        let (first, second) = two_versions_of_march();
        let sent = [
            first,
            workbook("mp002", "2025-03"),
            workbook("mp002", "2025-04"),
        ];
        assert_eq!(expected.ingest(&sent).code, 0);
        assert_eq!(expected.ingest(&[second]).code, 0);
        assert_eq!(
            workdir.figures(&["month"]),
            expected.figures(&["month"]),
            "{point}"
        );
    }
}

#[test]
fn a_rebuild_killed_before_its_switch_leaves_the_store_as_it_was() {
    let workdir = Workdir::sample_workspace();
    let files = [workbook("mp001", "2025-03"), workbook("mp002", "2025-03")];
    assert_eq!(workdir.ingest(&files).code, 0);
    let before = workdir.figures(&["month"]);
    let crashed = workdir.run_with_env(&["rebuild"], &[("MESURE_CRASH_AT", "before_switch")]);
    assert_ne!(crashed.code, 0);
    assert_eq!(workdir.figures(&["month"]), before);
    let rebuilt = workdir.run(&["rebuild"]);
    assert_eq!(rebuilt.code, 0, "{rebuilt:?}");
    assert_eq!(workdir.figures(&["month"]), before);
    assert_eq!(data_files(&workdir).len(), 8);
}

#[test]
fn a_manifest_cut_short_is_read_from_the_folders_and_written_whole_again() {
    let workdir = Workdir::sample_workspace();
    let files = [workbook("mp001", "2025-03"), workbook("mp002", "2025-04")];
    assert_eq!(workdir.ingest(&files).code, 0);
    let before = workdir.figures(&["month"]);
    let manifest = workdir.path().join("store/manifeste.jsonl");
    let text = fs::read_to_string(&manifest).unwrap();
    assert!(text.ends_with("{\"fin\":16}\n"), "{text}");
    // The last line torn, then a middle line lost: never read as a shorter list.
    fs::write(&manifest, &text[..text.len() - 6]).unwrap();
    assert_eq!(workdir.figures(&["month"]), before);
    let without_a_line: String = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    fs::write(&manifest, without_a_line).unwrap();
    assert_eq!(workdir.figures(&["month"]), before);
    // The next writer writes it whole again.
    assert_eq!(workdir.ingest(&[workbook("mp002", "2025-05")]).code, 0);
    let text = fs::read_to_string(&manifest).unwrap();
    assert!(text.ends_with("{\"fin\":24}\n"), "{text}");
}

#[test]
fn a_store_of_the_first_layout_is_told_and_converted_by_rebuild() {
    // Made by mesure before this layout: mp001 2025-03 and 2025-04, mp002 2025-03.
    let workdir = Workdir::sample_workspace();
    workdir.copy(&fixture("stockage-v1/store"), "store");
    let old_figures =
        fs::read_to_string(fixture("stockage-v1/chiffres-nationaux-par-mois.csv")).unwrap();
    let national = ["compute", "--level", "national", "--per", "month"];
    let refused = workdir.run(&national);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("ancien format") && refused.stderr.contains("mesure rebuild"),
        "{}",
        refused.stderr
    );
    let ingest_refused = workdir.ingest(&[workbook("mp002", "2025-04")]);
    assert_ne!(ingest_refused.code, 0);
    assert!(
        ingest_refused.stderr.contains("mesure rebuild"),
        "{ingest_refused:?}"
    );

    let rebuilt = workdir.run(&["rebuild"]);
    assert_eq!(rebuilt.code, 0, "{rebuilt:?}");
    let converted = workdir.run(&national);
    assert_eq!(converted.code, 0, "{converted:?}");
    // Indicators added to the defaults since the fixture was made are left aside.
    let known: std::collections::BTreeSet<&str> = old_figures
        .lines()
        .filter_map(|line| line.split(',').next())
        .collect();
    let same_indicators: String = crate::support::without_definitions(&converted.stdout)
        .lines()
        .filter(|line| line.split(',').next().is_some_and(|id| known.contains(id)))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(same_indicators, old_figures, "the same figures as before");
    let tables: Vec<String> = fs::read_dir(workdir.path().join("store/tables"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !tables.iter().any(|t| t.starts_with("mp0")),
        "the folders of the first layout are gone: {tables:?}"
    );
    assert_eq!(data_files(&workdir).len(), 8 * 2);
    assert_eq!(workdir.ingest(&[workbook("mp002", "2025-04")]).code, 0);
}

/// 2,000 manufactures × 12 months of one table: the first layout stored 24,000 months, and
/// `compute` stacked them in one plan that overflowed polars' thread stacks (« thread
/// 'polars-0' has overflowed its stack », checked with the previous binary). The store by
/// month reads 12 files; the figures are worked out by hand.
#[test]
fn twenty_four_thousand_manufacture_months_compute_with_default_stacks() {
    let workdir = Workdir::sample_workspace();
    let mut registry = String::from(
        "id,nom,commune,code_insee,code_departement,code_region,filiere,vague,ouverture,fermeture\n",
    );
    let mut publics =
        String::from("id_manufacture,mois,categorie,nb_personnes,nb_passages,dont_femmes\n");
    for i in 0..2000 {
        let (departement, region) = if i % 2 == 0 {
            ("58", "27")
        } else {
            ("19", "75")
        };
        registry.push_str(&format!(
            "tl{i:05},Lieu {i},Commune,{departement}001,{departement},{region},bois,1,2025-01,\n"
        ));
        for month in 1..=12 {
            publics.push_str(&format!("tl{i:05},2025-{month:02},salarié,5,10,2\n"));
        }
    }
    workdir.write("manufactures.csv", registry);
    workdir.write("envoi/publics.csv", publics);
    let ingest = workdir.run(&["ingest", "envoi/publics.csv"]);
    assert_eq!(ingest.code, 0, "{ingest:?}");
    assert_eq!(
        data_files(&workdir).len(),
        12 * 2,
        "one file per month, and its declarations"
    );
    let computed = workdir.run(&[
        "compute", "--level", "national", "--level", "region", "--per", "year",
    ]);
    assert_eq!(computed.code, 0, "{computed:?}");
    let figures = crate::support::without_definitions(&computed.stdout);
    let line = |prefix: &str| -> String {
        figures
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} in\n{}", computed.stdout))
            .to_string()
    };
    // 2 women of 5 people, everywhere: 40 %; 10 passages × 12 months × 2,000 places.
    assert_eq!(
        line("part_femmes,national,national,2025,"),
        "part_femmes,national,national,2025,40,%,2000,2000"
    );
    assert_eq!(
        line("frequentation,national,national,2025,"),
        "frequentation,national,national,2025,240000,passages,2000,2000"
    );
    assert_eq!(
        line("frequentation,region,27,2025,"),
        "frequentation,region,27,2025,120000,passages,1000,1000"
    );
    assert_eq!(
        line("mixite_publics,national,national,2025,"),
        "mixite_publics,national,national,2025,0,,2000,2000"
    );
}

/// An ingest switches its transaction in whenever it holds enough rows, then goes on from the
/// new state: here after every file (`MESURE_COMMIT_ROWS=1`). The files switched in first are
/// all still there at the end, with the same figures as one switch.
#[test]
fn an_ingest_switched_in_several_times_keeps_every_file() {
    let files = [
        workbook("mp001", "2025-03"),
        workbook("mp002", "2025-03"),
        workbook("mp001", "2025-04"),
    ];
    let once = Workdir::sample_workspace();
    assert_eq!(once.ingest(&files).code, 0);
    let several = Workdir::sample_workspace();
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(|f| path_str(f)));
    let outcome = several.run_with_env(&args, &[("MESURE_COMMIT_ROWS", "1")]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let manifest = fs::read_to_string(several.path().join("store/manifeste.jsonl")).unwrap();
    assert!(
        manifest.contains(r#""generation":3"#),
        "three switches:\n{manifest}"
    );
    assert_eq!(data_files(&several).len(), 8 * 2, "{manifest}");
    assert_eq!(several.figures(&["month"]), once.figures(&["month"]));
}
