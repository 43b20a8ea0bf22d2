//! Data sheets: the tables a manager fills in, declared in `indicators/tables/*.toml`.
//!
//! A table declares its sheet name and synonyms, its columns (type, unit, required or optional,
//! bounds, allowed values of a category with their synonyms) and its cross-column rules. The
//! template, the readers and the validation are all derived from these declarations.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::expr::{CheckedExpr, Expected, check_expression};
use super::source::Source;
use crate::error::Problem;
use crate::text::{did_you_mean, fold};

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
        let name = fold(name);
        fold(&self.id) == name
            || fold(&self.sheet) == name
            || self.synonyms.iter().any(|s| fold(s) == name)
    }

    /// The names of its columns.
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }
}

/// Columns every stored row carries; a table may not declare them.
pub const RESERVED_COLUMNS: [&str; 2] = ["id_manufacture", "mois"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    id: Spanned<String>,
    feuille: String,
    #[serde(default)]
    synonymes: Vec<String>,
    description: Option<String>,
    colonnes: Vec<RawColumn>,
    #[serde(default)]
    regles: Vec<RawRule>,
    #[serde(default)]
    avertir_si_vide: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    nom: Spanned<String>,
    libelle: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    unite: Option<String>,
    #[serde(default)]
    obligatoire: bool,
    min: Option<f64>,
    max: Option<f64>,
    #[serde(default)]
    synonymes: Vec<String>,
    #[serde(default)]
    valeurs: Vec<RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    valeur: String,
    #[serde(default)]
    synonymes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    condition: Spanned<String>,
    message: Option<String>,
}

/// Reads one table file, or the problems that prevent it.
pub(crate) fn load_table(source: &Source, problems: &mut Vec<Problem>) -> Option<Table> {
    let raw: RawTable = match source.parse() {
        Ok(raw) => raw,
        Err(problem) => {
            problems.push(problem);
            return None;
        }
    };
    let before = problems.len();
    let id = raw.id.get_ref().clone();
    if !is_identifier(&id) {
        problems.push(Problem::error(
            source.at(raw.id.span()),
            format!("identifiant de table « {id} » invalide : lettres minuscules sans accent, chiffres et _ seulement"),
        ));
    }
    if let Some(problem) = sheet_name_problem(&raw.feuille) {
        problems.push(Problem::error(source.at(raw.id.span()), problem));
    }
    let columns: Vec<(Column, Range<usize>)> = raw
        .colonnes
        .into_iter()
        .filter_map(|c| {
            let span = c.nom.span();
            load_column(source, &id, c, problems).map(|column| (column, span))
        })
        .collect();
    check_unique_columns(source, &id, &columns, problems);
    let columns = columns.into_iter().map(|(column, _)| column).collect();
    let mut table = Table {
        id,
        sheet: raw.feuille,
        synonyms: raw.synonymes,
        description: raw.description,
        columns,
        rules: Vec::new(),
        warn_if_empty: raw.avertir_si_vide,
        labels: Default::default(),
    };
    table.rules = raw
        .regles
        .into_iter()
        .filter_map(|rule| load_rule(source, &table, rule, problems))
        .collect();
    (problems.len() == before).then_some(table)
}

fn load_column(
    source: &Source,
    table: &str,
    raw: RawColumn,
    problems: &mut Vec<Problem>,
) -> Option<Column> {
    let name = raw.nom.get_ref().clone();
    let at = source.at(raw.nom.span());
    let mut ok = true;
    let mut refuse = |message: String| {
        problems.push(Problem::error(at.clone(), message));
        ok = false;
    };
    if !is_identifier(&name) {
        refuse(format!(
            "nom de colonne « {name} » invalide dans la table {table} : lettres minuscules sans accent, chiffres et _ seulement"
        ));
    }
    if RESERVED_COLUMNS.contains(&name.as_str()) {
        refuse(format!(
            "la colonne « {name} » est réservée : chaque ligne la porte déjà"
        ));
    }
    let kind = ColumnType::from_word(raw.kind.get_ref());
    if kind.is_none() {
        let words = ColumnType::ALL.map(|(w, _)| w);
        let hint = did_you_mean(raw.kind.get_ref(), words);
        problems.push(Problem::error(
            source.at(raw.kind.span()),
            format!(
                "type de colonne « {} » inconnu{hint} (types possibles : {})",
                raw.kind.get_ref(),
                words.join(", ")
            ),
        ));
        ok = false;
    }
    let kind = kind.unwrap_or(ColumnType::Text);
    let mut refuse = |message: String| {
        problems.push(Problem::error(at.clone(), message));
        ok = false;
    };
    if kind == ColumnType::Category && raw.valeurs.is_empty() {
        refuse(format!(
            "la colonne « {name} » est une liste : donnez ses « valeurs »"
        ));
    }
    if kind != ColumnType::Category && !raw.valeurs.is_empty() {
        refuse(format!(
            "la colonne « {name} » n'est pas de type categorie : elle ne prend pas de « valeurs »"
        ));
    }
    if (raw.min.is_some() || raw.max.is_some()) && !kind.is_numeric() {
        refuse(format!(
            "la colonne « {name} » n'est pas un nombre : min et max ne s'y appliquent pas"
        ));
    }
    if let (Some(min), Some(max)) = (raw.min, raw.max)
        && min > max
    {
        refuse(format!(
            "colonne « {name} » : min ({min}) est plus grand que max ({max})"
        ));
    }
    let values: Vec<CategoryValue> = raw
        .valeurs
        .into_iter()
        .map(|v| CategoryValue {
            value: v.valeur,
            synonyms: v.synonymes,
        })
        .collect();
    if let Some(clash) = first_clash(values.iter().flat_map(|v| {
        std::iter::once(v.value.as_str()).chain(v.synonyms.iter().map(String::as_str))
    })) {
        refuse(format!(
            "colonne « {name} » : « {clash} » figure deux fois parmi les valeurs et leurs synonymes"
        ));
    }
    ok.then(|| Column {
        label: raw.libelle.unwrap_or_else(|| name.clone()),
        name,
        description: raw.description,
        kind,
        unit: raw.unite,
        required: raw.obligatoire,
        min: raw.min,
        max: raw.max,
        synonyms: raw.synonymes,
        values,
    })
}

fn check_unique_columns(
    source: &Source,
    table: &str,
    columns: &[(Column, Range<usize>)],
    problems: &mut Vec<Problem>,
) {
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (index, (column, span)) in columns.iter().enumerate() {
        let headers = [&column.name, &column.label]
            .into_iter()
            .chain(&column.synonyms);
        for header in headers {
            let previous = *owner.entry(fold(header)).or_insert(index);
            if previous != index {
                problems.push(Problem::error(
                    source.at(span.clone()),
                    format!(
                        "table {table} : l'en-tête « {header} » désigne déjà la colonne « {} »",
                        columns[previous].0.name
                    ),
                ));
                return;
            }
        }
    }
}

/// The first label that appears twice once folded.
fn first_clash<'a>(labels: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    labels.into_iter().find(|l| !seen.insert(fold(l)))
}

fn load_rule(
    source: &Source,
    table: &Table,
    raw: RawRule,
    problems: &mut Vec<Problem>,
) -> Option<Rule> {
    let text = raw.condition.get_ref();
    match check_expression(text, table, Expected::Boolean, &HashMap::new()) {
        Ok(condition) => Some(Rule {
            message: raw
                .message
                .unwrap_or_else(|| format!("la règle « {} » n'est pas respectée", condition.text)),
            condition,
        }),
        Err(message) => {
            problems.push(Problem::error(source.at(raw.condition.span()), message));
            None
        }
    }
}

/// Why a sheet name cannot be used in a workbook, if it cannot.
fn sheet_name_problem(sheet: &str) -> Option<String> {
    let reserved = [super::IDENTIFICATION_SHEET, super::LISTS_SHEET];
    if sheet.trim().is_empty() || sheet.chars().count() > 31 {
        Some(format!(
            "nom de feuille « {sheet} » invalide : de 1 à 31 caractères"
        ))
    } else if let Some(c) = sheet.chars().find(|c| "[]:*?/\\".contains(*c)) {
        Some(format!(
            "nom de feuille « {sheet} » invalide : le caractère « {c} » est interdit dans un classeur"
        ))
    } else if reserved.iter().any(|r| fold(r) == fold(sheet)) {
        Some(format!(
            "nom de feuille « {sheet} » réservé par le classeur mensuel"
        ))
    } else {
        None
    }
}

/// Whether a name is usable in expressions: `[a-z][a-z0-9_]*`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A table's declared labels folded once (when first needed), rather than once per cell
/// compared or per file read.
#[derive(Debug, Clone)]
pub struct LabelIndex {
    /// Every folded header label (name, label, synonyms) and its column's position.
    pub(crate) headers: HashMap<String, usize>,
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
        LabelIndex {
            headers,
            categories,
        }
    }

    /// The position of the column a header names, if any.
    pub fn column_of(&self, header: &str) -> Option<usize> {
        let folded = fold(header);
        if folded.is_empty() {
            None
        } else {
            self.headers.get(&folded).copied()
        }
    }
}
