//! Writing computed figures: CSV (plain, or for French Excel: `;`, decimal comma, UTF-8 BOM),
//! JSON and Parquet. Values keep full precision; in a CSV for Excel, text that a spreadsheet
//! would run as a formula (`=`, `+`, `-`, `@` first) is defused with a leading apostrophe (a
//! plain CSV keeps every value as it is, for programs). Files are written with
//! [`crate::files::write_atomically`]: a failure (a full disk) leaves the previous file whole.

use std::io::Write;

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};

/// A failure to write an export: an I/O failure keeps its kind (a full disk is told as such);
/// the path is added by [`crate::files::write_atomically`].
fn write_error(err: impl Into<WriteFailure>) -> Error {
    match err.into() {
        WriteFailure::Io(e) => Error::io("", e),
        WriteFailure::Other(text) => Error::internal("écriture", text),
    }
}

/// What writing an export can fail on.
enum WriteFailure {
    Io(std::io::Error),
    Other(String),
}

impl From<std::io::Error> for WriteFailure {
    fn from(e: std::io::Error) -> Self {
        WriteFailure::Io(e)
    }
}

impl From<csv::Error> for WriteFailure {
    fn from(e: csv::Error) -> Self {
        if e.is_io_error() {
            WriteFailure::Io(e.into())
        } else {
            WriteFailure::Other(e.to_string())
        }
    }
}

impl From<PolarsError> for WriteFailure {
    fn from(e: PolarsError) -> Self {
        match e {
            PolarsError::IO { error, .. } => {
                WriteFailure::Io(std::io::Error::new(error.kind(), error.to_string()))
            }
            other => WriteFailure::Other(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for WriteFailure {
    fn from(e: serde_json::Error) -> Self {
        if e.is_io() {
            WriteFailure::Io(e.into())
        } else {
            WriteFailure::Other(e.to_string())
        }
    }
}

/// A text cell made safe for spreadsheets.
pub fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn cell_text(value: &AnyValue, excel: bool) -> String {
    let text = |s: &str| if excel { defuse(s) } else { s.to_string() };
    match value {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => text(s),
        AnyValue::StringOwned(s) => text(s),
        AnyValue::Float64(f) => {
            let text = f.to_string();
            if excel { text.replace('.', ",") } else { text }
        }
        other => other.to_string(),
    }
}

/// Rows formatted together: a block's text is about 5 MB for `compute`'s rows.
const BLOCK_ROWS: usize = 1 << 16;

/// Writes a frame as CSV; `excel` gives what French Excel opens as is.
///
/// Blocks of rows are formatted on all cores (formatting is most of writing 20 million
/// figures: profiled at 3,500 places), a few blocks at a time, while the blocks before are
/// written in order.
pub fn write_csv(frame: &DataFrame, out: &mut dyn Write, excel: bool) -> Result<()> {
    if excel {
        out.write_all(b"\xEF\xBB\xBF").map_err(write_error)?;
    }
    let names: Vec<&str> = frame
        .get_column_names()
        .into_iter()
        .map(|n| n.as_str())
        .collect();
    let mut header = csv_writer(excel);
    header.write_record(&names).map_err(write_error)?;
    out.write_all(&csv_text(header)?).map_err(write_error)?;
    let blocks: Vec<usize> = (0..frame.height()).step_by(BLOCK_ROWS).collect();
    let at_once = rayon::current_num_threads() * 2;
    std::thread::scope(|scope| {
        let (formatted, to_write) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            for starts in blocks.chunks(at_once) {
                let texts: Vec<Result<Vec<u8>>> = starts
                    .par_iter()
                    .map(|&start| csv_rows(&frame.slice(start as i64, BLOCK_ROWS), excel))
                    .collect();
                // The writer has stopped (a failed write): nothing more to format.
                if formatted.send(texts).is_err() {
                    break;
                }
            }
        });
        for texts in to_write {
            for text in texts {
                out.write_all(&text?).map_err(write_error)?;
            }
        }
        Ok::<_, Error>(())
    })?;
    out.flush().map_err(write_error)
}

/// A CSV writer into memory, with the export's delimiter.
fn csv_writer(excel: bool) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(if excel { b';' } else { b',' })
        .from_writer(Vec::new())
}

/// The text a CSV writer into memory holds.
fn csv_text(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    writer.into_inner().map_err(|e| write_error(e.into_error()))
}

/// The CSV text of every row of a frame (no header).
fn csv_rows(frame: &DataFrame, excel: bool) -> Result<Vec<u8>> {
    let mut writer = csv_writer(excel);
    // Each column walked by an iterator, chunk after chunk: reading cell by cell by row index
    // walked the chunks of the frame's many parts (profiled: most of writing five million
    // figures), and putting each column in one chunk first copied the whole frame (20 million
    // figures at 3,500 places: more than a gigabyte of fresh memory).
    let mut columns: Vec<Cells> = frame
        .columns()
        .iter()
        .map(|c| Cells::of(c, excel))
        .collect();
    let mut text = String::new();
    for _ in 0..frame.height() {
        for column in &mut columns {
            text.clear();
            column.write_next(excel, &mut text);
            writer.write_field(&text).map_err(write_error)?;
        }
        writer.write_record(None::<&[u8]>).map_err(write_error)?;
    }
    csv_text(writer)
}

/// A column's cells in row order, read by their type without going through `AnyValue`.
enum Cells<'a> {
    /// The same text on every row (a column made of one value), as it is written.
    Same(String),
    Text(Box<dyn Iterator<Item = Option<&'a str>> + 'a>),
    Float(Box<dyn Iterator<Item = Option<f64>> + 'a>),
    Count(Box<dyn Iterator<Item = Option<u32>> + 'a>),
    /// Another type: cell by cell, with the next row's index.
    Other(&'a Column, usize),
}

impl<'a> Cells<'a> {
    fn of(column: &'a Column, excel: bool) -> Self {
        if let Some(same) = column.as_scalar_column() {
            return Cells::Same(cell_text(same.scalar().value(), excel));
        }
        match column.dtype() {
            DataType::String => match column.str() {
                Ok(c) => Cells::Text(Box::new(c.iter())),
                Err(_) => Cells::Other(column, 0),
            },
            DataType::Float64 => match column.f64() {
                Ok(c) => Cells::Float(Box::new(c.iter())),
                Err(_) => Cells::Other(column, 0),
            },
            DataType::UInt32 => match column.u32() {
                Ok(c) => Cells::Count(Box::new(c.iter())),
                Err(_) => Cells::Other(column, 0),
            },
            _ => Cells::Other(column, 0),
        }
    }

    /// Appends the next cell's text, as [`cell_text`] writes it (nothing for a null).
    fn write_next(&mut self, excel: bool, out: &mut String) {
        use std::fmt::Write as _;
        match self {
            Cells::Same(text) => out.push_str(text),
            Cells::Text(cells) => match cells.next().flatten() {
                Some(s) if excel => out.push_str(&defuse(s)),
                Some(s) => out.push_str(s),
                None => {}
            },
            Cells::Float(cells) => {
                if let Some(f) = cells.next().flatten() {
                    let _ = write!(out, "{f}");
                    if excel && let Some(at) = out.find('.') {
                        out.replace_range(at..=at, ",");
                    }
                }
            }
            Cells::Count(cells) => {
                if let Some(n) = cells.next().flatten() {
                    let _ = write!(out, "{n}");
                }
            }
            Cells::Other(column, row) => {
                if let Ok(value) = column.get(*row) {
                    out.push_str(&cell_text(&value, excel));
                }
                *row += 1;
            }
        }
    }
}

/// The column every export carries: the fingerprint of the definitions and settings that
/// made its figures, so a file read months later still says what produced it.
pub const DEFINITIONS_COLUMN: &str = "definitions";

/// The figures with a last column, [`DEFINITIONS_COLUMN`], holding `fingerprint` on every
/// row: the file stays a plain table that Excel, pandas or DuckDB open as it is. The column is
/// one value, not a copy per row.
pub fn with_definitions(mut frame: DataFrame, fingerprint: &str) -> Result<DataFrame> {
    let value = Scalar::new(DataType::String, AnyValue::StringOwned(fingerprint.into()));
    let column = Column::new_scalar(DEFINITIONS_COLUMN.into(), value, frame.height());
    frame.with_column(column).map_err(write_error)?;
    Ok(frame)
}

/// Writes a frame as a JSON array of objects (empty values are `null`).
pub fn write_json(frame: &DataFrame, out: &mut dyn Write) -> Result<()> {
    let names: Vec<String> = frame
        .get_column_names()
        .into_iter()
        .map(|n| n.to_string())
        .collect();
    let mut rows = Vec::with_capacity(frame.height());
    for row in 0..frame.height() {
        let mut object = serde_json::Map::new();
        for (name, column) in names.iter().zip(frame.columns()) {
            let value = match column.get(row).map_err(write_error)? {
                AnyValue::Null => serde_json::Value::Null,
                AnyValue::String(s) => s.into(),
                AnyValue::Float64(f) => serde_json::Number::from_f64(f)
                    .map(Into::into)
                    .unwrap_or(serde_json::Value::Null),
                AnyValue::UInt32(u) => u.into(),
                other => other.to_string().into(),
            };
            object.insert(name.clone(), value);
        }
        rows.push(serde_json::Value::Object(object));
    }
    serde_json::to_writer_pretty(&mut *out, &rows).map_err(write_error)?;
    writeln!(out).map_err(write_error)
}

/// Writes a frame as Parquet.
pub fn write_parquet(frame: &DataFrame, out: &mut dyn Write) -> Result<()> {
    let mut frame = frame.clone();
    ParquetWriter::new(out)
        .finish(&mut frame)
        .map(|_| ())
        .map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame's CSV text, as [`write_csv`] writes it.
    fn csv_of(frame: &DataFrame, excel: bool) -> String {
        let mut out = Vec::new();
        write_csv(frame, &mut out, excel).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("mp001"), "mp001");
    }

    #[test]
    fn french_excel_csv() {
        let frame = df!("entite" => ["=1+1", "-mp1"], "valeur" => [Some(12.5), None]).unwrap();
        assert_eq!(
            csv_of(&frame, true),
            "\u{FEFF}entite;valeur\n'=1+1;12,5\n'-mp1;\n"
        );
        assert_eq!(csv_of(&frame, false), "entite,valeur\n=1+1,12.5\n-mp1,\n");
    }

    #[test]
    fn a_frame_of_several_chunks_is_written_row_by_row() {
        let part = |entity: &str, value: Option<f64>, count: u32, other: i64| {
            df!(
                "entite" => [entity],
                "valeur" => [value],
                "declarants" => [count],
                "autre" => [other],
            )
            .unwrap()
        };
        let mut frame = part("a", Some(0.5), 1, -1);
        frame.vstack_mut(&part("b", None, 2, 20)).unwrap();
        frame.vstack_mut(&part("c", Some(3.0), 3, 300)).unwrap();
        assert_eq!(frame.first_col_n_chunks(), 3);
        assert_eq!(
            csv_of(&frame, false),
            "entite,valeur,declarants,autre\na,0.5,1,-1\nb,,2,20\nc,3,3,300\n"
        );
    }

    #[test]
    fn rows_past_one_block_are_written_once_each_in_order() {
        let height = 2 * BLOCK_ROWS + 5;
        let frame = df!(
            "n" => (0..height as u32).collect::<Vec<_>>(),
            "valeur" => (0..height).map(|i| (i % 3 != 0).then_some(i as f64 / 2.0)).collect::<Vec<_>>(),
        )
        .unwrap();
        let mut expected = String::from("\u{FEFF}n;valeur\n");
        for i in 0..height {
            let value = if i % 3 == 0 {
                String::new()
            } else {
                (i as f64 / 2.0).to_string().replace('.', ",")
            };
            expected.push_str(&format!("{i};{value}\n"));
        }
        assert_eq!(csv_of(&frame, true), expected);
    }

    #[test]
    fn the_definitions_column_is_one_value_written_on_every_row() {
        let frame = df!("entite" => ["a", "b"]).unwrap();
        let frame = with_definitions(frame, "-v1 sha 0123456789abcdef").unwrap();
        assert!(
            frame
                .column(DEFINITIONS_COLUMN)
                .unwrap()
                .as_scalar_column()
                .is_some()
        );
        assert_eq!(
            csv_of(&frame, false),
            "entite,definitions\na,-v1 sha 0123456789abcdef\nb,-v1 sha 0123456789abcdef\n"
        );
        assert_eq!(
            csv_of(&frame.slice(1, 1), true),
            "\u{FEFF}entite;definitions\nb;'-v1 sha 0123456789abcdef\n"
        );
    }

    /// A disk that fills up after some bytes.
    struct FullAfter(usize);

    impl Write for FullAfter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if bytes.len() > self.0 {
                return Err(std::io::Error::from(std::io::ErrorKind::StorageFull));
            }
            self.0 -= bytes.len();
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_failing_mid_way_is_told_with_its_kind_and_stops_the_formatting() {
        let frame = df!("n" => (0..10 * BLOCK_ROWS as u32).collect::<Vec<_>>()).unwrap();
        let err = write_csv(&frame, &mut FullAfter(BLOCK_ROWS * 3), false).unwrap_err();
        assert!(
            matches!(&err, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull),
            "{err:?}"
        );
    }
}
