//! `mesure retirer`: a month taken out of the store (sent for the wrong manufacture, say),
//! recorded in the ledger; the files received are kept.

use std::process::ExitCode;

use clap::Args;
use mesure::Error;
use mesure::month::Month;
use mesure::pipeline::withdraw;
use mesure::registry::ManufactureId;

use super::Global;

/// Retire un mois enregistré (envoyé pour la mauvaise manufacture, par exemple). Le retrait
/// est inscrit au registre des dépôts et respecté par rebuild ; les fichiers reçus sont gardés.
#[derive(Args)]
pub struct WithdrawArgs {
    /// Identifiant de la manufacture.
    #[arg(long, value_name = "ID")]
    manufacture: ManufactureId,
    /// Mois à retirer.
    #[arg(long, value_name = "AAAA-MM")]
    mois: Month,
}

pub fn run(args: &WithdrawArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let withdrawal = withdraw(&workspace, &args.manufacture, args.mois, None, &|message| {
        eprintln!("{message}");
    })?;
    let Some(withdrawal) = withdrawal else {
        eprintln!(
            "{} {} : aucun mois enregistré, rien à retirer.",
            args.manufacture, args.mois
        );
        return Ok(ExitCode::FAILURE);
    };
    let files: Vec<String> = withdrawal
        .sources
        .iter()
        .map(|s| format!("{} ({})", s.file, &s.hash[..12.min(s.hash.len())]))
        .collect();
    println!(
        "{} {} retiré ; il venait de {}. Les fichiers reçus restent gardés dans le stockage ; renvoyer le mois l'enregistre de nouveau.",
        args.manufacture,
        args.mois,
        files.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}
