//! From a raw sheet to a typed table: the header found and matched to the declared columns
//! (case, accents, spaces and synonyms forgiven), every cell checked against its column's type,
//! bounds and allowed values, blank rows skipped, a totals row checked against the sum, and the
//! table's cross-column rules applied. Every problem names its sheet, row and column.

use std::collections::HashMap;

use polars::prelude::*;

use super::read::{RawCell, RawSheet, format_number};
use super::values::{excel_serial_date, is_missing, parse_bool, parse_date, parse_number, whole};
use crate::definitions::{Column, ColumnType, LINE_COLUMN, LabelIndex, Table};
use crate::error::{Location, Problem};
use crate::template::column_letter;
use crate::text::{did_you_mean, fold, quoted_list};

/// How many rows at the top of a sheet are searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// A typed value of one cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Float(f64),
    /// Text, or a category's canonical value.
    Text(String),
    /// A date.
    Date(chrono::NaiveDate),
    /// Yes or no.
    Bool(bool),
}

/// A table read from a sheet: the columns found, and for each data row its line and values.
#[derive(Debug, Clone, Default)]
pub struct ParsedTable {
    /// Each data row: its 1-based line in the sheet and a value (or none) per declared column.
    pub rows: Vec<(usize, Vec<Option<Value>>)>,
    /// The raw cells of the extra columns found (`id_manufacture`, `mois`...), per row, in
    /// the header's order.
    pub extra_cells: Vec<Vec<RawCell>>,
}

/// Where problems in a sheet are: a file and a sheet (or a CSV file, which has no sheet).
#[derive(Debug, Clone)]
pub struct SheetPlace {
    /// The file's location.
    pub file: Location,
    /// Whether to name the sheet in messages (not for CSV files).
    pub named: bool,
}

impl SheetPlace {
    fn at(&self, sheet: &RawSheet, row: Option<usize>, column: Option<String>) -> Location {
        Location {
            sheet: self.named.then(|| sheet.name.clone()),
            row,
            column,
            ..self.file.clone()
        }
    }
}

/// « B (nb_personnes) »: the spreadsheet letter and the column's name.
fn column_label(sheet: &RawSheet, index: usize, name: &str, csv: bool) -> String {
    if csv {
        name.to_string()
    } else {
        format!(
            "{} ({name})",
            column_letter(sheet.column_index(index) as u16)
        )
    }
}

/// Where a sheet's header is, and which of its columns hold the declared (and extra) ones.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// The header's 0-based row in the sheet's rows.
    pub index: usize,
    /// The declared columns, in declaration order, with the sheet column each was found in.
    pub columns: Vec<Option<usize>>,
    /// Extra columns found (name, sheet column index), such as `id_manufacture` and `mois`.
    pub extra: Vec<(String, usize)>,
}

/// Reads a table from a sheet. `extra` names columns that are not declared but expected (the
/// `id_manufacture` and `mois` of a CSV file).
pub fn parse_table(
    sheet: &RawSheet,
    table: &Table,
    place: &SheetPlace,
    extra: &[&str],
    problems: &mut Vec<Problem>,
) -> ParsedTable {
    let Some(header) = read_header(sheet, table, place, extra, problems) else {
        return ParsedTable::default();
    };
    let mut parsed = ParsedTable::default();
    let first_data_row = header.index + 1;
    let mut reader = RowReader::new(table, sheet, place, header);
    for (index, row) in sheet.rows.iter().enumerate().skip(first_data_row) {
        if let Some(read) = reader.read(sheet.row_number(index), row, problems) {
            parsed.extra_cells.push(read.extra);
            parsed.rows.push((read.line, read.values));
        }
    }
    reader.check_totals(problems);
    parsed
}

/// Finds and checks a sheet's header among its first rows: `None` when it has errors (no
/// header, a column twice, a required column missing), which are in `problems`.
pub fn read_header(
    sheet: &RawSheet,
    table: &Table,
    place: &SheetPlace,
    extra: &[&str],
    problems: &mut Vec<Problem>,
) -> Option<Header> {
    let csv = !place.named;
    let lookup = table.labels();
    let errors = |problems: &[Problem]| {
        problems
            .iter()
            .filter(|p| p.severity == crate::Severity::Error)
            .count()
    };
    // Problems of other sheets are in the list too: only this sheet's header errors stop it.
    let errors_before = errors(problems);
    let Some(header_index) = find_header(sheet, lookup) else {
        let expected: Vec<&str> = table.column_names().collect();
        problems.push(Problem::error(
            place.at(sheet, None, None),
            format!(
                "aucun en-tête reconnu ; colonnes attendues : {}",
                expected.join(", ")
            ),
        ));
        return None;
    };
    let header_line = sheet.row_number(header_index);
    let mut parsed = Header {
        index: header_index,
        columns: vec![None; table.columns.len()],
        extra: Vec::new(),
    };
    let mut unknown_headers: Vec<String> = Vec::new();
    for (index, cell) in sheet.rows[header_index].iter().enumerate() {
        let own = cell.shown();
        if own.is_empty() {
            continue;
        }
        let header = header_labels(sheet, header_index, index)
            .into_iter()
            .find(|l| lookup.column_of(l).is_some())
            .unwrap_or(own);
        let at = || {
            place.at(
                sheet,
                Some(header_line),
                Some(column_label(sheet, index, &header, csv)),
            )
        };
        if let Some(position) = lookup.column_of(&header) {
            if let Some(first) = parsed.columns[position] {
                problems.push(Problem::error(
                    at(),
                    format!(
                        "la colonne « {} » apparaît deux fois (déjà en {})",
                        table.columns[position].name,
                        column_letter(sheet.column_index(first) as u16)
                    ),
                ));
            } else {
                parsed.columns[position] = Some(index);
            }
        } else if let Some(name) = extra.iter().find(|e| fold(e) == fold(&header)) {
            if parsed.extra.iter().any(|(e, _)| e == name) {
                problems.push(Problem::error(
                    at(),
                    format!("la colonne « {name} » apparaît deux fois"),
                ));
            } else {
                parsed.extra.push((name.to_string(), index));
            }
        } else {
            unknown_headers.push(header.clone());
            let candidates = table.column_names().chain(extra.iter().copied());
            problems.push(Problem::warning(
                at(),
                format!(
                    "colonne « {header} » inconnue, ignorée{}",
                    did_you_mean(&header, candidates)
                ),
            ));
        }
    }
    for (column, found) in table.columns.iter().zip(&parsed.columns) {
        if found.is_none() && column.required {
            let labels = [column.name.as_str(), column.label.as_str()];
            let near = unknown_headers.iter().find(|header| {
                labels
                    .iter()
                    .any(|label| crate::text::closest(header, [*label]).is_some())
            });
            let hint = near
                .map(|header| format!(" ; l'en-tête « {header} » lui ressemble : corrigez-le"))
                .unwrap_or_default();
            problems.push(Problem::error(
                place.at(sheet, Some(header_line), None),
                format!("colonne obligatoire « {} » absente{hint}", column.name),
            ));
        }
    }
    for name in extra {
        if !parsed.extra.iter().any(|(e, _)| e == name) {
            problems.push(Problem::error(
                place.at(sheet, Some(header_line), None),
                format!("colonne obligatoire « {name} » absente"),
            ));
        }
    }
    (errors(problems) == errors_before).then_some(parsed)
}

/// The labels a header cell may mean: its own text, and, under a cell merged across several
/// columns (`Heures` over `disponibles`, `utilisées`), the two read together
/// (`Heures disponibles`). A merged cell keeps its text in its first column: the label above
/// is the nearest non-blank cell to the left in the row above.
fn header_labels(sheet: &RawSheet, row: usize, index: usize) -> Vec<String> {
    let own = sheet.rows[row]
        .get(index)
        .map(RawCell::shown)
        .unwrap_or_default();
    let mut labels = vec![own.clone()];
    if row > 0 && !own.is_empty() {
        let above = &sheet.rows[row - 1];
        let parent = above.iter().take(index + 1).rev().find(|c| !c.is_blank());
        if let Some(parent) = parent {
            labels.push(format!("{} {own}", parent.shown()));
        }
    }
    labels
}

/// The header row: among the first rows, the one naming the most declared columns.
fn find_header(sheet: &RawSheet, lookup: &LabelIndex) -> Option<usize> {
    sheet
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .map(|(i, row)| {
            // A header names its columns in text: numbers and dates below it are data, and
            // formatting them to compare was most of the search (profiled).
            let matches = (0..row.len())
                .filter(|&c| matches!(row[c], RawCell::Text(_)))
                .filter(|&c| {
                    header_labels(sheet, i, c)
                        .iter()
                        .any(|l| lookup.column_of(l).is_some())
                })
                .count();
            (i, matches)
        })
        .filter(|(_, matches)| *matches > 0)
        .max_by_key(|(i, matches)| (*matches, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}

fn is_totals_row(row: &[RawCell]) -> bool {
    row.iter().find(|c| !c.is_blank()).is_some_and(|c| {
        matches!(
            fold(&c.shown()).as_str(),
            "total" | "totaux" | "total_general" | "totaux_du_mois" | "total_du_mois"
        )
    })
}

/// A data row read against its header: its line, a value (or none) per declared column, and
/// the raw cells of the extra columns.
#[derive(Debug, Clone)]
pub struct ReadRow {
    /// The row's 1-based line in the sheet or file.
    pub line: usize,
    /// A value, or none, per declared column.
    pub values: Vec<Option<Value>>,
    /// The raw cells of the header's extra columns, in their order.
    pub extra: Vec<RawCell>,
}

/// Reads a sheet's data rows one at a time against its header, so that a large CSV file is
/// typed as it streams by. Blank rows are skipped; a totals row is kept aside and checked, at
/// the end, against the sum of the rows read.
pub struct RowReader<'a> {
    table: &'a Table,
    lookup: &'a LabelIndex,
    /// The sheet, for its name and first column in messages (its first rows for a CSV file).
    sheet: &'a RawSheet,
    place: &'a SheetPlace,
    header: Header,
    /// Per declared column, the sum of the numbers read.
    sums: Vec<f64>,
    /// The totals rows met, with their lines.
    totals: Vec<(usize, Vec<RawCell>)>,
}

impl<'a> RowReader<'a> {
    /// A reader of the rows below `header`.
    pub fn new(
        table: &'a Table,
        sheet: &'a RawSheet,
        place: &'a SheetPlace,
        header: Header,
    ) -> Self {
        RowReader {
            table,
            lookup: table.labels(),
            sheet,
            place,
            header,
            sums: vec![0.0; table.columns.len()],
            totals: Vec::new(),
        }
    }

    /// The header the rows are read against.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Reads the row at `line`: `None` for a blank row or a totals row. Every cell error is
    /// in `problems`, and the row is still returned (with no value in that cell).
    pub fn read(
        &mut self,
        line: usize,
        row: &[RawCell],
        problems: &mut Vec<Problem>,
    ) -> Option<ReadRow> {
        if row.iter().all(RawCell::is_blank) {
            return None;
        }
        if is_totals_row(row) {
            self.totals.push((line, row.to_vec()));
            return None;
        }
        let csv = !self.place.named;
        let table = self.table;
        let mut values = Vec::with_capacity(table.columns.len());
        for (position, (column, found)) in
            table.columns.iter().zip(&self.header.columns).enumerate()
        {
            let cell = found.and_then(|i| row.get(i)).unwrap_or(&RawCell::Empty);
            let at = || {
                let label = column_label(
                    self.sheet,
                    found.unwrap_or(0),
                    &column.name,
                    csv || found.is_none(),
                );
                self.place.at(self.sheet, Some(line), Some(label))
            };
            if let RawCell::Error(e) = cell
                && means_missing(e)
                && !column.required
            {
                problems.push(Problem::warning(
                    at(),
                    format!("la formule donne {e} : valeur manquante (ni zéro, ni comptée)"),
                ));
            }
            match typed_value_in(cell, column, self.lookup.categories[position].as_ref()) {
                Ok(value) => {
                    if let Some(Value::Int(_) | Value::Float(_)) = &value {
                        self.sums[position] += value.as_ref().map_or(0.0, as_f64);
                    }
                    values.push(value);
                }
                Err(message) => {
                    problems.push(Problem::error(at(), message));
                    values.push(None);
                }
            }
        }
        let extra = self
            .header
            .extra
            .iter()
            .map(|(_, i)| row.get(*i).cloned().unwrap_or(RawCell::Empty))
            .collect();
        Some(ReadRow {
            line,
            values,
            extra,
        })
    }

    /// Checks each totals row met against the sum of the rows read.
    pub fn check_totals(&self, problems: &mut Vec<Problem>) {
        for (line, row) in &self.totals {
            self.check_total(*line, row, problems);
        }
    }

    fn check_total(&self, line: usize, row: &[RawCell], problems: &mut Vec<Problem>) {
        let columns = self.table.columns.iter().zip(&self.header.columns);
        for ((column, found), sum) in columns.zip(&self.sums) {
            let Some(index) = found else { continue };
            if !column.kind.is_numeric() {
                continue;
            }
            let cell = row.get(*index).unwrap_or(&RawCell::Empty);
            let optional = Column {
                required: false,
                ..column.clone()
            };
            let Ok(Some(total)) = typed_value(cell, &optional) else {
                continue;
            };
            let total = as_f64(&total);
            if (total - sum).abs() > 0.005 + 1e-9 * sum.abs() {
                let label = column_label(self.sheet, *index, &column.name, !self.place.named);
                problems.push(Problem::error(
                    self.place.at(self.sheet, Some(line), Some(label)),
                    format!(
                        "la ligne Total indique {} mais la somme des lignes fait {}",
                        format_number(total),
                        format_number(*sum)
                    ),
                ));
            }
        }
    }
}

/// A cell's value for its column, `None` when missing; the error says what is wrong.
pub fn typed_value(cell: &RawCell, column: &Column) -> Result<Option<Value>, String> {
    typed_value_in(cell, column, None)
}

/// Whether a formula's error means "no value" rather than a broken formula: a division by
/// zero (a rate over an empty month), or `#N/A` (not available).
pub fn means_missing(error: &str) -> bool {
    matches!(error, "#DIV/0!" | "#N/A")
}

/// What usually makes a formula give this error, for the message.
fn formula_error_cause(error: &str) -> &'static str {
    match error {
        "#REF!" => " (elle renvoie à une cellule ou une feuille supprimée)",
        "#NAME?" => " (nom de fonction ou de plage inconnu)",
        "#VALUE!" => " (un calcul porte sur du texte)",
        "#NUM!" => " (nombre impossible à calculer)",
        "#NULL!" => " (plages sans cellule commune)",
        _ => "",
    }
}

/// [`typed_value`] with the column's category values already folded.
fn typed_value_in(
    cell: &RawCell,
    column: &Column,
    categories: Option<&HashMap<String, String>>,
) -> Result<Option<Value>, String> {
    match cell {
        RawCell::Error(e) if !means_missing(e) => {
            return Err(format!(
                "la formule donne {e}{} : corrigez-la",
                formula_error_cause(e)
            ));
        }
        RawCell::Uncomputed(formula) => {
            return Err(format!(
                "formule sans valeur calculée ({formula}) : ouvrez le classeur dans un tableur, puis enregistrez-le pour que la valeur y soit"
            ));
        }
        _ => {}
    }
    let missing = match cell {
        RawCell::Empty | RawCell::Error(_) => true,
        RawCell::Text(t) => is_missing(t),
        _ => false,
    };
    if missing {
        return if column.required {
            Err(match cell {
                RawCell::Error(e) => format!(
                    "la formule donne {e} : valeur obligatoire manquante ; {}",
                    expected(column)
                ),
                _ => format!("valeur obligatoire manquante : {}", expected(column)),
            })
        } else {
            Ok(None)
        };
    }
    // A number is written out only for a message: formatting every cell was a tenth of a dry
    // run (profiled).
    let number = match (column.kind, cell) {
        (ColumnType::Integer, RawCell::Number(n)) => match whole(*n, "") {
            Ok(n) => Some(Value::Int(n)),
            Err(_) => return Err(whole(*n, &cell.shown()).expect_err("not whole").to_string()),
        },
        (ColumnType::Decimal, RawCell::Number(n)) => Some(Value::Float(*n)),
        _ => None,
    };
    if let Some(value) = number {
        check_bounds(&value, column, || cell.shown())?;
        return Ok(Some(value));
    }
    let shown = cell.shown();
    let value = match (column.kind, cell) {
        (ColumnType::Integer, RawCell::Number(n)) => {
            Value::Int(whole(*n, &shown).map_err(|e| e.to_string())?)
        }
        (ColumnType::Integer, RawCell::Text(t)) => {
            let n =
                parse_number(t).map_err(|_| format!("« {shown} » n'est pas un nombre entier"))?;
            Value::Int(whole(n, t).map_err(|e| e.to_string())?)
        }
        (ColumnType::Decimal, RawCell::Number(n)) => Value::Float(*n),
        (ColumnType::Decimal, RawCell::Text(t)) => {
            Value::Float(parse_number(t).map_err(|e| e.to_string())?)
        }
        (ColumnType::Text, _) => Value::Text(shown.clone()),
        (ColumnType::Category, RawCell::Text(_) | RawCell::Number(_)) => match categories
            .map(|c| {
                // The value as declared (a template's list) needs no folding.
                c.get(shown.as_str())
                    .or_else(|| c.get(&fold(&shown)))
                    .map(String::as_str)
            })
            .unwrap_or_else(|| column.category_value(&shown))
        {
            Some(value) => Value::Text(value.to_string()),
            None => {
                let values: Vec<&str> = column.values.iter().map(|v| v.value.as_str()).collect();
                return Err(format!(
                    "« {shown} » n'est pas une valeur permise{} ; valeurs possibles : {}",
                    did_you_mean(&shown, values.iter().copied()),
                    quoted_list(values.iter().copied())
                ));
            }
        },
        (ColumnType::Date, RawCell::Date(d)) => Value::Date(*d),
        (ColumnType::Date, RawCell::Number(n)) => Value::Date(
            excel_serial_date(*n).ok_or_else(|| format!("« {shown} » n'est pas une date"))?,
        ),
        (ColumnType::Date, RawCell::Text(t)) => {
            Value::Date(parse_date(t).map_err(|e| e.to_string())?)
        }
        (ColumnType::Boolean, RawCell::Bool(b)) => Value::Bool(*b),
        (ColumnType::Boolean, RawCell::Text(_) | RawCell::Number(_)) => Value::Bool(
            parse_bool(&shown).ok_or_else(|| format!("« {shown} » n'est ni oui ni non"))?,
        ),
        (_, _) => return Err(format!("« {shown} » : {} attendu", expected(column))),
    };
    check_bounds(&value, column, || shown.clone())?;
    Ok(Some(value))
}

fn expected(column: &Column) -> String {
    let mut text = column.kind.french().to_string();
    if let Some(unit) = &column.unit {
        text.push_str(&format!(" en {unit}"));
    }
    text
}

/// Checks a number against its column's bounds; `shown` writes it, for the message only.
fn check_bounds(value: &Value, column: &Column, shown: impl Fn() -> String) -> Result<(), String> {
    let number = match value {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => return Ok(()),
    };
    if let Some(min) = column.min.filter(|min| number < *min) {
        let hint = if min == 0.0 {
            " : une valeur négative n'est pas permise"
        } else {
            ""
        };
        return Err(format!(
            "{} est inférieur au minimum {}{hint}",
            shown(),
            format_number(min)
        ));
    }
    if let Some(max) = column.max.filter(|max| number > *max) {
        return Err(format!(
            "{} dépasse le maximum {}",
            shown(),
            format_number(max)
        ));
    }
    Ok(())
}

fn as_f64(value: &Value) -> f64 {
    match value {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

/// The rows as a polars frame: `ligne`, then each declared column with its declared type.
pub fn to_frame(table: &Table, rows: &[(usize, Vec<Option<Value>>)]) -> PolarsResult<DataFrame> {
    let mut builder = FrameBuilder::new(table);
    for (line, values) in rows {
        builder.push(*line, values);
    }
    builder.finish()
}

/// A table's frame built row by row into typed columns (a few bytes a cell), rather than
/// kept as rows of values first: a national CSV file holds millions of rows.
pub struct FrameBuilder {
    lines: PrimitiveChunkedBuilder<Int64Type>,
    columns: Vec<ColumnBuilder>,
}

/// One column being built, by its declared type.
enum ColumnBuilder {
    Integer(PrimitiveChunkedBuilder<Int64Type>),
    Decimal(PrimitiveChunkedBuilder<Float64Type>),
    Text(StringChunkedBuilder),
    Boolean(BooleanChunkedBuilder),
    /// Days since 1970-01-01, cast to a date at the end.
    Date(PrimitiveChunkedBuilder<Int32Type>),
}

/// Rows a builder makes room for at first: most tables of a month have a few rows.
const FIRST_CAPACITY: usize = 16;

impl FrameBuilder {
    /// An empty frame of `table`'s columns.
    pub fn new(table: &Table) -> Self {
        let columns = table
            .columns
            .iter()
            .map(|column| {
                let name: PlSmallStr = column.name.as_str().into();
                match column.kind {
                    ColumnType::Integer => {
                        ColumnBuilder::Integer(PrimitiveChunkedBuilder::new(name, FIRST_CAPACITY))
                    }
                    ColumnType::Decimal => {
                        ColumnBuilder::Decimal(PrimitiveChunkedBuilder::new(name, FIRST_CAPACITY))
                    }
                    ColumnType::Text | ColumnType::Category => {
                        ColumnBuilder::Text(StringChunkedBuilder::new(name, FIRST_CAPACITY))
                    }
                    ColumnType::Boolean => {
                        ColumnBuilder::Boolean(BooleanChunkedBuilder::new(name, FIRST_CAPACITY))
                    }
                    ColumnType::Date => {
                        ColumnBuilder::Date(PrimitiveChunkedBuilder::new(name, FIRST_CAPACITY))
                    }
                }
            })
            .collect();
        FrameBuilder {
            lines: PrimitiveChunkedBuilder::new(LINE_COLUMN.into(), FIRST_CAPACITY),
            columns,
        }
    }

    /// Appends a row: its line and a value (or none) per declared column, as read.
    pub fn push(&mut self, line: usize, values: &[Option<Value>]) {
        self.lines.append_value(line as i64);
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
        for (builder, value) in self.columns.iter_mut().zip(values) {
            match builder {
                ColumnBuilder::Integer(b) => b.append_option(match value {
                    Some(Value::Int(i)) => Some(*i),
                    Some(Value::Float(f)) => Some(*f as i64),
                    _ => None,
                }),
                ColumnBuilder::Decimal(b) => {
                    b.append_option(value.as_ref().and_then(|v| match v {
                        Value::Int(_) | Value::Float(_) => Some(as_f64(v)),
                        _ => None,
                    }));
                }
                ColumnBuilder::Text(b) => b.append_option(match value {
                    Some(Value::Text(t)) => Some(t.as_str()),
                    _ => None,
                }),
                ColumnBuilder::Boolean(b) => b.append_option(match value {
                    Some(Value::Bool(v)) => Some(*v),
                    _ => None,
                }),
                ColumnBuilder::Date(b) => b.append_option(match value {
                    Some(Value::Date(d)) => Some((*d - epoch).num_days() as i32),
                    _ => None,
                }),
            }
        }
    }

    /// The frame: `ligne`, then the declared columns.
    pub fn finish(self) -> PolarsResult<DataFrame> {
        let mut columns: Vec<Column_> = vec![self.lines.finish().into_series().into()];
        for builder in self.columns {
            let series = match builder {
                ColumnBuilder::Integer(b) => b.finish().into_series(),
                ColumnBuilder::Decimal(b) => b.finish().into_series(),
                ColumnBuilder::Text(b) => b.finish().into_series(),
                ColumnBuilder::Boolean(b) => b.finish().into_series(),
                ColumnBuilder::Date(b) => b.finish().into_series().cast(&DataType::Date)?,
            };
            columns.push(series.into());
        }
        DataFrame::new_infer_height(columns)
    }
}

type Column_ = polars::prelude::Column;

/// The rows that break each of the table's rules, as problems.
pub fn check_rules(
    table: &Table,
    frame: &DataFrame,
    sheet: &RawSheet,
    place: &SheetPlace,
    problems: &mut Vec<Problem>,
) -> PolarsResult<()> {
    if std::env::var_os("XNORULES").is_some() || table.rules.is_empty() || frame.height() == 0 {
        return Ok(());
    }
    // Every rule in one pass, unoptimized: a workbook's sheet has a few rows, and planning a
    // query per rule per file was a large part of a dry run (profiled).
    let flags: Vec<Expr> = table
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            rule.condition
                .expr
                .clone()
                .not()
                .fill_null(lit(false))
                .alias(format!("__regle{i}"))
        })
        .collect();
    let broken = frame
        .clone()
        .lazy()
        .without_optimizations()
        .select(flags)
        .collect()?;
    let lines = frame.column(LINE_COLUMN)?.i64()?;
    for (i, rule) in table.rules.iter().enumerate() {
        let flags = broken.column(&format!("__regle{i}"))?.bool()?;
        for row in (0..frame.height()).filter(|&row| flags.get(row) == Some(true)) {
            let values: Vec<String> = rule
                .condition
                .columns
                .iter()
                .filter_map(|c| {
                    let value = frame.column(c).ok()?.get(row).ok()?;
                    Some(format!("{c} = {}", any_value_text(&value)))
                })
                .collect();
            problems.push(Problem::error(
                place.at(
                    sheet,
                    lines.get(row).map(|l| l as usize),
                    Some(rule.condition.columns.join(", ")),
                ),
                format!("{} ({})", rule.message, values.join(", ")),
            ));
        }
    }
    Ok(())
}

fn any_value_text(value: &AnyValue) -> String {
    match value {
        AnyValue::Float64(f) => format_number(*f),
        AnyValue::Int64(i) => i.to_string(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::Null => "vide".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::CategoryValue;

    fn column(name: &str, kind: ColumnType, required: bool) -> Column {
        Column {
            name: name.into(),
            label: name.into(),
            description: None,
            kind,
            unit: None,
            required,
            min: Some(0.0).filter(|_| kind.is_numeric()),
            max: None,
            synonyms: vec![],
            values: if kind == ColumnType::Category {
                vec![CategoryValue {
                    value: "salarié".into(),
                    synonyms: vec!["salariés".into()],
                }]
            } else {
                vec![]
            },
        }
    }

    fn publics() -> Table {
        Table {
            id: "publics".into(),
            sheet: "Publics".into(),
            synonyms: vec![],
            description: None,
            columns: vec![
                column("categorie", ColumnType::Category, true),
                column("nb_personnes", ColumnType::Integer, true),
                column("dont_femmes", ColumnType::Integer, false),
            ],
            rules: vec![],
            warn_if_empty: false,
            labels: Default::default(),
        }
    }

    fn t(s: &str) -> RawCell {
        RawCell::Text(s.into())
    }

    fn n(v: f64) -> RawCell {
        RawCell::Number(v)
    }

    fn parse(rows: Vec<Vec<RawCell>>) -> (ParsedTable, Vec<String>) {
        let sheet = RawSheet {
            name: "Publics".into(),
            first_row: 0,
            first_col: 0,
            rows,
        };
        let place = SheetPlace {
            file: Location::file("m.xlsx"),
            named: true,
        };
        let mut problems = Vec::new();
        let parsed = parse_table(&sheet, &publics(), &place, &[], &mut problems);
        (parsed, problems.iter().map(|p| p.within_file()).collect())
    }

    #[test]
    fn a_totals_row_is_checked_not_read() {
        let (parsed, problems) = parse(vec![
            vec![t("Catégorie"), t("Nb personnes")],
            vec![t("salarié"), n(12.0)],
            vec![t("Salariés"), n(3.0)],
            vec![t("TOTAL"), n(16.0)],
        ]);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(
            problems,
            [
                "feuille Publics, ligne 4, colonne B (nb_personnes) : la ligne Total indique 16 mais la somme des lignes fait 15"
            ]
        );
        let (_, problems) = parse(vec![
            vec![t("categorie"), t("nb_personnes")],
            vec![t("salarié"), n(12.0)],
            vec![t("Total"), n(12.0)],
        ]);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn every_bad_cell_is_reported_not_only_the_first() {
        let (_, problems) = parse(vec![
            vec![
                t("categorie"),
                t("nb_personnes"),
                t("dont_femmes"),
                t("remarque"),
            ],
            vec![t("salariée"), n(2.5), t("-")],
            vec![RawCell::Empty, n(-1.0), t("deux")],
        ]);
        assert_eq!(
            problems,
            [
                "feuille Publics, ligne 1, colonne D (remarque) : avertissement : colonne « remarque » inconnue, ignorée",
                "feuille Publics, ligne 2, colonne A (categorie) : « salariée » n'est pas une valeur permise ; vouliez-vous dire « salarié » ? ; valeurs possibles : « salarié »",
                "feuille Publics, ligne 2, colonne B (nb_personnes) : « 2,5 » n'est pas un nombre entier",
                "feuille Publics, ligne 3, colonne A (categorie) : valeur obligatoire manquante : valeur de liste",
                "feuille Publics, ligne 3, colonne B (nb_personnes) : -1 est inférieur au minimum 0 : une valeur négative n'est pas permise",
                "feuille Publics, ligne 3, colonne C (dont_femmes) : « deux » n'est pas un nombre entier",
            ]
        );
    }

    #[test]
    fn a_sheet_starting_lower_keeps_its_real_row_numbers() {
        let sheet = RawSheet {
            name: "Publics".into(),
            first_row: 4,
            first_col: 1,
            rows: vec![
                vec![t("categorie"), t("nb_personnes")],
                vec![t("salarié"), t("douze")],
            ],
        };
        let place = SheetPlace {
            file: Location::file("m.xlsx"),
            named: true,
        };
        let mut problems = Vec::new();
        parse_table(&sheet, &publics(), &place, &[], &mut problems);
        assert_eq!(
            problems[0].within_file(),
            "feuille Publics, ligne 6, colonne C (nb_personnes) : « douze » n'est pas un nombre entier"
        );
    }

    #[test]
    fn a_column_twice_and_a_missing_required_column() {
        let (_, problems) = parse(vec![vec![t("categorie"), t("Catégorie")]]);
        assert_eq!(
            problems,
            [
                "feuille Publics, ligne 1, colonne B (Catégorie) : la colonne « categorie » apparaît deux fois (déjà en A)",
                "feuille Publics, ligne 1 : colonne obligatoire « nb_personnes » absente",
            ]
        );
    }
}
