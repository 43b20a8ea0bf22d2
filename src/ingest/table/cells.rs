//! One cell typed against its column: type, allowed values, bounds, formulas' errors.

use std::collections::HashMap;

use super::Value;
use crate::definitions::{Column, ColumnType};
use crate::ingest::read::{RawCell, format_number};
use crate::ingest::values::{
    excel_serial_date, is_missing, parse_bool, parse_date, parse_number, whole,
};
use crate::text::{did_you_mean, fold, quoted_list};

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
pub(super) fn typed_value_in(
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

pub(super) fn as_f64(value: &Value) -> f64 {
    match value {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}
