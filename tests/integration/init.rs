//! `mesure init`: a new workspace with the default definitions.

use std::fs;

use crate::support::{Workdir, repo};

#[test]
fn init_writes_the_default_definitions_and_an_empty_registry() {
    let workdir = Workdir::new();
    let outcome = workdir.run(&["init", "reseau"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let ws = workdir.path().join("reseau");
    for (relative, text) in mesure::definitions::defaults::FILES {
        let written = fs::read_to_string(ws.join("indicators").join(relative)).unwrap();
        let in_repo = fs::read_to_string(repo().join("indicators").join(relative)).unwrap();
        assert_eq!(written, *text);
        assert_eq!(written, in_repo, "{relative} differs from the repository's");
    }
    assert_eq!(
        fs::read_to_string(ws.join("manufactures.csv")).unwrap(),
        "id,nom,commune,code_insee,code_departement,code_region,filiere,vague,ouverture,fermeture\n"
    );
    assert!(ws.join("mesure.toml").exists());
    assert!(ws.join("store").is_dir() && ws.join("reports").is_dir());
}

#[test]
fn every_default_file_is_embedded() {
    let mut on_disk = Vec::new();
    for sub in ["", "tables", "indicateurs"] {
        for entry in fs::read_dir(repo().join("indicators").join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let relative = path.strip_prefix(repo().join("indicators")).unwrap();
                on_disk.push(relative.to_str().unwrap().to_string());
            }
        }
    }
    on_disk.sort();
    let mut embedded: Vec<String> = mesure::definitions::defaults::FILES
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
}

#[test]
fn init_refuses_to_overwrite_a_workspace() {
    let workdir = Workdir::workspace();
    let outcome = workdir.run(&["init", "."]);
    assert_eq!(outcome.code, 1);
    assert_eq!(outcome.stderr, "erreur : ./mesure.toml : existe déjà\n");
}
