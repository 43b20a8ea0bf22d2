//! A table's cross-column rules, checked over its frame in one polars pass.

use polars::prelude::*;

use super::SheetPlace;
use crate::definitions::{LINE_COLUMN, Table};
use crate::error::Problem;
use crate::ingest::read::{RawSheet, format_number};

/// The rows that break each of the table's rules, as problems.
pub fn check_rules(
    table: &Table,
    frame: &DataFrame,
    sheet: &RawSheet,
    place: &SheetPlace,
    problems: &mut Vec<Problem>,
) -> PolarsResult<()> {
    if table.rules.is_empty() || frame.height() == 0 {
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
