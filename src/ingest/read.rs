//! Readers: a workbook (xlsx, xls, ods, through calamine) or a CSV file (through the csv crate,
//! separator and encoding detected) becomes a list of [`RawSheet`]s of [`RawCell`]s, with the
//! absolute position of every cell kept for messages.
//!
//! Nothing here knows the tables: that is the next step's job. What cannot be read at all is a
//! [`ReadError`], told in French.

use std::cell::RefCell;
use std::io::{Cursor, Read};
use std::path::Path;
use std::rc::Rc;

use calamine::{
    Data, DataRef, DataType, Reader, Sheets, Xlsx, XlsxError, open_workbook_auto_from_rs,
};
use chrono::NaiveDate;

use crate::text::detect_separator;

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

/// Refuses a zip archive (xlsx, ods) that would inflate far beyond its size.
fn check_zip_bomb(bytes: &[u8]) -> Result<(), ReadError> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(()); // not a zip: xls, or not a workbook at all, which calamine will say.
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            return Err(ReadError::NotAWorkbook);
        };
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        total = total.saturating_add(size);
        if size > 1024 * 1024 && size / packed > MAX_ZIP_RATIO {
            return Err(ReadError::ZipBomb(MAX_UNZIPPED_BYTES / (1024 * 1024)));
        }
    }
    if total > MAX_UNZIPPED_BYTES {
        return Err(ReadError::ZipBomb(MAX_UNZIPPED_BYTES / (1024 * 1024)));
    }
    Ok(())
}

/// Reads every sheet of a workbook's bytes (xlsx, xls or ods).
pub fn read_workbook(bytes: &[u8]) -> Result<Vec<RawSheet>, ReadError> {
    check_zip_bomb(bytes)?;
    let workbook =
        open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| ReadError::NotAWorkbook)?;
    match workbook {
        Sheets::Xlsx(mut xlsx) => read_xlsx(&mut xlsx),
        mut other => read_ranges(&mut other),
    }
}

/// An xlsx workbook, cell by cell: a sheet's extent is checked before any grid is built (a
/// 10 KB file with one cell at XFD1048576 would otherwise ask for hundreds of gigabytes), and
/// a formula saved without its value (by a program, not a spreadsheet) is told apart.
fn read_xlsx<RS: Read + std::io::Seek>(xlsx: &mut Xlsx<RS>) -> Result<Vec<RawSheet>, ReadError> {
    let mut sheets = Vec::new();
    for name in xlsx.sheet_names() {
        let mut reader = match xlsx.worksheet_cells_reader(&name) {
            Ok(reader) => reader,
            Err(XlsxError::NotAWorksheet(_)) => continue, // a chart sheet
            Err(_) => return Err(ReadError::NotAWorkbook),
        };
        let mut cells = Vec::new();
        while let Some(cell) = reader
            .next_cell_with_formula()
            .map_err(|_| ReadError::NotAWorkbook)?
        {
            let raw = match (cell.value, cell.formula) {
                (DataRef::Empty, Some(formula)) if !formula.is_empty() => {
                    RawCell::Uncomputed(format!("={formula}"))
                }
                (DataRef::Empty, _) => continue,
                // Text moves into the cell as it is, without a copy through `Data`.
                (DataRef::String(text), _) => RawCell::Text(text),
                (DataRef::SharedString(text), _) => RawCell::Text(text.to_string()),
                (value, _) => raw_cell(&Data::from(value)),
            };
            cells.push((cell.pos, raw));
        }
        sheets.push(grid(name, cells)?);
    }
    Ok(sheets)
}

/// The most cells a sheet's extent may span (its first to its last non-empty cell).
pub const MAX_SHEET_CELLS: u64 = 2_000_000;

/// A sheet's cells laid out from its first to its last non-empty row and column, once its
/// extent is known to be reasonable.
fn grid(name: String, cells: Vec<((u32, u32), RawCell)>) -> Result<RawSheet, ReadError> {
    let Some(first_row) = cells.iter().map(|((r, _), _)| *r).min() else {
        return Ok(RawSheet {
            name,
            first_row: 0,
            first_col: 0,
            rows: Vec::new(),
        });
    };
    let first_col = cells.iter().map(|((_, c), _)| *c).min().unwrap_or(0);
    let last_row = cells.iter().map(|((r, _), _)| *r).max().unwrap_or(0);
    let last_col = cells.iter().map(|((_, c), _)| *c).max().unwrap_or(0);
    let (height, width) = (last_row - first_row + 1, last_col - first_col + 1);
    if u64::from(height) * u64::from(width) > MAX_SHEET_CELLS {
        return Err(ReadError::TooWide {
            sheet: name,
            from: cell_name(first_row, first_col),
            to: cell_name(last_row, last_col),
        });
    }
    let mut rows = vec![vec![RawCell::Empty; width as usize]; height as usize];
    for ((row, col), cell) in cells {
        rows[(row - first_row) as usize][(col - first_col) as usize] = cell;
    }
    Ok(RawSheet {
        name,
        first_row,
        first_col,
        rows,
    })
}

/// `B7`: a cell's name from its 0-based row and column.
fn cell_name(row: u32, col: u32) -> String {
    format!(
        "{}{}",
        crate::template::column_letter(col.min(u32::from(u16::MAX)) as u16),
        row + 1
    )
}

/// An xls or ods workbook, through calamine's ranges (their formats bound a sheet's size).
fn read_ranges<RS: Read + std::io::Seek>(
    workbook: &mut Sheets<RS>,
) -> Result<Vec<RawSheet>, ReadError> {
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|_| ReadError::NotAWorkbook)?;
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let rows = range
            .rows()
            .map(|row| row.iter().map(raw_cell).collect())
            .collect();
        sheets.push(RawSheet {
            name,
            first_row,
            first_col,
            rows,
        });
    }
    Ok(sheets)
}

fn raw_cell(cell: &Data) -> RawCell {
    match cell {
        Data::Empty => RawCell::Empty,
        Data::String(s) => RawCell::Text(s.clone()),
        Data::Float(f) => RawCell::Number(*f),
        Data::Int(i) => RawCell::Number(*i as f64),
        Data::Bool(b) => RawCell::Bool(*b),
        Data::DateTime(_) | Data::DateTimeIso(_) => match cell.as_date() {
            Some(date) => RawCell::Date(date),
            None => RawCell::Text(cell.to_string()),
        },
        Data::DurationIso(s) => RawCell::Text(s.clone()),
        Data::Error(e) => RawCell::Error(e.to_string()),
    }
}

fn read_csv(name: &str, bytes: &[u8]) -> Result<RawSheet, ReadError> {
    let mut sheet = RawSheet {
        name: name.to_string(),
        first_row: 0,
        first_col: 0,
        rows: Vec::new(),
    };
    for row in CsvRows::new(bytes) {
        let (line, cells) = row?;
        sheet.put_line(line, cells);
    }
    Ok(sheet)
}

/// A CSV file read record by record, so that a national file is never held as cells all at
/// once, nor as bytes if it comes from a file: the separator is found on the first line, a
/// UTF-8 byte order mark skipped, and each field decoded as UTF-8, or as Windows-1252 (Excel's
/// « CSV (séparateur : point-virgule) ») when it is not valid UTF-8.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<Counting<std::io::Chain<Cursor<Vec<u8>>, R>>>,
    record: csv::ByteRecord,
    breaks: Rc<RefCell<BreakLog>>,
}

impl<'a> CsvRows<&'a [u8]> {
    /// Rows of a CSV file's bytes.
    pub fn new(bytes: &'a [u8]) -> Self {
        CsvRows::from_reader(bytes).expect("reading bytes in memory does not fail")
    }
}

/// How much of a CSV file's start is read to find its first line (and so its separator).
const FIRST_LINE_MAX: usize = 64 * 1024;

impl<R: Read> CsvRows<R> {
    /// Rows of a CSV file read as it goes (a file, without loading it).
    pub fn from_reader(mut input: R) -> std::io::Result<Self> {
        // The first line, for the separator: read until its end (or 64 KB), then given back
        // to the CSV reader ahead of the rest.
        let mut head = Vec::new();
        let mut chunk = [0u8; 4096];
        while head.len() < FIRST_LINE_MAX && !head.contains(&b'\n') {
            let n = input.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&chunk[..n]);
        }
        if head.starts_with(b"\xEF\xBB\xBF") {
            head.drain(..3);
        }
        let first_line = head.split(|b| *b == b'\n').next().unwrap_or(b"");
        let separator = detect_separator(&String::from_utf8_lossy(first_line));
        let breaks = Rc::new(RefCell::new(BreakLog::default()));
        let counting = Counting {
            inner: Cursor::new(head).chain(input),
            breaks: Rc::clone(&breaks),
        };
        let reader = csv::ReaderBuilder::new()
            .delimiter(separator)
            .has_headers(false)
            .flexible(true)
            .from_reader(counting);
        Ok(CsvRows {
            reader,
            record: csv::ByteRecord::new(),
            breaks,
        })
    }

    /// The 1-based line where the record just read starts. The csv crate skips blank lines
    /// and places the next record at the blank line, so the line is counted here, from the
    /// record's first byte past any line break (`\n`, `\r\n`, or a lone `\r` of an old Mac).
    fn line_of_record(&mut self) -> usize {
        let start = self.record.position().map_or(0, |p| p.byte());
        self.breaks.borrow_mut().line_at(start)
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    /// A row's 1-based line in the file (where it starts, for a quoted field over several
    /// lines) and its cells.
    type Item = Result<(usize, Vec<RawCell>), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.line_of_record();
                Some(Ok((line, self.record.iter().map(csv_cell).collect())))
            }
            Err(error) => Some(Err(ReadError::Csv(csv_error(&error)))),
        }
    }
}

/// The line-break bytes (`\r`, `\n`) read but not yet counted, by their offset in the
/// stream: enough to number each record's line while the file streams by, keeping only what
/// lies between the last record counted and the reader's read-ahead.
#[derive(Debug, Default)]
struct BreakLog {
    /// `(offset, byte)` of each `\r` or `\n` not yet counted, in order.
    pending: std::collections::VecDeque<(u64, u8)>,
    /// Line breaks before the ones pending.
    counted: usize,
    /// Bytes read from the stream so far.
    read_so_far: u64,
}

impl BreakLog {
    fn is_break_byte(&self, offset: u64) -> Option<u8> {
        let at = self.pending.partition_point(|(o, _)| *o < offset);
        self.pending
            .get(at)
            .filter(|(o, _)| *o == offset)
            .map(|(_, b)| *b)
    }

    /// The line of a record whose reported start is `start`: past any blank lines there.
    fn line_at(&mut self, mut start: u64) -> usize {
        while self.is_break_byte(start).is_some() {
            start += 1;
        }
        while let Some(&(offset, byte)) = self.pending.front() {
            if offset >= start {
                break;
            }
            let ends_line = byte == b'\n' || self.is_break_byte(offset + 1) != Some(b'\n');
            self.counted += usize::from(ends_line);
            self.pending.pop_front();
        }
        self.counted + 1
    }
}

/// A reader that notes, in a shared [`BreakLog`], where each line-break byte passes.
struct Counting<R> {
    inner: R,
    breaks: Rc<RefCell<BreakLog>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut log = self.breaks.borrow_mut();
        let start = log.read_so_far;
        for (i, byte) in buf[..n].iter().enumerate() {
            if matches!(byte, b'\r' | b'\n') {
                log.pending.push_back((start + i as u64, *byte));
            }
        }
        log.read_so_far += n as u64;
        Ok(n)
    }
}

/// A CSV field as a cell: empty, or its text decoded.
fn csv_cell(field: &[u8]) -> RawCell {
    if field.is_empty() {
        return RawCell::Empty;
    }
    let text = match std::str::from_utf8(field) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(field)
            .0
            .into_owned(),
    };
    RawCell::Text(text)
}

fn csv_error(error: &csv::Error) -> String {
    match error.position() {
        Some(position) => format!("ligne {} mal formée", position.line()),
        None => "contenu mal formé".to_string(),
    }
}

/// Reads a file's bytes, refusing what is larger than [`MAX_FILE_BYTES`] before loading it.
pub fn read_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
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
    fn csv_rows_keep_their_lines_across_blank_lines_and_line_endings() {
        let lines = |bytes: &[u8]| -> Vec<usize> {
            CsvRows::new(bytes).map(|row| row.unwrap().0).collect()
        };
        assert_eq!(lines(b"a;b\n1;2\n\n\n3;4\n"), [1, 2, 5]);
        assert_eq!(lines(b"a;b\r\n\r\n1;2\r\n3;4"), [1, 3, 4]);
        assert_eq!(lines(b"a;b\r\r1;2\r3;4\r"), [1, 3, 4], "an old Mac's CR");
        assert_eq!(lines(b"a;b\n\"deux\nlignes\";2\n3;4\n"), [1, 2, 4]);
        assert_eq!(
            lines(b"\xEF\xBB\xBF\na;b\n1;2\n"),
            [2, 3],
            "a BOM, then a blank line"
        );
    }

    /// A reader that gives one byte at a time: every chunk boundary falls somewhere.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.is_empty()) {
                (Some((first, rest)), false) => {
                    buf[0] = *first;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn streamed_rows_are_numbered_as_in_memory_whatever_the_chunks() {
        let mut text = b"\xEF\xBB\xBFa;b\r\n\r\n".to_vec();
        for i in 0..500 {
            let line: Vec<u8> = match i % 5 {
                0 => format!("{i};x\n").into_bytes(),
                1 => format!("{i};\"deux\nlignes\"\r\n").into_bytes(),
                2 => b"\n\n".to_vec(),
                // Windows-1252 « é », and an old Mac's line end.
                3 => [format!("{i};caf").into_bytes(), vec![0xE9, b'\r']].concat(),
                _ => format!("{i};y\r\n").into_bytes(),
            };
            text.extend_from_slice(&line);
        }
        let in_memory: Vec<(usize, Vec<RawCell>)> =
            CsvRows::new(&text).map(Result::unwrap).collect();
        let streamed: Vec<(usize, Vec<RawCell>)> =
            CsvRows::from_reader(std::io::BufReader::with_capacity(7, Trickle(&text)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
        assert_eq!(in_memory, streamed);
        assert_eq!(in_memory.len(), 401);
        assert_eq!(in_memory[0].0, 1);
        assert_eq!(in_memory[1].0, 3, "after a blank line");
        // Record i = 5 (« 5;x ») starts where the numbering of the pattern puts it.
        let five = in_memory
            .iter()
            .find(|(_, c)| c[0] == RawCell::Text("5".into()));
        assert_eq!(five.unwrap().0, 10);
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

    #[test]
    fn a_zip_bomb_is_refused_before_inflating() {
        use std::io::Write;
        let mut buffer = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![b'0'; 1024 * 1024];
        for _ in 0..64 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
        let bytes = buffer.into_inner();
        assert!(
            bytes.len() < 1024 * 1024,
            "64 MB packed into {} bytes",
            bytes.len()
        );
        assert!(matches!(
            read_sheets(Path::new("bombe.xlsx"), &bytes),
            Err(ReadError::ZipBomb(_))
        ));
    }

    #[test]
    fn numbers_are_shown_the_french_way() {
        assert_eq!(format_number(1234.5), "1234,5");
        assert_eq!(format_number(12.0), "12");
    }
}
