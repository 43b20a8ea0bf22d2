//! Readers: a workbook (xlsx, xls, ods, through calamine) or a CSV file (through the csv crate,
//! separator and encoding detected) becomes a list of [`RawSheet`]s of [`RawCell`]s, with the
//! absolute position of every cell kept for messages.
//!
//! Nothing here knows the tables: that is the next step's job. What cannot be read at all is a
//! [`ReadError`], told in French.
//!
//! [`workbook`] reads xlsx, xls and ods files (guarded against zip bombs and sheets that
//! claim millions of cells), [`csv_rows`] streams a CSV file record by record.

mod csv_rows;
mod workbook;

use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;

pub use csv_rows::CsvRows;
use csv_rows::read_csv;
pub use workbook::read_workbook;

/// The largest file accepted, in bytes (a workbook, or any file sent through the portal).
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
/// The largest CSV file accepted from disk: it is read as it goes, never loaded whole (a
/// whole network's export runs to gigabytes).
pub const MAX_CSV_BYTES: u64 = 16 * 1024 * 1024 * 1024;
/// The largest uncompressed size of a zipped workbook (xlsx, ods), against zip bombs.
pub const MAX_UNZIPPED_BYTES: u64 = 300 * 1024 * 1024;
/// The largest compression ratio of one entry of a zipped workbook.
pub const MAX_ZIP_RATIO: u64 = 200;

/// A cell as read, before it is checked against a column's type.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCell {
    /// Nothing in the cell.
    Empty,
    /// Text (every CSV cell is text).
    Text(String),
    /// A number.
    Number(f64),
    /// A date cell.
    Date(NaiveDate),
    /// A boolean cell.
    Bool(bool),
    /// A formula's error, as the spreadsheet writes it (`#DIV/0!`, `#REF!`...).
    Error(String),
    /// A formula saved without its computed value (`=SUM(B2:B5)`), by a program that does
    /// not compute: its value is unknown.
    Uncomputed(String),
}

impl RawCell {
    /// The cell as the user sees it, for messages.
    pub fn shown(&self) -> String {
        match self {
            RawCell::Empty => String::new(),
            RawCell::Text(t) => t.trim().to_string(),
            RawCell::Number(n) => format_number(*n),
            RawCell::Date(d) => d.format("%d/%m/%Y").to_string(),
            RawCell::Bool(b) => if *b { "VRAI" } else { "FAUX" }.to_string(),
            RawCell::Error(e) | RawCell::Uncomputed(e) => e.clone(),
        }
    }

    /// Whether the cell holds nothing worth reading.
    pub fn is_blank(&self) -> bool {
        match self {
            RawCell::Empty => true,
            RawCell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// A number written the French way for messages: `1234,5`.
pub use crate::numbers::french_plain as format_number;

/// One sheet of a workbook, or a whole CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSheet {
    /// The sheet's name, or the CSV file's name without extension.
    pub name: String,
    /// The 0-based row of `rows[0]` in the sheet.
    pub first_row: u32,
    /// The 0-based column of each row's first cell.
    pub first_col: u32,
    /// The cells, row by row.
    pub rows: Vec<Vec<RawCell>>,
}

impl RawSheet {
    /// The 1-based row number a user sees for `rows[index]`.
    pub fn row_number(&self, index: usize) -> usize {
        self.first_row as usize + index + 1
    }

    /// Puts a row at its 1-based `line`, after blank rows for the lines skipped (a CSV
    /// reader skips blank lines, whose numbers messages must still count).
    pub fn put_line(&mut self, line: usize, cells: Vec<RawCell>) {
        let index = line.saturating_sub(self.first_row as usize + 1);
        if self.rows.len() < index {
            self.rows.resize(index, Vec::new());
        }
        self.rows.push(cells);
    }

    /// The 0-based absolute column of `row[index]`.
    pub fn column_index(&self, index: usize) -> u32 {
        self.first_col + index as u32
    }
}

/// How a file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A workbook: an identification sheet, then one sheet per table.
    Workbook,
    /// A CSV file: one table, each row carrying `id_manufacture` and `mois`.
    Csv,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The file is empty.
    #[error("fichier vide")]
    Empty,
    /// The file is too large.
    #[error("fichier trop volumineux ({0} Mo ; 50 Mo au plus)")]
    TooLarge(usize),
    /// The extension is not one of ours.
    #[error(
        "format « {0} » non pris en charge : envoyez un classeur .xlsx, .xls ou .ods, ou un fichier .csv"
    )]
    Unsupported(String),
    /// The archive inflates to much more than it weighs.
    #[error("classeur suspect : il se décompresse en plus de {0} Mo")]
    ZipBomb(u64),
    /// Not a spreadsheet.
    #[error(
        "ce n'est pas un classeur .xlsx, .xls ou .ods lisible (fichier abîmé, ou d'un autre type renommé)"
    )]
    NotAWorkbook,
    /// A sheet whose filled cells span far more than a monthly sheet can hold.
    #[error(
        "la feuille « {sheet} » s'étend de {from} à {to} : une feuille mensuelle tient en moins de 2 millions de cellules ; effacez les cellules remplies loin de vos données"
    )]
    TooWide {
        /// The sheet.
        sheet: String,
        /// Its first filled cell.
        from: String,
        /// Its last filled row and column.
        to: String,
    },
    /// A CSV file larger than even a streamed file may be.
    #[error("fichier CSV trop volumineux ({0} Go ; 16 Go au plus)")]
    CsvTooLarge(u64),
    /// A CSV file that cannot be split into rows.
    #[error("CSV illisible : {0}")]
    Csv(String),
}

/// The kind of a file from its extension.
pub fn file_kind(path: &Path) -> Result<FileKind, ReadError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => Ok(FileKind::Workbook),
        "csv" | "txt" => Ok(FileKind::Csv),
        other => Err(ReadError::Unsupported(other.to_string())),
    }
}

/// The kind of a file, once its bytes are known not to be empty or too large.
pub fn checked_kind(path: &Path, bytes: &[u8]) -> Result<FileKind, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(bytes.len() / (1024 * 1024)));
    }
    file_kind(path)
}

/// Reads every sheet of a file's bytes.
pub fn read_sheets(path: &Path, bytes: &[u8]) -> Result<(FileKind, Vec<RawSheet>), ReadError> {
    match checked_kind(path, bytes)? {
        FileKind::Workbook => Ok((FileKind::Workbook, read_workbook(bytes)?)),
        FileKind::Csv => {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            Ok((FileKind::Csv, vec![read_csv(&name, bytes)?]))
        }
    }
}

/// Reads a file's bytes, refusing what is larger than [`MAX_FILE_BYTES`] before loading it.
pub fn read_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    // Room for the whole file at once, as `std::fs::read` makes.
    let size = file
        .metadata()
        .map_or(0, |m| m.len())
        .min(MAX_FILE_BYTES as u64 + 1);
    let mut bytes = Vec::with_capacity(size as usize + 1);
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_messages_carry_no_float_noise() {
        assert_eq!(format_number(713.6000000000001), "713,6");
        assert_eq!(format_number(0.1 + 0.2), "0,3");
        assert_eq!(format_number(1234.5), "1234,5");
        assert_eq!(format_number(42.0), "42");
        assert_eq!(format_number(12.0), "12");
    }

    #[test]
    fn csv_in_windows_1252_with_semicolons() {
        let bytes = b"categorie;nb_personnes\r\nretrait\xe9;1 234\r\n;\r\n";
        let (kind, sheets) = read_sheets(Path::new("publics.csv"), bytes).unwrap();
        assert_eq!(kind, FileKind::Csv);
        let sheet = &sheets[0];
        assert_eq!(sheet.name, "publics");
        assert_eq!(
            sheet.rows[1],
            [
                RawCell::Text("retraité".into()),
                RawCell::Text("1 234".into())
            ]
        );
        assert!(sheet.rows[2].iter().all(RawCell::is_blank));
    }

    #[test]
    fn what_cannot_be_read_is_said() {
        assert_eq!(
            read_sheets(Path::new("a.xlsx"), b"").unwrap_err(),
            ReadError::Empty
        );
        assert_eq!(
            read_sheets(Path::new("a.xlsx"), b"<html>bonjour</html>").unwrap_err(),
            ReadError::NotAWorkbook
        );
        assert_eq!(
            read_sheets(Path::new("a.pdf"), b"%PDF")
                .unwrap_err()
                .to_string(),
            "format « pdf » non pris en charge : envoyez un classeur .xlsx, .xls ou .ods, ou un fichier .csv"
        );
    }
}
