//! `mesure init DIR`: a new workspace with the default definitions.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use mesure::{Error, Workspace};

use super::Global;

/// Crée un espace de travail.
#[derive(Args)]
pub struct InitArgs {
    /// Dossier à créer (ou dossier existant sans mesure.toml).
    #[arg(value_name = "DOSSIER")]
    dir: PathBuf,
}

pub fn run(args: &InitArgs, _global: &Global) -> Result<ExitCode, Error> {
    let workspace = Workspace::init(&args.dir)?;
    println!("Espace de travail créé dans {}", workspace.root.display());
    println!("  définitions : {}", workspace.definitions.display());
    println!(
        "  registre    : {} (vide : ajoutez-y vos manufactures)",
        workspace.registry.display()
    );
    println!(
        "Vérifiez-le avec : mesure --workspace {} check",
        workspace.root.display()
    );
    Ok(ExitCode::SUCCESS)
}
