//! Rolling 12-month windows, computed per manufacture by walking its declared months once,
//! instead of copying each month into the twelve windows that hold it (a month is in 12 of the
//! 16 periods `compute` reports: the copies were three quarters of the engine's rows).
//!
//! A window ending in month `e` holds the months `e − 11` to `e`. For each manufacture, each
//! window that holds at least one of its declared months gets, like any other period: the sum
//! of each component over those months, or for a stock their mean or the value of the latest.

use std::collections::HashMap;

use polars::prelude::*;

use super::cell::{CELL, cell_of, owner_of, period_of};
use super::components::{MonthRule, component, component_count, month_rules};
use super::inputs::KEY;
use crate::definitions::Indicator;

/// One manufacture's declared months (numbered from the first month of the data), in order,
/// with their rows.
struct Series12 {
    index: u32,
    months: Vec<u32>,
    rows: Vec<usize>,
}

/// ([`CELL`]: the manufacture's index and the window's number, then the components) for every
/// 12-month window that holds a declared month of a manufacture. `base` is the numbered base
/// grain: [`KEY`], then the components; `windows` gives each window's number by the number of
/// its last month.
pub(super) fn rolling_windows(
    indicator: &Indicator,
    base: &DataFrame,
    windows: &[Option<u32>],
) -> PolarsResult<DataFrame> {
    let count = component_count(indicator);
    let keys = base.column(KEY)?.u64()?;
    let components: Vec<Vec<f64>> = (0..count)
        .map(|i| {
            let column = base.column(&component(i))?.f64()?.clone();
            Ok(column.iter().map(|v| v.unwrap_or(0.0)).collect())
        })
        .collect::<PolarsResult<_>>()?;
    let mut by_manufacture: HashMap<u32, Series12> = HashMap::new();
    for (row, key) in keys.iter().enumerate() {
        let Some(key) = key else {
            continue;
        };
        let index = owner_of(key);
        let series = by_manufacture.entry(index).or_insert_with(|| Series12 {
            index,
            months: Vec::new(),
            rows: Vec::new(),
        });
        series.months.push(period_of(key));
        series.rows.push(row);
    }
    let mut manufactures: Vec<Series12> = by_manufacture.into_values().collect();
    manufactures.sort_by_key(|s| s.index);
    let rules = month_rules(indicator);
    let mut out_cell = Vec::new();
    let mut out: Vec<Vec<f64>> = vec![Vec::new(); count];
    for mut series in manufactures {
        let mut order: Vec<usize> = (0..series.months.len()).collect();
        order.sort_by_key(|&i| series.months[i]);
        series.months = order.iter().map(|&i| series.months[i]).collect();
        series.rows = order.iter().map(|&i| series.rows[i]).collect();
        let (Some(&first), Some(&last)) = (series.months.first(), series.months.last()) else {
            continue;
        };
        // Months [start, end) of the series inside the window ending in `end_month`.
        let mut start = 0;
        let mut end = 0;
        for end_month in first..=last + 11 {
            while end < series.months.len() && series.months[end] <= end_month {
                end += 1;
            }
            while start < end && series.months[start] + 11 < end_month {
                start += 1;
            }
            if start == end {
                continue;
            }
            let Some(&Some(window)) = windows.get(end_month as usize) else {
                continue;
            };
            let rows = &series.rows[start..end];
            out_cell.push(cell_of(series.index, window));
            for (i, (values, rule)) in out.iter_mut().zip(&rules).enumerate() {
                let sum = || rows.iter().map(|&r| components[i][r]).sum::<f64>();
                values.push(match rule {
                    MonthRule::Sum => sum(),
                    MonthRule::Mean => sum() / rows.len() as f64,
                    MonthRule::Last => components[i][rows[rows.len() - 1]],
                });
            }
        }
    }
    let mut columns = vec![Column::new(CELL.into(), out_cell)];
    for (i, values) in out.into_iter().enumerate() {
        columns.push(Column::new(component(i).into(), values));
    }
    DataFrame::new_infer_height(columns)
}
