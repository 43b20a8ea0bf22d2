//! Manufactures into the entities of a level (département, région, filière, wave, nation).

use std::collections::HashMap;

use polars::prelude::*;

use super::{ENTITY, ENTITY_KEY, ID, INDEX, Level};
use crate::registry::Registry;

/// (`id_manufacture`, `entite`) at one level.
pub(super) fn entity_map(registry: &Registry, level: Level) -> PolarsResult<DataFrame> {
    let manufactures = registry.manufactures();
    df!(
        ID => manufactures.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
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
pub(super) fn number_labels(labels: &[String]) -> Vec<u32> {
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
pub(super) fn labels_of(frame: &DataFrame, key: &str, label: &str) -> PolarsResult<DataFrame> {
    frame
        .select([key, label])?
        .unique_stable(None, UniqueKeepStrategy::First, None)
}

/// One level's entities (with their numbers), expected coverage per cell, and labels.
pub(super) struct LevelMaps {
    /// Each manufacture's entity at the level.
    pub entities: DataFrame,
    /// How many manufactures each entity expects per period.
    pub expected: DataFrame,
    /// The entities' labels.
    pub labels: DataFrame,
}
