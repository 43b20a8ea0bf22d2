//! The long rows of `compute`: one per indicator, level, entity and period.

use polars::prelude::*;

use super::components::component_count;
use super::{DECLARANTS, ENTITY, EXPECTED, LEVEL, Level, PERIOD, component, finalize};
use crate::definitions::Indicator;
use crate::numbers::without_summation_noise;

/// The output's columns, with no row.
pub fn empty_output() -> DataFrame {
    df!(
        "indicateur" => Vec::<String>::new(),
        LEVEL => Vec::<String>::new(),
        ENTITY => Vec::<String>::new(),
        PERIOD => Vec::<String>::new(),
        "valeur" => Vec::<Option<f64>>::new(),
        "unite" => Vec::<String>::new(),
        DECLARANTS => Vec::<u32>::new(),
        EXPECTED => Vec::<u32>::new(),
    )
    .expect("a valid empty frame")
}

/// The long rows of one indicator at one level, with each cell's value computed once.
pub(super) fn long_rows(
    indicator: &Indicator,
    level: Level,
    cells: &DataFrame,
) -> PolarsResult<DataFrame> {
    let count = component_count(indicator);
    let components: Vec<Float64Chunked> = (0..count)
        .map(|i| cells.column(&component(i)).and_then(|c| c.f64().cloned()))
        .collect::<PolarsResult<_>>()?;
    let declarants = cells.column(DECLARANTS)?.u32()?.clone();
    let values: Vec<Option<f64>> = (0..cells.height())
        .map(|row| {
            if declarants.get(row).unwrap_or(0) == 0 {
                return None;
            }
            let c: Vec<f64> = components
                .iter()
                .map(|c| c.get(row).unwrap_or(0.0))
                .collect();
            finalize(indicator, &c).map(without_summation_noise)
        })
        .collect();
    let height = cells.height();
    let mut out = df!(
        "indicateur" => vec![indicator.id.as_str(); height],
        LEVEL => vec![level.word(); height],
    )?;
    out.with_column(cells.column(ENTITY)?.clone())?;
    out.with_column(cells.column(PERIOD)?.clone())?;
    out.with_column(Column::new("valeur".into(), values))?;
    out.with_column(Column::new(
        "unite".into(),
        vec![indicator.unit.as_str(); height],
    ))?;
    out.with_column(cells.column(DECLARANTS)?.clone())?;
    out.with_column(cells.column(EXPECTED)?.clone())?;
    Ok(out)
}
