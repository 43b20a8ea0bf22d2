//! Reading a table file (`indicators/tables/*.toml`): its sheet name usable in a workbook, its
//! columns named as expressions can read them and not twice, each column's type, bounds and
//! category values, its rules checked as expressions over its columns; every problem reported
//! where it is written.

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::{CategoryValue, Column, ColumnType, RESERVED_COLUMNS, Rule, Table};
use crate::definitions::expr::{Expected, check_expression};
use crate::definitions::source::Source;
use crate::error::Problem;
use crate::text::{did_you_mean, fold};

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
    let reserved = [
        crate::definitions::IDENTIFICATION_SHEET,
        crate::definitions::LISTS_SHEET,
    ];
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
