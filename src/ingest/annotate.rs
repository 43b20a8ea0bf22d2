//! Annotated copies of rejected files: every sheet's values copied into a new workbook, the
//! faulty cells filled in orange with a note saying what is wrong, so that a manager can fix
//! the file itself. Formatting of the original is not kept; values are.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Datelike;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, Note, Workbook, Worksheet, XlsxError};

use super::read::{RawCell, RawSheet, read_sheets};
use crate::definitions::LISTS_SHEET;
use crate::error::{Error, Problem, Result};
use crate::text::fold;

/// Where a problem points in a sheet: a cell, or a whole row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Cell(u32, u16),
    Row(u32),
}

/// Writes an annotated copy of a rejected file to `out` (xlsx).
pub fn write_annotated(
    source: &Path,
    bytes: &[u8],
    problems: &[Problem],
    out: &Path,
) -> Result<()> {
    let (_, sheets) = read_sheets(source, bytes).map_err(|e| Error::Refused(e.to_string()))?;
    let mut workbook = Workbook::new();
    let mut activated = false;
    for sheet in &sheets {
        let notes = notes_for(sheet, problems, sheets.len() == 1);
        let worksheet = workbook.add_worksheet();
        write_sheet(worksheet, sheet, &notes).map_err(|e| xlsx_error(out, e))?;
        if !notes.is_empty() && !activated {
            // The manager opens the copy on the first sheet to fix.
            worksheet.set_active(true);
            activated = true;
        }
        if fold(&sheet.name) == fold(LISTS_SHEET) {
            worksheet.set_hidden(true);
        }
    }
    workbook.save(out).map_err(|e| xlsx_error(out, e))
}

fn xlsx_error(path: &Path, error: XlsxError) -> Error {
    Error::WorkbookWrite {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// The problems of one sheet, grouped by target (a CSV file has one sheet and no sheet names).
fn notes_for(
    sheet: &RawSheet,
    problems: &[Problem],
    only_sheet: bool,
) -> BTreeMap<Target, Vec<String>> {
    let mut notes: BTreeMap<Target, Vec<String>> = BTreeMap::new();
    for problem in problems {
        let here = match &problem.location.sheet {
            Some(name) => *name == sheet.name,
            None => only_sheet,
        };
        let Some(row) = problem.location.row.filter(|_| here) else {
            continue;
        };
        let row = row.saturating_sub(1) as u32;
        let column = problem
            .location
            .column
            .as_deref()
            .and_then(|label| column_of(sheet, label));
        let target = match column {
            Some(col) => Target::Cell(row, col),
            None => Target::Row(row),
        };
        notes
            .entry(target)
            .or_default()
            .push(problem.message.clone());
    }
    notes
}

/// The column a location names: `B (nb_personnes)` gives B; a bare name is looked up in the
/// header row of a CSV file.
fn column_of(sheet: &RawSheet, label: &str) -> Option<u16> {
    let letters: String = label
        .chars()
        .take_while(|c| c.is_ascii_uppercase())
        .collect();
    if !letters.is_empty() && label[letters.len()..].starts_with(" (") {
        return Some(
            letters
                .bytes()
                .fold(0u32, |n, b| n * 26 + u32::from(b - b'A') + 1) as u16
                - 1,
        );
    }
    let header = sheet.rows.first()?;
    header
        .iter()
        .position(|c| c.shown() == label)
        .map(|i| sheet.column_index(i) as u16)
}

fn write_sheet(
    worksheet: &mut Worksheet,
    sheet: &RawSheet,
    notes: &BTreeMap<Target, Vec<String>>,
) -> Result<(), XlsxError> {
    let name: String = sheet
        .name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    worksheet.set_name(if name.is_empty() { "Feuille" } else { &name })?;
    let faulty = Format::new()
        .set_background_color(Color::RGB(0xF4B183))
        .set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let width = sheet.rows.iter().map(Vec::len).max().unwrap_or(0);
    for (r, row) in sheet.rows.iter().enumerate() {
        let row_index = sheet.first_row + r as u32;
        let whole_row = notes.contains_key(&Target::Row(row_index));
        for c in 0..width.max(1) {
            let col = sheet.column_index(c) as u16;
            let cell = row.get(c).unwrap_or(&RawCell::Empty);
            let flagged = whole_row || notes.contains_key(&Target::Cell(row_index, col));
            let format = if flagged { Some(&faulty) } else { None };
            write_cell(worksheet, row_index, col, cell, format, &date)?;
        }
    }
    for c in 0..width {
        let longest = sheet
            .rows
            .iter()
            .filter_map(|r| r.get(c))
            .map(|cell| cell.shown().chars().count())
            .max()
            .unwrap_or(0);
        worksheet.set_column_width(
            sheet.column_index(c) as u16,
            (longest as f64 + 2.0).clamp(10.0, 45.0),
        )?;
    }
    for (target, messages) in notes {
        let (row, col) = match target {
            Target::Cell(row, col) => (*row, *col),
            Target::Row(row) => (*row, sheet.first_col as u16),
        };
        let note = Note::new(messages.join("\n"))
            .set_author("mesure")
            .set_width(320)
            .set_height(120);
        worksheet.insert_note(row, col, &note)?;
    }
    Ok(())
}

fn write_cell(
    worksheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &RawCell,
    format: Option<&Format>,
    date: &Format,
) -> Result<(), XlsxError> {
    let plain = Format::new();
    let format = format.unwrap_or(&plain);
    match cell {
        RawCell::Empty => {
            if format != &plain {
                worksheet.write_blank(row, col, format)?;
            }
        }
        RawCell::Text(t) => {
            worksheet.write_string_with_format(row, col, t, format)?;
        }
        RawCell::Number(n) => {
            worksheet.write_number_with_format(row, col, *n, format)?;
        }
        RawCell::Bool(b) => {
            worksheet.write_boolean_with_format(row, col, *b, format)?;
        }
        RawCell::Error(e) | RawCell::Uncomputed(e) => {
            worksheet.write_string_with_format(row, col, e, format)?;
        }
        RawCell::Date(d) => {
            let value = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
            let format = if format == &plain {
                date.clone()
            } else {
                format.clone().set_num_format("dd/mm/yyyy")
            };
            worksheet.write_datetime_with_format(row, col, &value, &format)?;
        }
    }
    Ok(())
}
