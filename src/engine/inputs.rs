//! The engine's inputs: the store's tables of a snapshot, the definitions and the registry.

use std::collections::HashMap;

use polars::prelude::*;

use super::{ID, MONTH, engine_error};
use crate::definitions::{Definitions, table_schema};
use crate::error::Result;
use crate::month::Month;
use crate::store::{DECLARED_TABLE_COLUMN as TABLE_COLUMN, Snapshot, Store};

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

pub(super) fn with_keys(schema: Schema) -> Schema {
    let mut full = Schema::default();
    full.insert(ID.into(), DataType::String);
    full.insert(MONTH.into(), DataType::String);
    full.merge(schema);
    full
}
