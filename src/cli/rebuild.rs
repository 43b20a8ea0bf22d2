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
    let report = rebuild(&workspace, &|message| eprintln!("{message}"))?;
    if !report.is_done() {
        for problem in &report.problems {
            eprintln!("{problem}");
        }
        eprintln!(
            "Reconstruction annulée : aucun fichier reçu n'est abandonné en silence ; les tables actuelles sont gardées telles quelles."
        );
        return Ok(ExitCode::FAILURE);
    }
    let withdrawn = match report.withdrawn {
        0 => String::new(),
        n => format!(", {n} retrait(s) appliqué(s)"),
    };
    println!(
        "Tables recréées : {} fichier(s) relu(s), {} mois enregistré(s){withdrawn}.",
        report.files, report.months
    );
    Ok(ExitCode::SUCCESS)
}
