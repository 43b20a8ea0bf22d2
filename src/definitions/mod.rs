//! What impact consultants declare, as text files: the data sheets (tables) managers fill in
//! and the indicators computed from them.
//!
//! A definitions folder holds `tables/*.toml` (one table each) and `indicateurs/*.toml` (any
//! number of `[[indicateur]]` entries, grouped by theme). [`Definitions::load`] reads them all,
//! checks every expression against the declared columns, and returns every problem at once.

mod expr;
mod indicators;
pub mod method;
pub(crate) mod source;
mod tables;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

pub use expr::{CheckedExpr, Expected, LINE_COLUMN, check_expression, polars_dtype, table_schema};
pub use indicators::{Direction, Indicator, Kind, StockOverMonths, THEMES, Target};
pub use tables::{CategoryValue, Column, ColumnType, LabelIndex, RESERVED_COLUMNS, Rule, Table};

use crate::error::{Error, Location, Problem, Result};
use crate::text::fold;
use source::Source;

/// The folder of table declarations inside a definitions folder.
pub const TABLES_DIR: &str = "tables";
/// The folder of indicator definitions inside a definitions folder.
pub const INDICATORS_DIR: &str = "indicateurs";

/// The sheet of a monthly workbook that says whose it is and for which month.
pub const IDENTIFICATION_SHEET: &str = "Identification";
/// The hidden sheet of a monthly workbook holding the allowed values of category columns.
pub const LISTS_SHEET: &str = "Listes";

/// Every table and indicator of a workspace, checked.
#[derive(Debug, Clone)]
pub struct Definitions {
    /// The tables, in file-name order.
    pub tables: Vec<Table>,
    /// The indicators, in file then declaration order.
    pub indicators: Vec<Indicator>,
    /// The workspace's settings the expressions were read with (`distance_proximite_km`...).
    pub settings: BTreeMap<String, f64>,
}

impl Definitions {
    /// Reads and checks a definitions folder. `params` are the workspace's settings that
    /// expressions may use as `{name}`.
    pub fn load(dir: &Path, params: &HashMap<String, f64>) -> Result<Self> {
        let mut problems = Vec::new();
        let tables = load_tables(dir, &mut problems)?;
        let context = indicators::Context {
            tables: &tables,
            params,
        };
        let mut found = Vec::new();
        for path in toml_files(&dir.join(INDICATORS_DIR))? {
            let source = read_source(&path)?;
            found.extend(indicators::load_indicators(
                &source,
                &context,
                &mut problems,
            ));
        }
        let found = indicators::resolve_quotients(found, &mut problems);
        let indicators = without_duplicate_ids(found, &mut problems);
        check_stray_files(dir, &mut problems)?;
        if problems.is_empty() {
            Ok(Definitions {
                tables,
                indicators,
                settings: params.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            })
        } else {
            Err(Error::Invalid(problems))
        }
    }

    /// The table with this id.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }

    /// The fingerprint of the indicators and settings: the same for the same formulas and
    /// settings, another one after any change that can move a figure (see [`method`]).
    pub fn fingerprint(&self) -> String {
        method::fingerprint(&self.indicators, &self.settings)
    }

    /// The indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

fn load_tables(dir: &Path, problems: &mut Vec<Problem>) -> Result<Vec<Table>> {
    let mut tables: Vec<Table> = Vec::new();
    let mut sheet_owner: HashMap<String, String> = HashMap::new();
    for path in toml_files(&dir.join(TABLES_DIR))? {
        let source = read_source(&path)?;
        let Some(table) = tables::load_table(&source, problems) else {
            continue;
        };
        if let Some(first) = tables.iter().find(|t| t.id == table.id) {
            problems.push(Problem::error(
                Location::file(&path),
                format!(
                    "la table « {} » est déjà déclarée (feuille {})",
                    table.id, first.sheet
                ),
            ));
            continue;
        }
        let names = [&table.id, &table.sheet].into_iter().chain(&table.synonyms);
        let clash = names
            .filter_map(|name| sheet_owner.get(&fold(name)).map(|owner| (name, owner)))
            .find(|(_, owner)| **owner != table.id);
        match clash {
            // The table is kept, so that its indicators are checked rather than refused too.
            Some((name, owner)) => problems.push(Problem::error(
                Location::file(&path),
                format!(
                    "table « {} » : le nom de feuille « {name} » désigne déjà la table « {owner} »",
                    table.id
                ),
            )),
            None => {
                for name in [&table.id, &table.sheet].into_iter().chain(&table.synonyms) {
                    sheet_owner.insert(fold(name), table.id.clone());
                }
            }
        }
        tables.push(table);
    }
    if tables.is_empty() && problems.is_empty() {
        problems.push(Problem::error(
            Location::file(dir.join(TABLES_DIR)),
            "aucune table déclarée : ajoutez un fichier .toml par feuille",
        ));
    }
    Ok(tables)
}

fn without_duplicate_ids(found: Vec<Indicator>, problems: &mut Vec<Problem>) -> Vec<Indicator> {
    let mut kept: Vec<Indicator> = Vec::new();
    for indicator in found {
        match kept.iter().find(|k| k.id == indicator.id) {
            Some(first) => problems.push(Problem::error(
                indicator.location.clone(),
                format!(
                    "identifiant « {} » en double : déjà défini en {}",
                    indicator.id, first.location
                ),
            )),
            None => kept.push(indicator),
        }
    }
    kept
}

/// A `.toml` file at the top of the folder would be silently ignored: say so instead.
fn check_stray_files(dir: &Path, problems: &mut Vec<Problem>) -> Result<()> {
    for path in toml_files(dir)? {
        problems.push(Problem::error(
            Location::file(&path),
            format!(
                "fichier ignoré : placez les tables dans {TABLES_DIR}/ et les indicateurs dans {INDICATORS_DIR}/"
            ),
        ));
    }
    Ok(())
}

fn read_source(path: &Path) -> Result<Source> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(Source::new(path, text))
}

/// The `.toml` files of a folder, sorted by name.
fn toml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The default definitions, built into the binary for `mesure init`.
pub mod defaults {
    use std::fs;
    use std::path::Path;

    use crate::error::{Error, Result};

    macro_rules! embedded {
        ($($path:literal),* $(,)?) => {
            &[$(($path, include_str!(concat!("../../indicators/", $path)))),*]
        };
    }

    /// Each default file: its path inside the definitions folder and its text.
    pub const FILES: &[(&str, &str)] = embedded![
        "README.md",
        "tables/equipements.toml",
        "tables/emplois.toml",
        "tables/finances.toml",
        "tables/flux.toml",
        "tables/formations.toml",
        "tables/matieres.toml",
        "tables/publics.toml",
        "indicateurs/circuits_courts.toml",
        "indicateurs/economie.toml",
        "indicateurs/emploi.toml",
        "indicateurs/environnement.toml",
        "indicateurs/equipements.toml",
        "indicateurs/formation.toml",
        "indicateurs/social.toml",
    ];

    /// Writes the default definitions into `dir`, refusing to overwrite a file.
    pub fn write_to(dir: &Path) -> Result<()> {
        for (relative, text) in FILES {
            let path = dir.join(relative);
            if path.exists() {
                return Err(Error::io(&path, std::io::ErrorKind::AlreadyExists.into()));
            }
            let parent = path.parent().expect("a default file has a folder");
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }
}
