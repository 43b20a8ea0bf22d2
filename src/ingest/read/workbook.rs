//! Workbooks (xlsx, xls, ods) through calamine: a zip archive that would inflate far beyond
//! its size is refused before it is opened, an xlsx sheet's extent is checked before any grid
//! is built, and a formula saved without its value is told apart from an empty cell.

use std::io::{Cursor, Read};

use calamine::{
    Data, DataRef, DataType, Reader, Sheets, Xlsx, XlsxError, open_workbook_auto_from_rs,
};

use super::{MAX_UNZIPPED_BYTES, MAX_ZIP_RATIO, RawCell, RawSheet, ReadError};

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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::ingest::read::read_sheets;

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
}
