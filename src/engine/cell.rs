//! A cell of the engine (a manufacture or an entity, and a period) as one number: the owner's
//! number in the high 32 bits, the period's in the low 32. Polars groups, joins and sorts on
//! one integer column far faster than on two (two keys are encoded into rows of bytes and
//! compared with `memcmp`; profiled at 3,500 places: most of the roll-up's time), and sorting
//! on this number is sorting by owner, then period.

use polars::prelude::*;

use crate::month::Month;

/// The column holding a cell's number.
pub(super) const CELL: &str = "__cellule";

const LOW: u64 = u32::MAX as u64;

/// The number of the cell of `owner` and `period`.
pub(super) fn cell_of(owner: u32, period: u32) -> u64 {
    (u64::from(owner) << 32) | u64::from(period)
}

/// The owner (a manufacture's index or an entity's number) of a cell.
pub(super) fn owner_of(cell: u64) -> u32 {
    (cell >> 32) as u32
}

/// The period's number of a cell.
pub(super) fn period_of(cell: u64) -> u32 {
    (cell & LOW) as u32
}

/// A month's number counted from `first` (the first month of the data), if it is not before.
pub(super) fn month_number(first: Month, month: Month) -> Option<u32> {
    u32::try_from(first.months_until(month)).ok()
}

/// The expression of a cell's number, [`CELL`], from an owner's and a period's numbers.
pub(super) fn cell_expr(owner: Expr, period: Expr) -> Expr {
    (owner.cast(DataType::UInt64) * lit(LOW + 1) + period.cast(DataType::UInt64)).alias(CELL)
}

/// The expression of the owner of a cell, as a `u64`.
pub(super) fn owner_expr(cell: Expr) -> Expr {
    cell / lit(LOW + 1)
}

/// The expression of the period's number of a cell, as a `u32`.
pub(super) fn period_expr(cell: Expr) -> Expr {
    (cell % lit(LOW + 1)).cast(DataType::UInt32)
}

/// The cells of a level as places in a grid, entity after entity, each with every period in
/// order.
#[derive(Debug, Clone, Copy)]
pub(super) struct Grid {
    entities: usize,
    periods: usize,
}

impl Grid {
    /// The grid of this many entities and periods.
    pub fn new(entities: usize, periods: usize) -> Self {
        Grid { entities, periods }
    }

    /// How many cells (places) it has.
    pub fn cells(self) -> usize {
        self.entities * self.periods
    }

    /// The place of an entity's period.
    pub fn place(self, entity: u32, period: u32) -> usize {
        entity as usize * self.periods + period as usize
    }

    /// The entity's and the period's numbers of a place.
    pub fn entity_and_period(self, place: usize) -> (IdxSize, IdxSize) {
        (
            (place / self.periods) as IdxSize,
            (place % self.periods) as IdxSize,
        )
    }
}

/// The labels of a numbered column by number: row `n` holds the label of number `n` (numbers
/// are given in order of first appearance, so they run from 0 without a gap).
pub(super) fn labels_by_number(
    frame: &DataFrame,
    number: &str,
    label: &str,
) -> PolarsResult<Series> {
    let numbers = frame.column(number)?.u32()?;
    let labels = frame.column(label)?.str()?;
    let mut by_number: Vec<Option<&str>> = Vec::new();
    for (n, text) in numbers.iter().zip(labels.iter()) {
        let Some(n) = n else { continue };
        let n = n as usize;
        if by_number.len() <= n {
            by_number.resize(n + 1, None);
        }
        by_number[n] = text;
    }
    Ok(Series::new(label.into(), by_number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_its_owner_then_its_period_and_sorts_that_way() {
        let cell = cell_of(3_499, 301);
        assert_eq!((owner_of(cell), period_of(cell)), (3_499, 301));
        let extremes = cell_of(u32::MAX, u32::MAX);
        assert_eq!(
            (owner_of(extremes), period_of(extremes)),
            (u32::MAX, u32::MAX)
        );
        // Owner first: a later period of an earlier owner sorts before the next owner.
        assert!(cell_of(1, u32::MAX) < cell_of(2, 0));
        assert!(cell_of(2, 0) < cell_of(2, 1));
    }

    #[test]
    fn the_expression_gives_the_same_numbers() {
        let frame = df!("o" => [0u32, 7, u32::MAX], "p" => [5u32, 0, 9]).unwrap();
        let frame = frame
            .lazy()
            .select([
                cell_expr(col("o"), col("p")),
                owner_expr(cell_expr(col("o"), col("p"))).alias("owner"),
                period_expr(cell_expr(col("o"), col("p"))).alias("period"),
            ])
            .collect()
            .unwrap();
        let cells: Vec<u64> = frame
            .column(CELL)
            .unwrap()
            .u64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(cells, [cell_of(0, 5), cell_of(7, 0), cell_of(u32::MAX, 9)]);
        let owners: Vec<u64> = frame
            .column("owner")
            .unwrap()
            .u64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(owners, [0, 7, u64::from(u32::MAX)]);
        let periods: Vec<u32> = frame
            .column("period")
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(periods, [5, 0, 9]);
    }

    #[test]
    fn a_grid_holds_each_entity_s_periods_in_order() {
        let grid = Grid::new(3, 4);
        assert_eq!(grid.cells(), 12);
        assert_eq!(grid.place(0, 0), 0);
        assert_eq!(grid.place(1, 3), 7);
        assert_eq!(grid.place(2, 0), 8);
        for place in 0..grid.cells() {
            let (entity, period) = grid.entity_and_period(place);
            assert_eq!(grid.place(entity, period), place);
        }
    }

    #[test]
    fn labels_are_found_by_their_number() {
        let frame = df!("k" => [1u32, 0, 1, 2], "l" => ["b", "a", "b", "c"]).unwrap();
        let labels = labels_by_number(&frame, "k", "l").unwrap();
        let labels: Vec<Option<&str>> = labels.str().unwrap().iter().collect();
        assert_eq!(labels, [Some("a"), Some("b"), Some("c")]);
    }
}
