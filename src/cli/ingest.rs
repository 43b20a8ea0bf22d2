//! `mesure ingest`: workbooks and CSV files checked, then stored, with a report per file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use mesure::Error;
use mesure::pipeline::{FileReport, IngestOptions, annotate_rejected, expand_paths, ingest};
use mesure::store::Outcome;
use serde_json::json;

use super::Global;

/// Vérifie puis enregistre des classeurs mensuels ou des fichiers CSV.
#[derive(Args)]
pub struct IngestArgs {
    /// Fichiers ou dossiers à lire (.xlsx, .xls, .ods, .csv).
    #[arg(value_name = "FICHIER|DOSSIER", required = true)]
    paths: Vec<PathBuf>,
    /// Vérifie seulement, sans rien enregistrer.
    #[arg(long)]
    dry_run: bool,
    /// Écrit dans ce dossier une copie de chaque fichier refusé, cellules fautives surlignées
    /// et commentées.
    #[arg(long, value_name = "DOSSIER")]
    annotate: Option<PathBuf>,
    /// Format du compte rendu.
    #[arg(long, value_enum, default_value = "texte", value_name = "FORMAT")]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Lisible, pour un terminal.
    #[value(name = "texte")]
    Text,
    /// JSON, pour un programme.
    Json,
}

pub fn run(args: &IngestArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let files = expand_paths(&args.paths)?;
    let bar = ProgressBar::new(files.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} fichiers ({eta} restantes)")
            .expect("valid template"),
    );
    let options = IngestOptions {
        dry_run: args.dry_run,
        received_at: None,
        by: None,
    };
    let reports = ingest(&workspace, &files, options, &|| bar.inc(1), &|message| {
        bar.suspend(|| eprintln!("{message}"));
    })?;
    bar.finish_and_clear();
    match args.format {
        Format::Text => print_text(&reports, args.dry_run),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&as_json(&reports)).expect("JSON")
        ),
    }
    if let Some(dir) = &args.annotate {
        for (source, copy) in annotate_rejected(&reports, dir)? {
            eprintln!("Copie annotée de {} : {}", source.display(), copy.display());
        }
    }
    let rejected = reports.iter().any(|r| r.outcome == Outcome::Refused);
    Ok(if rejected {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(reports: &[FileReport], dry_run: bool) {
    // One write per few kilobytes, not per line: a thousand files' verdicts were a thousand
    // `write` calls at the end of the run.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = write_text(&mut out, reports, dry_run).and_then(|()| out.flush());
    match written {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("écriture du compte rendu impossible : {err}");
        }
        // `| head` closed the pipe early: nothing more to say.
        _ => {}
    }
}

fn write_text(out: &mut impl Write, reports: &[FileReport], dry_run: bool) -> std::io::Result<()> {
    let count = |outcome| reports.iter().filter(|r| r.outcome == outcome).count();
    for report in reports {
        let verdict = match (report.outcome, dry_run) {
            (Outcome::Accepted, false) => "accepté",
            (Outcome::Accepted, true) => "valide (rien n'est enregistré : --dry-run)",
            (Outcome::Refused, _) => "REFUSÉ",
            (Outcome::AlreadyReceived, _) => "déjà reçu, rien ne change",
            (Outcome::Withdrawn, _) => "retiré",
        };
        let detail = describe_months(&report.months);
        writeln!(out, "{} : {verdict}{detail}", report.path.display())?;
        for problem in &report.problems {
            writeln!(out, "  {}", problem.within_file())?;
        }
    }
    writeln!(
        out,
        "Bilan : {} fichier(s) accepté(s), {} refusé(s), {} déjà reçu(s).",
        count(Outcome::Accepted),
        count(Outcome::Refused),
        count(Outcome::AlreadyReceived)
    )
}

/// Most months listed one by one after a file's verdict; past it (a network's CSV file), a
/// summary: manufactures, months, rows per table, replacements.
const MONTHS_LISTED: usize = 6;

/// What a file brought, after its verdict: each month with its rows per table, or, for a
/// file of many months, a summary of one line.
fn describe_months(months: &[mesure::store::LedgerMonth]) -> String {
    if months.is_empty() {
        return String::new();
    }
    if months.len() <= MONTHS_LISTED {
        let listed: Vec<String> = months
            .iter()
            .map(|m| {
                let rows: Vec<String> = m.rows.iter().map(|(t, n)| format!("{t} {n}")).collect();
                let replaced = if m.replaced.is_empty() {
                    ""
                } else {
                    " ; remplace un envoi précédent"
                };
                format!(
                    "{} {} : {}{replaced}",
                    m.manufacture,
                    m.month,
                    rows.join(", ")
                )
            })
            .collect();
        return format!(" ({})", listed.join(" ; "));
    }
    let manufactures: std::collections::BTreeSet<&str> =
        months.iter().map(|m| m.manufacture.as_str()).collect();
    let first = months.iter().map(|m| m.month).min();
    let last = months.iter().map(|m| m.month).max();
    let (first, last) = match (first, last) {
        (Some(first), Some(last)) => (first.to_string(), last.to_string()),
        _ => (String::new(), String::new()),
    };
    let mut rows: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for month in months {
        for (table, n) in &month.rows {
            *rows.entry(table.as_str()).or_default() += n;
        }
    }
    let rows: Vec<String> = rows
        .iter()
        .map(|(t, n)| format!("{t} {}", mesure::numbers::french_grouped(*n as f64, 0)))
        .collect();
    let replaced = months.iter().filter(|m| !m.replaced.is_empty()).count();
    let replaced = match replaced {
        0 => String::new(),
        1 => " ; 1 mois remplace un envoi précédent".to_string(),
        n => format!(" ; {n} mois remplacent un envoi précédent"),
    };
    format!(
        " ({} manufactures, {} mois-manufacture de {first} à {last} : {} lignes{replaced})",
        manufactures.len(),
        months.len(),
        rows.join(", ")
    )
}

fn as_json(reports: &[FileReport]) -> serde_json::Value {
    let files: Vec<serde_json::Value> = reports
        .iter()
        .map(|report| {
            let problems: Vec<serde_json::Value> = report
                .problems
                .iter()
                .map(|p| {
                    json!({
                        "gravite": match p.severity { mesure::Severity::Error => "erreur", mesure::Severity::Warning => "avertissement" },
                        "fichier": p.location.file.display().to_string(),
                        "feuille": p.location.sheet,
                        "ligne": p.location.row,
                        "colonne": p.location.column,
                        "message": p.message,
                    })
                })
                .collect();
            json!({
                "fichier": report.path.display().to_string(),
                "empreinte": report.hash,
                "resultat": report.outcome,
                "mois": report.months,
                "problemes": problems,
            })
        })
        .collect();
    json!({ "fichiers": files })
}
