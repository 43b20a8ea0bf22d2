//! A table's cross-column rules, checked over its frame in one polars pass. The workbooks of
//! a batch have their rules checked together ([`broken_rules`] over one frame holding every
//! sheet's rows of that table): one query per table and batch rather than per sheet, whose
//! planning cost more than the check.

use std::ops::Range;

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
    let broken = broken_rules(table, frame, &[(0..frame.height(), &at)])?;
    problems.extend(broken.into_iter().map(|(_, problem)| problem));
    Ok(())
}

/// The rows that break each of the table's rules in a frame made of several parts (one per
/// sheet: its rows and where its problems are), checked in one pass. Each problem comes with
/// the index of its part; a part's problems keep the order of one part checked alone (rule by
/// rule, row by row).
pub fn broken_rules(
    table: &Table,
    frame: &DataFrame,
    parts: &[(Range<usize>, &Location)],
) -> PolarsResult<Vec<(usize, Problem)>> {
    if table.rules.is_empty() || frame.height() == 0 {
        return Ok(Vec::new());
    }
    // The first row of each part, to find a row's part again (empty parts hold no row).
    let parts: Vec<(usize, &Range<usize>, &Location)> = parts
        .iter()
        .enumerate()
        .filter(|(_, (rows, _))| !rows.is_empty())
        .map(|(index, (rows, at))| (index, rows, *at))
        .collect();
    let starts: Vec<usize> = parts.iter().map(|(_, rows, _)| rows.start).collect();
    // One chunk per column: polars evaluates an expression chunk by chunk.
    let mut frame = frame.clone();
    frame.rechunk_mut();
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
    let broken = frame
        .clone()
        .lazy()
        .without_optimizations()
        .select(flags)
        .collect()?;
    let lines = frame.column(LINE_COLUMN)?.i64()?;
    let mut problems = Vec::new();
    for (i, rule) in table.rules.iter().enumerate() {
        let flags = broken.column(&format!("__regle{i}"))?.bool()?;
        for row in (0..frame.height()).filter(|&row| flags.get(row) == Some(true)) {
            // A row outside every part belongs to no sheet: nobody to tell.
            let Some(part) = starts.partition_point(|&start| start <= row).checked_sub(1) else {
                continue;
            };
            let (index, rows, at) = parts[part];
            if !rows.contains(&row) {
                continue;
            }
            let values: Vec<String> = rule
                .condition
                .columns
                .iter()
                .filter_map(|c| {
                    let value = frame.column(c).ok()?.get(row).ok()?;
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
    // Rule by rule over the frame: put each part's problems together, in their order.
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
