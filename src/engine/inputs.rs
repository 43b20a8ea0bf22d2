//! The engine's inputs: the store's tables of a snapshot, the definitions and the registry.

use std::collections::HashMap;

use polars::prelude::*;

use super::cell::{cell_of, month_number};
use super::{ID, MONTH, engine_error};
use crate::definitions::{Definitions, table_schema};
use crate::error::Result;
use crate::month::Month;
use crate::registry::Registry;
use crate::store::{DECLARED_TABLE_COLUMN as TABLE_COLUMN, Snapshot, Store};

/// A manufacture-month as one number: the manufacture's index in the registry, and its month
/// counted from the first month of the data (a [cell](super::cell) of a manufacture and a
/// month). Grouping and joining on it is much faster than on two texts (profiled at national
/// scale).
pub(super) const KEY: &str = "__cle";

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

/// The tables with each row's manufacture-month as one number, [`KEY`], in place of
/// `id_manufacture` and `mois` (rows of a manufacture not in the registry are left out).
pub(super) fn numbered(inputs: &Inputs, registry: &Registry, first: Month) -> PolarsResult<Inputs> {
    let number = |frame: &DataFrame| numbered_frame(frame, registry, first);
    Ok(Inputs {
        tables: numbered_map(&inputs.tables, number)?,
        reported: numbered_map(&inputs.reported, number)?,
    })
}

fn numbered_map(
    frames: &HashMap<String, DataFrame>,
    number: impl Fn(&DataFrame) -> PolarsResult<DataFrame>,
) -> PolarsResult<HashMap<String, DataFrame>> {
    frames
        .iter()
        .map(|(table, frame)| Ok((table.clone(), number(frame)?)))
        .collect()
}

/// A frame's `id_manufacture` and `mois` replaced by [`KEY`].
fn numbered_frame(frame: &DataFrame, registry: &Registry, first: Month) -> PolarsResult<DataFrame> {
    let ids = frame.column(ID)?.str()?;
    let months = frame.column(MONTH)?.str()?;
    // A stored month's rows follow each other: its text is parsed once.
    let mut last: Option<(&str, Option<u32>)> = None;
    let mut keys: Vec<Option<u64>> = Vec::with_capacity(frame.height());
    for (id, month) in ids.iter().zip(months.iter()) {
        let number = match (month, last) {
            (Some(text), Some((seen, number))) if seen == text => number,
            (Some(text), _) => {
                let number = text
                    .parse::<Month>()
                    .ok()
                    .and_then(|month| month_number(first, month));
                last = Some((text, number));
                number
            }
            (None, _) => None,
        };
        // The registry's position is the manufacture's index everywhere in the engine.
        let index = id.and_then(|id| registry.position(id));
        keys.push(
            index
                .zip(number)
                .map(|(index, number)| cell_of(index as u32, number)),
        );
    }
    let keys = UInt64Chunked::from_iter_options(KEY.into(), keys.into_iter());
    let unknown = keys.null_count() > 0;
    let mut out = frame.drop_many([ID, MONTH]);
    out.with_column(keys.into_column())?;
    if unknown {
        out = out.lazy().filter(col(KEY).is_not_null()).collect()?;
    }
    Ok(out)
}

pub(super) fn with_keys(schema: Schema) -> Schema {
    let mut full = Schema::default();
    full.insert(ID.into(), DataType::String);
    full.insert(MONTH.into(), DataType::String);
    full.merge(schema);
    full
}
