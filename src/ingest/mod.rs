//! Ingestion: a manager's workbook (or a consultant's CSV file) checked against the
//! definitions and the registry, and turned into typed tables, or into the list of problems
//! that the person must fix, each with its file, sheet, row and column.
//!
//! A file with any error is rejected whole: a month is never half-stored. Warnings do not block.
//!
//! The public face: [`check_file`] and [`check_csv_file`] (a file checked against a
//! [`Context`], giving a [`CheckedFile`] of store-ready submissions or problems),
//! [`write_annotated`] (a refused workbook with its faulty cells marked), the file kinds and
//! size limit, and [`values`] (the French readings of numbers, dates and months). Inside:
//! `read` (calamine and csv into raw cells), `csv_file` (CSV files, read as they go),
//! `identify` (the identification sheet, the month), `workbook_check` (a workbook checked sheet by
//! sheet), `table` (headers, cells, totals, frames, rules), `annotate`.

mod annotate;
mod csv_file;
mod identify;
pub mod jumps;
mod read;
mod table;
pub mod values;
mod workbook_check;

pub use annotate::write_annotated;
use csv_file::check_csv;
pub use csv_file::{MAX_LISTED_PROBLEMS, check_csv_file};
pub use read::{FileKind, MAX_FILE_BYTES, file_kind, read_bytes};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::definitions::Definitions;
use crate::error::{Location, Problem, Severity};
use crate::month::Month;
use crate::registry::Registry;
use crate::store::Submission;
use read::{CsvRows, ReadError, checked_kind, read_workbook};
use workbook_check::check_workbook;

/// What ingestion checks a file against.
pub struct Context<'a> {
    /// The tables and their rules.
    pub definitions: &'a Definitions,
    /// Who may report, and since when.
    pub registry: &'a Registry,
    /// The current month: later months are refused.
    pub today: Month,
}

impl<'a> Context<'a> {
    /// A context where the current month, by the system clock, is the last one accepted.
    pub fn now(definitions: &'a Definitions, registry: &'a Registry) -> Self {
        Context {
            definitions,
            registry,
            today: Month::current(),
        }
    }
}

/// A file checked: what it holds, or why it is refused.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    /// The file as given.
    pub path: PathBuf,
    /// What it holds, when accepted (a workbook has one month, a CSV file may have many).
    pub submissions: Vec<Submission>,
    /// Every problem found, errors and warnings.
    pub problems: Vec<Problem>,
}

impl CheckedFile {
    /// Whether no problem blocks the file.
    pub fn is_accepted(&self) -> bool {
        !self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    /// Rows per table over every submission.
    pub fn rows_per_table(&self) -> BTreeMap<String, usize> {
        let mut rows = BTreeMap::new();
        for submission in &self.submissions {
            for (table, frame) in &submission.tables {
                *rows.entry(table.clone()).or_default() += frame.height();
            }
        }
        rows
    }
}

/// Checks a file's bytes (`path` names it in messages and gives its format).
pub fn check_file(path: &Path, bytes: &[u8], context: &Context) -> CheckedFile {
    check_file_but_rules(path, bytes, context).with_rules_checked(context.definitions)
}

/// A workbook's table whose cross-column rules are still to check: its frame, where its
/// problems are (file and sheet), and where they go among the file's problems (so a file's
/// problems read in the same order as if each sheet's rules were checked as it was read).
#[derive(Debug, Clone)]
pub struct RuleCheck {
    /// The table's index among the definitions' tables.
    pub table: usize,
    /// The sheet's rows, typed.
    pub frame: polars::prelude::DataFrame,
    /// The file and sheet.
    pub at: Location,
    /// How many of the file's problems come before this table's rule problems.
    pub position: usize,
}

/// A file checked but for its tables' rules, which [`check_rules_of`] checks for many files at
/// once: one polars query per table and batch of files, not per sheet (planning a query cost
/// more than the check itself, profiled on a thousand workbooks).
#[derive(Debug, Clone)]
pub struct PartlyChecked {
    /// The file, with every submission read so far, even if a problem will refuse it.
    pub checked: CheckedFile,
    /// The tables whose rules are still to check.
    pub rules: Vec<RuleCheck>,
}

impl PartlyChecked {
    /// The file with its rules checked alone (a batch of one for [`check_rules_of`]).
    pub fn with_rules_checked(self, definitions: &Definitions) -> CheckedFile {
        let mut checked = check_rules_of(vec![self], definitions);
        checked.pop().expect("one file checked")
    }
}

impl From<CheckedFile> for PartlyChecked {
    fn from(checked: CheckedFile) -> Self {
        PartlyChecked {
            checked,
            rules: Vec::new(),
        }
    }
}

/// Checks a file's bytes like [`check_file`], except for its tables' rules.
pub fn check_file_but_rules(path: &Path, bytes: &[u8], context: &Context) -> PartlyChecked {
    let mut problems = Vec::new();
    let mut rules = Vec::new();
    let read_error = |err: ReadError, problems: &mut Vec<Problem>| {
        problems.push(Problem::error(Location::file(path), err.to_string()));
        Vec::new()
    };
    let submissions = match checked_kind(path, bytes) {
        Err(err) => read_error(err, &mut problems),
        Ok(FileKind::Workbook) => match read_workbook(bytes) {
            Err(err) => read_error(err, &mut problems),
            Ok(sheets) => check_workbook(path, &sheets, context, &mut problems, &mut rules)
                .into_iter()
                .collect(),
        },
        Ok(FileKind::Csv) => check_csv(path, CsvRows::new(bytes), context, &mut problems),
    };
    PartlyChecked {
        checked: CheckedFile {
            path: path.to_path_buf(),
            submissions,
            problems,
        },
        rules,
    }
}

/// Checks the rules left by [`check_file_but_rules`] for every file at once, table by table;
/// a file with an error keeps no submission.
pub fn check_rules_of(files: Vec<PartlyChecked>, definitions: &Definitions) -> Vec<CheckedFile> {
    let mut found: Vec<Vec<(usize, Problem)>> = vec![Vec::new(); files.len()];
    for (index, table) in definitions.tables.iter().enumerate() {
        let checks: Vec<(usize, &RuleCheck)> = files
            .iter()
            .enumerate()
            .flat_map(|(file, partly)| partly.rules.iter().map(move |check| (file, check)))
            .filter(|(_, check)| check.table == index)
            .collect();
        if checks.is_empty() {
            continue;
        }
        let parts: Vec<_> = checks.iter().map(|(_, c)| (&c.frame, &c.at)).collect();
        match table::broken_rules(table, &parts) {
            Ok(broken) => {
                for (part, problem) in broken {
                    let (file, check) = checks[part];
                    found[file].push((check.position, problem));
                }
            }
            Err(err) => {
                for (file, check) in checks {
                    let message = format!("erreur interne en lisant la table {} ({err})", table.id);
                    let problem = Problem::error(Location::file(&check.at.file), message);
                    found[file].push((check.position, problem));
                }
            }
        }
    }
    files
        .into_iter()
        .zip(found)
        .map(|(partly, broken)| {
            let mut checked = partly.checked;
            checked.problems = insert_at_positions(checked.problems, broken);
            if !checked.is_accepted() {
                checked.submissions.clear();
            }
            checked
        })
        .collect()
}

/// `problems` with each of `extra` put before the problem at its position (at the end past
/// them); problems given the same position keep their order.
fn insert_at_positions(problems: Vec<Problem>, mut extra: Vec<(usize, Problem)>) -> Vec<Problem> {
    if extra.is_empty() {
        return problems;
    }
    extra.sort_by_key(|(position, _)| *position);
    let mut extra = extra.into_iter().peekable();
    let mut all = Vec::with_capacity(problems.len() + extra.len());
    for (index, problem) in problems.into_iter().enumerate() {
        while let Some((_, inserted)) = extra.next_if(|(position, _)| *position <= index) {
            all.push(inserted);
        }
        all.push(problem);
    }
    all.extend(extra.map(|(_, inserted)| inserted));
    all
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use polars::prelude::*;

    use super::*;

    fn definitions() -> Definitions {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let params = HashMap::from([("distance_proximite_km".to_string(), 150.0)]);
        Definitions::load(&root.join("indicators"), &params).unwrap()
    }

    fn table_index(definitions: &Definitions, id: &str) -> usize {
        definitions.tables.iter().position(|t| t.id == id).unwrap()
    }

    /// A workbook's `equipements` rows: (line, available, used, external hours).
    fn equipment(rows: &[(i64, f64, f64, f64)]) -> DataFrame {
        let column = |f: fn(&(i64, f64, f64, f64)) -> f64| rows.iter().map(f).collect::<Vec<_>>();
        df!(
            "ligne" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "heures_disponibles" => column(|r| r.1),
            "heures_utilisees" => column(|r| r.2),
            "heures_externes" => column(|r| r.3),
        )
        .unwrap()
    }

    fn publics(rows: &[(i64, i64, i64)]) -> DataFrame {
        df!(
            "ligne" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "nb_personnes" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "dont_femmes" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    fn partly(file: &str, problems: Vec<Problem>, rules: Vec<RuleCheck>) -> PartlyChecked {
        PartlyChecked {
            checked: CheckedFile {
                path: file.into(),
                submissions: Vec::new(),
                problems,
            },
            rules,
        }
    }

    fn check(
        table: usize,
        frame: DataFrame,
        file: &str,
        sheet: &str,
        position: usize,
    ) -> RuleCheck {
        RuleCheck {
            table,
            frame,
            at: Location {
                sheet: Some(sheet.into()),
                ..Location::file(file)
            },
            position,
        }
    }

    fn messages(checked: &CheckedFile) -> Vec<String> {
        checked.problems.iter().map(|p| p.within_file()).collect()
    }

    #[test]
    fn rules_checked_for_a_batch_land_in_their_own_file_in_reading_order() {
        let definitions = definitions();
        let (equipements, publics_table) = (
            table_index(&definitions, "equipements"),
            table_index(&definitions, "publics"),
        );
        let warning = |file: &str, text: &str| Problem::warning(Location::file(file), text);
        let files = vec![
            // Publics is read before Equipements; a warning came between the two sheets.
            partly(
                "a.xlsx",
                vec![warning("a.xlsx", "avant"), warning("a.xlsx", "après")],
                vec![
                    check(
                        publics_table,
                        publics(&[(2, 3, 4), (3, 5, 1)]),
                        "a.xlsx",
                        "Publics",
                        1,
                    ),
                    check(
                        equipements,
                        equipment(&[(2, 100.0, 20.0, 5.0), (3, 50.0, 80.0, 90.0)]),
                        "a.xlsx",
                        "Equipements",
                        2,
                    ),
                ],
            ),
            partly(
                "b.xlsx",
                Vec::new(),
                vec![check(
                    equipements,
                    equipment(&[(4, 10.0, 5.0, 1.0)]),
                    "b.xlsx",
                    "Equipements",
                    0,
                )],
            ),
            partly(
                "c.xlsx",
                Vec::new(),
                vec![check(
                    equipements,
                    equipment(&[(7, 10.0, 11.0, 1.0)]),
                    "c.xlsx",
                    "Equipements",
                    0,
                )],
            ),
        ];
        let checked = check_rules_of(files, &definitions);
        assert_eq!(
            messages(&checked[0]),
            [
                "fichier entier : avertissement : avant",
                "feuille Publics, ligne 2, colonne dont_femmes, nb_personnes : « dont_femmes » ne peut pas dépasser « nb_personnes » (dont_femmes = 4, nb_personnes = 3)",
                "fichier entier : avertissement : après",
                "feuille Equipements, ligne 3, colonne heures_utilisees, heures_disponibles : les heures utilisées dépassent les heures disponibles (heures_utilisees = 80, heures_disponibles = 50)",
                "feuille Equipements, ligne 3, colonne heures_externes, heures_utilisees : les heures externes dépassent les heures utilisées (heures_externes = 90, heures_utilisees = 80)",
            ]
        );
        assert!(checked[1].problems.is_empty());
        assert_eq!(
            messages(&checked[2]),
            [
                "feuille Equipements, ligne 7, colonne heures_utilisees, heures_disponibles : les heures utilisées dépassent les heures disponibles (heures_utilisees = 11, heures_disponibles = 10)"
            ]
        );
    }
}
