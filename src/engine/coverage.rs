//! Coverage of a cell: how many manufactures declared, how many were expected.

use polars::prelude::*;

use super::{ENTITY_KEY, EXPECTED, ID, INDEX, MONTH, PERIOD_KEY};

/// (`entite`, `periode`, `attendus`): manufactures open for at least one month of the cell.
pub(super) fn expected_per_cell(
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
