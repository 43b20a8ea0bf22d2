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
use crate::store::{Rows, Submission};
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

/// A workbook's table read and typed cell by cell, still to be put in a frame with the same
/// table of the other workbooks of its batch, where its cross-column rules are checked
/// ([`check_rules_of`]): its rows, where its problems are (file and sheet), and where they go
/// among the file's problems (so a file's problems read in the same order as if each sheet's
/// rules were checked as it was read).
#[derive(Debug, Clone)]
pub struct PendingTable {
    /// The table's index among the definitions' tables.
    pub table: usize,
    /// Each data row: its line in the sheet and a value (or none) per declared column.
    pub rows: Vec<(usize, Vec<Option<table::Value>>)>,
    /// The file and sheet.
    pub at: Location,
    /// How many of the file's problems come before this table's rule problems.
    pub position: usize,
}

/// A file checked but for its workbook tables' frames and rules, which [`check_rules_of`]
/// makes and checks for many files at once: one frame and one polars query per table and
/// batch of files, not per sheet (making a frame and planning a query for each sheet cost
/// more than the checks themselves, profiled on a thousand workbooks).
#[derive(Debug, Clone)]
pub struct PartlyChecked {
    /// The file, with every submission read so far, even if a problem will refuse it (a
    /// workbook's submission gets its tables from [`check_rules_of`]).
    pub checked: CheckedFile,
    /// The workbook's tables still to put in frames and check.
    pub pending: Vec<PendingTable>,
}

impl PartlyChecked {
    /// The file with its tables made and checked alone (a batch of one for
    /// [`check_rules_of`]).
    pub fn with_rules_checked(self, definitions: &Definitions) -> CheckedFile {
        let mut checked = check_rules_of(vec![self], definitions);
        checked.pop().expect("one file checked")
    }
}

impl From<CheckedFile> for PartlyChecked {
    fn from(checked: CheckedFile) -> Self {
        PartlyChecked {
            checked,
            pending: Vec::new(),
        }
    }
}

/// Checks a file's bytes like [`check_file`], except for its tables' rules.
pub fn check_file_but_rules(path: &Path, bytes: &[u8], context: &Context) -> PartlyChecked {
    let mut problems = Vec::new();
    let mut pending = Vec::new();
    let read_error = |err: ReadError, problems: &mut Vec<Problem>| {
        problems.push(Problem::error(Location::file(path), err.to_string()));
        Vec::new()
    };
    let submissions = match checked_kind(path, bytes) {
        Err(err) => read_error(err, &mut problems),
        Ok(FileKind::Workbook) => match read_workbook(bytes) {
            Err(err) => read_error(err, &mut problems),
            Ok(sheets) => check_workbook(path, &sheets, context, &mut problems, &mut pending)
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
        pending,
    }
}

/// Makes the workbook tables left by [`check_file_but_rules`] for every file at once, table by
/// table: one frame per table holding every file's rows, each file's submission given its
/// range of it, and the table's rules checked over it in one query. A file with an error
/// keeps no submission.
pub fn check_rules_of(files: Vec<PartlyChecked>, definitions: &Definitions) -> Vec<CheckedFile> {
    let mut found: Vec<Vec<(usize, Problem)>> = vec![Vec::new(); files.len()];
    let mut made: Vec<Vec<(String, Rows)>> = vec![Vec::new(); files.len()];
    for (index, table) in definitions.tables.iter().enumerate() {
        let pending: Vec<(usize, &PendingTable)> = files
            .iter()
            .enumerate()
            .flat_map(|(file, partly)| partly.pending.iter().map(move |p| (file, p)))
            .filter(|(_, p)| p.table == index)
            .collect();
        if pending.is_empty() {
            continue;
        }
        // The batch's frame of this table, each file's range of it, then its rules over it.
        let broken = batch_frame(table, &pending).and_then(|(frame, parts)| {
            let frame = std::sync::Arc::new(frame);
            for ((file, _), rows) in pending.iter().zip(&parts) {
                let range = Rows::range(frame.clone(), rows.start, rows.len());
                made[*file].push((table.id.clone(), range));
            }
            let located: Vec<_> = pending
                .iter()
                .zip(parts)
                .map(|((_, p), rows)| (rows, &p.at))
                .collect();
            table::broken_rules(table, &frame, &located)
        });
        match broken {
            Ok(broken) => {
                for (part, problem) in broken {
                    let (file, p) = pending[part];
                    found[file].push((p.position, problem));
                }
            }
            // A bug, not the user's fault: every file of the batch with this table is told.
            Err(err) => {
                let message = format!("erreur interne en lisant la table {} ({err})", table.id);
                for (file, p) in &pending {
                    let problem = Problem::error(Location::file(&p.at.file), message.clone());
                    found[*file].push((p.position, problem));
                }
            }
        }
    }
    files
        .into_iter()
        .zip(found)
        .zip(made)
        .map(|((partly, broken), tables)| {
            let mut checked = partly.checked;
            checked.problems = insert_at_positions(checked.problems, broken);
            // A workbook holds one month: its tables go to its one submission.
            if let Some(submission) = checked.submissions.first_mut() {
                submission.tables.extend(tables);
            }
            if !checked.is_accepted() {
                checked.submissions.clear();
            }
            checked
        })
        .collect()
}

/// One table's rows of several files in one frame, and each file's rows in it.
fn batch_frame(
    table: &crate::definitions::Table,
    pending: &[(usize, &PendingTable)],
) -> polars::prelude::PolarsResult<(polars::prelude::DataFrame, Vec<std::ops::Range<usize>>)> {
    let height = pending.iter().map(|(_, p)| p.rows.len()).sum();
    let mut builder = table::FrameBuilder::with_capacity(table, height);
    let mut parts = Vec::with_capacity(pending.len());
    let mut start = 0;
    for (_, p) in pending {
        for (line, values) in &p.rows {
            builder.push(*line, values);
        }
        parts.push(start..start + p.rows.len());
        start += p.rows.len();
    }
    Ok((builder.finish()?, parts))
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

    use super::*;

    fn definitions() -> Definitions {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let params = HashMap::from([("distance_proximite_km".to_string(), 150.0)]);
        Definitions::load(&root.join("indicators"), &params).unwrap()
    }

    fn table_index(definitions: &Definitions, id: &str) -> usize {
        definitions.tables.iter().position(|t| t.id == id).unwrap()
    }

    /// A row of a table's sheet: its line and the named columns' values, the others empty.
    fn row(
        definitions: &Definitions,
        table: usize,
        line: usize,
        named: &[(&str, table::Value)],
    ) -> (usize, Vec<Option<table::Value>>) {
        let columns = &definitions.tables[table].columns;
        let values = columns
            .iter()
            .map(|c| {
                named
                    .iter()
                    .find(|(name, _)| *name == c.name)
                    .map(|(_, v)| v.clone())
            })
            .collect();
        (line, values)
    }

    /// A workbook's `equipements` rows: (line, available, used, external hours).
    fn equipment(
        definitions: &Definitions,
        rows: &[(usize, f64, f64, f64)],
    ) -> Vec<(usize, Vec<Option<table::Value>>)> {
        let table = table_index(definitions, "equipements");
        rows.iter()
            .map(|&(line, available, used, external)| {
                row(
                    definitions,
                    table,
                    line,
                    &[
                        ("equipement", table::Value::Text("laser".into())),
                        ("heures_disponibles", table::Value::Float(available)),
                        ("heures_utilisees", table::Value::Float(used)),
                        ("heures_externes", table::Value::Float(external)),
                    ],
                )
            })
            .collect()
    }

    /// A workbook's `publics` rows: (line, people, of whom women).
    fn publics(
        definitions: &Definitions,
        rows: &[(usize, i64, i64)],
    ) -> Vec<(usize, Vec<Option<table::Value>>)> {
        let table = table_index(definitions, "publics");
        rows.iter()
            .map(|&(line, people, women)| {
                row(
                    definitions,
                    table,
                    line,
                    &[
                        ("nb_personnes", table::Value::Int(people)),
                        ("dont_femmes", table::Value::Int(women)),
                    ],
                )
            })
            .collect()
    }

    fn partly(
        file: &str,
        problems: Vec<Problem>,
        pending: Vec<PendingTable>,
        month: Option<Month>,
    ) -> PartlyChecked {
        let submissions = month
            .map(|month| Submission {
                manufacture: "mp001".parse().unwrap(),
                month,
                tables: BTreeMap::new(),
                whole_month: true,
            })
            .into_iter()
            .collect();
        PartlyChecked {
            checked: CheckedFile {
                path: file.into(),
                submissions,
                problems,
            },
            pending,
        }
    }

    fn pending(
        table: usize,
        rows: Vec<(usize, Vec<Option<table::Value>>)>,
        file: &str,
        sheet: &str,
        position: usize,
    ) -> PendingTable {
        PendingTable {
            table,
            rows,
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
        let d = &definitions;
        let march: Month = "2025-03".parse().unwrap();
        let files = vec![
            // Publics is read before Equipements; a warning came between the two sheets.
            partly(
                "a.xlsx",
                vec![warning("a.xlsx", "avant"), warning("a.xlsx", "après")],
                vec![
                    pending(
                        publics_table,
                        publics(d, &[(2, 3, 4), (3, 5, 1)]),
                        "a.xlsx",
                        "Publics",
                        1,
                    ),
                    pending(
                        equipements,
                        equipment(d, &[(2, 100.0, 20.0, 5.0), (3, 50.0, 80.0, 90.0)]),
                        "a.xlsx",
                        "Equipements",
                        2,
                    ),
                ],
                Some(march),
            ),
            partly(
                "b.xlsx",
                Vec::new(),
                vec![
                    pending(publics_table, Vec::new(), "b.xlsx", "Publics", 0),
                    pending(
                        equipements,
                        equipment(d, &[(4, 10.0, 5.0, 1.0), (5, 20.0, 6.0, 2.0)]),
                        "b.xlsx",
                        "Equipements",
                        0,
                    ),
                ],
                Some(march),
            ),
            partly(
                "c.xlsx",
                Vec::new(),
                vec![pending(
                    equipements,
                    equipment(d, &[(7, 10.0, 11.0, 1.0)]),
                    "c.xlsx",
                    "Equipements",
                    0,
                )],
                None,
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
        // A refused file keeps no submission; an accepted one has each of its tables, its
        // own rows of the batch's frame, an empty sheet as an empty table.
        assert!(checked[0].submissions.is_empty());
        let tables = &checked[1].submissions[0].tables;
        assert_eq!(
            tables.keys().collect::<Vec<_>>(),
            ["equipements", "publics"]
        );
        assert_eq!(tables["publics"].height(), 0);
        let own = tables["equipements"].frame();
        let lines: Vec<i64> = own
            .column("ligne")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(lines, [4, 5]);
        let used: Vec<f64> = own
            .column("heures_utilisees")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(used, [5.0, 6.0]);
        assert_eq!(own.width(), 1 + d.tables[equipements].columns.len());
    }
}
