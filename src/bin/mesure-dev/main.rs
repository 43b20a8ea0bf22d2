//! `mesure-dev`: the developers' tools, apart from the users' `mesure` (built with
//! `--features dev-tools`). `echantillon` regenerates the sample network of `sample-data/`;
//! `lecture-brute` times calamine alone, the floor ingestion is measured against
//! (`benches/ingest.sh`).

mod floor;
mod sample;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mesure::workspace::WorkspaceOption;

/// Outils de développement de mesure (réseau d'exemple, mesure de référence).
#[derive(Parser)]
#[command(name = "mesure-dev")]
struct Cli {
    #[command(flatten)]
    global: WorkspaceOption,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Régénère le réseau d'exemple.
    #[command(name = "echantillon")]
    Sample(sample::SampleArgs),
    /// Lit des classeurs avec calamine seul (mesure de référence des performances).
    #[command(name = "lecture-brute")]
    Floor(floor::FloorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Sample(args) => sample::run(args, &cli.global),
        Command::Floor(args) => floor::run(args, &cli.global),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("erreur : {err}");
            ExitCode::FAILURE
        }
    }
}
