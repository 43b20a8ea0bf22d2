//! The indicator engine: stored tables and definitions in, every indicator for every entity
//! and period out, in the spec's long form (`indicateur, niveau, entite, periode, valeur,
//! unite, declarants, attendus`).
//!
//! Each definition compiles to polars expressions giving its additive components at the base
//! grain (one manufacture, one month); the components are rolled up to each cell (months
//! first, then manufactures) and the formula is applied once per cell. A month not reported is
//! missing, never zero; a reported month with no row counts as zero rows. A cell with no data
//! or a zero denominator has no value.

mod compare;
mod components;
mod distribution;
mod explain;
mod level;
mod period;
mod rolling;

use std::collections::HashMap;

use polars::prelude::*;

pub use compare::{Comparison, Moved, compare, figure_values, same_figure};
pub use components::{MonthRule, component, finalize, month_rules, pielou};
pub use distribution::{FigureKey, KeyColumns, distribution, quantile};
pub use explain::{Contribution, Explanation, OneSided, Question, component_names, explain};
pub use level::Level;
pub use period::{Per, normalize_label};

use crate::definitions::{Definitions, Indicator, Kind, table_schema};
use crate::error::{Error, Result};
use crate::month::Month;
use crate::numbers::without_summation_noise;
use crate::registry::Registry;
use crate::store::{DECLARED_TABLE_COLUMN as TABLE_COLUMN, Snapshot, Store};
use components::{base_aggregations, component_count};

const ID: &str = "id_manufacture";
const MONTH: &str = "mois";
const LEVEL: &str = "niveau";
const ENTITY: &str = "entite";
const PERIOD: &str = "periode";
const DECLARANTS: &str = "declarants";
const EXPECTED: &str = "attendus";
/// A manufacture's position in the registry: counting and grouping on a number is much faster
/// than on its text id (profiled at national scale).
const INDEX: &str = "__manufacture";
const ENTITY_KEY: &str = "__entite";
const PERIOD_KEY: &str = "__periode";

/// The data the engine reads: every table's rows, and which months each manufacture reported
/// for each table (a reported month may have no row: nothing happened, which counts as zero).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Per table id: `id_manufacture`, `mois` (`AAAA-MM`), then the table's columns.
    pub tables: HashMap<String, DataFrame>,
    /// Per table id: the (`id_manufacture`, `mois`) pairs reported.
    pub reported: HashMap<String, DataFrame>,
}

impl Inputs {
    /// Reads every stored month of every table, all from one snapshot of the store: a month
    /// that a writer replaces meanwhile is read again from a new snapshot, never half.
    pub fn from_store(store: &Store, definitions: &Definitions) -> Result<Self> {
        store.read_consistently(|snapshot| Inputs::from_snapshot(snapshot, definitions))
    }

    fn from_snapshot(snapshot: &Snapshot, definitions: &Definitions) -> Result<Self> {
        let mut inputs = Inputs::default();
        let declared = snapshot.declarations()?;
        for table in &definitions.tables {
            let empty = DataFrame::empty_with_schema(&with_keys(table_schema(table)));
            let rows = snapshot.table(&table.id, empty)?;
            let reported = declared
                .clone()
                .lazy()
                .filter(col(TABLE_COLUMN).eq(lit(table.id.as_str())))
                .select([col(ID), col(MONTH)])
                .collect()
                .map_err(|e| engine_error(&e))?;
            inputs.tables.insert(table.id.clone(), rows);
            inputs.reported.insert(table.id.clone(), reported);
        }
        Ok(inputs)
    }

    /// The first and last months reported, over every table.
    pub fn month_range(&self) -> Option<(Month, Month)> {
        let months: Vec<Month> = self
            .reported
            .values()
            .filter_map(|f| f.column(MONTH).ok()?.str().ok().cloned())
            .flat_map(|c| {
                c.iter()
                    .flatten()
                    .filter_map(|m| m.parse().ok())
                    .collect::<Vec<Month>>()
            })
            .collect();
        Some((*months.iter().min()?, *months.iter().max()?))
    }
}

fn with_keys(schema: Schema) -> Schema {
    let mut full = Schema::default();
    full.insert(ID.into(), DataType::String);
    full.insert(MONTH.into(), DataType::String);
    full.merge(schema);
    full
}

fn engine_error(err: &PolarsError) -> Error {
    Error::internal("calcul", err)
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct Request {
    /// The levels (all when empty).
    pub levels: Vec<Level>,
    /// The kinds of period (all when empty).
    pub periods: Vec<Per>,
    /// The indicators by id (all when empty).
    pub indicators: Vec<String>,
    /// Only this period (a normalized label), if given.
    pub period: Option<String>,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            levels: Level::ALL.to_vec(),
            periods: Per::ALL.to_vec(),
            indicators: Vec::new(),
            period: None,
        }
    }
}

/// Computes the indicators asked for, in the long form, sorted by indicator (definition
/// order), level, entity and period.
pub fn compute(
    definitions: &Definitions,
    registry: &Registry,
    inputs: &Inputs,
    request: &Request,
) -> Result<DataFrame> {
    let indicators = selected_indicators(definitions, request)?;
    let levels = if request.levels.is_empty() {
        Level::ALL.to_vec()
    } else {
        request.levels.clone()
    };
    let pers = if request.periods.is_empty() {
        Per::ALL.to_vec()
    } else {
        request.periods.clone()
    };
    let Some((first, last)) = inputs.month_range() else {
        return Ok(empty_output());
    };
    let periods =
        period_map(&pers, first, last, request.period.as_deref()).map_err(|e| engine_error(&e))?;
    let expected = expected_months(registry, first, last).map_err(|e| engine_error(&e))?;
    // Per level: its entities, and how many manufactures each cell expects (whatever the
    // indicator).
    let by_level: Vec<LevelMaps> = levels
        .iter()
        .map(|level| {
            let entities = entity_map(registry, *level)?;
            let attendus = expected_per_cell(&expected, &periods, &entities)?;
            let labels = labels_of(&entities, ENTITY_KEY, ENTITY)?;
            Ok(LevelMaps {
                entities,
                attendus,
                labels,
            })
        })
        .collect::<PolarsResult<_>>()
        .map_err(|e| engine_error(&e))?;
    let period_labels = labels_of(&periods, PERIOD_KEY, PERIOD).map_err(|e| engine_error(&e))?;
    let (calendar, windows) = split_rolling(&periods).map_err(|e| engine_error(&e))?;
    let mut parts = Vec::new();
    for indicator in indicators {
        // Computed once per indicator, then rolled up to each level.
        let base = base_grain(indicator, definitions, inputs)
            .and_then(LazyFrame::collect)
            .map_err(|e| engine_error(&e))?;
        let indexed = base
            .lazy()
            .join(
                by_level[0]
                    .entities
                    .clone()
                    .lazy()
                    .select([col(ID), col(INDEX)]),
                [col(ID)],
                [col(ID)],
                JoinArgs::new(JoinType::Inner),
            )
            .collect()
            .map_err(|e| engine_error(&e))?;
        // Each base row once per calendar period that holds its month (4 of them); the rolling
        // windows are walked per manufacture.
        let timed = indexed
            .clone()
            .lazy()
            .join(
                calendar.clone().lazy(),
                [col(MONTH)],
                [col(MONTH)],
                JoinArgs::new(JoinType::Inner),
            )
            .collect()
            .map_err(|e| engine_error(&e))?;
        let mut per_manufacture =
            per_manufacture(indicator, &timed).map_err(|e| engine_error(&e))?;
        if !windows.is_empty() {
            let rolled = rolling::rolling_windows(indicator, &indexed, &windows)
                .and_then(|rolled| {
                    let names: Vec<PlSmallStr> = per_manufacture
                        .get_column_names()
                        .into_iter()
                        .cloned()
                        .collect();
                    rolled.select(names)
                })
                .map_err(|e| engine_error(&e))?;
            per_manufacture
                .vstack_mut(&rolled)
                .map_err(|e| engine_error(&e))?;
        }
        for (level, maps) in levels.iter().zip(&by_level) {
            let cells = roll_up(indicator, &per_manufacture, maps, &period_labels)
                .map_err(|e| engine_error(&e))?;
            parts.push(long_rows(indicator, *level, &cells).map_err(|e| engine_error(&e))?);
        }
    }
    if parts.is_empty() {
        return Ok(empty_output());
    }
    let lazy: Vec<LazyFrame> = parts.into_iter().map(IntoLazy::lazy).collect();
    concat(lazy, UnionArgs::default())
        .and_then(|lf| lf.collect())
        .map_err(|e| engine_error(&e))
}

fn selected_indicators<'a>(
    definitions: &'a Definitions,
    request: &Request,
) -> Result<Vec<&'a Indicator>> {
    indicators_by_id(definitions, &request.indicators)
}

/// The indicators with these ids, in the order given (all of them when none is given); an
/// unknown id is an error that suggests the nearest one.
pub fn indicators_by_id<'a>(
    definitions: &'a Definitions,
    ids: &[String],
) -> Result<Vec<&'a Indicator>> {
    if ids.is_empty() {
        return Ok(definitions.indicators.iter().collect());
    }
    ids.iter()
        .map(|id| {
            definitions.indicator(id).ok_or_else(|| {
                let ids = definitions.indicators.iter().map(|i| i.id.as_str());
                Error::Usage(format!(
                    "indicateur « {id} » inconnu{}",
                    crate::text::did_you_mean(id, ids)
                ))
            })
        })
        .collect()
}

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

/// (`mois`, `periode`) for every period of the requested kinds that holds a month of the data:
/// a rolling window is shown only if it ends within the data.
fn period_map(
    pers: &[Per],
    first: Month,
    last: Month,
    only: Option<&str>,
) -> PolarsResult<DataFrame> {
    let (months, labels): (Vec<String>, Vec<String>) = periods_of_months(pers, first, last)
        .into_iter()
        .filter(|(_, label)| only.is_none_or(|p| p == label))
        .map(|(month, label)| (month.to_string(), label))
        .unzip();
    let keys = number_labels(&labels);
    df!(MONTH => months, PERIOD => labels, PERIOD_KEY => keys)
}

/// Each month from `first` to `last` with the label of every period of these kinds that holds
/// it, as `compute` reports them: a rolling window only if it ends by `last`.
pub fn periods_of_months(pers: &[Per], first: Month, last: Month) -> Vec<(Month, String)> {
    let mut pairs = Vec::new();
    for month in first.through(last) {
        for per in pers {
            for label in per.labels_of(month) {
                let ends_in_data = *per != Per::Rolling12
                    || label[..7].parse::<Month>().is_ok_and(|end| end <= last);
                if ends_in_data {
                    pairs.push((month, label));
                }
            }
        }
    }
    pairs
}

/// The periods split in two: (`mois`, `__periode`) of the calendar periods, and the number of
/// each rolling window by its label.
fn split_rolling(periods: &DataFrame) -> PolarsResult<(DataFrame, HashMap<String, u32>)> {
    let rolling = col(PERIOD).str().ends_with(lit("-12M"));
    let calendar = periods
        .clone()
        .lazy()
        .filter(rolling.clone().not())
        .select([col(MONTH), col(PERIOD_KEY)])
        .collect()?;
    let windows = labels_of(
        &periods.clone().lazy().filter(rolling).collect()?,
        PERIOD_KEY,
        PERIOD,
    )?;
    let keys = windows.column(PERIOD_KEY)?.u32()?;
    let labels = windows.column(PERIOD)?.str()?;
    let map = labels
        .iter()
        .zip(keys.iter())
        .filter_map(|(label, key)| Some((label?.to_string(), key?)))
        .collect();
    Ok((calendar, map))
}

/// (`id_manufacture`, `mois`) for every month a manufacture was open, within the data's range.
fn expected_months(registry: &Registry, first: Month, last: Month) -> PolarsResult<DataFrame> {
    let (mut ids, mut months) = (Vec::new(), Vec::new());
    for manufacture in registry.manufactures() {
        for month in first.through(last).filter(|m| manufacture.is_open(*m)) {
            ids.push(manufacture.id.clone());
            months.push(month.to_string());
        }
    }
    df!(ID => ids, MONTH => months)
}

/// (`id_manufacture`, `entite`) at one level.
fn entity_map(registry: &Registry, level: Level) -> PolarsResult<DataFrame> {
    let manufactures = registry.manufactures();
    df!(
        ID => manufactures.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        ENTITY => manufactures.iter().map(|m| level.entity_of(m)).collect::<Vec<_>>(),
        INDEX => (0..manufactures.len() as u32).collect::<Vec<_>>(),
    )
    .and_then(|mut frame| {
        let labels: Vec<String> = frame
            .column(ENTITY)?
            .str()?
            .iter()
            .map(|e| e.unwrap_or("").to_string())
            .collect();
        frame.with_column(Column::new(ENTITY_KEY.into(), number_labels(&labels)))?;
        Ok(frame)
    })
}

/// A number for each distinct label, in order of first appearance: grouping and joining on
/// numbers is much faster than on text (profiled at national scale).
fn number_labels(labels: &[String]) -> Vec<u32> {
    let mut numbers: HashMap<&str, u32> = HashMap::new();
    labels
        .iter()
        .map(|label| {
            let next = numbers.len() as u32;
            *numbers.entry(label.as_str()).or_insert(next)
        })
        .collect()
}

/// (key, label) pairs of a numbered column, to put the labels back after grouping.
fn labels_of(frame: &DataFrame, key: &str, label: &str) -> PolarsResult<DataFrame> {
    frame
        .select([key, label])?
        .unique_stable(None, UniqueKeepStrategy::First, None)
}

/// Components per (manufacture, month) reported for the indicator's table; a reported month
/// without rows has zero components.
/// One indicator's additive components per manufacture and reported month (`id_manufacture`,
/// `mois`, then one column per component, named as [`component_names`] says): for an evenness
/// indicator, the count of each category, which the reports stack month by month.
pub fn monthly_components(
    indicator: &Indicator,
    definitions: &Definitions,
    inputs: &Inputs,
) -> Result<DataFrame> {
    base_grain(indicator, definitions, inputs)
        .and_then(LazyFrame::collect)
        .map_err(|e| engine_error(&e))
}

fn base_grain(
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
fn quotient_grain(
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

/// One level's entities (with their numbers), expected coverage per cell, and labels.
struct LevelMaps {
    entities: DataFrame,
    attendus: DataFrame,
    labels: DataFrame,
}

/// Each manufacture's components per period: the sums over its months, or for a stock the
/// mean (or last value) of the months it reported. Every coarser cell is the sum of these,
/// and each of their rows is one declaring manufacture.
fn per_manufacture(indicator: &Indicator, timed: &DataFrame) -> PolarsResult<DataFrame> {
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
        .group_by([col(INDEX), col(PERIOD_KEY)])
        .agg(aggregations)
        .collect()
}

/// Components rolled up to every (entity, period), with the coverage.
fn roll_up(
    indicator: &Indicator,
    per_manufacture: &DataFrame,
    level: &LevelMaps,
    period_labels: &DataFrame,
) -> PolarsResult<DataFrame> {
    let keys = [col(ENTITY_KEY), col(PERIOD_KEY)];
    let components: Vec<String> = (0..component_count(indicator)).map(component).collect();
    let placed = per_manufacture.clone().lazy().join(
        level
            .entities
            .clone()
            .lazy()
            .select([col(INDEX), col(ENTITY_KEY)]),
        [col(INDEX)],
        [col(INDEX)],
        JoinArgs::new(JoinType::Inner),
    );
    let mut aggregations: Vec<Expr> = components.iter().map(|c| col(c.as_str()).sum()).collect();
    aggregations.push(len().cast(DataType::UInt32).alias(DECLARANTS));
    let values = placed.group_by(keys.clone()).agg(aggregations);
    let left = |other: &DataFrame, key: &str| {
        (
            other.clone().lazy(),
            [col(key)],
            JoinArgs::new(JoinType::Left),
        )
    };
    let (entity_labels, entity_on, entity_how) = left(&level.labels, ENTITY_KEY);
    let (period_frame, period_on, period_how) = left(period_labels, PERIOD_KEY);
    level
        .attendus
        .clone()
        .lazy()
        .join(
            values,
            keys.clone(),
            keys.clone(),
            JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
        )
        .with_columns([
            col(DECLARANTS).fill_null(lit(0u32)),
            col(EXPECTED).fill_null(lit(0u32)),
        ])
        .join(entity_labels, entity_on.clone(), entity_on, entity_how)
        .join(period_frame, period_on.clone(), period_on, period_how)
        // Entities in registry order, periods in calendar order (numbers sort faster than text).
        .sort([ENTITY_KEY, PERIOD_KEY], SortMultipleOptions::default())
        .collect()
}

/// (`entite`, `periode`, `attendus`): manufactures open for at least one month of the cell.
fn expected_per_cell(
    expected: &DataFrame,
    periods: &DataFrame,
    entities: &DataFrame,
) -> PolarsResult<DataFrame> {
    expected
        .clone()
        .lazy()
        .join(
            periods.clone().lazy(),
            [col(MONTH)],
            [col(MONTH)],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            entities.clone().lazy(),
            [col(ID)],
            [col(ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col(ENTITY_KEY), col(PERIOD_KEY)])
        .agg([col(INDEX).n_unique().cast(DataType::UInt32).alias(EXPECTED)])
        .collect()
}

/// The long rows of one indicator at one level, with each cell's value computed once.
fn long_rows(indicator: &Indicator, level: Level, cells: &DataFrame) -> PolarsResult<DataFrame> {
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

#[cfg(test)]
mod tests {
    use crate::numbers::without_summation_noise;

    #[test]
    fn summation_noise_is_removed_and_values_are_kept() {
        // 5.225 summed in two orders: one ulp apart, one figure.
        let low = 5.225_f64 - f64::EPSILON * 4.0;
        let high = 5.225_f64 + f64::EPSILON * 4.0;
        assert_ne!(low, high);
        assert_eq!(without_summation_noise(low), without_summation_noise(high));
        assert_eq!(without_summation_noise(low), 5.225);
        assert_eq!(without_summation_noise(68.52477933305833), 68.5247793331);
        assert_eq!(without_summation_noise(-1234.5), -1234.5);
        assert_eq!(without_summation_noise(0.0), 0.0);
        assert_eq!(without_summation_noise(3.0e-7), 3.0e-7);
    }
}
