//! `mesure serve`: the portal, on one address, until Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Args;
use mesure::Error;

use super::Global;

/// Ouvre le portail : les gestionnaires y envoient leurs classeurs depuis un navigateur.
#[derive(Args)]
pub struct ServeArgs {
    /// Adresse et port d'écoute ; 127.0.0.1 par défaut : mettez un serveur HTTPS (Caddy,
    /// nginx) devant pour l'ouvrir au réseau (voir le README).
    #[arg(long, value_name = "ADRESSE:PORT", default_value = "127.0.0.1:8080")]
    adresse: SocketAddr,
    /// Un serveur HTTPS (Caddy, nginx) sur cette machine relaie les requêtes : l'adresse
    /// du visiteur est alors la dernière de X-Forwarded-For (pour le frein aux mots de passe
    /// et le journal).
    #[arg(long)]
    derriere_proxy: bool,
}

pub fn run(args: &ServeArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    // Definitions and registry are checked before opening, so that a broken workspace is
    // told here rather than on every page.
    workspace.definitions()?;
    workspace.registry()?;
    println!(
        "Portail ouvert sur http://{} (Ctrl-C pour arrêter).",
        args.adresse
    );
    mesure::portal::serve(workspace, args.adresse, args.derriere_proxy)?;
    println!("Portail arrêté.");
    Ok(ExitCode::SUCCESS)
}
