//! The indicator engine: stored tables and definitions in, every indicator for every entity
//! and period out, in the spec's long form (`indicateur, niveau, entite, periode, valeur,
//! unite, declarants, attendus`).
//!
//! Each definition compiles to polars expressions giving its additive components at the base
//! grain (one manufacture, one month); the components are rolled up to each cell (months
//! first, then manufactures) and the formula is applied once per cell. A month not reported is
//! missing, never zero; a reported month with no row counts as zero rows. A cell with no data
//! or a zero denominator has no value.
//!
//! Here: the request and the run over indicators and levels. Beside: `inputs` (the store's
//! tables read), `calendar` (months into periods, months expected), `entities` (manufactures
//! into entities of a level), `rollup` (components at the base grain, rolled up to cells),
//! `coverage` (declarants and expected manufactures per cell), `output` (the long rows).

mod calendar;
mod cell;
mod compare;
mod components;
pub mod coverage;
mod distribution;
mod entities;
mod explain;
mod inputs;
mod key;
mod level;
mod output;
mod period;
mod rolling;
mod rollup;

use polars::prelude::*;

pub use calendar::periods_of_months;
pub use compare::{Comparison, Moved, compare, figure_values, same_figure};
pub use components::{MonthRule, component, finalize, month_rules, pielou};
pub use distribution::{distribution, quantile};
pub use explain::{Contribution, Explanation, OneSided, Question, component_names, explain};
pub use inputs::Inputs;
pub use key::{FigureKey, KeyColumns};
pub use level::Level;
pub use output::empty_output;
pub use period::{Per, Period, PeriodParseError};
pub use rollup::monthly_components;

use crate::definitions::{Definitions, Indicator};
use crate::error::{Error, Result};
use crate::registry::Registry;
use calendar::{period_map, split_rolling};
use cell::labels_by_number;
use coverage::expected_months;
use coverage::expected_per_cell;
use entities::{LevelMaps, entity_map};
use output::long_rows;
use rollup::{manufacture_periods, roll_up};

const ID: &str = "id_manufacture";
const MONTH: &str = "mois";
const LEVEL: &str = "niveau";
const ENTITY: &str = "entite";
const PERIOD: &str = "periode";
const DECLARANTS: &str = "declarants";
const EXPECTED: &str = "attendus";
const VALUE: &str = "valeur";
/// A manufacture's position in the registry: counting and grouping on a number is much faster
/// than on its text id (profiled at national scale).
const INDEX: &str = "__manufacture";
const ENTITY_KEY: &str = "__entite";
const PERIOD_KEY: &str = "__periode";
/// A month's number, counted from the first month of the data.
const MONTH_NUMBER: &str = "__mois";

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
    pub period: Option<Period>,
}

impl Request {
    /// The levels asked for: all of them when none is named.
    pub fn levels_or_all(&self) -> Vec<Level> {
        if self.levels.is_empty() {
            Level::ALL.to_vec()
        } else {
            self.levels.clone()
        }
    }
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
    let levels = request.levels_or_all();
    let pers = if request.periods.is_empty() {
        Per::ALL.to_vec()
    } else {
        request.periods.clone()
    };
    let Some((first, last)) = inputs.month_range() else {
        return Ok(empty_output());
    };
    let only = request.period.map(|p| p.to_string());
    let periods = period_map(&pers, first, last, only.as_deref()).map_err(|e| engine_error(&e))?;
    let expected = expected_months(registry, first, last).map_err(|e| engine_error(&e))?;
    let period_labels =
        labels_by_number(&periods, PERIOD_KEY, PERIOD).map_err(|e| engine_error(&e))?;
    // Per level: its entities, and how many manufactures each cell expects (whatever the
    // indicator).
    let by_level: Vec<LevelMaps> = levels
        .iter()
        .map(|level| {
            let entities = entity_map(registry, *level)?;
            let attendus = expected_per_cell(&expected, &periods, &entities)?;
            LevelMaps::new(&entities, &attendus, period_labels.len())
        })
        .collect::<PolarsResult<_>>()
        .map_err(|e| engine_error(&e))?;
    let (calendar, windows) = split_rolling(&periods, first).map_err(|e| engine_error(&e))?;
    let numbered = inputs::numbered(inputs, registry, first).map_err(|e| engine_error(&e))?;
    let mut parts = Vec::new();
    for indicator in indicators {
        // Computed once per indicator, then rolled up to each level.
        let per_manufacture =
            manufacture_periods(indicator, definitions, &numbered, &calendar, &windows)
                .map_err(|e| engine_error(&e))?;
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
