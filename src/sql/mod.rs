//! `mesure sql`: the standard SQL that computes, on another engine, the same long-form rows as
//! `mesure compute` (every level and every kind of period, coverage included), over the
//! store's current files and the registry, so that a network that outgrows one machine runs
//! the same definitions on DuckDB, Spark SQL or Trino.
//!
//! The query reads the Parquet files the manifest names (never a folder, which may hold a file
//! a crashed writer left), the declarations for coverage, and carries the registry and the
//! periods of the data as inline tables. Each indicator follows the engine's path: components
//! per manufacture and declared month (a declared month without a row counts zero), rolled up
//! per level, entity and period (a stock's months summarised per manufacture first), then the
//! formula once per cell: Σ numerators / Σ denominators, never a mean of ratios.
//!
//! This module writes the query's frame; `inputs.rs` the relations it reads (the registry, the
//! periods, the declarations, the tables), `indicator.rs` each indicator's relations.

mod indicator;
mod inputs;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::definitions::{ColumnType, Definitions, Indicator, Kind};
use crate::engine::indicators_by_id;
use crate::error::{Error, Result};
use crate::month::Month;
use crate::registry::Registry;
use crate::store::{DECLARED_TABLE_COLUMN, MONTH_COLUMN, Snapshot, Store};
use polars::prelude::PolarsError;

use indicator::indicator_ctes;
use inputs::{Inputs, expected, levels};

/// The SQL engine the query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB: files read with `read_parquet`, the month from the folder (`hive_partitioning`).
    DuckDb,
    /// Spark SQL: each file read as `parquet.\`path\``, its month written beside it.
    Spark,
}

impl std::str::FromStr for Dialect {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "duckdb" => Ok(Dialect::DuckDb),
            "spark" => Ok(Dialect::Spark),
            _ => Err(format!("« {text} » : duckdb ou spark attendu")),
        }
    }
}

/// What to write.
#[derive(Debug, Clone)]
pub struct SqlRequest {
    /// The engine.
    pub dialect: Dialect,
    /// The indicators by id (all when empty).
    pub indicators: Vec<String>,
    /// Where the engine finds the store (`s3://bucket/store`), if not at its path here.
    pub root: Option<String>,
}

/// The query for a workspace's store, definitions and registry.
pub fn write_sql(
    definitions: &Definitions,
    registry: &Registry,
    store: &Store,
    request: &SqlRequest,
) -> Result<String> {
    let indicators = indicators_by_id(definitions, &request.indicators)?;
    let snapshot = store.snapshot()?;
    let root = match &request.root {
        Some(root) => root.trim_end_matches('/').to_string(),
        None => std::fs::canonicalize(store.root())
            .unwrap_or_else(|_| store.root().to_path_buf())
            .display()
            .to_string(),
    };
    let writer = Inputs {
        dialect: request.dialect,
        snapshot: &snapshot,
        store_root: store.root(),
        root,
    };
    let range = data_range(&snapshot, definitions)?;
    let mut sql = format!(
        "-- mesure sql ({}) : les lignes de « mesure compute » (tous niveaux, toutes périodes)\n-- stockage : {}, manifeste de génération {}\n",
        match request.dialect {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
        },
        writer.root,
        snapshot.manifest().generation
    );
    let Some((first, last)) = range else {
        sql.push_str("-- aucune donnée : le résultat est vide\n");
        sql.push_str(&empty_result(request.dialect));
        return Ok(sql);
    };
    let _ = writeln!(sql, "-- données de {first} à {last}");
    sql.push_str("WITH\n");
    let mut ctes = vec![
        ("registre".to_string(), writer.registry(registry)),
        ("niveaux".to_string(), levels()),
        ("periodes".to_string(), writer.periods(first, last)),
        ("declarations".to_string(), writer.declarations()?),
        ("attendus".to_string(), expected()),
    ];
    let readers = table_readers(&indicators);
    let tables: BTreeSet<&str> = readers.iter().map(|i| i.table.as_str()).collect();
    for table in tables {
        let definition = definitions.table(table).ok_or_else(|| {
            Error::internal(
                "requête SQL",
                format!("table « {table} » inconnue des définitions"),
            )
        })?;
        let used = used_columns(&readers, table);
        ctes.push((table_cte(table), writer.table(definition, &used)?));
    }
    let mut outputs = Vec::new();
    for (n, indicator) in indicators.iter().enumerate() {
        let name = format!("i{n}");
        ctes.extend(indicator_ctes(indicator, &name, request.dialect));
        outputs.push(name);
    }
    let body: Vec<String> = ctes
        .iter()
        .map(|(name, query)| format!("{name} AS (\n{query}\n)"))
        .collect();
    sql.push_str(&body.join(",\n"));
    sql.push('\n');
    let selects: Vec<String> = outputs
        .iter()
        .map(|name| format!("SELECT * FROM {name}"))
        .collect();
    sql.push_str(&selects.join("\nUNION ALL\n"));
    sql.push('\n');
    Ok(sql)
}

/// The first and last months declared for a table of the definitions (the engine's range).
fn data_range(snapshot: &Snapshot, definitions: &Definitions) -> Result<Option<(Month, Month)>> {
    let declared = snapshot.declarations()?;
    let tables: BTreeSet<&str> = definitions.tables.iter().map(|t| t.id.as_str()).collect();
    let broken = |e: PolarsError| Error::internal("lecture des déclarations", e);
    let ids = declared
        .column(DECLARED_TABLE_COLUMN)
        .and_then(|c| c.str().cloned())
        .map_err(broken)?;
    let months = declared
        .column(MONTH_COLUMN)
        .and_then(|c| c.str().cloned())
        .map_err(broken)?;
    let months: Vec<Month> = ids
        .iter()
        .zip(months.iter())
        .filter(|(table, _)| table.is_some_and(|t| tables.contains(t)))
        .filter_map(|(_, month)| month?.parse().ok())
        .collect();
    Ok(months
        .iter()
        .min()
        .copied()
        .zip(months.iter().max().copied()))
}

/// The name of a table's relation in the query.
fn table_cte(table: &str) -> String {
    format!("t_{table}")
}

/// The indicators that read tables: the selected ones, a quotient replaced by its two sides.
fn table_readers<'a>(indicators: &[&'a Indicator]) -> Vec<&'a Indicator> {
    indicators
        .iter()
        .flat_map(|indicator| match &indicator.kind {
            Kind::Quotient {
                numerator,
                denominator,
                ..
            } => vec![numerator.as_ref(), denominator.as_ref()],
            _ => vec![*indicator],
        })
        .collect()
}

/// The columns of a table that the selected indicators read (quotients given by their sides).
fn used_columns(indicators: &[&Indicator], table: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for indicator in indicators.iter().filter(|i| i.table == table) {
        if let Some(filter) = &indicator.filter {
            used.extend(filter.columns.iter().cloned());
        }
        match &indicator.kind {
            Kind::Sum { value } | Kind::Stock { value, .. } => {
                used.extend(value.columns.iter().cloned());
            }
            Kind::Ratio {
                numerator,
                denominator,
                ..
            } => {
                used.extend(numerator.columns.iter().cloned());
                used.extend(denominator.columns.iter().cloned());
            }
            Kind::Share { value, part, .. } => {
                used.extend(value.columns.iter().cloned());
                used.extend(part.columns.iter().cloned());
            }
            Kind::WeightedMean { value, weight } => {
                used.extend(value.columns.iter().cloned());
                used.extend(weight.columns.iter().cloned());
            }
            Kind::Evenness { column, weight, .. } => {
                used.insert(column.clone());
                used.extend(weight.columns.iter().cloned());
            }
            Kind::Quotient { .. } => {} // read through its sides
        }
    }
    used
}

/// A text literal.
fn literal(value: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::DuckDb => format!("'{}'", value.replace('\'', "''")),
        // Spark reads backslash escapes, and joins two adjacent literals into one.
        Dialect::Spark => format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'")),
    }
}

fn text_type(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::DuckDb => "VARCHAR",
        Dialect::Spark => "STRING",
    }
}

fn sql_type(kind: ColumnType, dialect: Dialect) -> &'static str {
    match kind {
        ColumnType::Text | ColumnType::Category => text_type(dialect),
        ColumnType::Integer => "BIGINT",
        ColumnType::Decimal => "DOUBLE",
        ColumnType::Date => "DATE",
        ColumnType::Boolean => "BOOLEAN",
    }
}

/// The output's columns with no row.
fn empty_result(dialect: Dialect) -> String {
    let t = text_type(dialect);
    format!(
        "SELECT CAST(NULL AS {t}) AS indicateur, CAST(NULL AS {t}) AS niveau, CAST(NULL AS {t}) AS entite, CAST(NULL AS {t}) AS periode, CAST(NULL AS DOUBLE) AS valeur, CAST(NULL AS {t}) AS unite, CAST(0 AS BIGINT) AS declarants, CAST(0 AS BIGINT) AS attendus WHERE 1 = 0\n"
    )
}
