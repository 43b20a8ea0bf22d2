//! `mesure rebuild`: the stored tables recreated from the raw files alone.

use std::process::ExitCode;

use clap::Args;
use mesure::Error;
use mesure::pipeline::rebuild;

use super::Global;

/// Recrée les tables stockées à partir des seuls fichiers reçus.
#[derive(Args)]
pub struct RebuildArgs {}

pub fn run(_args: &RebuildArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let report = rebuild(&workspace)?;
    for problem in &report.problems {
        eprintln!("{problem}");
    }
    println!(
        "Tables recréées : {} fichier(s) relu(s), {} mois enregistré(s).",
        report.files, report.months
    );
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
