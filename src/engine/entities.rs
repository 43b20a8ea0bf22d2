//! Manufactures into the entities of a level (département, région, filière, wave, nation).

use std::collections::HashMap;

use polars::prelude::*;

use super::cell::{CELL, Grid, labels_by_number, owner_of, period_of};
use super::{ENTITY, ENTITY_KEY, EXPECTED, ID, INDEX, Level};
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

/// One level's entities by manufacture, expected coverage per cell, and labels.
pub(super) struct LevelMaps {
    /// The entity's number of each manufacture, by the manufacture's index.
    entity_of: Vec<u32>,
    /// The level's cells: its entities × the periods.
    grid: Grid,
    /// How many manufactures each cell expects, by place in the grid.
    pub expected: Vec<u32>,
    /// The entities' labels, by number.
    pub labels: Series,
}

impl LevelMaps {
    /// The maps of a level whose manufactures are in `entities` (from [`entity_map`]), with
    /// the expected coverage per cell (`__cellule`, `attendus`) over `periods` periods.
    pub fn new(entities: &DataFrame, expected: &DataFrame, periods: usize) -> PolarsResult<Self> {
        let mut entity_of = vec![0; entities.height()];
        let indexes = entities.column(INDEX)?.u32()?;
        let numbers = entities.column(ENTITY_KEY)?.u32()?;
        for (index, number) in indexes.iter().zip(numbers.iter()) {
            if let (Some(index), Some(number)) = (index, number) {
                entity_of[index as usize] = number;
            }
        }
        let labels = labels_by_number(entities, ENTITY_KEY, ENTITY)?;
        let grid = Grid::new(labels.len(), periods);
        let mut by_place = vec![0; grid.cells()];
        let cells = expected.column(CELL)?.u64()?;
        let counts = expected.column(EXPECTED)?.u32()?;
        for (cell, count) in cells.iter().zip(counts.iter()) {
            if let (Some(cell), Some(count)) = (cell, count) {
                by_place[grid.place(owner_of(cell), period_of(cell))] = count;
            }
        }
        Ok(LevelMaps {
            entity_of,
            grid,
            expected: by_place,
            labels,
        })
    }

    /// The level's cells.
    pub fn grid(&self) -> Grid {
        self.grid
    }

    /// The place in the level's grid of a manufacture's cell (its index and a period).
    pub fn place_of_manufacture_cell(&self, cell: u64) -> usize {
        let entity = self.entity_of[owner_of(cell) as usize];
        self.grid.place(entity, period_of(cell))
    }
}
