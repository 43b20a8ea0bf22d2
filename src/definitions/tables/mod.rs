//! Data sheets: the tables a manager fills in, declared in `indicators/tables/*.toml`.
//!
//! A table declares its sheet name and synonyms, its columns (type, unit, required or optional,
//! bounds, allowed values of a category with their synonyms) and its cross-column rules. The
//! template, the readers and the validation are all derived from these declarations.
//!
//! This module holds the model; [`check`] reads a table file into it, checking each field.

mod check;

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::expr::CheckedExpr;
use crate::text::fold;

pub(crate) use check::{is_identifier, load_table};

/// The type of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Free text.
    Text,
    /// A whole number.
    Integer,
    /// A decimal number.
    Decimal,
    /// A calendar date.
    Date,
    /// Oui or non.
    Boolean,
    /// One of a declared list of values.
    Category,
}

impl ColumnType {
    /// Every type, with the word a consultant writes in a definition.
    pub const ALL: [(&'static str, ColumnType); 6] = [
        ("texte", ColumnType::Text),
        ("entier", ColumnType::Integer),
        ("decimal", ColumnType::Decimal),
        ("date", ColumnType::Date),
        ("booleen", ColumnType::Boolean),
        ("categorie", ColumnType::Category),
    ];

    /// The type named by a definition's word (accents and case forgiven).
    pub fn from_word(word: &str) -> Option<Self> {
        let word = fold(word);
        Self::ALL.iter().find(|(w, _)| *w == word).map(|(_, t)| *t)
    }

    /// The word for this type in a definition.
    pub fn word(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(w, _)| *w)
            .unwrap_or("?")
    }

    /// Whether values of this type are numbers.
    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnType::Integer | ColumnType::Decimal)
    }

    /// How a user reads the type: « nombre entier », « date »...
    pub fn french(self) -> &'static str {
        match self {
            ColumnType::Text => "texte",
            ColumnType::Integer => "nombre entier",
            ColumnType::Decimal => "nombre décimal",
            ColumnType::Date => "date",
            ColumnType::Boolean => "oui ou non",
            ColumnType::Category => "valeur de liste",
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// One allowed value of a category column, and the other spellings that mean it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryValue {
    /// The canonical value, as stored.
    pub value: String,
    /// Other spellings accepted in workbooks (`DE` for `demandeur d'emploi`).
    pub synonyms: Vec<String>,
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name, as stored and as used in expressions (`nb_personnes`).
    pub name: String,
    /// A label for people (`Nombre de personnes`).
    pub label: String,
    /// What the column holds, for the template's comment.
    pub description: Option<String>,
    /// The type of its values.
    pub kind: ColumnType,
    /// The unit (`€`, `h`, `km`...).
    pub unit: Option<String>,
    /// Whether the column must be present and every row must fill it.
    pub required: bool,
    /// The smallest allowed value of a number.
    pub min: Option<f64>,
    /// The largest allowed value of a number.
    pub max: Option<f64>,
    /// Other header spellings accepted in workbooks.
    pub synonyms: Vec<String>,
    /// The allowed values of a category column.
    pub values: Vec<CategoryValue>,
}

impl Column {
    /// The canonical value of a category column that `written` means, matching the value or a
    /// synonym with case, accents and separators forgiven.
    pub fn category_value(&self, written: &str) -> Option<&str> {
        let written = fold(written);
        self.values
            .iter()
            .find(|v| fold(&v.value) == written || v.synonyms.iter().any(|s| fold(s) == written))
            .map(|v| v.value.as_str())
    }

    /// Whether a header written in a workbook names this column.
    pub fn matches_header(&self, header: &str) -> bool {
        let header = fold(header);
        !header.is_empty()
            && (fold(&self.name) == header
                || fold(&self.label) == header
                || self.synonyms.iter().any(|s| fold(s) == header))
    }
}

/// A cross-column rule that every row must satisfy (`heures_utilisees <= heures_disponibles`).
#[derive(Debug, Clone)]
pub struct Rule {
    /// The condition, compiled.
    pub condition: CheckedExpr,
    /// What the user is told when a row breaks it.
    pub message: String,
}

/// A table: one sheet of the monthly workbook, or one CSV file.
#[derive(Debug, Clone)]
pub struct Table {
    /// The table's id, used in definitions and in the store (`publics`).
    pub id: String,
    /// The sheet name in the workbook (`Publics`).
    pub sheet: String,
    /// Other sheet names accepted.
    pub synonyms: Vec<String>,
    /// What the table records.
    pub description: Option<String>,
    /// Its columns, in template order.
    pub columns: Vec<Column>,
    /// Its cross-column rules.
    pub rules: Vec<Rule>,
    /// Whether a workbook whose sheet for this table has no row gets a warning: a month
    /// without any job, say, is more often a forgotten sheet than the truth.
    pub warn_if_empty: bool,
    /// Its labels folded, built when first read (see [`Table::labels`]).
    pub labels: std::sync::OnceLock<LabelIndex>,
}

impl Table {
    /// Its labels (names, synonyms, category values) folded for matching what users write.
    pub fn labels(&self) -> &LabelIndex {
        self.labels.get_or_init(|| LabelIndex::new(self))
    }

    /// The column with this exact name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether a sheet or CSV file name names this table.
    pub fn matches_name(&self, name: &str) -> bool {
        self.matches_folded(&fold(name))
    }

    /// Whether a name already folded ([`fold`]) names this table.
    pub fn matches_folded(&self, folded: &str) -> bool {
        self.labels().names.iter().any(|n| n == folded)
    }

    /// The names of its columns.
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }
}

#[cfg(test)]
impl Table {
    /// A table for unit tests: its sheet named `Publics` style after its id, no rule.
    pub(crate) fn for_tests(id: &str, columns: Vec<Column>) -> Table {
        let mut sheet = id.to_string();
        sheet[..1].make_ascii_uppercase();
        Table {
            id: id.into(),
            sheet,
            synonyms: vec![],
            description: None,
            columns,
            rules: vec![],
            warn_if_empty: false,
            labels: Default::default(),
        }
    }
}

#[cfg(test)]
impl Column {
    /// A column for unit tests, labelled by its name, without bounds, with these category
    /// values.
    pub(crate) fn for_tests(name: &str, kind: ColumnType, required: bool, values: &[&str]) -> Self {
        Column {
            name: name.into(),
            label: name.into(),
            description: None,
            kind,
            unit: None,
            required,
            min: None,
            max: None,
            synonyms: vec![],
            values: values
                .iter()
                .map(|v| CategoryValue {
                    value: v.to_string(),
                    synonyms: vec![],
                })
                .collect(),
        }
    }
}

/// Columns every stored row carries; a table may not declare them.
pub const RESERVED_COLUMNS: [&str; 2] = ["id_manufacture", "mois"];

/// A table's declared labels folded once (when first needed), rather than once per cell
/// compared or per file read.
#[derive(Debug, Clone)]
pub struct LabelIndex {
    /// The table's id, sheet name and synonyms, folded.
    pub(crate) names: Vec<String>,
    /// Every folded header label (name, label, synonyms) and its column's position.
    pub(crate) headers: HashMap<String, usize>,
    /// Every start of a folded header label that ends before one of its `_` (`heures` for
    /// `heures_disponibles`): a header cell read under the label above it can name a column
    /// only if the label above is one of these.
    pub(crate) label_starts: HashSet<String>,
    /// For each category column, every folded value and synonym and its canonical value.
    pub(crate) categories: Vec<Option<HashMap<String, String>>>,
}

impl LabelIndex {
    fn new(table: &Table) -> Self {
        let mut headers = HashMap::new();
        for (position, column) in table.columns.iter().enumerate() {
            for label in [&column.name, &column.label]
                .into_iter()
                .chain(&column.synonyms)
            {
                headers.entry(fold(label)).or_insert(position);
            }
        }
        let label_starts = headers
            .keys()
            .flat_map(|label| {
                label
                    .match_indices('_')
                    .map(|(at, _)| label[..at].to_string())
            })
            .collect();
        let categories = table
            .columns
            .iter()
            .map(|column| {
                (column.kind == ColumnType::Category).then(|| {
                    let mut map = HashMap::new();
                    for value in &column.values {
                        for written in std::iter::once(&value.value).chain(&value.synonyms) {
                            map.entry(fold(written))
                                .or_insert_with(|| value.value.clone());
                        }
                    }
                    // Each value as written in the definitions too, found without folding.
                    for value in &column.values {
                        map.entry(value.value.clone())
                            .or_insert_with(|| value.value.clone());
                    }
                    map
                })
            })
            .collect();
        let names = [&table.id, &table.sheet]
            .into_iter()
            .chain(&table.synonyms)
            .map(|name| fold(name))
            .collect();
        LabelIndex {
            names,
            headers,
            label_starts,
            categories,
        }
    }

    /// The position of the column a header names, if any.
    pub fn column_of(&self, header: &str) -> Option<usize> {
        self.column_of_folded(&fold(header))
    }

    /// Whether a folded label followed by `_` starts some folded header label.
    pub fn starts_a_label(&self, folded: &str) -> bool {
        self.label_starts.contains(folded)
    }

    /// [`LabelIndex::column_of`] for a label already folded.
    pub fn column_of_folded(&self, folded: &str) -> Option<usize> {
        if folded.is_empty() {
            None
        } else {
            self.headers.get(folded).copied()
        }
    }
}
