//! `mesure demo`: the whole pipeline on the sample data, in one command.
//!
//! The demo checks the sample workspace, ingests the sample workbooks into its store as if
//! each had arrived in its month (a file already stored changes nothing), computes every
//! indicator into `reports/indicateurs.csv`, writes an example template, and writes every
//! report, prepares two portal accounts (a manager, a network head) and prints their
//! invitation links, then says where to open the index.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use mesure::engine::{Inputs, Request, compute};
use mesure::export::{with_definitions, write_csv};
use mesure::files::write_atomically;
use mesure::pipeline::{FileReport, IngestOptions, expand_paths, ingest};
use mesure::portal::accounts::{Accounts, NewAccount, Role};
use mesure::report::Options;
use mesure::store::{Outcome, Store};
use mesure::template::{Identification, write_template};
use mesure::{Error, Month, Workspace};

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
    let reports = replay_sample(&workspace)?;
    let count = |outcome| reports.iter().filter(|r| r.outcome == outcome).count();
    println!(
        "2. Classeurs d'exemple reçus (datés du 10 du mois suivant, un sur huit en retard) : {} enregistrés, {} déjà reçus, {} refusés ; stockage : {}",
        count(Outcome::Accepted),
        count(Outcome::AlreadyReceived),
        count(Outcome::Refused),
        workspace.store.display()
    );
    let first = registry.manufactures().first().ok_or_else(|| {
        Error::Refused(format!(
            "le registre {} est vide",
            workspace.registry.display()
        ))
    })?;
    fs::create_dir_all(&workspace.reports).map_err(|e| Error::io(&workspace.reports, e))?;
    let store = Store::read(&workspace.store);
    let inputs = Inputs::from_store(&store, &definitions)?;
    let figures = compute(&definitions, &registry, &inputs, &Request::default())?;
    let table = workspace.reports.join("indicateurs.csv");
    let exported = with_definitions(figures.clone(), &definitions.fingerprint())?;
    write_atomically(&table, |out| write_csv(&exported, out, true))?;
    println!(
        "3. {} chiffres calculés ({} indicateurs, 6 niveaux, 5 sortes de période), pour Excel : {}",
        figures.height(),
        definitions.indicators.len(),
        table.display()
    );
    let month = Month::current().max(first.opened);
    let path = workspace.reports.join(format!("{}_{month}.xlsx", first.id));
    let identification = Identification {
        manufacture: first.id.clone(),
        name: first.name.clone(),
        month,
    };
    write_template(&path, &definitions, &identification)?;
    println!(
        "4. Exemple de classeur mensuel à remplir : {}",
        path.display()
    );
    println!("5. Rapports et graphiques :");
    let summary = super::report::write_with_progress(&workspace, &Options::default())?;
    super::report::print_summary(&summary);
    let links = portal_accounts(&workspace, first)?;
    println!(
        "6. Portail : lancez « cargo run -- serve », puis ouvrez un de ces liens d'invitation (valables 7 jours, une fois) pour choisir un mot de passe :"
    );
    for (who, link) in links {
        println!("   {who} : {link}");
    }
    println!("Voir qui a déclaré quels mois : cargo run -- status");
    Ok(if count(Outcome::Refused) == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The demo's portal accounts (the first manufacture's manager and a network head), each
/// with a fresh invitation link; an account left by an earlier run gets a new link.
fn portal_accounts(
    workspace: &Workspace,
    first: &mesure::registry::Manufacture,
) -> Result<Vec<(String, String)>, Error> {
    let folder = workspace.root.join(mesure::portal::PORTAL_DIR);
    let accounts = Accounts::new(&folder);
    let registry = workspace.registry()?;
    let people = [
        (
            format!("gestionnaire de {} ({})", first.name, first.id),
            format!("gestion.{}@exemple.fr", first.id),
            Role::Manager,
            vec![first.id.clone()],
        ),
        (
            "tête de réseau".to_string(),
            "reseau@exemple.fr".to_string(),
            Role::Network,
            Vec::new(),
        ),
    ];
    let mut links = Vec::new();
    for (who, email, role, manufactures) in people {
        let token = match accounts.get(&email)? {
            Some(_) => accounts.reset(&email)?,
            None => {
                let new = NewAccount {
                    email: email.clone(),
                    role,
                    manufactures: manufactures.iter().map(ToString::to_string).collect(),
                    regions: Vec::new(),
                };
                accounts.invite(new, "mesure demo", &registry)?
            }
        }
        .map_err(|e| Error::Refused(e.to_string()))?;
        links.push((
            format!("{who}, {email}"),
            format!("http://127.0.0.1:8080/invitation/{token}"),
        ));
    }
    Ok(links)
}

/// The monthly workbooks of the sample network, as `mesure-dev echantillon` writes them.
const SAMPLE_WORKBOOKS: &str = "classeurs";

/// Ingests the sample workbooks, each batch dated when it would have been received.
fn replay_sample(workspace: &Workspace) -> Result<Vec<FileReport>, Error> {
    let sample = workspace.root.join("sample-data").join(SAMPLE_WORKBOOKS);
    let files = expand_paths(std::slice::from_ref(&sample))?;
    let mut by_day: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for file in files {
        by_day
            .entry(simulated_reception(&file))
            .or_default()
            .push(file);
    }
    let mut reports = Vec::new();
    for (received_at, files) in by_day {
        let options = IngestOptions {
            dry_run: false,
            received_at,
            by: None,
        };
        reports.extend(ingest(workspace, &files, options, &|| {}, &|m| {
            eprintln!("{m}");
        })?);
    }
    Ok(reports)
}

/// When a sample workbook counts as received, for the demo's replay of the sample year: the
/// 10th of the month after its own, or, for about one file in eight (picked by a hash of its
/// name, so every run agrees), 45 days after its month ends, past the 30-day deadline. `None`
/// for a name that is not `<id>_<AAAA-MM>.<ext>`.
fn simulated_reception(path: &Path) -> Option<chrono::DateTime<chrono::Utc>> {
    let stem = path.file_stem()?.to_str()?;
    let month: Month = stem.rsplit_once('_')?.1.parse().ok()?;
    let late = mesure::store::sha256_hex(stem.as_bytes()).starts_with(['0', '1']);
    let day = month.next().first_day() + chrono::Duration::days(if late { 44 } else { 9 });
    Some(day.and_hms_opt(9, 0, 0)?.and_utc())
}
