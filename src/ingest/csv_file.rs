//! CSV files: a consultant's or a network's export, one table per file, many manufactures
//! and months in it. Read record by record (never whole), typed into one frame, split by
//! manufacture and month at the end; past [`MAX_LISTED_PROBLEMS`] problems are counted, not
//! listed.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::definitions::{RESERVED_COLUMNS, Table};
use crate::error::{Location, Problem, Severity};
use crate::month::Month;
use crate::numbers::french_grouped;
use crate::registry::ManufactureId;
use crate::store::{Rows, Submission};
use crate::text::did_you_mean;

use super::identify::{PeriodError, check_period, month_of_cell};
use super::read::{self, CsvRows, RawSheet, ReadError};
use super::table::{
    self, FrameBuilder, HEADER_SEARCH_ROWS, ReadRow, RowReader, SheetPlace, check_rules,
    read_header,
};
use super::{CheckedFile, Context};

/// Most problems listed for one CSV file: past it they are counted, not kept (a national file
/// with a misspelt category would otherwise hold millions of messages).
pub const MAX_LISTED_PROBLEMS: usize = 1000;

/// Checks a CSV file read from `source` as it goes, never loaded whole (a network's export
/// may weigh gigabytes); `path` names it in messages and gives its table.
pub fn check_csv_file(path: &Path, source: &Path, context: &Context) -> CheckedFile {
    let mut problems = Vec::new();
    let opened = std::fs::File::open(source).and_then(|file| {
        let size = file.metadata()?.len();
        Ok((file, size))
    });
    let submissions = match opened {
        Err(e) => {
            problems.push(Problem::error(
                Location::file(path),
                crate::error::french_io(&e),
            ));
            Vec::new()
        }
        Ok((_, 0)) => {
            problems.push(Problem::error(
                Location::file(path),
                ReadError::Empty.to_string(),
            ));
            Vec::new()
        }
        Ok((_, size)) if size > read::MAX_CSV_BYTES => {
            let error = ReadError::CsvTooLarge(size / (1024 * 1024 * 1024));
            problems.push(Problem::error(Location::file(path), error.to_string()));
            Vec::new()
        }
        Ok((file, _)) => match CsvRows::from_reader(file) {
            Ok(rows) => check_csv(path, rows, context, &mut problems),
            Err(e) => {
                problems.push(Problem::error(
                    Location::file(path),
                    crate::error::french_io(&e),
                ));
                Vec::new()
            }
        },
    };
    let accepted = !problems.iter().any(|p| p.severity == Severity::Error);
    CheckedFile {
        path: path.to_path_buf(),
        submissions: if accepted { submissions } else { Vec::new() },
        problems,
    }
}

/// Checks a CSV file record by record: its header is found among the first rows, then each
/// row is typed into one columnar frame as it is read, and the frame is split by manufacture
/// and month at the end. Memory grows with the typed values (a few bytes a cell), never with
/// the file's text.
pub(super) fn check_csv<R: std::io::Read>(
    path: &Path,
    mut rows: CsvRows<R>,
    context: &Context,
    problems: &mut Vec<Problem>,
) -> Vec<Submission> {
    let file = Location::file(path);
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string();
    let Some(table) = context
        .definitions
        .tables
        .iter()
        .find(|t| t.matches_name(&name))
    else {
        let names: Vec<String> = context
            .definitions
            .tables
            .iter()
            .map(|t| format!("{}.csv", t.id))
            .collect();
        problems.push(Problem::error(
            file,
            format!(
                "aucune table ne s'appelle « {name} »{} ; nommez le fichier d'après sa table : {}",
                did_you_mean(
                    &name,
                    context.definitions.tables.iter().map(|t| t.id.as_str())
                ),
                names.join(", ")
            ),
        ));
        return Vec::new();
    };
    let place = SheetPlace {
        file: file.clone(),
        named: false,
    };
    let mut head = RawSheet {
        name,
        first_row: 0,
        first_col: 0,
        rows: Vec::new(),
    };
    for row in rows.by_ref().take(HEADER_SEARCH_ROWS) {
        match row {
            Ok((line, cells)) => head.put_line(line, cells),
            Err(err) => {
                problems.push(Problem::error(file, err.to_string()));
                return Vec::new();
            }
        }
    }
    let Some(header) = read_header(&head, table, &place, &RESERVED_COLUMNS, problems) else {
        return Vec::new();
    };
    let first_data_row = header.index + 1;
    let mut reader = RowReader::new(table, &head, &place, header);
    let Some(mut split) = CsvSplit::new(table, reader.header(), &file) else {
        return Vec::new(); // a missing column is already reported
    };
    let mut listed = Listed::new(problems);
    let head_rows = head.rows.iter().enumerate().skip(first_data_row);
    for (index, row) in head_rows {
        let mut found = Vec::new();
        if let Some(read) = reader.read(head.row_number(index), row, &mut found) {
            split.add(read, context, &mut found);
        }
        listed.keep(found);
    }
    for row in rows {
        let mut found = Vec::new();
        match row {
            Ok((line, cells)) => {
                if let Some(read) = reader.read(line, &cells, &mut found) {
                    split.add(read, context, &mut found);
                }
            }
            Err(err) => found.push(Problem::error(file.clone(), err.to_string())),
        }
        listed.keep(found);
    }
    let mut found = Vec::new();
    reader.check_totals(&mut found);
    let submissions = split.submissions(table, &head, &place, &mut found);
    listed.keep(found);
    listed.close(&file);
    submissions
}

/// The problems of one file, listed up to [`MAX_LISTED_PROBLEMS`] and counted past it.
struct Listed<'a> {
    problems: &'a mut Vec<Problem>,
    start: usize,
    unlisted_errors: usize,
    unlisted_warnings: usize,
}

impl<'a> Listed<'a> {
    fn new(problems: &'a mut Vec<Problem>) -> Self {
        let start = problems.len();
        Listed {
            problems,
            start,
            unlisted_errors: 0,
            unlisted_warnings: 0,
        }
    }

    fn keep(&mut self, found: Vec<Problem>) {
        for problem in found {
            if self.problems.len() - self.start < MAX_LISTED_PROBLEMS {
                self.problems.push(problem);
            } else if problem.severity == Severity::Error {
                self.unlisted_errors += 1;
            } else {
                self.unlisted_warnings += 1;
            }
        }
    }

    /// Says how many problems were not listed.
    fn close(self, file: &Location) {
        let count = |n: usize, what: &str| match n {
            0 => None,
            1 => Some(format!("1 autre {what}")),
            n => Some(format!("{} autres {what}s", french_grouped(n as f64, 0))),
        };
        let unlisted: Vec<String> = [
            count(self.unlisted_errors, "erreur"),
            count(self.unlisted_warnings, "avertissement"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if unlisted.is_empty() {
            return;
        }
        let agreed = match (self.unlisted_errors, self.unlisted_warnings) {
            (1, 0) => "non listée",
            (_, 0) => "non listées",
            (0, 1) => "non listé",
            _ => "non listés",
        };
        let message = format!(
            "{} {agreed} : seuls les {} premiers problèmes du fichier sont détaillés ; corrigez-les, puis renvoyez le fichier pour voir la suite",
            unlisted.join(" et "),
            french_grouped(MAX_LISTED_PROBLEMS as f64, 0)
        );
        self.problems.push(if self.unlisted_errors > 0 {
            Problem::error(file.clone(), message)
        } else {
            Problem::warning(file.clone(), message)
        });
    }
}

/// A CSV file's rows typed into one frame as they are read, with the rows of each
/// manufacture and month noted, and each pair checked against the registry once.
struct CsvSplit<'a> {
    file: &'a Location,
    id_at: usize,
    month_at: usize,
    frame: FrameBuilder,
    rows: usize,
    /// Rows by month, then manufacture: a store transaction then holds a few whole months of
    /// a network's file, not every month a little (each commit would rewrite them all).
    groups: BTreeMap<(Month, ManufactureId), Vec<polars::prelude::IdxSize>>,
    verdicts: HashMap<(String, Month), Option<ManufactureId>>,
}

impl<'a> CsvSplit<'a> {
    fn new(table: &Table, header: &table::Header, file: &'a Location) -> Option<Self> {
        let position = |name: &str| header.extra.iter().position(|(e, _)| e == name);
        Some(CsvSplit {
            file,
            id_at: position("id_manufacture")?,
            month_at: position("mois")?,
            frame: FrameBuilder::new(table),
            rows: 0,
            groups: BTreeMap::new(),
            verdicts: HashMap::new(),
        })
    }

    /// Adds a row to its manufacture's month, unless that pair is refused.
    fn add(&mut self, read: ReadRow, context: &Context, problems: &mut Vec<Problem>) {
        let at = |column: &str| {
            Location {
                row: Some(read.line),
                ..self.file.clone()
            }
            .with_column(column)
        };
        let (id_cell, month_cell) = (&read.extra[self.id_at], &read.extra[self.month_at]);
        let Some(month) = month_of_cell(month_cell) else {
            problems.push(Problem::error(
                at("mois"),
                format!(
                    "« {} » n'est pas un mois (attendu : AAAA-MM, par exemple 2025-03)",
                    month_cell.shown()
                ),
            ));
            return;
        };
        let key = (id_cell.shown(), month);
        let accepted = match self.verdicts.get(&key) {
            Some(verdict) => verdict.clone(),
            None => {
                let verdict = match check_period(&key.0, month, context.registry, context.today) {
                    Ok(id) => Some(id),
                    Err(error) => {
                        let column = match error {
                            PeriodError::UnknownManufacture(_) => "id_manufacture",
                            PeriodError::Month(_) => "mois",
                        };
                        problems.push(Problem::error(at(column), error.message()));
                        None
                    }
                };
                self.verdicts.insert(key, verdict.clone());
                verdict
            }
        };
        if let Some(id) = accepted {
            self.frame.push(read.line, &read.values);
            let row = self.rows as polars::prelude::IdxSize;
            self.groups.entry((month, id)).or_default().push(row);
            self.rows += 1;
        }
    }

    /// The table's rules checked over the whole file, then one submission per manufacture
    /// and month.
    fn submissions(
        self,
        table: &Table,
        head: &RawSheet,
        place: &SheetPlace,
        problems: &mut Vec<Problem>,
    ) -> Vec<Submission> {
        let internal = |err: polars::prelude::PolarsError, problems: &mut Vec<Problem>| {
            problems.push(Problem::error(
                place.file.clone(),
                format!("erreur interne en lisant la table {} ({err})", table.id),
            ));
            Vec::new()
        };
        let frame = match self.frame.finish() {
            Ok(frame) => frame,
            Err(err) => return internal(err, problems),
        };
        if let Err(err) = check_rules(table, &frame, head, place, problems) {
            return internal(err, problems);
        }
        // The rows put in month-manufacture order once; each manufacture's month is then a
        // range of them (a network's export has hundreds of thousands of manufacture-months).
        let order: Vec<polars::prelude::IdxSize> =
            self.groups.values().flatten().copied().collect();
        let sorted = match frame.take(&polars::prelude::IdxCa::from_vec("".into(), order)) {
            Ok(sorted) => sorted,
            Err(err) => return internal(err, problems),
        };
        let sorted = std::sync::Arc::new(sorted);
        let mut submissions = Vec::with_capacity(self.groups.len());
        let mut offset = 0;
        for ((month, manufacture), rows) in self.groups {
            submissions.push(Submission {
                manufacture,
                month,
                tables: BTreeMap::from([(
                    table.id.clone(),
                    Rows::range(sorted.clone(), offset, rows.len()),
                )]),
                whole_month: false,
            });
            offset += rows.len();
        }
        submissions
    }
}
