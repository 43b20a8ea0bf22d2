//! `mesure template`: the pre-filled monthly workbook of one manufacture.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use mesure::template::{Identification, write_template};
use mesure::text::did_you_mean;
use mesure::{Error, Month};

use super::Global;

/// Écrit le classeur mensuel pré-rempli d'une manufacture.
#[derive(Args)]
pub struct TemplateArgs {
    /// Identifiant de la manufacture dans le registre.
    #[arg(long, value_name = "ID")]
    manufacture: String,
    /// Mois déclaré, au format AAAA-MM.
    #[arg(long, value_name = "AAAA-MM")]
    mois: Month,
    /// Fichier à écrire (par défaut : ID_AAAA-MM.xlsx dans le dossier courant).
    #[arg(long, short, value_name = "FICHIER")]
    output: Option<PathBuf>,
}

pub fn run(args: &TemplateArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let manufacture = registry.get(&args.manufacture).ok_or_else(|| {
        Error::Usage(format!(
            "manufacture « {} » absente du registre {}{}",
            args.manufacture,
            workspace.registry.display(),
            did_you_mean(&args.manufacture, registry.ids())
        ))
    })?;
    if !manufacture.is_open(args.mois) {
        eprintln!(
            "avertissement : {} n'est pas ouverte en {} d'après le registre (ouverture {})",
            manufacture.id, args.mois, manufacture.opened
        );
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}_{}.xlsx", manufacture.id, args.mois)));
    let identification = Identification {
        manufacture: manufacture.id.clone(),
        name: manufacture.name.clone(),
        month: args.mois,
    };
    write_template(&output, &definitions, &identification)?;
    println!("Classeur écrit : {}", output.display());
    Ok(ExitCode::SUCCESS)
}
