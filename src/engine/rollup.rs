//! Components at the base grain (one manufacture, one month), then rolled up to each cell:
//! months first, then manufactures, each kind by its own rule.

use polars::prelude::*;

use super::cell::{CELL, cell_expr, owner_expr};
use super::components::{base_aggregations, component_count, finalize};
use super::entities::LevelMaps;
use super::inputs::{KEY, with_keys};
use super::{
    DECLARANTS, EXPECTED, ID, Inputs, MONTH, MonthRule, PERIOD_KEY, VALUE, component, engine_error,
    month_rules,
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

/// Each manufacture's components per period, one row per manufacture cell ([`CELL`]: its
/// index and the period's number): the sums over its months, or for a stock the mean (or last
/// value) of the months it reported. Every coarser cell is the sum of these, and each of their
/// rows is one declaring manufacture. `timed` has the numbered base grain ([`KEY`], the
/// components) with a period's number (`__periode`) on each row.
pub(super) fn per_manufacture(indicator: &Indicator, timed: &DataFrame) -> PolarsResult<DataFrame> {
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
    let grid = level.grid();
    let places: Vec<Option<usize>> = per_manufacture
        .column(CELL)?
        .u64()?
        .iter()
        .map(|cell| cell.map(|cell| level.place_of_manufacture_cell(cell)))
        .collect();
    let mut declarants = vec![0u32; grid.cells()];
    for place in places.iter().flatten() {
        declarants[*place] += 1;
    }
    let mut sums = Vec::new();
    for i in 0..component_count(indicator) {
        let mut sum = CompensatedSums::new(grid.cells());
        let values = per_manufacture.column(&component(i))?.f64()?;
        for (place, value) in places.iter().zip(values.iter()) {
            if let (Some(place), Some(value)) = (place, value) {
                sum.add(*place, value);
            }
        }
        sums.push(sum);
    }
    let shown: Vec<usize> = (0..grid.cells())
        .filter(|&place| declarants[place] > 0 || level.expected[place] > 0)
        .collect();
    let (entities, periods): (Vec<IdxSize>, Vec<IdxSize>) = shown
        .iter()
        .map(|&place| grid.entity_and_period(place))
        .unzip();
    let mut columns = vec![
        level
            .labels
            .take(&IdxCa::from_vec("".into(), entities))?
            .into_column(),
        period_labels
            .take(&IdxCa::from_vec("".into(), periods))?
            .into_column(),
    ];
    // Each cell's value from its components, once; none without a declarant.
    let mut components = vec![0.0; sums.len()];
    let values: Float64Chunked = shown
        .iter()
        .map(|&place| {
            if declarants[place] == 0 {
                return None;
            }
            for (component, sum) in components.iter_mut().zip(&sums) {
                *component = sum.total(place);
            }
            finalize(indicator, &components).map(without_summation_noise)
        })
        .collect();
    columns.push(values.with_name(VALUE.into()).into_column());
    let pick = |counts: &[u32], name: &str| {
        Column::new(
            name.into(),
            shown
                .iter()
                .map(|&place| counts[place])
                .collect::<Vec<u32>>(),
        )
    };
    columns.push(pick(&declarants, DECLARANTS));
    columns.push(pick(&level.expected, EXPECTED));
    DataFrame::new(shown.len(), columns)
}

/// Sums kept with their rounding errors (Neumaier's compensated summation): the total does not
/// depend on the order the values come in (a group-by's rows come in any order), but in
/// pathological cases, and is as exact as a double allows.
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
