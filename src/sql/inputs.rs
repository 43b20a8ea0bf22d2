//! The relations the query reads: the registry (each manufacture's entity at every level and
//! its months open), the periods of the data, who declared which table in which month, and the
//! tables' rows from the Parquet files the manifest names.

use std::collections::BTreeSet;
use std::path::Path;

use polars::prelude::*;

use super::{Dialect, literal, sql_type, text_type};
use crate::definitions::{ColumnType, Table};
use crate::engine::{Level, Per, periods_of_months};
use crate::error::{Error, Result};
use crate::month::Month;
use crate::registry::Registry;
use crate::store::{DECLARED_TABLE_COLUMN, MANUFACTURE_COLUMN, MONTH_COLUMN, Snapshot};

/// Writes the input relations for one dialect and one store.
pub(super) struct Inputs<'a> {
    pub(super) dialect: Dialect,
    pub(super) snapshot: &'a Snapshot,
    pub(super) store_root: &'a Path,
    pub(super) root: String,
}

impl Inputs<'_> {
    /// A text literal.
    fn text(&self, value: &str) -> String {
        literal(value, self.dialect)
    }

    fn optional_text(&self, value: Option<&str>) -> String {
        match value {
            Some(value) => self.text(value),
            None => format!("CAST(NULL AS {})", text_type(self.dialect)),
        }
    }

    /// An inline table.
    fn values(&self, rows: &[Vec<String>], alias: &str, columns: &[&str]) -> String {
        let rows: Vec<String> = rows
            .iter()
            .map(|row| format!("  ({})", row.join(", ")))
            .collect();
        let columns = columns.join(", ");
        match self.dialect {
            Dialect::DuckDb => format!(
                "SELECT * FROM (VALUES\n{}\n) AS {alias}({columns})",
                rows.join(",\n")
            ),
            Dialect::Spark => format!(
                "SELECT * FROM VALUES\n{}\nAS {alias}({columns})",
                rows.join(",\n")
            ),
        }
    }

    /// Each manufacture with its entity at every level and its months open.
    pub(super) fn registry(&self, registry: &Registry) -> String {
        let rows: Vec<Vec<String>> = registry
            .manufactures()
            .iter()
            .map(|m| {
                vec![
                    self.text(&m.id),
                    self.text(&Level::Departement.entity_of(m)),
                    self.text(&Level::Region.entity_of(m)),
                    self.text(&Level::Filiere.entity_of(m)),
                    self.text(&Level::Wave.entity_of(m)),
                    self.text(&m.opened.to_string()),
                    self.optional_text(m.closed.map(|f| f.to_string()).as_deref()),
                ]
            })
            .collect();
        if rows.is_empty() {
            return format!(
                "SELECT CAST(NULL AS {t}) AS id_manufacture, CAST(NULL AS {t}) AS departement, CAST(NULL AS {t}) AS region, CAST(NULL AS {t}) AS filiere, CAST(NULL AS {t}) AS vague, CAST(NULL AS {t}) AS ouverture, CAST(NULL AS {t}) AS fermeture WHERE 1 = 0",
                t = text_type(self.dialect)
            );
        }
        self.values(
            &rows,
            "r",
            &[
                "id_manufacture",
                "departement",
                "region",
                "filiere",
                "vague",
                "ouverture",
                "fermeture",
            ],
        )
    }

    /// Every period of every kind that holds a month of the data, as `compute` reports them.
    pub(super) fn periods(&self, first: Month, last: Month) -> String {
        let rows: Vec<Vec<String>> = periods_of_months(&Per::ALL, first, last)
            .into_iter()
            .map(|(month, label)| vec![self.text(&month.to_string()), self.text(&label)])
            .collect();
        self.values(&rows, "p", &["mois", "periode"])
    }

    /// A file's path for the engine.
    fn path(&self, file: &str) -> String {
        format!("{}/{file}", self.root)
    }

    /// Who declared which table in which month.
    pub(super) fn declarations(&self) -> Result<String> {
        let files: Vec<(Month, &str)> = self.snapshot.manifest().declarations_files().collect();
        let columns = [MANUFACTURE_COLUMN, DECLARED_TABLE_COLUMN];
        Ok(match self.dialect {
            Dialect::DuckDb => format!(
                "SELECT {MANUFACTURE_COLUMN}, {MONTH_COLUMN}, {DECLARED_TABLE_COLUMN} FROM {}",
                self.duckdb_files(&files)
            ),
            Dialect::Spark => {
                let selects: Vec<String> = files
                    .iter()
                    .map(|(month, file)| {
                        format!(
                            "SELECT {}, {} AS {MONTH_COLUMN}, {} FROM parquet.`{}`",
                            columns[0],
                            self.text(&month.to_string()),
                            columns[1],
                            self.path(file)
                        )
                    })
                    .collect();
                selects.join("\nUNION ALL ")
            }
        })
    }

    fn duckdb_files(&self, files: &[(Month, &str)]) -> String {
        let paths: Vec<String> = files
            .iter()
            .map(|(_, f)| self.text(&self.path(f)))
            .collect();
        format!(
            "read_parquet([{}], hive_partitioning = true, hive_types = {{'{MONTH_COLUMN}': VARCHAR}}, union_by_name = true)",
            paths.join(", ")
        )
    }

    /// A table's rows: the manufacture, the month, and the columns the indicators read.
    pub(super) fn table(&self, table: &Table, used: &BTreeSet<String>) -> Result<String> {
        let files: Vec<(Month, &str)> = self.snapshot.manifest().table_files(&table.id).collect();
        let typed = |name: &str| -> String {
            let kind = table
                .column(name)
                .map(|c| c.kind)
                .unwrap_or(ColumnType::Text);
            format!("CAST(NULL AS {}) AS {name}", sql_type(kind, self.dialect))
        };
        if files.is_empty() {
            let mut columns = vec![
                format!(
                    "CAST(NULL AS {}) AS {MANUFACTURE_COLUMN}",
                    text_type(self.dialect)
                ),
                format!(
                    "CAST(NULL AS {}) AS {MONTH_COLUMN}",
                    text_type(self.dialect)
                ),
            ];
            columns.extend(used.iter().map(|c| typed(c)));
            return Ok(format!("SELECT {} WHERE 1 = 0", columns.join(", ")));
        }
        let used_list: Vec<&str> = used.iter().map(String::as_str).collect();
        match self.dialect {
            Dialect::DuckDb => {
                let mut columns = vec![MANUFACTURE_COLUMN, MONTH_COLUMN];
                columns.extend(used_list);
                Ok(format!(
                    "SELECT {} FROM {}",
                    columns.join(", "),
                    self.duckdb_files(&files)
                ))
            }
            Dialect::Spark => {
                // Each file's own columns: a file written before the definitions gained a
                // column reads it as empty.
                let mut selects = Vec::new();
                for (month, file) in &files {
                    let present = file_columns(&self.store_root.join(file))?;
                    let mut columns = vec![
                        MANUFACTURE_COLUMN.to_string(),
                        format!("{} AS {MONTH_COLUMN}", self.text(&month.to_string())),
                    ];
                    for column in &used_list {
                        columns.push(if present.contains(*column) {
                            column.to_string()
                        } else {
                            typed(column)
                        });
                    }
                    selects.push(format!(
                        "SELECT {} FROM parquet.`{}`",
                        columns.join(", "),
                        self.path(file)
                    ));
                }
                Ok(selects.join("\nUNION ALL "))
            }
        }
    }
}

/// The columns of a Parquet file, from its footer.
fn file_columns(path: &Path) -> Result<BTreeSet<String>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let schema = ParquetReader::new(file)
        .schema()
        .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

/// Each manufacture's entity at every level.
pub(super) fn levels() -> String {
    let entity = |level: Level| match level {
        Level::Manufacture => "id_manufacture".to_string(),
        Level::Departement => "departement".to_string(),
        Level::Region => "region".to_string(),
        Level::Filiere => "filiere".to_string(),
        Level::Wave => "vague".to_string(),
        Level::National => "'national'".to_string(),
    };
    let selects: Vec<String> = Level::ALL
        .iter()
        .map(|level| {
            format!(
                "SELECT '{}' AS niveau, id_manufacture, {} AS entite FROM registre",
                level.word(),
                entity(*level)
            )
        })
        .collect();
    selects.join("\nUNION ALL ")
}

/// How many manufactures each cell expects: open for at least one of its months in the data.
/// Each manufacture's periods first, then each level counts rows (no distinct count over the
/// months of every level, which took DuckDB gigabytes).
pub(super) fn expected() -> String {
    "SELECT n.niveau, n.entite, o.periode, COUNT(*) AS attendus
FROM (
  SELECT DISTINCT r.id_manufacture, p.periode
  FROM registre r
  JOIN periodes p ON p.mois >= r.ouverture AND (r.fermeture IS NULL OR p.mois <= r.fermeture)
) o
JOIN niveaux n ON n.id_manufacture = o.id_manufacture
GROUP BY n.niveau, n.entite, o.periode"
        .to_string()
}
