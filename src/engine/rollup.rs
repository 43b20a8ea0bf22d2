//! Components at the base grain (one manufacture, one month), then rolled up to each cell:
//! months first, then manufactures, each kind by its own rule.

use polars::prelude::*;

use super::cell::{CELL, cell_expr, split, to_entity_cells};
use super::components::{base_aggregations, component_count};
use super::entities::LevelMaps;
use super::inputs::with_keys;
use super::{
    DECLARANTS, EXPECTED, ID, INDEX, Inputs, MONTH, MonthRule, PERIOD_KEY, component, engine_error,
    month_rules,
};
use crate::definitions::{Definitions, Indicator, Kind, table_schema};
use crate::error::Result;

/// Components per (manufacture, month) reported for the indicator's table; a reported month
/// without rows has zero components.
/// One indicator's additive components per manufacture and reported month (`id_manufacture`,
/// `mois`, then one column per component, named as
/// [`component_names`](super::explain::component_names) says): for an evenness indicator, the
/// count of each category, which the reports stack month by month.
pub fn monthly_components(
    indicator: &Indicator,
    definitions: &Definitions,
    inputs: &Inputs,
) -> Result<DataFrame> {
    base_grain(indicator, definitions, inputs)
        .and_then(LazyFrame::collect)
        .map_err(|e| engine_error(&e))
}

pub(super) fn base_grain(
    indicator: &Indicator,
    definitions: &Definitions,
    inputs: &Inputs,
) -> PolarsResult<LazyFrame> {
    if let Kind::Quotient {
        numerator,
        denominator,
        ..
    } = &indicator.kind
    {
        return quotient_grain(numerator, denominator, definitions, inputs);
    }
    // A table with nothing stored reads as no row and no month reported.
    let rows = match (
        inputs.tables.get(&indicator.table),
        definitions.table(&indicator.table),
    ) {
        (Some(rows), _) => rows.clone(),
        (None, Some(table)) => DataFrame::empty_with_schema(&with_keys(table_schema(table))),
        (None, None) => DataFrame::empty_with_schema(&with_keys(Schema::default())),
    }
    .lazy();
    let rows = match &indicator.filter {
        Some(filter) => rows.filter(filter.expr.clone().fill_null(lit(false))),
        None => rows,
    };
    let grouped = rows
        .group_by([col(ID), col(MONTH)])
        .agg(base_aggregations(indicator));
    let reported = match inputs.reported.get(&indicator.table) {
        Some(reported) => reported.clone(),
        None => DataFrame::empty_with_schema(&with_keys(Schema::default())),
    }
    .lazy();
    let fill: Vec<Expr> = (0..component_count(indicator))
        .map(|i| col(component(i)).fill_null(lit(0.0)))
        .collect();
    Ok(reported
        .join(
            grouped,
            [col(ID), col(MONTH)],
            [col(ID), col(MONTH)],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(fill))
}

/// A quotient's months: those its two sides both reported (a month reported for one table
/// only enters neither side), with the numerator's component as `c0` and the denominator's as
/// `c1`.
pub(super) fn quotient_grain(
    numerator: &Indicator,
    denominator: &Indicator,
    definitions: &Definitions,
    inputs: &Inputs,
) -> PolarsResult<LazyFrame> {
    let side = |indicator: &Indicator, name: String| {
        base_grain(indicator, definitions, inputs)
            .map(|rows| rows.select([col(ID), col(MONTH), col(component(0)).alias(name)]))
    };
    let keys = [col(ID), col(MONTH)];
    Ok(side(numerator, component(0))?.join(
        side(denominator, component(1))?,
        keys.clone(),
        keys,
        JoinArgs::new(JoinType::Inner),
    ))
}

/// Each manufacture's components per period, one row per manufacture cell ([`CELL`]: its
/// index and the period's number): the sums over its months, or for a stock the mean (or last
/// value) of the months it reported. Every coarser cell is the sum of these, and each of their
/// rows is one declaring manufacture.
pub(super) fn per_manufacture(indicator: &Indicator, timed: &DataFrame) -> PolarsResult<DataFrame> {
    let aggregations: Vec<Expr> = month_rules(indicator)
        .into_iter()
        .enumerate()
        .map(|(i, rule)| {
            let c = col(component(i));
            match rule {
                MonthRule::Sum => c.sum(),
                MonthRule::Mean => c.mean(),
                MonthRule::Last => c
                    .sort_by([col(MONTH)], SortMultipleOptions::default())
                    .last(),
            }
        })
        .collect();
    timed
        .clone()
        .lazy()
        .group_by([cell_expr(INDEX, PERIOD_KEY)])
        .agg(aggregations)
        .collect()
}

/// Components rolled up to every cell of a level (entity, period), with the coverage, in
/// entity then period order: `entite`, `periode`, the components, `declarants`, `attendus`.
pub(super) fn roll_up(
    indicator: &Indicator,
    per_manufacture: &DataFrame,
    level: &LevelMaps,
    period_labels: &Series,
) -> PolarsResult<DataFrame> {
    let mut placed = per_manufacture.clone();
    let entity_cells = to_entity_cells(placed.column(CELL)?.u64()?, &level.entity_of);
    placed.with_column(entity_cells.into_column())?;
    let mut aggregations: Vec<Expr> = (0..component_count(indicator))
        .map(|i| col(component(i)).sum())
        .collect();
    aggregations.push(len().cast(DataType::UInt32).alias(DECLARANTS));
    let values = placed.lazy().group_by([col(CELL)]).agg(aggregations);
    let mut cells = level
        .expected
        .clone()
        .lazy()
        .join(
            values,
            [col(CELL)],
            [col(CELL)],
            JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
        )
        .with_columns([
            col(DECLARANTS).fill_null(lit(0u32)),
            col(EXPECTED).fill_null(lit(0u32)),
        ])
        // Entities in registry order, periods in calendar order.
        .sort([CELL], SortMultipleOptions::default())
        .collect()?;
    let (entities, periods) = split(cells.column(CELL)?.u64()?);
    cells.with_column(level.labels.take(&entities)?.into_column())?;
    cells.with_column(period_labels.take(&periods)?.into_column())?;
    Ok(cells)
}
