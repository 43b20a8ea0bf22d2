//! A table's cross-column rules, checked over its frame in one polars pass. The workbooks of
//! a batch have their rules checked together ([`broken_rules`] over many sheets' frames): one
//! query per table and batch rather than per sheet, whose planning cost more than the check.

use polars::prelude::*;

use super::SheetPlace;
use crate::definitions::{LINE_COLUMN, Table};
use crate::error::{Location, Problem};
use crate::ingest::read::{RawSheet, format_number};

/// The rows that break each of the table's rules, as problems.
pub fn check_rules(
    table: &Table,
    frame: &DataFrame,
    sheet: &RawSheet,
    place: &SheetPlace,
    problems: &mut Vec<Problem>,
) -> PolarsResult<()> {
    let at = place.at(sheet, None, None);
    let broken = broken_rules(table, &[(frame, &at)])?;
    problems.extend(broken.into_iter().map(|(_, problem)| problem));
    Ok(())
}

/// The rows that break each of the table's rules in several frames of it (one per sheet, each
/// with where its problems are), checked in one pass over the frames stacked. Each problem
/// comes with the index of its frame; a frame's problems keep the order of one frame checked
/// alone (rule by rule, row by row).
pub fn broken_rules(
    table: &Table,
    parts: &[(&DataFrame, &Location)],
) -> PolarsResult<Vec<(usize, Problem)>> {
    if table.rules.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<(usize, &DataFrame, &Location)> = parts
        .iter()
        .enumerate()
        .filter(|(_, (frame, _))| frame.height() > 0)
        .map(|(index, (frame, at))| (index, *frame, *at))
        .collect();
    let Some((_, first, _)) = parts.first() else {
        return Ok(Vec::new());
    };
    let mut stacked = (*first).clone();
    for (_, frame, _) in &parts[1..] {
        stacked.vstack_mut(frame)?;
    }
    // One chunk per column: polars evaluates an expression chunk by chunk.
    stacked.rechunk_mut();
    // The first stacked row of each part, to find a row's part again.
    let starts: Vec<usize> = parts
        .iter()
        .scan(0, |row, (_, frame, _)| {
            let start = *row;
            *row += frame.height();
            Some(start)
        })
        .collect();
    // Every rule in one pass, unoptimized: the frames are small, and planning was most of
    // the cost (profiled).
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
    let broken = stacked
        .clone()
        .lazy()
        .without_optimizations()
        .select(flags)
        .collect()?;
    let lines = stacked.column(LINE_COLUMN)?.i64()?;
    let mut problems = Vec::new();
    for (i, rule) in table.rules.iter().enumerate() {
        let flags = broken.column(&format!("__regle{i}"))?.bool()?;
        for row in (0..stacked.height()).filter(|&row| flags.get(row) == Some(true)) {
            let part = starts.partition_point(|&start| start <= row) - 1;
            let (index, _, at) = parts[part];
            let values: Vec<String> = rule
                .condition
                .columns
                .iter()
                .filter_map(|c| {
                    let value = stacked.column(c).ok()?.get(row).ok()?;
                    Some(format!("{c} = {}", any_value_text(&value)))
                })
                .collect();
            let location = Location {
                row: lines.get(row).map(|l| l as usize),
                column: Some(rule.condition.columns.join(", ")),
                ..at.clone()
            };
            let message = format!("{} ({})", rule.message, values.join(", "));
            problems.push((index, Problem::error(location, message)));
        }
    }
    // Rule by rule over the stack: put each frame's problems together, in their order.
    problems.sort_by_key(|(index, _)| *index);
    Ok(problems)
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
