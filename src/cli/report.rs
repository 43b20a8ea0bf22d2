//! `mesure report`: HTML reports and charts into the workspace's reports folder.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use mesure::Error;
use mesure::engine::{Level, Per, Period};
use mesure::report::publication;
use mesure::report::{Format, Options, Progress, Summary, write_reports};

use super::Global;

/// Écrit les rapports HTML et les graphiques.
#[derive(Args)]
pub struct ReportArgs {
    /// Sorte de période : month, quarter, semester, year, 12m (par défaut : year).
    #[arg(long, value_name = "PÉRIODE", default_value = "year")]
    per: Per,
    /// Une seule période : 2025-03, 2025-T1 (ou 2025-Q1), 2025-S1, 2025, 2025-03-12M.
    #[arg(long, value_name = "P")]
    period: Option<Period>,
    /// Rapport de cette manufacture seulement (répétable ; toutes par défaut).
    #[arg(long, value_name = "ID")]
    manufacture: Vec<String>,
    /// Rapports de ce niveau : manufacture, region, filiere, national (répétable ; tous par défaut).
    #[arg(long, value_name = "NIVEAU")]
    level: Vec<Level>,
    /// Format : html (pages, graphiques inclus), png ou svg (un fichier par graphique) ; répétable.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "html")]
    format: Vec<ReportFormat>,
    /// Fige les chiffres de la période (--period) et les définitions qui les ont faits, dans
    /// publications/ du dossier des rapports ; les rapports suivants disent lesquels ont changé.
    #[arg(long, requires = "period")]
    publier: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Html,
    Png,
    Svg,
}

pub fn run(args: &ReportArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let options = options(args)?;
    let summary = write_with_progress(&workspace, &options)?;
    print_summary(&summary);
    if args.publier {
        let period = options.period.expect("clap requires --period");
        let (folder, record) = publication::publish(&workspace, period)?;
        println!(
            "Publication {period} figée : {} chiffres, définitions {} ; {}",
            record.figures,
            record.fingerprint,
            folder.display()
        );
    }
    tell_changed_publications(&workspace)?;
    Ok(ExitCode::SUCCESS)
}

/// One line per publication whose figures have changed since, with the command that says why.
fn tell_changed_publications(workspace: &mesure::Workspace) -> Result<(), Error> {
    for period in publication::published_periods(workspace) {
        let (_, changed) = publication::changes_since(workspace, period)?;
        if !changed.is_empty() {
            println!(
                "Publication {period} : {} chiffre(s) publié(s) ont changé depuis ; pourquoi : mesure compare --publication {period}",
                changed.len()
            );
        }
    }
    Ok(())
}

fn options(args: &ReportArgs) -> Result<Options, Error> {
    let period = args.period;
    if let Some(level) = args
        .level
        .iter()
        .find(|l| matches!(l, Level::Departement | Level::Wave))
    {
        return Err(Error::Usage(format!(
            "pas de rapport au niveau « {level} » : manufacture, region, filiere ou national"
        )));
    }
    let formats = args
        .format
        .iter()
        .map(|f| match f {
            ReportFormat::Html => Format::Html,
            ReportFormat::Png => Format::Png,
            ReportFormat::Svg => Format::Svg,
        })
        .collect();
    Ok(Options {
        per: args.per,
        period,
        manufactures: args.manufacture.clone(),
        levels: args.level.clone(),
        formats,
    })
}

/// Writes the reports with a progress bar on standard error.
pub fn write_with_progress(
    workspace: &mesure::Workspace,
    options: &Options,
) -> Result<Summary, Error> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} fichiers dessinés ({eta} restantes)")
            .expect("valid template"),
    );
    let summary = write_reports(workspace, options, &|news| match news {
        Progress::Total(n) => bar.set_length(n as u64),
        Progress::Done => bar.inc(1),
    })?;
    bar.finish_and_clear();
    Ok(summary)
}

pub fn print_summary(summary: &Summary) {
    let periods = if summary.periods.is_empty() {
        "aucune période avec des données".to_string()
    } else {
        summary.periods.join(", ")
    };
    println!(
        "Rapports ({periods}) : {} ; {}, {}.",
        counted(summary.pages, "page", "pages"),
        counted(summary.written, "fichier écrit", "fichiers écrits"),
        counted(summary.unchanged, "inchangé", "inchangés"),
    );
    println!("Ouvrir : {}", summary.index.display());
}

/// `0 page`, `1 page`, `2 pages`: French puts the singular below two.
fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count < 2 { one } else { many })
}
