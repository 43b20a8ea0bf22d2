//! `mesure demo`: the whole pipeline on the sample data, in one command.
//!
//! Charts and reports are not built yet: for now the demo checks the sample workspace, ingests
//! the sample workbooks into its store (again and again: a file already stored changes
//! nothing), computes every indicator into `reports/indicateurs.csv` and writes an example
//! template into the reports folder.

use std::fs;
use std::process::ExitCode;

use clap::Args;
use mesure::engine::{Inputs, Request, compute};
use mesure::export::write_csv;
use mesure::pipeline::{IngestOptions, expand_paths, ingest};
use mesure::store::{Outcome, Store};
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
        "1. Définitions vérifiées : {} tables, {} indicateurs ; registre : {} manufactures.",
        definitions.tables.len(),
        definitions.indicators.len(),
        registry.len()
    );
    let sample = workspace
        .root
        .join("sample-data")
        .join(mesure::sample::WORKBOOKS_DIR);
    let files = expand_paths(std::slice::from_ref(&sample))?;
    let reports = ingest(&workspace, &files, IngestOptions::default(), &|| {})?;
    let count = |outcome| reports.iter().filter(|r| r.outcome == outcome).count();
    println!(
        "2. Classeurs d'exemple lus dans {} : {} enregistrés, {} déjà reçus, {} refusés ; stockage : {}",
        sample.display(),
        count(Outcome::Accepte),
        count(Outcome::DejaRecu),
        count(Outcome::Refuse),
        workspace.store.display()
    );
    let first = registry.manufactures().first().ok_or_else(|| {
        Error::Usage(format!(
            "le registre {} est vide",
            workspace.registry.display()
        ))
    })?;
    fs::create_dir_all(&workspace.reports).map_err(|e| Error::io(&workspace.reports, e))?;
    let store = Store::open(&workspace.store)?;
    let inputs = Inputs::from_store(&store, &definitions)?;
    let figures = compute(&definitions, &registry, &inputs, &Request::default())?;
    let table = workspace.reports.join("indicateurs.csv");
    let mut out = fs::File::create(&table).map_err(|e| Error::io(&table, e))?;
    write_csv(&figures, &mut out, true)?;
    println!(
        "3. {} chiffres calculés (17 indicateurs, 6 niveaux, 5 sortes de période), pour Excel : {}",
        figures.height(),
        table.display()
    );
    let month = Month::current().max(first.ouverture);
    let path = workspace.reports.join(format!("{}_{month}.xlsx", first.id));
    let identification = Identification {
        manufacture: first.id.clone(),
        name: first.nom.clone(),
        month,
    };
    write_template(&path, &definitions, &identification)?;
    println!(
        "4. Exemple de classeur mensuel à remplir : {}",
        path.display()
    );
    println!("Voir qui a déclaré quels mois : cargo run -- status");
    println!("Les graphiques et rapports HTML arrivent dans une prochaine version.");
    Ok(if count(Outcome::Refuse) == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
