//! `mesure demo`: the whole pipeline on the sample data, in one command.
//!
//! Ingestion, computation and reports are not built yet: for now the demo checks the sample
//! workspace and writes an example template into the reports folder.

use std::fs;
use std::process::ExitCode;

use clap::Args;
use mesure::template::{Identification, write_template};
use mesure::{Error, Month};

use super::Global;

/// Déroule la chaîne sur les données d'exemple.
#[derive(Args)]
pub struct DemoArgs {}

pub fn run(_args: &DemoArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    println!(
        "Définitions vérifiées : {} tables, {} indicateurs ; registre : {} manufactures.",
        definitions.tables.len(),
        definitions.indicators.len(),
        registry.len()
    );
    let first = registry.manufactures().first().ok_or_else(|| {
        Error::Usage(format!(
            "le registre {} est vide",
            workspace.registry.display()
        ))
    })?;
    fs::create_dir_all(&workspace.reports).map_err(|e| Error::io(&workspace.reports, e))?;
    let month = Month::current().max(first.ouverture);
    let path = workspace.reports.join(format!("{}_{month}.xlsx", first.id));
    let identification = Identification {
        manufacture: first.id.clone(),
        name: first.nom.clone(),
        month,
    };
    write_template(&path, &definitions, &identification)?;
    println!("Exemple de classeur mensuel : {}", path.display());
    println!(
        "L'ingestion, le calcul des indicateurs et les rapports arrivent dans les prochaines versions."
    );
    Ok(ExitCode::SUCCESS)
}
