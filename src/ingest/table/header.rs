//! The header of a sheet: found in its first rows, each label matched to a declared column
//! (case, accents, spaces and synonyms forgiven), missing and unknown columns told.

use super::SheetPlace;
use super::column_label;
use crate::definitions::{LabelIndex, Table};
use crate::error::Problem;
use crate::ingest::read::{RawCell, RawSheet};
use crate::template::column_letter;
use crate::text::{did_you_mean, fold};

/// How many rows at the top of a sheet are searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 10;

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
    let folded = FoldedTop::new(sheet);
    let Some(header_index) = header_row(&folded, lookup) else {
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
        let named = folded.column_named(header_index, index, lookup);
        let header = match named {
            Some((_, Label::UnderAbove)) => header_labels(sheet, header_index, index).remove(1),
            _ => own,
        };
        let at = || {
            place.at(
                sheet,
                Some(header_line),
                Some(column_label(sheet, index, &header, csv)),
            )
        };
        if let Some((position, _)) = named {
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
pub(super) fn header_labels(sheet: &RawSheet, row: usize, index: usize) -> Vec<String> {
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
fn header_row(folded: &FoldedTop, lookup: &LabelIndex) -> Option<usize> {
    columns_named(folded, lookup)
        .into_iter()
        .enumerate()
        .filter(|(_, matches)| *matches > 0)
        .max_by_key(|(i, matches)| (*matches, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}

/// For each of the first rows, how many of its cells name a declared column.
fn columns_named(folded: &FoldedTop, lookup: &LabelIndex) -> Vec<usize> {
    folded
        .sheet
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .map(|(i, row)| {
            // A header names its columns in text: numbers and dates below it are data, and
            // formatting them to compare was most of the search (profiled).
            (0..row.len())
                .filter(|&c| matches!(row[c], RawCell::Text(_)))
                .filter(|&c| folded.column_named(i, c, lookup).is_some())
                .count()
        })
        .collect()
}

/// The cells of a sheet's first rows, each folded once, when first needed: the search looks
/// at a cell as a label and as the label above its neighbours (profiled: folding the same
/// cells again and again was most of the search).
struct FoldedTop<'a> {
    sheet: &'a RawSheet,
    cells: Vec<Vec<std::cell::OnceCell<String>>>,
}

impl<'a> FoldedTop<'a> {
    fn new(sheet: &'a RawSheet) -> Self {
        let cells = sheet
            .rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .map(|row| row.iter().map(|_| std::cell::OnceCell::new()).collect())
            .collect();
        FoldedTop { sheet, cells }
    }

    fn folded(&self, row: usize, index: usize) -> &str {
        self.cells[row][index].get_or_init(|| match &self.sheet.rows[row][index] {
            // Folding drops the spaces around, as `shown` does, without a copy first.
            RawCell::Text(text) => fold(text),
            cell => fold(&cell.shown()),
        })
    }

    /// The declared column a cell names, read as [`header_labels`] reads it: alone, or under
    /// the label above it.
    fn column_named(
        &self,
        row: usize,
        index: usize,
        lookup: &LabelIndex,
    ) -> Option<(usize, Label)> {
        let own = self.folded(row, index);
        if let Some(position) = lookup.column_of_folded(own) {
            return Some((position, Label::Own));
        }
        if row == 0 || self.sheet.rows[row][index].is_blank() {
            return None;
        }
        let above = &self.sheet.rows[row - 1];
        let parent = (0..above.len().min(index + 1))
            .rev()
            .find(|&c| !above[c].is_blank())?;
        // Folding « parent own » joins the two folded labels with one separator; the two are
        // joined only when the label above starts a declared label (the usual cell above a
        // header is a title or data, which starts none).
        let parent = self.folded(row - 1, parent);
        let position = match (parent.is_empty(), own.is_empty()) {
            (true, _) => None, // `own` alone, looked up above
            (false, true) => lookup.column_of_folded(parent),
            (false, false) if lookup.starts_a_label(parent) => {
                lookup.column_of_folded(&format!("{parent}_{own}"))
            }
            (false, false) => None,
        }?;
        Some((position, Label::UnderAbove))
    }
}

/// Which reading of a header cell names its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    /// The cell's own text.
    Own,
    /// The cell's text under the label above it (a merged cell).
    UnderAbove,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::{Column, ColumnType};

    /// The count as it was, each label folded whole: what [`FoldedTop`] must agree with.
    fn columns_named_folding_whole_labels(sheet: &RawSheet, lookup: &LabelIndex) -> Vec<usize> {
        sheet
            .rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .enumerate()
            .map(|(i, row)| {
                (0..row.len())
                    .filter(|&c| matches!(row[c], RawCell::Text(_)))
                    .filter(|&c| {
                        header_labels(sheet, i, c)
                            .iter()
                            .any(|l| lookup.column_of(l).is_some())
                    })
                    .count()
            })
            .collect()
    }

    #[test]
    fn labels_folded_once_find_the_same_header_as_labels_folded_whole() {
        let mut heures = Column::for_tests("heures_disponibles", ColumnType::Decimal, true, &[]);
        heures.label = "Heures disponibles".into();
        let mut externes = Column::for_tests("heures_externes", ColumnType::Decimal, false, &[]);
        externes.synonyms = vec!["12 – heures externes".into()];
        let table = Table::for_tests(
            "equipements",
            vec![
                Column::for_tests("equipement", ColumnType::Text, true, &[]),
                heures,
                externes,
            ],
        );
        let t = |s: &str| RawCell::Text(s.into());
        let sheets = [
            // A merged « Heures » over its columns, punctuation and accents around it.
            vec![
                vec![t("Suivi"), RawCell::Empty, t("  Heures… ")],
                vec![t("Équipement"), t("x"), t("(disponibles)")],
                vec![t("laser"), t("y"), RawCell::Number(12.0)],
            ],
            // A number above a label: « 12 » and « – heures externes » read together.
            vec![
                vec![t("note"), RawCell::Number(12.0)],
                vec![t("equipement"), t("– heures externes")],
            ],
            // Labels that fold to nothing, alone or above.
            vec![
                vec![t("-"), t(" / ")],
                vec![t("…"), t("heures disponibles"), t("?")],
                vec![t("EQUIPEMENT"), t("Heures_disponibles")],
            ],
            vec![vec![t("rien"), t("à voir")], vec![RawCell::Empty, t("ici")]],
        ];
        for rows in sheets {
            let sheet = RawSheet {
                name: "Equipements".into(),
                first_row: 0,
                first_col: 0,
                rows,
            };
            assert_eq!(
                columns_named(&FoldedTop::new(&sheet), table.labels()),
                columns_named_folding_whole_labels(&sheet, table.labels()),
                "{sheet:?}"
            );
        }
        let merged = RawSheet {
            name: "Equipements".into(),
            first_row: 0,
            first_col: 0,
            rows: vec![
                vec![t("Suivi"), RawCell::Empty, t("  Heures… ")],
                vec![t("Équipement"), t("x"), t("(disponibles)")],
            ],
        };
        assert_eq!(
            columns_named(&FoldedTop::new(&merged), table.labels()),
            [0, 2]
        );
        assert_eq!(
            header_row(&FoldedTop::new(&merged), table.labels()),
            Some(1)
        );
    }
}
