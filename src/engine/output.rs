//! The long rows of `compute`: one per indicator, level, entity and period.

use polars::prelude::*;

use super::{DECLARANTS, ENTITY, EXPECTED, LEVEL, Level, PERIOD, VALUE};
use crate::definitions::Indicator;

/// The output's columns, with no row.
pub fn empty_output() -> DataFrame {
    df!(
        "indicateur" => Vec::<String>::new(),
        LEVEL => Vec::<String>::new(),
        ENTITY => Vec::<String>::new(),
        PERIOD => Vec::<String>::new(),
        VALUE => Vec::<Option<f64>>::new(),
        "unite" => Vec::<String>::new(),
        DECLARANTS => Vec::<u32>::new(),
        EXPECTED => Vec::<u32>::new(),
    )
    .expect("a valid empty frame")
}

/// The long rows of one indicator at one level, from its rolled-up cells (`entite`,
/// `periode`, `valeur`, `declarants`, `attendus`).
pub(super) fn long_rows(
    indicator: &Indicator,
    level: Level,
    cells: &DataFrame,
) -> PolarsResult<DataFrame> {
    let height = cells.height();
    let mut out = df!(
        "indicateur" => vec![indicator.id.as_str(); height],
        LEVEL => vec![level.word(); height],
    )?;
    for name in [ENTITY, PERIOD, VALUE] {
        out.with_column(cells.column(name)?.clone())?;
    }
    out.with_column(Column::new(
        "unite".into(),
        vec![indicator.unit.as_str(); height],
    ))?;
    out.with_column(cells.column(DECLARANTS)?.clone())?;
    out.with_column(cells.column(EXPECTED)?.clone())?;
    Ok(out)
}
