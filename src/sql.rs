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

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::*;

use crate::definitions::{ColumnType, Definitions, Indicator, Kind, Table};
use crate::engine::{Level, MonthRule, Per, indicators_by_id, month_rules, periods_of_months};
use crate::error::{Error, Result};
use crate::month::Month;
use crate::registry::Registry;
use crate::store::{DECLARED_TABLE_COLUMN, MANUFACTURE_COLUMN, MONTH_COLUMN, Snapshot, Store};

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
    let writer = Writer {
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

struct Writer<'a> {
    dialect: Dialect,
    snapshot: &'a Snapshot,
    store_root: &'a Path,
    root: String,
}

impl Writer<'_> {
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
    fn registry(&self, registry: &Registry) -> String {
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
    fn periods(&self, first: Month, last: Month) -> String {
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
    fn declarations(&self) -> Result<String> {
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
    fn table(&self, table: &Table, used: &BTreeSet<String>) -> Result<String> {
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

/// Each manufacture's entity at every level.
fn levels() -> String {
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
fn expected() -> String {
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

/// A number from an expression of the definitions (a condition counts 1 or 0).
fn number(text: &str) -> String {
    format!("CAST(({text}) AS DOUBLE)")
}

/// The components of an indicator summed over a manufacture's month, in the engine's order.
fn components(indicator: &Indicator, dialect: Dialect) -> Vec<String> {
    let both = |a: &str, b: &str| format!("({a}) IS NOT NULL AND ({b}) IS NOT NULL");
    match &indicator.kind {
        Kind::Sum { value } | Kind::Stock { value, .. } => {
            vec![format!("SUM({})", number(&value.text))]
        }
        Kind::Ratio {
            numerator,
            denominator,
            ..
        } => {
            let keep = both(&numerator.text, &denominator.text);
            vec![
                format!("SUM(CASE WHEN {keep} THEN {} END)", number(&numerator.text)),
                format!(
                    "SUM(CASE WHEN {keep} THEN {} END)",
                    number(&denominator.text)
                ),
            ]
        }
        Kind::Share { value, part, .. } => vec![
            format!(
                "SUM(CASE WHEN COALESCE(({}), FALSE) THEN {} ELSE 0 END)",
                part.text,
                number(&value.text)
            ),
            format!("SUM({})", number(&value.text)),
        ],
        Kind::WeightedMean { value, weight } => {
            let keep = both(&value.text, &weight.text);
            vec![
                format!(
                    "SUM(CASE WHEN {keep} THEN {} * {} END)",
                    number(&value.text),
                    number(&weight.text)
                ),
                format!("SUM(CASE WHEN {keep} THEN {} END)", number(&weight.text)),
            ]
        }
        Kind::Evenness {
            column,
            categories,
            weight,
        } => categories
            .iter()
            .map(|category| {
                format!(
                    "SUM(CASE WHEN {column} = {} THEN {} ELSE 0 END)",
                    literal(category, dialect),
                    number(&weight.text)
                )
            })
            .collect(),
        Kind::Quotient { .. } => Vec::new(), // its months come from its sides
    }
}

/// The indicator's value from a cell's rolled-up components `c.c0`, `c.c1`...
fn formula(indicator: &Indicator) -> String {
    let divide = |scale: f64| format!("CASE WHEN c.c1 <> 0 THEN c.c0 / c.c1 * {scale:?} END");
    match &indicator.kind {
        Kind::Sum { .. } | Kind::Stock { .. } => "c.c0".to_string(),
        Kind::Ratio { scale, .. } | Kind::Share { scale, .. } | Kind::Quotient { scale, .. } => {
            divide(*scale)
        }
        Kind::WeightedMean { .. } => divide(1.0),
        Kind::Evenness { categories, .. } => {
            let k = categories.len();
            if k < 2 {
                return "CAST(NULL AS DOUBLE)".to_string();
            }
            let total = (0..k)
                .map(|i| format!("c.c{i}"))
                .collect::<Vec<_>>()
                .join(" + ");
            let terms: Vec<String> = (0..k)
                .map(|i| {
                    format!(
                        "CASE WHEN c.c{i} > 0 THEN c.c{i} / ({total}) * LN(c.c{i} / ({total})) ELSE 0 END"
                    )
                })
                .collect();
            format!(
                "CASE WHEN ({total}) > 0 THEN -({}) / LN({k}.0) + 0.0 END",
                terms.join(" + ")
            )
        }
    }
}

/// The relations of one indicator, the last one (`name`) its long-form rows.
fn indicator_ctes(indicator: &Indicator, name: &str, dialect: Dialect) -> Vec<(String, String)> {
    let mut ctes = match &indicator.kind {
        Kind::Quotient {
            numerator,
            denominator,
            ..
        } => quotient_base(numerator, denominator, name, dialect),
        _ => base_ctes(indicator, name, dialect),
    };
    let rules = month_rules(indicator);
    let names: Vec<String> = (0..rules.len()).map(|i| format!("c{i}")).collect();
    // Each manufacture's period first (sums of its months, or a stock's mean or latest), as
    // the engine does; every level then sums these, one row per declaring manufacture.
    let per_manufacture: Vec<String> = rules
        .iter()
        .zip(&names)
        .map(|(rule, c)| match rule {
            MonthRule::Sum => format!("SUM(b.{c}) AS {c}"),
            MonthRule::Mean => format!("AVG(b.{c}) AS {c}"),
            MonthRule::Last => format!("MAX_BY(b.{c}, b.mois) AS {c}"),
        })
        .collect();
    ctes.push((
        format!("{name}_par_manufacture"),
        format!(
            "SELECT b.id_manufacture, p.periode, {}
FROM {name}_base b
JOIN periodes p ON p.mois = b.mois
GROUP BY b.id_manufacture, p.periode",
            per_manufacture.join(", ")
        ),
    ));
    let sums: Vec<String> = names.iter().map(|c| format!("SUM(m.{c}) AS {c}")).collect();
    let cells = format!(
        "SELECT n.niveau, n.entite, m.periode, {}, COUNT(*) AS declarants
FROM {name}_par_manufacture m
JOIN niveaux n ON n.id_manufacture = m.id_manufacture
GROUP BY n.niveau, n.entite, m.periode",
        sums.join(", ")
    );
    ctes.push((format!("{name}_cellules"), cells));
    let text = |value: &str| literal(value, dialect);
    ctes.push((
        name.to_string(),
        format!(
            "SELECT {} AS indicateur,
  COALESCE(c.niveau, a.niveau) AS niveau,
  COALESCE(c.entite, a.entite) AS entite,
  COALESCE(c.periode, a.periode) AS periode,
  CASE WHEN c.declarants > 0 THEN {} END AS valeur,
  {} AS unite,
  COALESCE(c.declarants, 0) AS declarants,
  COALESCE(a.attendus, 0) AS attendus
FROM attendus a
FULL OUTER JOIN {name}_cellules c
  ON a.niveau = c.niveau AND a.entite = c.entite AND a.periode = c.periode",
            text(&indicator.id),
            formula(indicator),
            text(&indicator.unit)
        ),
    ));
    ctes
}

/// A quotient's months (`{name}_base`): those both sides reported, the numerator's component
/// as `c0`, the denominator's as `c1`.
fn quotient_base(
    numerator: &Indicator,
    denominator: &Indicator,
    name: &str,
    dialect: Dialect,
) -> Vec<(String, String)> {
    let mut ctes = base_ctes(numerator, &format!("{name}_n"), dialect);
    ctes.extend(base_ctes(denominator, &format!("{name}_d"), dialect));
    ctes.push((
        format!("{name}_base"),
        format!(
            "SELECT n.id_manufacture, n.mois, n.c0 AS c0, d.c0 AS c1
FROM {name}_n_base n
JOIN {name}_d_base d ON d.id_manufacture = n.id_manufacture AND d.mois = n.mois"
        ),
    ));
    ctes
}

/// The rows of an indicator that reads a table (`{name}_lignes`), and its components per
/// declared manufacture-month (`{name}_base`: a month declared without rows counts zero).
fn base_ctes(indicator: &Indicator, name: &str, dialect: Dialect) -> Vec<(String, String)> {
    let components = components(indicator, dialect);
    let names: Vec<String> = (0..components.len()).map(|i| format!("c{i}")).collect();
    let summed: Vec<String> = components
        .iter()
        .zip(&names)
        .map(|(sum, c)| format!("{sum} AS {c}"))
        .collect();
    let filter = indicator
        .filter
        .as_ref()
        .map(|f| format!("\nWHERE COALESCE(({}), FALSE)", f.text))
        .unwrap_or_default();
    let rows = format!(
        "SELECT id_manufacture, mois, {}\nFROM {}{filter}\nGROUP BY id_manufacture, mois",
        summed.join(",\n  "),
        table_cte(&indicator.table)
    );
    let zeros: Vec<String> = names
        .iter()
        .map(|c| format!("COALESCE(l.{c}, 0) AS {c}"))
        .collect();
    let base = format!(
        "SELECT d.id_manufacture, d.mois, {}
FROM declarations d
LEFT JOIN {name}_lignes l ON l.id_manufacture = d.id_manufacture AND l.mois = d.mois
WHERE d.id_table = {}",
        zeros.join(", "),
        literal(&indicator.table, dialect)
    );
    vec![
        (format!("{name}_lignes"), rows),
        (format!("{name}_base"), base),
    ]
}

/// The output's columns with no row.
fn empty_result(dialect: Dialect) -> String {
    let t = text_type(dialect);
    format!(
        "SELECT CAST(NULL AS {t}) AS indicateur, CAST(NULL AS {t}) AS niveau, CAST(NULL AS {t}) AS entite, CAST(NULL AS {t}) AS periode, CAST(NULL AS DOUBLE) AS valeur, CAST(NULL AS {t}) AS unite, CAST(0 AS BIGINT) AS declarants, CAST(0 AS BIGINT) AS attendus WHERE 1 = 0\n"
    )
}
