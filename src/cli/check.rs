//! `mesure check`: the definitions and the registry, every problem at once.

use std::process::ExitCode;

use clap::Args;
use mesure::Error;
use mesure::pipeline::check_workspace;

use super::Global;

/// Vérifie les définitions et le registre, et que chaque mois enregistré y est encore attendu.
#[derive(Args)]
pub struct CheckArgs {}

pub fn run(_args: &CheckArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let check = check_workspace(&workspace)?;
    if check.problems.is_empty() {
        println!("Aucun problème : {}.", check.summary.join(", "));
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &check.problems {
        eprintln!("{problem}");
    }
    eprintln!("{} problème(s) à corriger.", check.problems.len());
    Ok(ExitCode::FAILURE)
}
