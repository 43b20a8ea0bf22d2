//! `mesure acces`: the portal's accounts from the command line: invite, list, remove, reset.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use mesure::Error;
use mesure::portal::accounts::{Accounts, NewAccount, Role};
use mesure::portal::journal::Journal;

use super::Global;

/// Gère les comptes du portail.
#[derive(Args)]
pub struct AccessArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Crée un compte et affiche son lien d'invitation (valable 7 jours, une fois).
    #[command(name = "inviter")]
    Invite(InviteArgs),
    /// Liste les comptes.
    #[command(name = "liste")]
    List,
    /// Supprime un compte.
    #[command(name = "retirer")]
    Remove(EmailArgs),
    /// Remplace le mot de passe d'un compte par un nouveau lien d'invitation.
    #[command(name = "reinitialiser")]
    Reset(EmailArgs),
}

#[derive(Args)]
struct InviteArgs {
    /// Adresse électronique de la personne (son identifiant de connexion).
    #[arg(long, value_name = "ADRESSE")]
    email: String,
    /// Rôle : gestionnaire (ses manufactures), reseau (tout le réseau, ou des régions),
    /// consultant (définitions et chiffres).
    #[arg(long, value_enum)]
    role: Role,
    /// Manufacture gérée (gestionnaire ; répétable).
    #[arg(long, value_name = "ID")]
    manufacture: Vec<String>,
    /// Code de région couverte (réseau ; répétable ; aucune : tout le réseau).
    #[arg(long, value_name = "CODE")]
    region: Vec<String>,
    /// Adresse du portail telle que la personne l'ouvrira, pour le lien.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    url: String,
}

#[derive(Args)]
struct EmailArgs {
    /// Adresse électronique du compte.
    #[arg(long, value_name = "ADRESSE")]
    email: String,
    /// Adresse du portail, pour le lien.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    url: String,
}

pub fn run(args: &AccessArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let folder = workspace.root.join(mesure::portal::PORTAL_DIR);
    let accounts = Accounts::new(&folder);
    let journal = Journal::new(&folder);
    let record = |action: &str, detail: &str| {
        journal.record("ligne de commande", "local", action, detail, "")
    };
    match &args.action {
        Action::Invite(invite) => {
            let registry = workspace.registry()?;
            let new = NewAccount {
                email: invite.email.clone(),
                role: invite.role,
                manufactures: invite.manufacture.clone(),
                regions: invite.region.clone(),
            };
            let token = accounts
                .invite(new, "ligne de commande", &registry)?
                .map_err(|e| Error::Usage(e.to_string()))?;
            record("compte_cree", &invite.email.to_lowercase())?;
            println!(
                "Compte créé. Lien d'invitation (à transmettre à la personne, valable 7 jours, une seule fois) :\n{}",
                link(&invite.url, &token)
            );
        }
        Action::List => {
            let list = accounts.list()?;
            if list.is_empty() {
                println!(
                    "Aucun compte. Créez-en avec : mesure acces inviter --email ... --role ..."
                );
            }
            for account in list {
                let state = if account.is_active() {
                    "actif"
                } else {
                    "invitation en attente"
                };
                println!(
                    "{}\t{}\t{}\t{state}",
                    account.email,
                    account.role.label(),
                    account.scope_label()
                );
            }
        }
        Action::Remove(target) => {
            let removed = accounts
                .remove(&target.email)?
                .map_err(|e| Error::Usage(e.to_string()))?;
            record("compte_retire", &removed.email)?;
            println!("Compte {} supprimé.", removed.email);
        }
        Action::Reset(target) => {
            let token = accounts
                .reset(&target.email)?
                .map_err(|e| Error::Usage(e.to_string()))?;
            record("compte_reinitialise", &target.email.to_lowercase())?;
            println!(
                "Mot de passe effacé. Nouveau lien (valable 7 jours, une seule fois) :\n{}",
                link(&target.url, &token)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn link(url: &str, token: &str) -> String {
    format!("{}/invitation/{token}", url.trim_end_matches('/'))
}
