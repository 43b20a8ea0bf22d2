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
    let mut problems = Vec::new();
    let read_error = |err: ReadError, problems: &mut Vec<Problem>| {
        problems.push(Problem::error(Location::file(path), err.to_string()));
        Vec::new()
    };
    let submissions = match checked_kind(path, bytes) {
        Err(err) => read_error(err, &mut problems),
        Ok(FileKind::Workbook) => match read_workbook(bytes) {
            Err(err) => read_error(err, &mut problems),
            Ok(sheets) => check_workbook(path, &sheets, context, &mut problems)
                .into_iter()
                .collect(),
        },
        Ok(FileKind::Csv) => check_csv(path, CsvRows::new(bytes), context, &mut problems),
    };
    let accepted = !problems.iter().any(|p| p.severity == Severity::Error);
    CheckedFile {
        path: path.to_path_buf(),
        submissions: if accepted { submissions } else { Vec::new() },
        problems,
    }
}
