//! Two sets of figures of the same store side by side (the same cells computed under two
//! sets of definitions and settings): which figures move, per indicator, and by how much.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::{FigureKey, KeyColumns, engine_error};
use crate::error::Result;

/// One figure that is not the same under both sets of definitions.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    /// Indicator, level, entity and period.
    pub key: FigureKey,
    /// Before (`None`: not computable, or no such figure).
    pub before: Option<f64>,
    /// After.
    pub after: Option<f64>,
}

impl Moved {
    /// After minus before, when both exist.
    pub fn difference(&self) -> Option<f64> {
        Some(self.after? - self.before?)
    }

    /// How far it moved, for ranking: the absolute difference, or infinite when a figure
    /// appears or disappears.
    pub fn size(&self) -> f64 {
        self.difference().map_or(f64::INFINITY, f64::abs)
    }
}

/// What moves between two sets of figures.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// Per indicator: how many figures it has (after, or before if it is gone) and its moved
    /// figures, largest first.
    pub indicators: BTreeMap<String, (usize, Vec<Moved>)>,
}

impl Comparison {
    /// Every moved figure, by indicator then largest first.
    pub fn moved(&self) -> impl Iterator<Item = &Moved> {
        self.indicators.values().flat_map(|(_, moved)| moved)
    }
}

/// Two values are the same figure when equal to 12 significant digits (what `compute` keeps).
pub fn same_figure(before: Option<f64>, after: Option<f64>) -> bool {
    match (before, after) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= 1e-11 * a.abs().max(b.abs()),
        _ => false,
    }
}

/// The value of each figure of an output of `compute`, by its key.
pub fn figure_values(frame: &DataFrame) -> Result<BTreeMap<FigureKey, Option<f64>>> {
    let read = || -> PolarsResult<_> {
        let keys = KeyColumns::of(frame)?;
        let value = frame.column("valeur")?.f64()?;
        Ok((0..frame.height())
            .filter_map(|row| Some((keys.key(row)?, value.get(row))))
            .collect())
    };
    read().map_err(|e| engine_error(&e))
}

/// Compares two outputs of `compute` over the same store.
pub fn compare(before: &DataFrame, after: &DataFrame) -> Result<Comparison> {
    let (before, after) = (figure_values(before)?, figure_values(after)?);
    let mut comparison = Comparison::default();
    for (key, value) in &after {
        let entry = comparison
            .indicators
            .entry(key.indicator.clone())
            .or_default();
        entry.0 += 1;
        let old = before.get(key).copied().flatten();
        if !same_figure(old, *value) {
            entry.1.push(Moved {
                key: key.clone(),
                before: old,
                after: *value,
            });
        }
    }
    for (key, value) in before.iter().filter(|(key, _)| !after.contains_key(*key)) {
        let entry = comparison
            .indicators
            .entry(key.indicator.clone())
            .or_default();
        if value.is_some() {
            entry.1.push(Moved {
                key: key.clone(),
                before: *value,
                after: None,
            });
        }
    }
    for (count, moved) in comparison.indicators.values_mut() {
        if *count == 0 {
            *count = moved.len();
        }
        moved.sort_by(|a, b| b.size().total_cmp(&a.size()).then(a.key.cmp(&b.key)));
    }
    Ok(comparison)
}
