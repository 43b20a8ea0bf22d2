//! What the reports read, gathered once: every computed figure, the network's quartiles and
//! ranks, each manufacture's month states (on time, late, missing) and the composition of
//! its publics, as lookups keyed by indicator, level, entity and period.

use std::collections::HashSet;

use polars::prelude::*;

use super::charts::MonthState;
use crate::definitions::{Definitions, Kind};
use crate::engine::Period;
use crate::engine::coverage::{Coverage, Standing};
use crate::engine::{
    FigureKey, Inputs, KeyColumns, Level, Per, Request, component, compute, distribution,
    monthly_components,
};
use crate::error::{Error, Result};
use crate::month::Month;
use crate::registry::Registry;
use crate::store::Store;

/// One computed figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    /// The value (`None`: no data or a zero denominator).
    pub value: Option<f64>,
    /// Manufactures with at least one month reported.
    pub declarants: u32,
    /// Manufactures expected.
    pub expected: u32,
}

/// The distribution of manufacture values within an entity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quartiles {
    /// How many manufactures have a value.
    pub count: u32,
    /// Minimum, first quartile, median, third quartile, maximum.
    pub five: [f64; 5],
}

/// One manufacture's place in an entity's ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The manufacture's id.
    pub manufacture: String,
    /// Its value.
    pub value: f64,
    /// Its rank (1: highest value; ties share the best rank).
    pub rank: u32,
    /// How many were ranked.
    pub out_of: u32,
}

/// Everything the reports read.
#[derive(Debug, Default)]
pub struct Facts {
    // polars' hash maps (a fast hasher): millions of figures at national scale.
    figures: PlHashMap<FigureKey, Figure>,
    quartiles: PlHashMap<FigureKey, Quartiles>,
    rankings: PlHashMap<FigureKey, Vec<Ranked>>,
    /// Which months were expected, declared, on time: the engine's coverage model.
    pub coverage: Coverage,
    /// The evenness indicator whose categories are stacked, with its categories.
    pub composition: Option<(String, Vec<String>)>,
    compositions: PlHashMap<(String, Month), Vec<f64>>,
    /// Every period label computed, in order of appearance.
    pub periods: Vec<Period>,
    /// The first and last months reported.
    pub months: Option<(Month, Month)>,
}

/// The levels the reports compare within.
pub const NETWORK_LEVELS: [Level; 3] = [Level::National, Level::Region, Level::Filiere];

impl Facts {
    /// Computes every figure the reports need (months and periods of `per`) and reads the
    /// ledger. A month received more than `deadline_days` after its end is late. Without
    /// `manufacture_pages`, each manufacture's own figures are not kept (the network pages
    /// draw them through quartiles and ranks: at national scale, millions of entries spared).
    pub fn gather(
        definitions: &Definitions,
        registry: &Registry,
        store: &Store,
        per: Per,
        deadline_days: i64,
        manufacture_pages: bool,
    ) -> Result<Facts> {
        let inputs = Inputs::from_store(store, definitions)?;
        let mut levels = vec![Level::Manufacture];
        levels.extend(NETWORK_LEVELS);
        let mut pers = vec![Per::Month];
        if per != Per::Month {
            pers.push(per);
        }
        let request = Request {
            levels,
            periods: pers,
            ..Request::default()
        };
        let mut computed = compute(definitions, registry, &inputs, &request)?;
        // One chunk per column: the figures are read cell by cell.
        computed.rechunk_mut_par();
        let mut facts = Facts {
            months: inputs.month_range(),
            coverage: Coverage::read(store, deadline_days)?,
            ..Facts::default()
        };
        facts
            .read_figures(&computed, manufacture_pages)
            .map_err(|e| internal(&e))?;
        let (summary, ranks) = distribution(&computed, registry, &NETWORK_LEVELS, &|period| {
            period.per() == per
        })
        .map_err(|e| internal(&e))?;
        facts.read_quartiles(&summary).map_err(|e| internal(&e))?;
        facts.read_ranks(&ranks).map_err(|e| internal(&e))?;
        facts.read_compositions(definitions, &inputs)?;
        Ok(facts)
    }

    /// A figure, if computed.
    pub fn figure(
        &self,
        indicator: &str,
        level: Level,
        entity: &str,
        period: Period,
    ) -> Option<Figure> {
        self.figures
            .get(&FigureKey::new(indicator, level, entity, period))
            .copied()
    }

    /// The value of a figure, if there is one.
    pub fn value(
        &self,
        indicator: &str,
        level: Level,
        entity: &str,
        period: Period,
    ) -> Option<f64> {
        self.figure(indicator, level, entity, period)?.value
    }

    /// The quartiles of the manufactures' values within an entity.
    pub fn quartiles(
        &self,
        indicator: &str,
        level: Level,
        entity: &str,
        period: Period,
    ) -> Option<Quartiles> {
        self.quartiles
            .get(&FigureKey::new(indicator, level, entity, period))
            .copied()
    }

    /// The manufactures of an entity with a value, highest first.
    pub fn ranking(
        &self,
        indicator: &str,
        level: Level,
        entity: &str,
        period: Period,
    ) -> &[Ranked] {
        self.rankings
            .get(&FigureKey::new(indicator, level, entity, period))
            .map_or(&[], Vec::as_slice)
    }

    /// A manufacture's month: on time, late, missing or not expected.
    pub fn state(&self, manufacture: &crate::registry::Manufacture, month: Month) -> MonthState {
        match self.coverage.standing(manufacture, month, None) {
            Standing::OnTime => MonthState::OnTime,
            Standing::ReceivedLate => MonthState::Late,
            Standing::NotExpected => MonthState::NotExpected,
            Standing::Refused | Standing::Due | Standing::Overdue | Standing::Missing => {
                MonthState::Missing
            }
        }
    }

    /// A manufacture's counts per category for a month, if reported.
    pub fn composition_of(&self, manufacture: &str, month: Month) -> Option<&[f64]> {
        self.compositions
            .get(&(manufacture.to_string(), month))
            .map(Vec::as_slice)
    }

    fn read_figures(&mut self, computed: &DataFrame, manufactures: bool) -> PolarsResult<()> {
        let keys = KeyColumns::of(computed)?;
        let values = computed.column("valeur")?.f64()?.clone();
        let declarants = computed.column("declarants")?.u32()?.clone();
        let attendus = computed.column("attendus")?.u32()?.clone();
        let mut seen = HashSet::new();
        for row in 0..computed.height() {
            let period = keys.period(row).unwrap_or_default();
            if seen.insert(period) {
                self.periods.extend(period.parse::<Period>().ok());
            }
            if !manufactures && keys.level(row) == Some(Level::Manufacture.word()) {
                continue;
            }
            let Some(key) = keys.key(row) else {
                continue;
            };
            self.figures.insert(
                key,
                Figure {
                    value: values.get(row),
                    declarants: declarants.get(row).unwrap_or(0),
                    expected: attendus.get(row).unwrap_or(0),
                },
            );
        }
        Ok(())
    }

    fn read_quartiles(&mut self, summary: &DataFrame) -> PolarsResult<()> {
        let keys = KeyColumns::of(summary)?;
        let counts = summary.column("manufactures")?.u32()?.clone();
        let five: Vec<Float64Chunked> = ["min", "q1", "mediane", "q3", "max"]
            .iter()
            .map(|name| summary.column(name).and_then(|c| c.f64().cloned()))
            .collect::<PolarsResult<_>>()?;
        for row in 0..summary.height() {
            let Some(key) = keys.key(row) else { continue };
            let values = [0, 1, 2, 3, 4].map(|i| five[i].get(row).unwrap_or(f64::NAN));
            self.quartiles.insert(
                key,
                Quartiles {
                    count: counts.get(row).unwrap_or(0),
                    five: values,
                },
            );
        }
        Ok(())
    }

    fn read_ranks(&mut self, ranks: &DataFrame) -> PolarsResult<()> {
        let keys = KeyColumns::of(ranks)?;
        let manufactures = ranks.column("manufacture")?.str()?.clone();
        let values = ranks.column("valeur")?.f64()?.clone();
        let rank = ranks.column("rang")?.u32()?.clone();
        let out_of = ranks.column("sur")?.u32()?.clone();
        for row in 0..ranks.height() {
            let Some(key) = keys.key(row) else { continue };
            self.rankings.entry(key).or_default().push(Ranked {
                manufacture: manufactures.get(row).unwrap_or_default().to_string(),
                value: values.get(row).unwrap_or(f64::NAN),
                rank: rank.get(row).unwrap_or(0),
                out_of: out_of.get(row).unwrap_or(0),
            });
        }
        Ok(())
    }

    fn read_compositions(&mut self, definitions: &Definitions, inputs: &Inputs) -> Result<()> {
        let Some(indicator) = definitions
            .indicators
            .iter()
            .find(|i| matches!(i.kind, Kind::Evenness { .. }))
        else {
            return Ok(());
        };
        let Kind::Evenness { categories, .. } = &indicator.kind else {
            return Ok(());
        };
        let frame = monthly_components(indicator, definitions, inputs)?;
        let mut read = || -> PolarsResult<()> {
            let ids = frame.column("id_manufacture")?.str()?.clone();
            let months = frame.column("mois")?.str()?.clone();
            let counts: Vec<Float64Chunked> = (0..categories.len())
                .map(|i| frame.column(&component(i)).and_then(|c| c.f64().cloned()))
                .collect::<PolarsResult<_>>()?;
            for row in 0..frame.height() {
                let (Some(id), Some(Ok(month))) =
                    (ids.get(row), months.get(row).map(str::parse::<Month>))
                else {
                    continue;
                };
                let values = counts.iter().map(|c| c.get(row).unwrap_or(0.0)).collect();
                self.compositions.insert((id.to_string(), month), values);
            }
            Ok(())
        };
        read().map_err(|e| internal(&e))?;
        self.composition = Some((indicator.id.clone(), categories.clone()));
        Ok(())
    }
}

fn internal(err: &PolarsError) -> Error {
    Error::internal("rapports", err)
}

/// Where a value stands among ranked values, 0 (lowest) to 100 (highest); tied values share
/// the middle of their places, so many zeros do not all rank high.
pub fn percentile_rank(ranked: &[Ranked], value: f64) -> Option<f64> {
    let n = ranked.len();
    if n == 0 {
        return None;
    }
    if n == 1 {
        return Some(50.0);
    }
    let below = ranked.iter().filter(|r| r.value < value).count() as f64;
    let equal = ranked.iter().filter(|r| r.value == value).count().max(1) as f64;
    Some(100.0 * (below + (equal - 1.0) / 2.0) / (n - 1) as f64)
}
