//! Each data row of a sheet read under its header: blank rows skipped, a totals row checked
//! against the sum of the rows above it.

use super::cells::{as_f64, means_missing, typed_value, typed_value_in};
use super::column_label;
use super::header::Header;
use super::{SheetPlace, Value};
use crate::definitions::{Column, LabelIndex, Table};
use crate::error::Problem;
use crate::ingest::read::{RawCell, RawSheet, format_number};
use crate::text::{fold, may_fold_to_start_with};

pub(super) fn is_totals_row(row: &[RawCell]) -> bool {
    row.iter().find(|c| !c.is_blank()).is_some_and(|c| match c {
        // Only a text starting with a T (any accent or case aside) can be one of the labels:
        // the others are rejected without folding, which every data row would pay.
        RawCell::Text(text) => {
            may_fold_to_start_with(text, &['t'])
                && matches!(
                    fold(text).as_str(),
                    "total" | "totaux" | "total_general" | "totaux_du_mois" | "total_du_mois"
                )
        }
        _ => false,
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
