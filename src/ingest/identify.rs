//! Whose data a file holds and for which month: the `Identification` sheet of a workbook, or
//! the `id_manufacture` and `mois` columns of a CSV file, checked against the registry.

use super::read::{RawCell, RawSheet};
use super::values::{excel_serial_date, parse_month};
use crate::month::Month;
use crate::registry::{ManufactureId, Registry};
use crate::text::{did_you_mean, fold};

/// Labels accepted for the manufacture's id in the identification sheet.
const ID_LABELS: [&str; 4] = ["id_manufacture", "manufacture", "identifiant", "id"];
/// Labels accepted for the month.
const MONTH_LABELS: [&str; 3] = ["mois", "periode", "mois_declare"];

/// The id and month read from an identification sheet, with the 1-based line of each.
#[derive(Debug, Clone, PartialEq)]
pub struct Identified {
    /// The manufacture's id and its line, if found.
    pub manufacture: Option<(String, usize)>,
    /// The month's cell and its line, if found.
    pub month: Option<(RawCell, usize)>,
}

/// Finds the `id_manufacture` and `mois` label/value pairs of an identification sheet.
pub fn read_identification(sheet: &RawSheet) -> Identified {
    let mut found = Identified {
        manufacture: None,
        month: None,
    };
    for (index, row) in sheet.rows.iter().enumerate() {
        let mut cells = row.iter().filter(|c| !c.is_blank());
        let (Some(label), value) = (cells.next(), cells.next()) else {
            continue;
        };
        let label = fold(&label.shown());
        let value = value.cloned().unwrap_or(RawCell::Empty);
        let line = sheet.row_number(index);
        if found.manufacture.is_none() && ID_LABELS.contains(&label.as_str()) {
            found.manufacture = Some((value.shown(), line));
        } else if found.month.is_none() && MONTH_LABELS.contains(&label.as_str()) {
            found.month = Some((value, line));
        }
    }
    found
}

/// The month a cell means: a text such as `2025-03` or `mars 2025`, or a date (spreadsheet
/// programs turn a typed `2025-03` into the date 01/03/2025), which means its month.
pub fn month_of_cell(cell: &RawCell) -> Option<Month> {
    match cell {
        RawCell::Text(text) => parse_month(text),
        RawCell::Date(date) => Some(Month::of_date(*date)),
        RawCell::Number(number) if MONTH_AS_NUMBER.contains(number) => {
            month_typed_as_number(*number)
        }
        RawCell::Number(serial) => excel_serial_date(*serial).map(Month::of_date),
        _ => None,
    }
}

/// The numbers read as `AAAAMM` rather than as date serials.
const MONTH_AS_NUMBER: std::ops::RangeInclusive<f64> = 100_001.0..=999_912.0;

/// A month typed without its dash, `202502`, that a spreadsheet keeps as a number. As an Excel
/// date it would fall in the year 2454: no date serial of this century is that large.
fn month_typed_as_number(number: f64) -> Option<Month> {
    if number.fract() != 0.0 {
        return None;
    }
    let number = number as u32;
    format!("{}-{:02}", number / 100, number % 100).parse().ok()
}

/// What is wrong with a manufacture and month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodError {
    /// The manufacture is not in the registry.
    UnknownManufacture(String),
    /// The month is outside its open months, or in the future.
    Month(String),
}

impl PeriodError {
    /// The French message.
    pub fn message(&self) -> &str {
        match self {
            PeriodError::UnknownManufacture(m) | PeriodError::Month(m) => m,
        }
    }
}

/// Checks that a manufacture exists and was expected to report that month; gives its id as
/// the registry writes it.
pub fn check_period(
    id: &str,
    month: Month,
    registry: &Registry,
    today: Month,
) -> Result<ManufactureId, PeriodError> {
    check_period_text(id, month, registry, today).map_err(|(unknown, message)| {
        if unknown {
            PeriodError::UnknownManufacture(message)
        } else {
            PeriodError::Month(message)
        }
    })
}

fn check_period_text(
    id: &str,
    month: Month,
    registry: &Registry,
    today: Month,
) -> Result<ManufactureId, (bool, String)> {
    let month_error = |message: String| Err((false, message));
    let Some(manufacture) = registry.get(id) else {
        return Err((
            true,
            format!(
                "manufacture « {id} » inconnue du registre{}",
                did_you_mean(id, registry.ids())
            ),
        ));
    };
    if month < manufacture.opened {
        return month_error(format!(
            "le mois {month} précède l'ouverture de {id} ({})",
            manufacture.opened
        ));
    }
    if let Some(closing) = manufacture.closed.filter(|closing| month > *closing) {
        return month_error(format!(
            "le mois {month} suit la fermeture de {id} ({closing})"
        ));
    }
    if month > today {
        return month_error(format!("le mois {month} est dans le futur"));
    }
    Ok(manufacture.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_typed_as_a_number_is_that_month_not_a_date_in_2454() {
        assert_eq!(
            month_of_cell(&RawCell::Number(202502.0)),
            Some("2025-02".parse().unwrap())
        );
        assert_eq!(month_of_cell(&RawCell::Number(202513.0)), None);
        // A real date serial still reads as its month: 45717 is 1 March 2025.
        assert_eq!(
            month_of_cell(&RawCell::Number(45717.0)),
            Some("2025-03".parse().unwrap())
        );
    }
    use chrono::NaiveDate;

    fn text(s: &str) -> RawCell {
        RawCell::Text(s.into())
    }

    #[test]
    fn reads_label_value_pairs_anywhere() {
        let sheet = RawSheet {
            name: "Identification".into(),
            first_row: 2,
            first_col: 0,
            rows: vec![
                vec![text("Manufacture"), RawCell::Empty, text("mp001")],
                vec![
                    text("Mois"),
                    RawCell::Date(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()),
                ],
            ],
        };
        let found = read_identification(&sheet);
        assert_eq!(found.manufacture, Some(("mp001".into(), 3)));
        let (cell, line) = found.month.unwrap();
        assert_eq!(line, 4);
        assert_eq!(month_of_cell(&cell), Month::new(2025, 3));
    }

    #[test]
    fn months_from_cells() {
        assert_eq!(month_of_cell(&text("2025-03")), Month::new(2025, 3));
        assert_eq!(
            month_of_cell(&RawCell::Number(45717.0)),
            Month::new(2025, 3)
        );
        assert_eq!(month_of_cell(&text("bientôt")), None);
    }
}
