//! `mesure-dev echantillon`: regenerates the sample network in `sample-data/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use mesure::sample::{SampleOptions, generate};
use mesure::{Error, Month};

use mesure::workspace::WorkspaceOption;

/// Régénère le réseau d'exemple.
#[derive(Args)]
pub struct SampleArgs {
    /// Dossier de sortie.
    #[arg(long, short, value_name = "DOSSIER", default_value = "sample-data")]
    output: PathBuf,
    /// Graine du générateur.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    /// Nombre de manufactures (au-delà de 30, les lieux sont réutilisés).
    #[arg(long, default_value_t = 30)]
    manufactures: usize,
    /// Premier mois.
    #[arg(long, default_value = "2025-01")]
    debut: Month,
    /// Dernier mois.
    #[arg(long, default_value = "2025-12")]
    fin: Month,
}

pub fn run(args: &SampleArgs, global: &WorkspaceOption) -> Result<ExitCode, Error> {
    let definitions = global.open()?.definitions()?;
    let options = SampleOptions {
        seed: args.seed,
        first: args.debut,
        last: args.fin,
        manufactures: args.manufactures,
        repeat_places: args.manufactures > 30,
        with_errors: true,
    };
    let summary = generate(&definitions, &args.output, &options)?;
    println!(
        "{} manufactures, {} classeurs mensuels et {} classeurs avec erreurs écrits dans {}",
        summary.manufactures,
        summary.workbooks,
        summary.broken_workbooks,
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
