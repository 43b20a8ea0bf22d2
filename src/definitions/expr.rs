//! The small SQL-like expressions of definitions (`nb_intermediaires <= 1 AND sens = 'achat'`):
//! checked against a table's declared columns, then compiled to polars expressions.
//!
//! Checking happens in two passes. A light scan of the text finds unknown columns (with a
//! suggestion), literals of the wrong type and category values outside the declared list, so
//! the message is precise and French. polars then parses the text and resolves it against an
//! empty frame with the table's schema, which catches whatever the scan cannot.
//!
//! Size: about 350 lines of code; the rest is its unit tests, kept beside the scan they check.

use std::collections::HashMap;

use polars::prelude::*;

use super::tables::{ColumnType, Table};
use crate::text::{did_you_mean, quoted_list};

/// An expression that was checked against its table, with its polars form.
#[derive(Debug, Clone)]
pub struct CheckedExpr {
    /// The text, with settings such as `{distance_proximite_km}` filled in.
    pub text: String,
    /// The compiled polars expression.
    pub expr: Expr,
    /// The columns it reads.
    pub columns: Vec<String>,
}

/// What an expression must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// A number per row (a value, a weight...).
    Number,
    /// True or false per row (a filter, a rule).
    Boolean,
}

/// Checks an expression against a table and compiles it; the error is a French message.
pub fn check_expression(
    text: &str,
    table: &Table,
    expected: Expected,
    params: &HashMap<String, f64>,
) -> Result<CheckedExpr, String> {
    let text = substitute_params(text, params)?;
    let tokens = tokenize(&text)?;
    let columns = referenced_columns(&tokens);
    for column in &columns {
        if table.column(column).is_none() {
            return Err(format!(
                "colonne « {column} » inconnue dans la table {}{}",
                table.id,
                did_you_mean(column, table.column_names())
            ));
        }
    }
    check_literals(&tokens, table)?;
    let expr = polars::sql::sql_expr(&text).map_err(|err| {
        format!(
            "expression illisible « {text} » (détail : {})",
            one_line(&err)
        )
    })?;
    let dtype = resolve(&expr, table).map_err(|err| {
        format!(
            "types incompatibles dans « {text} » (détail : {})",
            one_line(&err)
        )
    })?;
    match expected {
        Expected::Number if !dtype.is_primitive_numeric() && dtype != DataType::Boolean => {
            Err(format!(
                "« {text} » doit donner un nombre, or elle donne {}",
                french_dtype(&dtype)
            ))
        }
        Expected::Boolean if dtype != DataType::Boolean => Err(format!(
            "« {text} » doit être une condition (vraie ou fausse), or elle donne {}",
            french_dtype(&dtype)
        )),
        _ => Ok(CheckedExpr {
            text,
            expr,
            columns,
        }),
    }
}

/// The polars type of each column type.
pub fn polars_dtype(kind: ColumnType) -> DataType {
    match kind {
        ColumnType::Text | ColumnType::Category => DataType::String,
        ColumnType::Integer => DataType::Int64,
        ColumnType::Decimal => DataType::Float64,
        ColumnType::Date => DataType::Date,
        ColumnType::Boolean => DataType::Boolean,
    }
}

/// The column holding each stored row's line in its source sheet (first of a stored table).
pub const LINE_COLUMN: &str = "ligne";

/// The polars schema of a table's stored columns (without `id_manufacture` and `mois`).
pub fn table_schema(table: &Table) -> Schema {
    table
        .columns
        .iter()
        .map(|c| Field::new(c.name.as_str().into(), polars_dtype(c.kind)))
        .collect()
}

/// Resolves the expression against the table's schema, giving its result type (polars types
/// the plan without running it).
fn resolve(expr: &Expr, table: &Table) -> PolarsResult<DataType> {
    let frame = DataFrame::empty_with_schema(&table_schema(table));
    let schema = frame
        .lazy()
        .select([expr.clone().alias("__resultat")])
        .collect_schema()?;
    Ok(schema.get("__resultat").cloned().unwrap_or(DataType::Null))
}

fn french_dtype(dtype: &DataType) -> &'static str {
    match dtype {
        DataType::String => "du texte",
        DataType::Boolean => "une condition",
        DataType::Date => "une date",
        d if d.is_primitive_numeric() => "un nombre",
        _ => "une valeur d'un autre type",
    }
}

fn one_line(err: &PolarsError) -> String {
    err.to_string()
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Replaces `{name}` by the setting of that name.
fn substitute_params(text: &str, params: &HashMap<String, f64>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| format!("accolade « {{ » sans « }} » dans « {text} »"))?;
        let name = rest[open + 1..open + close].trim();
        let value = params.get(name).ok_or_else(|| {
            let mut known: Vec<&str> = params.keys().map(String::as_str).collect();
            known.sort();
            format!(
                "paramètre « {name} » inconnu{} (paramètres de mesure.toml : {})",
                did_you_mean(name, known.iter().copied()),
                if known.is_empty() {
                    "aucun".to_string()
                } else {
                    known.join(", ")
                }
            )
        })?;
        out.push_str(&value.to_string());
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Number(String),
    Text(String),
    Op(String),
    Open,
    Close,
    Comma,
}

const KEYWORDS: [&str; 18] = [
    "and", "or", "not", "in", "is", "null", "case", "when", "then", "else", "end", "like", "ilike",
    "between", "true", "false", "as", "cast",
];

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '\'' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(format!("apostrophe non refermée dans « {text} »")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            value.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            value.push(other);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Text(value));
            }
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"')
                    .ok_or_else(|| format!("guillemet non refermé dans « {text} »"))?;
                tokens.push(Token::Ident(chars[i + 1..i + 1 + end].iter().collect()));
                i += end + 2;
            }
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            c if c.is_ascii_digit()
                || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                tokens.push(Token::Number(chars[start..i].iter().collect()));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
            _ => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                if ["<=", ">=", "<>", "!=", "||"].contains(&two.as_str()) {
                    tokens.push(Token::Op(two));
                    i += 2;
                } else if "=<>+-*/%".contains(c) {
                    tokens.push(Token::Op(c.to_string()));
                    i += 1;
                } else {
                    return Err(format!("caractère « {c} » inattendu dans « {text} »"));
                }
            }
        }
    }
    Ok(tokens)
}

/// The column names an expression reads: identifiers that are neither keywords, nor function
/// names (followed by `(`), nor type names after `AS`.
fn referenced_columns(tokens: &[Token]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Token::Ident(name) = token else { continue };
        let is_keyword = KEYWORDS.contains(&name.to_ascii_lowercase().as_str());
        let is_function = tokens.get(i + 1) == Some(&Token::Open);
        let is_type =
            i > 0 && matches!(&tokens[i - 1], Token::Ident(p) if p.eq_ignore_ascii_case("as"));
        if !is_keyword && !is_function && !is_type && !columns.contains(name) {
            columns.push(name.clone());
        }
    }
    columns
}

fn is_comparison(token: &Token) -> bool {
    matches!(token, Token::Op(op) if ["=", "<>", "!=", "<", "<=", ">", ">="].contains(&op.as_str()))
}

/// Checks each literal compared to a column: type, and for a category, the declared values.
fn check_literals(tokens: &[Token], table: &Table) -> Result<(), String> {
    for (i, token) in tokens.iter().enumerate() {
        let Token::Ident(name) = token else { continue };
        let Some(column) = table.column(name) else {
            continue;
        };
        let mut literals: Vec<&Token> = Vec::new();
        if tokens.get(i + 1).is_some_and(is_comparison) {
            literals.extend(tokens.get(i + 2));
        }
        if i >= 2 && is_comparison(&tokens[i - 1]) {
            literals.push(&tokens[i - 2]);
        }
        let mut j = i + 1;
        if matches!(tokens.get(j), Some(Token::Ident(k)) if k.eq_ignore_ascii_case("not")) {
            j += 1;
        }
        if matches!(tokens.get(j), Some(Token::Ident(k)) if k.eq_ignore_ascii_case("in"))
            && tokens.get(j + 1) == Some(&Token::Open)
        {
            literals.extend(
                tokens[j + 2..]
                    .iter()
                    .take_while(|t| **t != Token::Close)
                    .filter(|t| **t != Token::Comma),
            );
        }
        for literal in literals {
            check_literal(column, literal)?;
        }
    }
    Ok(())
}

fn check_literal(column: &super::tables::Column, literal: &Token) -> Result<(), String> {
    let name = &column.name;
    match (literal, column.kind) {
        (Token::Text(text), kind) if kind.is_numeric() => Err(format!(
            "la colonne « {name} » est un {} : elle ne peut pas être comparée au texte '{text}'",
            kind.french()
        )),
        (Token::Number(number), ColumnType::Text | ColumnType::Category) => Err(format!(
            "la colonne « {name} » contient du texte : comparez-la à un texte entre apostrophes, pas au nombre {number}"
        )),
        (Token::Text(text), ColumnType::Category)
            if !column.values.iter().any(|v| v.value == *text) =>
        {
            let values: Vec<&str> = column.values.iter().map(|v| v.value.as_str()).collect();
            let hint = match column.category_value(text) {
                Some(exact) => format!(" ; écrivez la valeur exacte « {exact} »"),
                None => did_you_mean(text, values.iter().copied()),
            };
            Err(format!(
                "'{text}' n'est pas une valeur de la colonne « {name} »{hint} (valeurs possibles : {})",
                quoted_list(values.iter().copied())
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::tables::Column;

    fn publics() -> Table {
        let column = |name, kind, values: &[&str]| Column::for_tests(name, kind, true, values);
        Table::for_tests(
            "publics",
            vec![
                column(
                    "categorie",
                    ColumnType::Category,
                    &["demandeur d'emploi", "salarié"],
                ),
                column("nb_personnes", ColumnType::Integer, &[]),
                column("dont_femmes", ColumnType::Integer, &[]),
                column("commentaire", ColumnType::Text, &[]),
            ],
        )
    }

    fn check(text: &str, expected: Expected) -> Result<CheckedExpr, String> {
        let params = HashMap::from([("seuil".to_string(), 10.0)]);
        check_expression(text, &publics(), expected, &params)
    }

    #[test]
    fn accepts_well_typed_expressions() {
        let ok = check(
            "categorie IN ('demandeur d''emploi', 'salarié') AND nb_personnes >= {seuil}",
            Expected::Boolean,
        )
        .unwrap();
        assert_eq!(
            ok.text,
            "categorie IN ('demandeur d''emploi', 'salarié') AND nb_personnes >= 10"
        );
        assert_eq!(ok.columns, ["categorie", "nb_personnes"]);
        assert!(check("nb_personnes - dont_femmes", Expected::Number).is_ok());
        assert!(check("dont_femmes IS NOT NULL", Expected::Boolean).is_ok());
        assert!(
            check(
                "CASE WHEN categorie = 'salarié' THEN nb_personnes ELSE 0 END",
                Expected::Number
            )
            .is_ok()
        );
    }

    #[test]
    fn names_unknown_columns_with_a_suggestion() {
        assert_eq!(
            check("nb_personne > 3", Expected::Boolean).unwrap_err(),
            "colonne « nb_personne » inconnue dans la table publics ; vouliez-vous dire « nb_personnes » ?"
        );
    }

    #[test]
    fn refuses_literals_of_the_wrong_type() {
        assert_eq!(
            check("nb_personnes > 'abc'", Expected::Boolean).unwrap_err(),
            "la colonne « nb_personnes » est un nombre entier : elle ne peut pas être comparée au texte 'abc'"
        );
        assert_eq!(
            check("commentaire = 3", Expected::Boolean).unwrap_err(),
            "la colonne « commentaire » contient du texte : comparez-la à un texte entre apostrophes, pas au nombre 3"
        );
    }

    #[test]
    fn refuses_category_values_outside_the_list() {
        assert_eq!(
            check("categorie = 'demandeur d emploi'", Expected::Boolean).unwrap_err(),
            "'demandeur d emploi' n'est pas une valeur de la colonne « categorie » ; écrivez la valeur exacte « demandeur d'emploi » (valeurs possibles : « demandeur d'emploi » et « salarié »)"
        );
        assert!(check("categorie IN ('salarie', 'x')", Expected::Boolean).is_err());
    }

    #[test]
    fn checks_what_the_expression_gives() {
        assert_eq!(
            check("nb_personnes", Expected::Boolean).unwrap_err(),
            "« nb_personnes » doit être une condition (vraie ou fausse), or elle donne un nombre"
        );
        assert_eq!(
            check("commentaire", Expected::Number).unwrap_err(),
            "« commentaire » doit donner un nombre, or elle donne du texte"
        );
    }

    #[test]
    fn polars_catches_what_the_scan_cannot() {
        let err = check("nb_personnes + commentaire", Expected::Number).unwrap_err();
        assert!(
            err.starts_with("types incompatibles dans « nb_personnes + commentaire »"),
            "{err}"
        );
        let err = check("nb_personnes >", Expected::Boolean).unwrap_err();
        assert!(
            err.starts_with("expression illisible « nb_personnes > »"),
            "{err}"
        );
    }

    #[test]
    fn unknown_settings_are_named() {
        assert_eq!(
            check("nb_personnes > {seuill}", Expected::Boolean).unwrap_err(),
            "paramètre « seuill » inconnu ; vouliez-vous dire « seuil » ? (paramètres de mesure.toml : seuil)"
        );
    }
}
