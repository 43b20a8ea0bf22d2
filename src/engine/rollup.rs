//! Components at the base grain (one manufacture, one month), then rolled up to each cell:
//! months first, then manufactures, each kind by its own rule.

use polars::prelude::*;

use super::cell::{CELL, cell_expr, owner_expr, period_expr};
use super::components::{base_aggregations, component_count, finalize};
use super::entities::LevelMaps;
use super::inputs::{KEY, with_keys};
use super::rolling::rolling_windows;
use super::{
    DECLARANTS, EXPECTED, ID, Inputs, MONTH, MONTH_NUMBER, MonthRule, PERIOD_KEY, VALUE, component,
    engine_error, month_rules,
};
use crate::definitions::{Definitions, Indicator, Kind, table_schema};
use crate::error::Result;
use crate::numbers::without_summation_noise;

/// One indicator's additive components per manufacture and reported month (`id_manufacture`,
/// `mois`, then one column per component, named as
/// [`component_names`](super::explain::component_names) says): for an evenness indicator, the
/// count of each category, which the reports stack month by month.
pub fn monthly_components(
    indicator: &Indicator,
    definitions: &Definitions,
    inputs: &Inputs,
) -> Result<DataFrame> {
    base_grain(indicator, definitions, inputs, Grain::Named)
        .and_then(LazyFrame::collect)
        .map_err(|e| engine_error(&e))
}

/// How the manufacture-months of the inputs and of the base grain are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grain {
    /// By `id_manufacture` and `mois`, as stored.
    Named,
    /// By one number, [`KEY`] (inputs from [`numbered`](super::inputs::numbered)).
    Numbered,
}

impl Grain {
    fn keys(self) -> Vec<Expr> {
        match self {
            Grain::Named => vec![col(ID), col(MONTH)],
            Grain::Numbered => vec![col(KEY)],
        }
    }

    /// The schema of a table without rows: its key columns, then `columns`.
    fn schema(self, columns: Schema) -> Schema {
        match self {
            Grain::Named => with_keys(columns),
            Grain::Numbered => {
                let mut full = Schema::default();
                full.insert(KEY.into(), DataType::UInt64);
                full.merge(columns);
                full
            }
        }
    }
}

/// An indicator's components per manufacture-month reported for its table (the grain's keys,
/// then `c0`, `c1`…); a reported month without rows has zero components.
pub(super) fn base_grain(
    indicator: &Indicator,
    definitions: &Definitions,
    inputs: &Inputs,
    grain: Grain,
) -> PolarsResult<LazyFrame> {
    if let Kind::Quotient {
        numerator,
        denominator,
        ..
    } = &indicator.kind
    {
        return quotient_grain(numerator, denominator, definitions, inputs, grain);
    }
    // A table with nothing stored reads as no row and no month reported.
    let rows = match (
        inputs.tables.get(&indicator.table),
        definitions.table(&indicator.table),
    ) {
        (Some(rows), _) => rows.clone(),
        (None, Some(table)) => DataFrame::empty_with_schema(&grain.schema(table_schema(table))),
        (None, None) => DataFrame::empty_with_schema(&grain.schema(Schema::default())),
    }
    .lazy();
    let rows = match &indicator.filter {
        Some(filter) => rows.filter(filter.expr.clone().fill_null(lit(false))),
        None => rows,
    };
    let grouped = rows
        .group_by(grain.keys())
        .agg(base_aggregations(indicator));
    let reported = match inputs.reported.get(&indicator.table) {
        Some(reported) => reported.clone(),
        None => DataFrame::empty_with_schema(&grain.schema(Schema::default())),
    }
    .lazy();
    let fill: Vec<Expr> = (0..component_count(indicator))
        .map(|i| col(component(i)).fill_null(lit(0.0)))
        .collect();
    Ok(reported
        .join(
            grouped,
            grain.keys(),
            grain.keys(),
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
    grain: Grain,
) -> PolarsResult<LazyFrame> {
    let side = |indicator: &Indicator, name: String| {
        base_grain(indicator, definitions, inputs, grain).map(|rows| {
            let mut columns = grain.keys();
            columns.push(col(component(0)).alias(name));
            rows.select(columns)
        })
    };
    Ok(side(numerator, component(0))?.join(
        side(denominator, component(1))?,
        grain.keys(),
        grain.keys(),
        JoinArgs::new(JoinType::Inner),
    ))
}

/// One indicator's components for each manufacture and period (calendar periods, then rolling
/// windows), one row per manufacture cell: see [`per_manufacture`]. `inputs` are numbered
/// (from [`numbered`](super::inputs::numbered)); `calendar` gives each month's calendar periods
/// and `windows` each rolling window's number, as [`split_rolling`](super::calendar::split_rolling)
/// makes them.
pub(super) fn manufacture_periods(
    indicator: &Indicator,
    definitions: &Definitions,
    inputs: &Inputs,
    calendar: &DataFrame,
    windows: &[Option<u32>],
) -> PolarsResult<DataFrame> {
    let base = base_grain(indicator, definitions, inputs, Grain::Numbered)?.collect()?;
    // Each base row once per calendar period that holds its month (4 of them); the rolling
    // windows are walked per manufacture.
    let timed = base
        .clone()
        .lazy()
        .with_column(period_expr(col(KEY)).alias(MONTH_NUMBER))
        .join(
            calendar.clone().lazy(),
            [col(MONTH_NUMBER)],
            [col(MONTH_NUMBER)],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()?;
    let mut periods = per_manufacture(indicator, &timed)?;
    if !windows.is_empty() {
        let names: Vec<PlSmallStr> = periods.get_column_names().into_iter().cloned().collect();
        let rolled = rolling_windows(indicator, &base, windows)?.select(names)?;
        periods.vstack_mut(&rolled)?;
    }
    Ok(periods)
}

/// Each manufacture's components per period, one row per manufacture cell ([`CELL`]: its
/// index and the period's number): the sums over its months, or for a stock the mean (or last
/// value) of the months it reported. Every coarser cell is the sum of these, and each of their
/// rows is one declaring manufacture. `timed` has the numbered base grain ([`KEY`], the
/// components) with a period's number (`__periode`) on each row.
fn per_manufacture(indicator: &Indicator, timed: &DataFrame) -> PolarsResult<DataFrame> {
    let aggregations: Vec<Expr> = month_rules(indicator)
        .into_iter()
        .enumerate()
        .map(|(i, rule)| {
            let c = col(component(i));
            match rule {
                MonthRule::Sum => c.sum(),
                MonthRule::Mean => c.mean(),
                // One manufacture's months: its keys are in month order.
                MonthRule::Last => c.sort_by([col(KEY)], SortMultipleOptions::default()).last(),
            }
        })
        .collect();
    timed
        .clone()
        .lazy()
        .group_by([cell_expr(owner_expr(col(KEY)), col(PERIOD_KEY))])
        .agg(aggregations)
        .collect()
}

/// Components rolled up to every cell of a level (entity, period) that has a declarant or an
/// expected manufacture, and the indicator's value of each computed once from them, in entity
/// then period order: `entite`, `periode`, `valeur` (empty without a declarant or where it
/// cannot be computed), `declarants`, `attendus`.
///
/// A level's cells are a grid known in advance (its entities × the periods: 1.1 million cells
/// for 3,500 manufactures over ten years, a few thousand above), so each manufacture cell is
/// added to its entity's place in the grid: a polars group-by, a full join with the expected
/// coverage and a sort took five times as long (120 roll-ups at 3,500 places: 9 s).
pub(super) fn roll_up(
    indicator: &Indicator,
    per_manufacture: &DataFrame,
    level: &LevelMaps,
    period_labels: &Series,
) -> PolarsResult<DataFrame> {
    let totals = GridTotals::add_up(indicator, per_manufacture, level)?;
    totals.cells(indicator, level, period_labels)
}

/// A level's grid filled: per place, its declarants and the sum of each component.
struct GridTotals {
    declarants: Vec<u32>,
    sums: Vec<CompensatedSums>,
}

impl GridTotals {
    /// Each manufacture cell added to its entity's place.
    fn add_up(
        indicator: &Indicator,
        per_manufacture: &DataFrame,
        level: &LevelMaps,
    ) -> PolarsResult<Self> {
        let size = level.grid().cells();
        let places: Vec<Option<usize>> = per_manufacture
            .column(CELL)?
            .u64()?
            .iter()
            .map(|cell| cell.map(|cell| level.place_of_manufacture_cell(cell)))
            .collect();
        let mut declarants = vec![0u32; size];
        for place in places.iter().flatten() {
            declarants[*place] += 1;
        }
        let mut sums = Vec::new();
        for i in 0..component_count(indicator) {
            let mut sum = CompensatedSums::new(size);
            let values = per_manufacture.column(&component(i))?.f64()?;
            for (place, value) in places.iter().zip(values.iter()) {
                if let (Some(place), Some(value)) = (place, value) {
                    sum.add(*place, value);
                }
            }
            sums.push(sum);
        }
        Ok(GridTotals { declarants, sums })
    }

    /// The cells with a declarant or an expected manufacture, in grid order, as rows.
    fn cells(
        &self,
        indicator: &Indicator,
        level: &LevelMaps,
        period_labels: &Series,
    ) -> PolarsResult<DataFrame> {
        let grid = level.grid();
        let shown: Vec<usize> = (0..grid.cells())
            .filter(|&place| self.declarants[place] > 0 || level.expected[place] > 0)
            .collect();
        let (entities, periods): (Vec<IdxSize>, Vec<IdxSize>) = shown
            .iter()
            .map(|&place| grid.entity_and_period(place))
            .unzip();
        let counts = |counts: &[u32], name: &str| {
            let picked: Vec<u32> = shown.iter().map(|&place| counts[place]).collect();
            Column::new(name.into(), picked)
        };
        let columns = vec![
            level
                .labels
                .take(&IdxCa::from_vec("".into(), entities))?
                .into_column(),
            period_labels
                .take(&IdxCa::from_vec("".into(), periods))?
                .into_column(),
            self.values(indicator, &shown).into_column(),
            counts(&self.declarants, DECLARANTS),
            counts(&level.expected, EXPECTED),
        ];
        DataFrame::new(shown.len(), columns)
    }

    /// The indicator's value at each place, computed once from its components; none without
    /// a declarant or where it cannot be computed.
    fn values(&self, indicator: &Indicator, places: &[usize]) -> Float64Chunked {
        let mut components = vec![0.0; self.sums.len()];
        let values: Float64Chunked = places
            .iter()
            .map(|&place| {
                if self.declarants[place] == 0 {
                    return None;
                }
                for (component, sum) in components.iter_mut().zip(&self.sums) {
                    *component = sum.total(place);
                }
                finalize(indicator, &components).map(without_summation_noise)
            })
            .collect();
        values.with_name(VALUE.into())
    }
}

/// Sums kept with their rounding errors (Neumaier's compensated summation): except in
/// pathological cases the total is the exact sum rounded once, whatever the order the values
/// come in (a group-by's rows come in any order).
struct CompensatedSums {
    sums: Vec<f64>,
    errors: Vec<f64>,
}

impl CompensatedSums {
    fn new(places: usize) -> Self {
        CompensatedSums {
            sums: vec![0.0; places],
            errors: vec![0.0; places],
        }
    }

    fn add(&mut self, place: usize, value: f64) {
        let sum = self.sums[place];
        let next = sum + value;
        // What the addition lost: of the smaller of the two, in magnitude.
        self.errors[place] += if sum.abs() >= value.abs() {
            (sum - next) + value
        } else {
            (value - next) + sum
        };
        self.sums[place] = next;
    }

    fn total(&self, place: usize) -> f64 {
        self.sums[place] + self.errors[place]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compensated_sum_keeps_what_plain_addition_loses_in_any_order() {
        let values = [1.0e16, 1.0, -1.0e16, 0.1, 0.2, 0.3];
        let plain: f64 = values.iter().sum();
        assert_eq!(plain, 0.6000000000000001, "plain addition loses the 1");
        let mut forward = CompensatedSums::new(1);
        values.iter().for_each(|v| forward.add(0, *v));
        let mut backward = CompensatedSums::new(1);
        values.iter().rev().for_each(|v| backward.add(0, *v));
        assert_eq!(forward.total(0), 1.6);
        assert_eq!(backward.total(0), 1.6);
    }
}
