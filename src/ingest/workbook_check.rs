//! A workbook checked as a whole: its identification sheet (whose month, checked against
//! the registry and the file's name), each declared table's sheet found (or named as
//! missing, with the sheet that looks like it), typed, and the sheets nobody declared. The
//! tables' frames are made, and their cross-column rules checked, for a batch of workbooks
//! at once ([`super::PendingTable`]).

use std::collections::BTreeMap;
use std::path::Path;

use super::identify::{PeriodError, check_period, month_of_cell, read_identification};
use super::read::RawSheet;
use super::table::{SheetPlace, parse_table};
use super::{Context, PendingTable};
use crate::definitions::{IDENTIFICATION_SHEET, LISTS_SHEET, Table};
use crate::error::{Location, Problem};
use crate::month::Month;
use crate::registry::ManufactureId;
use crate::store::Submission;
use crate::text::{did_you_mean, fold};

pub(super) fn check_workbook(
    path: &Path,
    sheets: &[RawSheet],
    context: &Context,
    problems: &mut Vec<Problem>,
    pending: &mut Vec<PendingTable>,
) -> Option<Submission> {
    let file = Location::file(path);
    let folded: Vec<String> = sheets.iter().map(|s| fold(&s.name)).collect();
    let (identification_name, lists_name) = (fold(IDENTIFICATION_SHEET), fold(LISTS_SHEET));
    let Some(identification) = sheets
        .iter()
        .zip(&folded)
        .find_map(|(sheet, name)| (*name == identification_name).then_some(sheet))
    else {
        problems.push(Problem::error(
            file,
            format!("feuille « {IDENTIFICATION_SHEET} » absente : elle dit de quelle manufacture et de quel mois il s'agit (utilisez le modèle de mesure template)"),
        ));
        return None;
    };
    let period = identify_workbook(&file, identification, context, problems);
    let place = SheetPlace {
        file: file.clone(),
        named: true,
    };
    let unknown: Vec<&RawSheet> = sheets
        .iter()
        .zip(&folded)
        .filter(|(_, name)| {
            **name != identification_name
                && **name != lists_name
                && !context
                    .definitions
                    .tables
                    .iter()
                    .any(|t| t.matches_folded(name))
        })
        .map(|(sheet, _)| sheet)
        .collect();
    let mut all_found = true;
    let mut any_row = false;
    for (index, table) in context.definitions.tables.iter().enumerate() {
        let named = sheets
            .iter()
            .zip(&folded)
            .find_map(|(sheet, name)| table.matches_folded(name).then_some(sheet));
        let Some(sheet) = named else {
            all_found = false;
            // A workbook replaces its whole month: storing it without this sheet would wipe
            // the month's table.
            let hint = match resembling(table, &unknown) {
                Some(name) => format!(
                    " ; la feuille « {name} » lui ressemble : renommez-la « {} »",
                    table.sheet
                ),
                None => {
                    " ; ajoutez-la (même vide) ou repartez du modèle de mesure template".to_string()
                }
            };
            problems.push(Problem::error(
                file.clone(),
                format!(
                    "feuille « {} » absente : le classeur remplace tout le mois, et cette table serait effacée{hint}",
                    table.sheet
                ),
            ));
            continue;
        };
        let parsed = parse_table(sheet, table, &place, &[], problems);
        let at = place.at(sheet, None, None);
        if parsed.rows.is_empty() && table.warn_if_empty {
            problems.push(Problem::warning(
                at.clone(),
                format!(
                    "la feuille « {} » n'a aucune ligne : est-ce bien le cas ce mois-ci ? Sinon, complétez-la et renvoyez le classeur",
                    sheet.name
                ),
            ));
        }
        any_row |= !parsed.rows.is_empty();
        pending.push(PendingTable {
            table: index,
            rows: parsed.rows,
            at,
            position: problems.len(),
        });
    }
    if all_found && !any_row {
        problems.push(Problem::error(
            file.clone(),
            "le classeur est vide : aucune feuille n'a de ligne (un modèle renvoyé sans être rempli ?) ; rien n'est enregistré",
        ));
    }
    for sheet in &unknown {
        if sheet.rows.iter().flatten().any(|c| !c.is_blank()) {
            let sheets = context.definitions.tables.iter().map(|t| t.sheet.as_str());
            problems.push(Problem::warning(
                place.at(sheet, None, None),
                format!(
                    "feuille inconnue, ignorée{}",
                    did_you_mean(&sheet.name, sheets)
                ),
            ));
        }
    }
    let (manufacture, month) = period?;
    warn_if_named_otherwise(path, &manufacture, month, context, problems);
    Some(Submission {
        manufacture,
        month,
        tables: BTreeMap::new(), // made for the whole batch, see `check_rules_of`
        whole_month: true,
    })
}

/// The unknown sheet that looks like a table's sheet: « Publics (2) », « Copie de Publics »,
/// or a near spelling.
fn resembling<'a>(table: &Table, unknown: &[&'a RawSheet]) -> Option<&'a str> {
    let names = [fold(&table.sheet), fold(&table.id)];
    unknown
        .iter()
        .find(|sheet| {
            let folded = fold(&sheet.name);
            names.iter().any(|name| folded.contains(name.as_str()))
        })
        .map(|sheet| sheet.name.as_str())
        .or_else(|| {
            let candidates = unknown.iter().map(|s| s.name.as_str());
            crate::text::closest(&table.sheet, candidates)
        })
}

/// Warns when the file's name (`mp001_2025-04.xlsx`) names another month or manufacture than
/// its Identification sheet: often last month's file copied and renamed, not updated.
fn warn_if_named_otherwise(
    path: &Path,
    manufacture: &str,
    month: Month,
    context: &Context,
    problems: &mut Vec<Problem>,
) {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let mut differences = Vec::new();
    if let Some(named) = month_in_name(stem)
        && named != month
    {
        differences.push(format!("le mois {named}"));
    }
    let named_id = context
        .registry
        .ids()
        .filter(|id| names_manufacture(stem, id))
        .max_by_key(|id| id.len());
    if let Some(named) = named_id
        && !named.eq_ignore_ascii_case(manufacture)
    {
        differences.push(format!("la manufacture {named}"));
    }
    if !differences.is_empty() {
        problems.push(Problem::warning(
            Location {
                sheet: Some(IDENTIFICATION_SHEET.to_string()),
                ..Location::file(path)
            },
            format!(
                "le nom du fichier indique {}, mais la feuille Identification dit {manufacture} {month} : enregistré pour {manufacture} {month} ; si c'est une copie d'un autre mois, corrigez la feuille Identification",
                differences.join(" et ")
            ),
        ));
    }
}

/// Whether a file's name starts with a manufacture's id, alone or followed by `_`, `-` or a
/// space, whatever the case (`MP001_2025-04` names `mp001`). Without allocating: it runs for
/// every id of the registry and every workbook.
fn names_manufacture(stem: &str, id: &str) -> bool {
    let Some(start) = stem.get(..id.len()) else {
        return false;
    };
    start.eq_ignore_ascii_case(id)
        && matches!(
            stem.as_bytes().get(id.len()),
            None | Some(b'_' | b'-' | b' ')
        )
}

/// The first `AAAA-MM` (or `AAAA_MM`) in a file name.
fn month_in_name(stem: &str) -> Option<Month> {
    let bytes = stem.as_bytes();
    (0..bytes.len().saturating_sub(6)).find_map(|i| {
        let window = &bytes[i..i + 7];
        let digits = |r: std::ops::Range<usize>| window[r].iter().all(u8::is_ascii_digit);
        let bounded = i == 0 || !bytes[i - 1].is_ascii_digit();
        let ends = bytes.get(i + 7).is_none_or(|b| !b.is_ascii_digit());
        if bounded && ends && digits(0..4) && matches!(window[4], b'-' | b'_') && digits(5..7) {
            format!("{}-{}", &stem[i..i + 4], &stem[i + 5..i + 7])
                .parse()
                .ok()
        } else {
            None
        }
    })
}

fn identify_workbook(
    file: &Location,
    sheet: &RawSheet,
    context: &Context,
    problems: &mut Vec<Problem>,
) -> Option<(ManufactureId, Month)> {
    let found = read_identification(sheet);
    let at = |line: usize| Location {
        sheet: Some(sheet.name.clone()),
        row: Some(line),
        ..file.clone()
    };
    let whole_sheet = Location {
        sheet: Some(sheet.name.clone()),
        ..file.clone()
    };
    let manufacture = match &found.manufacture {
        Some((id, _)) if !id.is_empty() => Some(id.clone()),
        Some((_, line)) => {
            problems.push(Problem::error(
                at(*line),
                "identifiant de la manufacture vide",
            ));
            None
        }
        None => {
            problems.push(Problem::error(
                whole_sheet.clone(),
                "ligne « id_manufacture » absente",
            ));
            None
        }
    };
    let month = match &found.month {
        Some((cell, line)) => {
            let month = month_of_cell(cell);
            if month.is_none() {
                problems.push(Problem::error(
                    at(*line),
                    format!(
                        "« {} » n'est pas un mois (attendu : AAAA-MM, par exemple 2025-03)",
                        cell.shown()
                    ),
                ));
            }
            month
        }
        None => {
            problems.push(Problem::error(whole_sheet, "ligne « mois » absente"));
            None
        }
    };
    let (manufacture, month) = (manufacture?, month?);
    match check_period(&manufacture, month, context.registry, context.today) {
        Ok(id) => Some((id, month)),
        Err(error) => {
            let line = match error {
                PeriodError::UnknownManufacture(_) => found.manufacture.map(|(_, l)| l),
                PeriodError::Month(_) => found.month.map(|(_, l)| l),
            };
            problems.push(Problem::error(at(line.unwrap_or(1)), error.message()));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_names_a_manufacture_by_its_id_then_a_separator() {
        assert!(names_manufacture("MP001_2025-04", "mp001"));
        assert!(names_manufacture("mp001", "mp001"));
        assert!(names_manufacture("mp001 copie", "mp001"));
        assert!(names_manufacture("Mp001-mars", "mp001"));
        assert!(!names_manufacture("mp0012_2025-04", "mp001"));
        assert!(!names_manufacture("mp00", "mp001"));
        assert!(!names_manufacture("xmp001_2025-04", "mp001"));
        // An id's length falling inside a letter of the name: no match, no panic.
        assert!(!names_manufacture("mpé01_2025-04", "mp001"));
        assert!(!names_manufacture("mé", "mp0"));
    }

    #[test]
    fn a_month_in_a_file_name() {
        assert_eq!(month_in_name("mp001_2025-04"), "2025-04".parse().ok());
        assert_eq!(month_in_name("releve 2025_11 v2"), "2025-11".parse().ok());
        assert_eq!(month_in_name("mp001_20251-04"), None);
    }
}
