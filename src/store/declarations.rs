//! The declared months, a table of the store like the others (`declarations/mois=AAAA-MM/`):
//! one row per manufacture and table declared that month, with the file it came from, its row
//! count and the totals of its numeric columns. Coverage (who declared which month) needs
//! nothing else, so another engine computes it from the store's files and the registry; the
//! warning that compares a month with the previous one reads these totals, never the tables.

use std::collections::BTreeMap;

use polars::prelude::*;

/// The columns of a declarations file.
pub const MANUFACTURE: &str = "id_manufacture";
/// The table declared.
pub const TABLE: &str = "id_table";
const FILE: &str = "fichier";
const HASH: &str = "empreinte";
const ROWS: &str = "lignes";
const TOTALS: &str = "totaux";

/// What a manufacture declared for one table of one month.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    /// The file's name as uploaded.
    pub file: String,
    /// Its SHA-256, the name of its raw copy.
    pub hash: String,
    /// How many rows the table has.
    pub rows: u64,
    /// The total of each numeric column.
    pub totals: Totals,
}

/// The totals of a declaration's numeric columns: as computed, or as read from the store
/// (kept as their JSON text until asked for: a change rewrites every declaration of the months
/// it touches, and most are never looked at).
#[derive(Debug, Clone, PartialEq)]
pub enum Totals {
    /// Computed from the rows.
    Computed(BTreeMap<String, f64>),
    /// As stored, in JSON.
    Stored(String),
}

impl Totals {
    /// The totals by column.
    pub fn by_column(&self) -> BTreeMap<String, f64> {
        match self {
            Totals::Computed(totals) => totals.clone(),
            Totals::Stored(text) => serde_json::from_str(text).unwrap_or_default(),
        }
    }

    fn to_json(&self) -> String {
        match self {
            Totals::Computed(totals) => serde_json::to_string(totals).expect("totals serialize"),
            Totals::Stored(text) => text.clone(),
        }
    }
}

/// The declarations of one month, by (manufacture, table).
pub type MonthDeclarations = BTreeMap<(String, String), Declaration>;

/// One manufacture's declarations of a month, by table: a range of the map, not a scan of it
/// (a network's month has thousands of declarations, and each file looks up its own).
pub fn of_manufacture<'a>(
    declarations: &'a MonthDeclarations,
    manufacture: &str,
) -> impl Iterator<Item = (&'a String, &'a Declaration)> {
    let start = (manufacture.to_string(), String::new());
    let manufacture = manufacture.to_string();
    declarations
        .range(start..)
        .take_while(move |((id, _), _)| *id == manufacture)
        .map(|((_, table), declaration)| (table, declaration))
}

/// The totals of a table's numeric columns (the source line column aside).
pub fn totals_of(frame: &DataFrame) -> BTreeMap<String, f64> {
    frame
        .columns()
        .iter()
        .filter(|c| {
            c.dtype().is_primitive_numeric() && c.name().as_str() != crate::definitions::LINE_COLUMN
        })
        .filter_map(|c| Some((c.name().to_string(), column_sum(c)?)))
        .collect()
}

/// A numeric column's sum. The usual types are summed as they are: a national CSV file has
/// millions of small frames, and a cast per column per frame was a large part of its ingest.
pub fn column_sum(column: &Column) -> Option<f64> {
    match column.dtype() {
        DataType::Float64 => column.f64().ok()?.sum(),
        DataType::Int64 => column.i64().ok()?.sum().map(|sum| sum as f64),
        _ => column.cast(&DataType::Float64).ok()?.f64().ok()?.sum(),
    }
}

/// A month's declarations as a frame, sorted by manufacture and table.
pub fn to_frame(declarations: &MonthDeclarations) -> PolarsResult<DataFrame> {
    let size = declarations.len();
    let (mut manufactures, mut tables) = (Vec::with_capacity(size), Vec::with_capacity(size));
    let (mut files, mut hashes) = (Vec::with_capacity(size), Vec::with_capacity(size));
    let (mut rows, mut totals) = (Vec::with_capacity(size), Vec::with_capacity(size));
    for ((manufacture, table), declaration) in declarations {
        manufactures.push(manufacture.as_str());
        tables.push(table.as_str());
        files.push(declaration.file.as_str());
        hashes.push(declaration.hash.as_str());
        rows.push(declaration.rows);
        totals.push(declaration.totals.to_json());
    }
    df!(
        MANUFACTURE => manufactures,
        TABLE => tables,
        FILE => files,
        HASH => hashes,
        ROWS => rows,
        TOTALS => totals,
    )
}

/// A month's declarations read back from their frame.
pub fn from_frame(frame: &DataFrame) -> PolarsResult<MonthDeclarations> {
    let text = |name: &str| -> PolarsResult<Vec<String>> {
        Ok(frame
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    let (manufactures, tables) = (text(MANUFACTURE)?, text(TABLE)?);
    let (files, hashes, totals) = (text(FILE)?, text(HASH)?, text(TOTALS)?);
    let rows: Vec<u64> = frame
        .column(ROWS)?
        .u64()?
        .iter()
        .map(Option::unwrap_or_default)
        .collect();
    let mut declarations = MonthDeclarations::new();
    for i in 0..frame.height() {
        let declaration = Declaration {
            file: files[i].clone(),
            hash: hashes[i].clone(),
            rows: rows[i],
            totals: Totals::Stored(totals[i].clone()),
        };
        declarations.insert((manufactures[i].clone(), tables[i].clone()), declaration);
    }
    Ok(declarations)
}
