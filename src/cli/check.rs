//! `mesure check`: the definitions and the registry, every problem at once.

use std::process::ExitCode;

use clap::Args;
use mesure::pipeline::months_outside_registry;
use mesure::{Error, Problem};

use super::Global;

/// Vérifie les définitions et le registre, et que chaque mois enregistré y est encore attendu.
#[derive(Args)]
pub struct CheckArgs {}

pub fn run(_args: &CheckArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut summary = Vec::new();
    match workspace.definitions() {
        Ok(definitions) => summary.push(format!(
            "{} tables et {} indicateurs",
            definitions.tables.len(),
            definitions.indicators.len()
        )),
        Err(err) => problems.extend(into_problems(err)?),
    }
    match workspace.registry() {
        Ok(registry) => {
            summary.push(format!("{} manufactures", registry.len()));
            problems.extend(months_outside_registry(&workspace, &registry)?);
        }
        Err(err) => problems.extend(into_problems(err)?),
    }
    if problems.is_empty() {
        println!("Aucun problème : {}.", summary.join(", "));
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &problems {
        eprintln!("{problem}");
    }
    eprintln!("{} problème(s) à corriger.", problems.len());
    Ok(ExitCode::FAILURE)
}

/// Problems are listed; any other error (a missing folder...) becomes one line too.
fn into_problems(err: Error) -> Result<Vec<Problem>, Error> {
    match err {
        Error::Invalid(problems) => Ok(problems),
        Error::Io { path, source } => Ok(vec![Problem::error(
            mesure::Location::file(path),
            mesure::error::french_io(&source),
        )]),
        other => Err(other),
    }
}
