//! The verbs a user types, one file each; each parses its arguments and calls the library.

mod access;
mod check;
mod compare;
mod compute;
mod definitions;
mod demo;
mod explain;
mod ingest;
mod init;
mod rebuild;
mod report;
mod serve;
mod sql;
mod status;
mod template;
mod withdraw;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use mesure::workspace::WorkspaceOption;
use mesure::{Error, Workspace};

const HELP_TEMPLATE: &str = "\
{before-help}{about-with-newline}
Utilisation : {usage}

{all-args}{after-help}";

/// Mesure d'impact social et environnemental des Manufactures de proximité.
#[derive(Parser)]
#[command(
    name = "mesure",
    version,
    help_template = HELP_TEMPLATE,
    subcommand_help_heading = "Commandes",
    disable_help_subcommand = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options of every command.
#[derive(Args)]
pub struct Global {
    #[command(flatten)]
    folder: WorkspaceOption,
    /// Affiche l'aide.
    #[arg(long, short = 'h', global = true, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// Affiche la version.
    #[arg(long, short = 'V', action = clap::ArgAction::Version)]
    version: Option<bool>,
}

impl Global {
    /// Opens the workspace named by `--workspace`.
    pub fn open(&self) -> Result<Workspace, Error> {
        self.folder.open()
    }
}

#[derive(Subcommand)]
enum Command {
    /// Crée un espace de travail avec les définitions par défaut et un registre vide.
    #[command(help_template = HELP_TEMPLATE)]
    Init(init::InitArgs),
    /// Vérifie les définitions (tables, indicateurs) et le registre des manufactures.
    #[command(help_template = HELP_TEMPLATE)]
    Check(check::CheckArgs),
    /// Écrit le classeur mensuel pré-rempli d'une manufacture.
    #[command(help_template = HELP_TEMPLATE)]
    Template(template::TemplateArgs),
    /// Vérifie puis enregistre des classeurs mensuels ou des fichiers CSV.
    #[command(help_template = HELP_TEMPLATE)]
    Ingest(ingest::IngestArgs),
    /// Montre quelles manufactures ont déclaré quels mois.
    #[command(help_template = HELP_TEMPLATE)]
    Status(status::StatusArgs),
    /// Calcule les indicateurs pour chaque entité et période.
    #[command(help_template = HELP_TEMPLATE)]
    Compute(compute::ComputeArgs),
    /// Montre comment un chiffre a été calculé, jusqu'aux fichiers reçus.
    #[command(help_template = HELP_TEMPLATE)]
    Explain(explain::ExplainArgs),
    /// Écrit les rapports HTML et les graphiques dans le dossier des rapports.
    #[command(help_template = HELP_TEMPLATE)]
    Report(report::ReportArgs),
    /// Recrée les tables stockées à partir des seuls fichiers reçus.
    #[command(help_template = HELP_TEMPLATE)]
    Rebuild(rebuild::RebuildArgs),
    /// Écrit le dictionnaire des définitions (tables, colonnes, indicateurs), en HTML ou Markdown.
    #[command(help_template = HELP_TEMPLATE)]
    Definitions(definitions::DefinitionsArgs),
    /// Compare les chiffres sous deux jeux de définitions : ce qu'un changement déplace.
    #[command(help_template = HELP_TEMPLATE)]
    Compare(compare::CompareArgs),
    /// Écrit la requête SQL (DuckDB, Spark) qui calcule les mêmes chiffres que compute.
    #[command(help_template = HELP_TEMPLATE)]
    Sql(sql::SqlArgs),
    /// Retire un mois enregistré ; le retrait est inscrit au registre des dépôts.
    #[command(help_template = HELP_TEMPLATE, name = "retirer")]
    Withdraw(withdraw::WithdrawArgs),
    /// Ouvre le portail web des gestionnaires et de la tête de réseau.
    #[command(help_template = HELP_TEMPLATE)]
    Serve(serve::ServeArgs),
    /// Gère les comptes du portail (inviter, liste, retirer, reinitialiser).
    #[command(help_template = HELP_TEMPLATE, name = "acces")]
    Access(access::AccessArgs),
    /// Déroule la chaîne complète sur les données d'exemple.
    #[command(help_template = HELP_TEMPLATE)]
    Demo(demo::DemoArgs),
}

/// Parses the command line, runs the verb and gives the exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    if matches!(cli.command, Command::Ingest(_) | Command::Rebuild(_)) {
        crate::keep_freed_memory_until_the_end();
    }
    let outcome = match &cli.command {
        Command::Init(args) => init::run(args, &cli.global),
        Command::Check(args) => check::run(args, &cli.global),
        Command::Template(args) => template::run(args, &cli.global),
        Command::Ingest(args) => ingest::run(args, &cli.global),
        Command::Status(args) => status::run(args, &cli.global),
        Command::Rebuild(args) => rebuild::run(args, &cli.global),
        Command::Sql(args) => sql::run(args, &cli.global),
        Command::Compare(args) => compare::run(args, &cli.global),
        Command::Definitions(args) => definitions::run(args, &cli.global),
        Command::Withdraw(args) => withdraw::run(args, &cli.global),
        Command::Compute(args) => compute::run(args, &cli.global),
        Command::Explain(args) => explain::run(args, &cli.global),
        Command::Report(args) => report::run(args, &cli.global),
        Command::Demo(args) => demo::run(args, &cli.global),
        Command::Serve(args) => serve::run(args, &cli.global),
        Command::Access(args) => access::run(args, &cli.global),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            report_error(&err);
            ExitCode::from(err.exit_code())
        }
    }
}

/// Help and version go to stdout; a usage error is told in French on stderr, with exit code 2.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    let context = |kind: ContextKind| match err.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(list)) => list.join(", "),
        _ => String::new(),
    };
    let arg = context(ContextKind::InvalidArg);
    let message = match err.kind() {
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let reason = std::error::Error::source(err)
                .map(|s| format!(" : {s}"))
                .unwrap_or_default();
            format!(
                "valeur « {} » invalide pour {arg}{reason}",
                context(ContextKind::InvalidValue)
            )
        }
        ErrorKind::MissingRequiredArgument => format!("argument obligatoire manquant : {arg}"),
        ErrorKind::UnknownArgument => format!("argument inconnu : {arg}"),
        ErrorKind::InvalidSubcommand => {
            let typed = context(ContextKind::InvalidSubcommand);
            let command = <Cli as clap::CommandFactory>::command();
            let verbs = command
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(|c| c.get_name());
            let hint = mesure::text::did_you_mean(&typed, verbs);
            format!("commande « {typed} » inconnue{hint}")
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "indiquez une commande (init, check, template, demo...)".to_string()
        }
        ErrorKind::ArgumentConflict => format!("arguments incompatibles : {arg}"),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            format!("trop de valeurs pour {arg}")
        }
        _ => err.render().to_string().trim().to_string(),
    };
    eprintln!("erreur : {message}\nPour l'aide : mesure --help");
    ExitCode::from(2)
}

/// Prints an error on stderr; a closed pipe is not worth a message.
fn report_error(err: &Error) {
    if let Error::Io { source, .. } = err
        && source.kind() == io::ErrorKind::BrokenPipe
    {
        return;
    }
    let _ = writeln!(io::stderr(), "erreur : {err}");
}
