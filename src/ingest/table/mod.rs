//! From a raw sheet to a typed table: the header found and matched to the declared columns
//! (case, accents, spaces and synonyms forgiven), every cell checked against its column's type,
//! bounds and allowed values, blank rows skipped, a totals row checked against the sum, and the
//! table's cross-column rules applied. Every problem names its sheet, row and column.
//!
//! One file per step: `header` (finding and matching the header), `rows` (each data row read,
//! blank and totals rows), `cells` (a cell typed and bounded), `frame` (typed rows into a
//! polars frame), `rules` (cross-column rules over the frame).

mod cells;
mod frame;
mod header;
mod rows;
mod rules;

pub use frame::FrameBuilder;
pub use header::{HEADER_SEARCH_ROWS, Header, read_header};
pub use rows::{ReadRow, RowReader};
pub use rules::{broken_rules, check_rules};

use super::read::{RawCell, RawSheet};
use crate::definitions::Table;
use crate::error::{Location, Problem};
use crate::template::column_letter;

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
    /// Where a problem of `sheet` is: its row and column, when known.
    pub fn at(&self, sheet: &RawSheet, row: Option<usize>, column: Option<String>) -> Location {
        Location {
            sheet: self.named.then(|| sheet.name.clone()),
            row,
            column,
            ..self.file.clone()
        }
    }
}

/// « B (nb_personnes) »: the spreadsheet letter and the column's name.
pub(super) fn column_label(sheet: &RawSheet, index: usize, name: &str, csv: bool) -> String {
    if csv {
        name.to_string()
    } else {
        format!(
            "{} ({name})",
            column_letter(sheet.column_index(index) as u16)
        )
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::{CategoryValue, Column, ColumnType};

    fn column(name: &str, kind: ColumnType, required: bool) -> Column {
        let mut column = Column::for_tests(name, kind, required, &[]);
        column.min = Some(0.0).filter(|_| kind.is_numeric());
        if kind == ColumnType::Category {
            column.values = vec![CategoryValue {
                value: "salarié".into(),
                synonyms: vec!["salariés".into()],
            }];
        }
        column
    }

    fn publics() -> Table {
        Table::for_tests(
            "publics",
            vec![
                column("categorie", ColumnType::Category, true),
                column("nb_personnes", ColumnType::Integer, true),
                column("dont_femmes", ColumnType::Integer, false),
            ],
        )
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
