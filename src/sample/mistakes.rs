//! The broken workbooks of the sample: each plants one plausible mistake that ingestion must
//! refuse with a precise message.

use std::fs;
use std::path::{Path, PathBuf};

use rand_chacha::ChaCha8Rng;

use super::activity::Profile;
use super::rows::text;
use super::{ERRORS_DIR, SampleOptions, create_dir};
use crate::definitions::Definitions;
use crate::error::{Error, Result};
use crate::registry::ManufactureId;
use crate::template::{Cell, Identification, Rows, write_workbook};

/// One planted mistake: the file's name, what is wrong, and how to plant it.
struct Mistake {
    file: &'static str,
    what: &'static str,
    plant: fn(&mut Rows, &mut Identification),
}

const MISTAKES: [Mistake; 6] = [
    Mistake {
        file: "texte_dans_un_nombre",
        what: "Publics, ligne 2, nb_personnes : « douze » au lieu d'un nombre",
        plant: |rows, _| set(rows, "publics", 0, 1, text("douze")),
    },
    Mistake {
        file: "categorie_inconnue",
        what: "Publics, ligne 2, categorie : « intérimaire » n'est pas une catégorie déclarée",
        plant: |rows, _| set(rows, "publics", 0, 0, text("intérimaire")),
    },
    Mistake {
        file: "heures_utilisees_superieures",
        what: "Equipements, ligne 2 : heures_utilisees (300) dépasse heures_disponibles",
        plant: |rows, _| set(rows, "equipements", 0, 3, Cell::Number(300.0)),
    },
    Mistake {
        file: "montant_negatif",
        what: "Flux, ligne 2, montant_ht : -350 alors que le montant doit être positif",
        plant: |rows, _| set(rows, "flux", 0, 2, Cell::Number(-350.0)),
    },
    Mistake {
        file: "manufacture_inconnue",
        what: "Identification : la manufacture « mp999 » n'est pas dans le registre",
        plant: |_, identification| {
            identification.manufacture = ManufactureId::parse("mp999").expect("an id");
        },
    },
    Mistake {
        file: "mois_avant_ouverture",
        what: "Identification : le mois précède l'ouverture de la manufacture",
        plant: |_, identification| identification.month = identification.month.plus(-24),
    },
];

fn set(rows: &mut Rows, table: &str, row: usize, column: usize, value: Cell) {
    if let Some(cell) = rows
        .get_mut(table)
        .and_then(|r| r.get_mut(row))
        .and_then(|r| r.get_mut(column))
    {
        *cell = value;
    }
}

pub(super) fn write_broken(
    definitions: &Definitions,
    out: &Path,
    profiles: &[Profile],
    options: &SampleOptions,
    rng: &mut ChaCha8Rng,
) -> Result<usize> {
    let folder: PathBuf = out.join(ERRORS_DIR);
    create_dir(&folder)?;
    let mut readme = String::from(
        "# Classeurs avec erreurs\n\nChaque classeur contient une erreur plausible ; l'ingestion doit le refuser \
         avec un message précis et accepter les autres.\n\n| fichier | erreur |\n|---|---|\n",
    );
    for (i, mistake) in MISTAKES.iter().enumerate() {
        let profile = &profiles[i % profiles.len()];
        let month = profile.manufacture.opened.plus(2).min(options.last);
        let mut state = profile.initial_state(rng);
        let mut rows = profile.month_rows(month, &mut state, rng);
        let mut identification = profile.identification(month);
        (mistake.plant)(&mut rows, &mut identification);
        let name = format!("{}_{}_{}.xlsx", profile.manufacture.id, month, mistake.file);
        write_workbook(&folder.join(&name), definitions, &identification, &rows)?;
        readme.push_str(&format!("| {name} | {} |\n", mistake.what));
    }
    let readme_path = folder.join("README.md");
    fs::write(&readme_path, readme).map_err(|e| Error::io(&readme_path, e))?;
    Ok(MISTAKES.len())
}
