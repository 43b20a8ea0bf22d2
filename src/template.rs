//! The monthly workbook a manager fills in, derived from the table declarations: an
//! `Identification` sheet pre-filled with the manufacture and month, then one sheet per table
//! with its header, a note on each header (label, unit, what is expected), drop-down lists for
//! category and yes/no columns, number formats and a frozen header row.
//!
//! The same writer fills workbooks with rows, which is how the sample network is made.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatBorder,
    Formula, IntoDataValidationValue, Note, Workbook, Worksheet, XlsxError,
};

use crate::definitions::{Column, ColumnType, Definitions, Table};
use crate::error::{Error, Result};
use crate::month::Month;
use crate::registry::ManufactureId;

pub use crate::definitions::{IDENTIFICATION_SHEET, LISTS_SHEET};

/// The label of the manufacture's id in the identification sheet.
pub const ID_LABEL: &str = "id_manufacture";
/// The label of the month in the identification sheet.
pub const MONTH_LABEL: &str = "mois";
/// How many rows of each table sheet carry drop-downs and checks.
pub const PREPARED_ROWS: u32 = 500;

/// Whose workbook it is, and for which month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identification {
    /// The manufacture's id in the registry.
    pub manufacture: ManufactureId,
    /// Its name, shown for the manager's comfort.
    pub name: String,
    /// The month reported.
    pub month: Month,
}

/// A value written into a workbook cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// A number.
    Number(f64),
    /// Text, written as typed (also how a wrong value is planted in a test workbook).
    Text(String),
    /// A date.
    Date(NaiveDate),
    /// Yes or no, written `oui` / `non`.
    Bool(bool),
}

/// Rows per table id, each row in the table's column order.
pub type Rows = HashMap<String, Vec<Vec<Cell>>>;

/// Writes the empty template for a manufacture and month.
pub fn write_template(
    path: &Path,
    definitions: &Definitions,
    identification: &Identification,
) -> Result<()> {
    write_workbook(path, definitions, identification, &Rows::new())
}

/// Writes a workbook with rows filled in. A filled workbook carries no header notes (they
/// triple its size, and the sample network commits hundreds of them); the template does.
pub fn write_workbook(
    path: &Path,
    definitions: &Definitions,
    identification: &Identification,
    rows: &Rows,
) -> Result<()> {
    let mut workbook = build(definitions, identification, rows).map_err(|e| xlsx_error(path, e))?;
    workbook.save(path).map_err(|e| match e {
        XlsxError::IoError(source) => Error::io(path, source),
        other => xlsx_error(path, other),
    })
}

fn xlsx_error(path: &Path, error: XlsxError) -> Error {
    Error::WorkbookWrite {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

fn build(
    definitions: &Definitions,
    identification: &Identification,
    rows: &Rows,
) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    // A fixed creation date keeps the bytes of a workbook the same from one run to the next.
    let month = identification.month;
    let created = ExcelDateTime::from_ymd(month.year() as u16, month.month() as u8, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "Manufacture {} : {}",
                identification.manufacture, identification.month
            ))
            .set_author("mesure")
            .set_creation_datetime(&created),
    );
    write_identification(workbook.add_worksheet(), identification)?;
    let list_ranges = list_ranges(&definitions.tables);
    for table in &definitions.tables {
        let sheet = workbook.add_worksheet();
        write_table_sheet(sheet, table, &list_ranges, rows.is_empty())?;
        if let Some(table_rows) = rows.get(&table.id) {
            write_rows(sheet, table, table_rows)?;
        }
    }
    write_lists(workbook.add_worksheet(), &definitions.tables)?;
    Ok(workbook)
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDCE6F1))
        .set_border_bottom(FormatBorder::Thin)
        .set_text_wrap()
}

fn write_identification(
    sheet: &mut Worksheet,
    identification: &Identification,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    sheet.set_name(IDENTIFICATION_SHEET)?;
    sheet.set_column_width(0, 18)?;
    sheet.set_column_width(1, 40)?;
    sheet.write_string_with_format(0, 0, ID_LABEL, &bold)?;
    sheet.write_string_with_format(0, 1, identification.manufacture.as_str(), &text)?;
    sheet.write_string_with_format(1, 0, MONTH_LABEL, &bold)?;
    sheet.write_string_with_format(1, 1, identification.month.to_string(), &text)?;
    sheet.write_string_with_format(2, 0, "nom", &bold)?;
    sheet.write_string(2, 1, &identification.name)?;
    let guide = [
        "Classeur mensuel de la manufacture : une feuille par tableau.",
        "Une ligne par élément ; laissez vide ce qui est inconnu (jamais 0 à la place d'une valeur inconnue).",
        "Survolez un en-tête pour voir ce qui est attendu. Ne modifiez pas les lignes 1 et 2 ci-dessus.",
    ];
    for (i, line) in guide.iter().enumerate() {
        sheet.write_string(4 + i as u32, 0, *line)?;
    }
    Ok(())
}

/// The range of the `Listes` sheet holding each category column's values, by (table, column).
fn list_ranges(tables: &[Table]) -> HashMap<(String, String), String> {
    category_columns(tables)
        .enumerate()
        .map(|(i, (table, column))| {
            let letter = column_letter(i as u16);
            let last = column.values.len() + 1;
            (
                (table.id.clone(), column.name.clone()),
                format!("={LISTS_SHEET}!${letter}$2:${letter}${last}"),
            )
        })
        .collect()
}

fn category_columns(tables: &[Table]) -> impl Iterator<Item = (&Table, &Column)> {
    tables.iter().flat_map(|t| {
        t.columns
            .iter()
            .filter(|c| c.kind == ColumnType::Category)
            .map(move |c| (t, c))
    })
}

fn write_lists(sheet: &mut Worksheet, tables: &[Table]) -> Result<(), XlsxError> {
    sheet.set_name(LISTS_SHEET)?;
    for (i, (table, column)) in category_columns(tables).enumerate() {
        let col = i as u16;
        sheet.write_string(0, col, format!("{}.{}", table.id, column.name))?;
        for (row, value) in column.values.iter().enumerate() {
            sheet.write_string(row as u32 + 1, col, &value.value)?;
        }
    }
    sheet.set_hidden(true);
    Ok(())
}

fn write_table_sheet(
    sheet: &mut Worksheet,
    table: &Table,
    list_ranges: &HashMap<(String, String), String>,
    with_notes: bool,
) -> Result<(), XlsxError> {
    sheet.set_name(&table.sheet)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_row_height(0, 30)?;
    let header = header_format();
    for (i, column) in table.columns.iter().enumerate() {
        let col = i as u16;
        sheet.write_string_with_format(0, col, &column.name, &header)?;
        if with_notes {
            let note = Note::new(header_note(column))
                .set_author("mesure")
                .set_width(300)
                .set_height(160);
            sheet.insert_note(0, col, &note)?;
        }
        sheet.set_column_width(col, (column.name.chars().count() as f64 + 4.0).max(16.0))?;
        if let Some(format) = number_format(column.kind) {
            sheet.set_column_format(col, &Format::new().set_num_format(format))?;
        }
        let range = list_ranges.get(&(table.id.clone(), column.name.clone()));
        if let Some(validation) = validation(column, range)? {
            sheet.add_data_validation(1, col, PREPARED_ROWS, col, &validation)?;
        }
    }
    Ok(())
}

/// The text of a header's note: what the column holds and what is expected.
pub fn header_note(column: &Column) -> String {
    let mut lines = vec![column.label.clone()];
    lines.extend(column.description.clone());
    lines.push(expected_sentence(column));
    if column.kind == ColumnType::Category {
        lines.push("Choisir dans la liste.".to_string());
    }
    lines.push(
        if column.required {
            "Obligatoire."
        } else {
            "Facultatif."
        }
        .to_string(),
    );
    lines.join("\n")
}

/// « Attendu : nombre entier, en personnes, au moins 0. »
fn expected_sentence(column: &Column) -> String {
    let mut expected = column.kind.french().to_string();
    if let Some(unit) = &column.unit {
        expected.push_str(&format!(", en {unit}"));
    }
    match (column.min, column.max) {
        (Some(min), Some(max)) => expected.push_str(&format!(", de {min} à {max}")),
        (Some(min), None) => expected.push_str(&format!(", au moins {min}")),
        (None, Some(max)) => expected.push_str(&format!(", au plus {max}")),
        (None, None) => {}
    }
    format!("Attendu : {expected}.")
}

fn number_format(kind: ColumnType) -> Option<&'static str> {
    match kind {
        ColumnType::Integer => Some("#,##0"),
        ColumnType::Decimal => Some("#,##0.00"),
        ColumnType::Date => Some("dd/mm/yyyy"),
        ColumnType::Text | ColumnType::Category => Some("@"),
        ColumnType::Boolean => None,
    }
}

fn validation(
    column: &Column,
    list_range: Option<&String>,
) -> Result<Option<DataValidation>, XlsxError> {
    let validation = match column.kind {
        ColumnType::Category => match list_range {
            Some(range) => DataValidation::new().allow_list_formula(Formula::new(range)),
            None => return Ok(None),
        },
        ColumnType::Boolean => DataValidation::new().allow_list_strings(&["oui", "non"])?,
        ColumnType::Integer => match bounds(column, |v| v as i32) {
            Some(rule) => DataValidation::new().allow_whole_number(rule),
            None => return Ok(None),
        },
        ColumnType::Decimal => match bounds(column, |v| v) {
            Some(rule) => DataValidation::new().allow_decimal_number(rule),
            None => return Ok(None),
        },
        ColumnType::Text | ColumnType::Date => return Ok(None),
    };
    let message = match column.kind {
        ColumnType::Category | ColumnType::Boolean => {
            "Choisissez une valeur de la liste.".to_string()
        }
        _ => expected_sentence(column),
    };
    Ok(Some(
        validation
            .set_error_title("Valeur non permise")?
            .set_error_message(message)?,
    ))
}

fn bounds<T: IntoDataValidationValue>(
    column: &Column,
    convert: impl Fn(f64) -> T,
) -> Option<DataValidationRule<T>> {
    match (column.min, column.max) {
        (Some(min), Some(max)) => Some(DataValidationRule::Between(convert(min), convert(max))),
        (Some(min), None) => Some(DataValidationRule::GreaterThanOrEqualTo(convert(min))),
        (None, Some(max)) => Some(DataValidationRule::LessThanOrEqualTo(convert(max))),
        (None, None) => None,
    }
}

fn write_rows(sheet: &mut Worksheet, table: &Table, rows: &[Vec<Cell>]) -> Result<(), XlsxError> {
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().take(table.columns.len()).enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n)?;
                }
                Cell::Text(t) => {
                    sheet.write_string(r, c, t)?;
                }
                Cell::Bool(b) => {
                    sheet.write_string(r, c, if *b { "oui" } else { "non" })?;
                }
                Cell::Date(d) => {
                    let date =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(r, c, &date, &date_format)?;
                }
            }
        }
    }
    Ok(())
}

/// The spreadsheet letter of a 0-based column index (`0` → `A`, `26` → `AA`): the one
/// rust_xlsxwriter writes the workbooks with.
pub use rust_xlsxwriter::utility::column_number_to_name as column_letter;
