//! How one figure was made: its components, the manufactures and months that entered it, the
//! months expected but missing, and the files (name and hash) each month came from.

use polars::prelude::*;

use super::components::component;
use super::rollup::{Grain, base_grain};
use super::{Inputs, Level, Request, compute, engine_error};
use super::{Period, PeriodParseError};
use crate::definitions::{Definitions, Indicator, Kind};
use crate::error::{Error, Result};
use crate::month::Month;
use crate::registry::{ManufactureId, Registry};
use crate::store::{Store, TableSource};

/// One manufacture's month that entered a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// The manufacture.
    pub manufacture: String,
    /// The month.
    pub month: Month,
    /// Its components, in [`Explanation::component_names`] order.
    pub components: Vec<f64>,
    /// The files its tables came from (a quotient reads two), when known.
    pub sources: Vec<TableSource>,
}

/// A month a quotient's side was reported for while the other was not: it enters neither side.
#[derive(Debug, Clone, PartialEq)]
pub struct OneSided {
    /// The manufacture.
    pub manufacture: String,
    /// The month.
    pub month: Month,
    /// The side's indicator that has the month.
    pub reported: String,
    /// The side's indicator that lacks it.
    pub lacking: String,
}

/// How one figure was made.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The indicator.
    pub indicator: Indicator,
    /// The figure, if it can be computed.
    pub value: Option<f64>,
    /// Manufactures that reported in the period.
    pub declarants: u32,
    /// Manufactures expected to.
    pub expected: u32,
    /// What each component is.
    pub component_names: Vec<String>,
    /// Each (manufacture, month) that entered the figure.
    pub contributions: Vec<Contribution>,
    /// Months expected (the manufacture was open) but not reported.
    pub missing: Vec<(ManufactureId, Month)>,
    /// For a quotient, the months only one side was reported for (left out of both).
    pub one_sided: Vec<OneSided>,
}

/// What each component of an indicator is, in French.
pub fn component_names(indicator: &Indicator) -> Vec<String> {
    match &indicator.kind {
        Kind::Sum { value } => vec![format!("Σ {}", value.text)],
        Kind::Stock { value, .. } => vec![format!("Σ {} du mois", value.text)],
        Kind::Ratio {
            numerator,
            denominator,
            ..
        } => vec![
            format!("Σ {}", numerator.text),
            format!("Σ {}", denominator.text),
        ],
        Kind::Share { value, part, .. } => vec![
            format!("Σ {} où {}", value.text, part.text),
            format!("Σ {}", value.text),
        ],
        Kind::WeightedMean { value, weight } => vec![
            format!("Σ {} × {}", value.text, weight.text),
            format!("Σ {}", weight.text),
        ],
        Kind::Evenness {
            categories, weight, ..
        } => categories
            .iter()
            .map(|c| format!("Σ {} « {c} »", weight.text))
            .collect(),
        Kind::Quotient {
            numerator,
            denominator,
            ..
        } => [numerator, denominator]
            .iter()
            .map(|side| format!("{} ({}, table {})", side.name, side.id, side.table))
            .collect(),
    }
}

/// Which figure to explain.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// The indicator's id.
    pub indicator: &'a str,
    /// The level.
    pub level: Level,
    /// The entity at that level.
    pub entity: &'a str,
    /// The period's label (normalized).
    pub period: &'a str,
}

/// Explains the figure of one indicator for one entity and period.
pub fn explain(
    definitions: &Definitions,
    registry: &Registry,
    store: Option<&Store>,
    inputs: &Inputs,
    question: Question,
) -> Result<Explanation> {
    let Question {
        indicator: indicator_id,
        level,
        entity,
        period,
    } = question;
    let parsed: Period = period
        .parse()
        .map_err(|e: PeriodParseError| Error::Usage(e.to_string()))?;
    let (per, months) = (parsed.per(), parsed.months());
    let request = Request {
        levels: vec![level],
        periods: vec![per],
        indicators: vec![indicator_id.to_string()],
        period: Some(parsed),
    };
    let figures = compute(definitions, registry, inputs, &request)?;
    let indicator = definitions
        .indicator(indicator_id)
        .expect("checked by compute")
        .clone();
    let members: Vec<&str> = level
        .members(registry, entity)
        .map(|m| m.id.as_str())
        .collect();
    if members.is_empty() {
        return Err(Error::Usage(format!(
            "aucune manufacture dans l'entité « {entity} » au niveau {level}"
        )));
    }
    let (value, declarants, attendus) = cell(&figures, entity).map_err(|e| engine_error(&e))?;
    let base = base_grain(&indicator, definitions, inputs, Grain::Named)
        .and_then(LazyFrame::collect)
        .map_err(|e| engine_error(&e))?;
    let count = component_names(&indicator).len();
    let ids = base
        .column("id_manufacture")
        .and_then(|c| c.str().cloned())
        .map_err(|e| engine_error(&e))?;
    let base_months = base
        .column("mois")
        .and_then(|c| c.str().cloned())
        .map_err(|e| engine_error(&e))?;
    let columns: Vec<Float64Chunked> = (0..count)
        .map(|i| base.column(&component(i)).and_then(|c| c.f64().cloned()))
        .collect::<PolarsResult<_>>()
        .map_err(|e| engine_error(&e))?;
    let mut contributions = Vec::new();
    for row in 0..base.height() {
        let (Some(id), Some(Ok(month))) =
            (ids.get(row), base_months.get(row).map(str::parse::<Month>))
        else {
            continue;
        };
        if !members.contains(&id) || !months.contains(&month) {
            continue;
        }
        let sources = match store {
            Some(store) => {
                let mut all = store.sources(id, month)?;
                let mut found: Vec<TableSource> = indicator
                    .tables()
                    .iter()
                    .filter_map(|table| all.remove(*table))
                    .collect();
                // Both sides of a workbook's month come from the same file: told once.
                found.dedup_by(|a, b| a.hash == b.hash);
                found
            }
            None => Vec::new(),
        };
        let components = columns.iter().map(|c| c.get(row).unwrap_or(0.0)).collect();
        contributions.push(Contribution {
            manufacture: id.to_string(),
            month,
            components,
            sources,
        });
    }
    contributions.sort_by(|a, b| (&a.manufacture, a.month).cmp(&(&b.manufacture, b.month)));
    let missing: Vec<(ManufactureId, Month)> = registry
        .manufactures()
        .iter()
        .filter(|m| members.contains(&m.id.as_str()))
        .flat_map(|m| {
            months
                .iter()
                .filter(|month| m.is_open(**month))
                .map(move |month| (m.id.clone(), *month))
        })
        .filter(|(id, month)| {
            !contributions
                .iter()
                .any(|c| *id == c.manufacture && c.month == *month)
        })
        .collect();
    let in_cell = |id: &str, month: Month| members.contains(&id) && months.contains(&month);
    let one_sided = one_sided_months(&indicator, definitions, inputs, &in_cell)?;
    // A month one side has is received, in part: it is told apart, not listed as missing.
    let missing: Vec<(ManufactureId, Month)> = missing
        .into_iter()
        .filter(|(id, month)| {
            !one_sided
                .iter()
                .any(|o| *id == o.manufacture && o.month == *month)
        })
        .collect();
    Ok(Explanation {
        one_sided,
        component_names: component_names(&indicator),
        indicator,
        value,
        declarants,
        expected: attendus,
        contributions,
        missing,
    })
}

/// The months of the cell that only one side of a quotient was reported for (none for other
/// kinds).
fn one_sided_months(
    indicator: &Indicator,
    definitions: &Definitions,
    inputs: &Inputs,
    in_cell: &dyn Fn(&str, Month) -> bool,
) -> Result<Vec<OneSided>> {
    let Kind::Quotient {
        numerator,
        denominator,
        ..
    } = &indicator.kind
    else {
        return Ok(Vec::new());
    };
    let months_of = |side: &Indicator| -> Result<std::collections::BTreeSet<(String, Month)>> {
        let base = base_grain(side, definitions, inputs, Grain::Named)
            .and_then(LazyFrame::collect)
            .map_err(|e| engine_error(&e))?;
        let ids = base.column("id_manufacture").and_then(|c| c.str().cloned());
        let months = base.column("mois").and_then(|c| c.str().cloned());
        let (ids, months) = (
            ids.map_err(|e| engine_error(&e))?,
            months.map_err(|e| engine_error(&e))?,
        );
        Ok(ids
            .iter()
            .zip(months.iter())
            .filter_map(|(id, month)| Some((id?.to_string(), month?.parse::<Month>().ok()?)))
            .filter(|(id, month)| in_cell(id, *month))
            .collect())
    };
    let (top, bottom) = (months_of(numerator)?, months_of(denominator)?);
    let only = |have: &std::collections::BTreeSet<(String, Month)>,
                lack: &std::collections::BTreeSet<(String, Month)>,
                reported: &Indicator,
                lacking: &Indicator| {
        have.difference(lack)
            .map(|(id, month)| OneSided {
                manufacture: id.clone(),
                month: *month,
                reported: reported.id.clone(),
                lacking: lacking.id.clone(),
            })
            .collect::<Vec<_>>()
    };
    let mut out = only(&top, &bottom, numerator, denominator);
    out.extend(only(&bottom, &top, denominator, numerator));
    out.sort_by(|a, b| (&a.manufacture, a.month).cmp(&(&b.manufacture, b.month)));
    Ok(out)
}

fn cell(figures: &DataFrame, entity: &str) -> PolarsResult<(Option<f64>, u32, u32)> {
    let entities = figures.column("entite")?.str()?;
    let Some(row) = (0..figures.height()).find(|&r| entities.get(r) == Some(entity)) else {
        return Ok((None, 0, 0));
    };
    Ok((
        figures.column("valeur")?.f64()?.get(row),
        figures.column("declarants")?.u32()?.get(row).unwrap_or(0),
        figures.column("attendus")?.u32()?.get(row).unwrap_or(0),
    ))
}
