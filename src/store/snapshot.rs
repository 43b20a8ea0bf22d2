//! What readers read: one manifest and the files it names ([`Snapshot`]), read in parallel on
//! threads with room for polars' reader, months stacked into one frame with the month as a
//! column.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use super::declarations::{self, MonthDeclarations};
use super::{MANUFACTURE_COLUMN, MONTH_COLUMN, Manifest, Part, io, polars_error};
use crate::error::{Error, Result};
use crate::month::Month;
use crate::registry::ManufactureId;

/// The state of the store a reader reads: one manifest, whose files it reads.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub(super) root: PathBuf,
    pub(super) manifest: Manifest,
}

impl Snapshot {
    /// The manifest read.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// One table of one manufacture's month (`ligne` then the table's columns), `None` if
    /// that month or table is not declared.
    pub fn manufacture_table(
        &self,
        table: &str,
        manufacture: &str,
        month: Month,
    ) -> Result<Option<DataFrame>> {
        if !self
            .declarations_of(month)?
            .contains_key(&(manufacture.to_string(), table.to_string()))
        {
            return Ok(None);
        }
        let rows = match self.manifest.files.get(&Part::table(table, month)) {
            Some(file) => {
                let path = self.root.join(file);
                read_parquet(&path)?
                    .lazy()
                    .filter(col(MANUFACTURE_COLUMN).eq(lit(manufacture)))
                    .select([all().exclude_cols([MANUFACTURE_COLUMN]).as_expr()])
                    .collect()
                    .map_err(|e| polars_error(&path, e))?
            }
            // Declared with no row at all (nothing happened that month).
            None => DataFrame::empty(),
        };
        Ok(Some(rows))
    }

    /// The declarations of one month.
    pub fn declarations_of(&self, month: Month) -> Result<MonthDeclarations> {
        match self.manifest.files.get(&Part::declarations(month)) {
            Some(file) => read_declarations(&self.root.join(file)),
            None => Ok(MonthDeclarations::new()),
        }
    }

    /// Every declared (manufacture, month), sorted.
    pub fn declared_months(&self) -> Result<Vec<(ManufactureId, Month)>> {
        let frames = self.read_part_files(self.manifest.declarations_files())?;
        let mut months = BTreeSet::new();
        for (month, frame) in frames {
            let ids = frame
                .column(declarations::MANUFACTURE)
                .and_then(|c| c.str().cloned())
                .map_err(|e| polars_error(&self.root, e))?;
            for id in ids.iter().flatten() {
                let id = ManufactureId::parse(id)
                    .map_err(|e| Error::internal("déclarations du stockage", e))?;
                months.insert((id, month));
            }
        }
        Ok(months.into_iter().collect())
    }

    /// Every declaration: `id_manufacture`, `mois`, `id_table`, `fichier`, `empreinte`,
    /// `lignes`, `totaux`.
    pub fn declarations(&self) -> Result<DataFrame> {
        let frames = self.read_part_files(self.manifest.declarations_files())?;
        let empty = declarations::to_frame(&MonthDeclarations::new())
            .map_err(|e| polars_error(&self.root, e))?;
        with_months(frames, empty).map_err(|e| polars_error(&self.root, e))
    }

    /// Every row of one table, all months: `id_manufacture`, `mois`, then the file's columns
    /// (`empty`, given the table's columns, when nothing is stored).
    pub fn table(&self, table: &str, empty: DataFrame) -> Result<DataFrame> {
        let frames = self.read_part_files(self.manifest.table_files(table))?;
        with_months(frames, empty).map_err(|e| polars_error(&self.root, e))
    }

    /// Reads files in parallel, keeping their order.
    fn read_part_files<'a>(
        &self,
        files: impl Iterator<Item = (Month, &'a str)>,
    ) -> Result<Vec<(Month, DataFrame)>> {
        let files: Vec<(Month, &str)> = files.collect();
        on_reading_threads(|| {
            files
                .par_iter()
                .map(|(month, file)| Ok((*month, read_parquet(&self.root.join(file))?)))
                .collect()
        })
    }
}

/// The frames of several months as one, with the month as a column after the manufacture;
/// columns missing from some months (the definitions gained a column) are empty there.
fn with_months(frames: Vec<(Month, DataFrame)>, empty: DataFrame) -> PolarsResult<DataFrame> {
    let add_month = |month: Option<Month>, frame: DataFrame| -> PolarsResult<LazyFrame> {
        let month = month.map(|m| m.to_string()).unwrap_or_default();
        let lazy = frame.lazy().with_column(lit(month).alias(MONTH_COLUMN));
        let first = [col(MANUFACTURE_COLUMN), col(MONTH_COLUMN)];
        Ok(lazy.select([
            first[0].clone(),
            first[1].clone(),
            all()
                .exclude_cols([MANUFACTURE_COLUMN, MONTH_COLUMN])
                .as_expr(),
        ]))
    };
    // The empty frame first gives every column its place and type, even when no file has it.
    let mut lazies = vec![add_month(None, empty)?.limit(0)];
    for (month, frame) in frames {
        lazies.push(add_month(Some(month), frame)?);
    }
    let args = UnionArgs {
        diagonal: true,
        to_supertypes: true,
        ..UnionArgs::default()
    };
    concat(lazies, args)?.collect()
}

/// Threads that read stored Parquet files; polars' reader needs more stack than rayon's
/// default 2 MiB.
/// `None` if the threads cannot be made: files are then read one after the other.
fn reading_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(32 << 20)
            .thread_name(|i| format!("mesure-lecture-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs `work` on the reading threads (or here, when they could not be made).
pub(super) fn on_reading_threads<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    match reading_pool() {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// Reads one month's declarations file.
pub(super) fn read_declarations(path: &Path) -> Result<MonthDeclarations> {
    declarations::from_frame(&read_parquet(path)?).map_err(|e| polars_error(path, e))
}

/// Reads one Parquet file of the store.
pub(super) fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = fs::File::open(path).map_err(io(path))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| polars_error(path, e))
}
