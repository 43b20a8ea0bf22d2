//! `mesure sql`: the SQL that computes the figures of `mesure compute` on DuckDB or Spark.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use mesure::Error;
use mesure::sql::{Dialect, SqlRequest, write_sql};
use mesure::store::Store;

use super::Global;

/// Écrit la requête SQL qui calcule, sur DuckDB ou Spark, les mêmes lignes que `mesure
/// compute` (tous niveaux, toutes périodes, couverture comprise), à partir des fichiers Parquet
/// courants du stockage et du registre.
#[derive(Args)]
pub struct SqlArgs {
    /// Moteur : duckdb ou spark.
    #[arg(long, default_value = "duckdb", value_name = "MOTEUR")]
    dialect: Dialect,
    /// Indicateur (répétable ; tous par défaut).
    #[arg(long, value_name = "ID")]
    indicator: Vec<String>,
    /// Où le moteur trouve le stockage (par exemple s3://seau/store), s'il ne le lit pas à son
    /// chemin sur cette machine.
    #[arg(long, value_name = "CHEMIN")]
    racine: Option<String>,
    /// Fichier à écrire (par défaut : la sortie standard).
    #[arg(long, short, value_name = "FICHIER")]
    output: Option<PathBuf>,
}

pub fn run(args: &SqlArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let request = SqlRequest {
        dialect: args.dialect,
        indicators: args.indicator.clone(),
        root: args.racine.clone(),
    };
    let store = Store::read(&workspace.store);
    let sql = write_sql(&definitions, &registry, &store, &request)?;
    match &args.output {
        Some(path) => mesure::files::write_bytes_atomically(path, sql.as_bytes())?,
        None => print!("{sql}"),
    }
    Ok(ExitCode::SUCCESS)
}
