//! `mesure compare`: the figures of the store under the definitions and settings of another
//! folder or of a git revision of the workspace, against the current ones: per indicator, how
//! many figures move and the largest moves; every moved figure in a CSV file.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use clap::Args;
use mesure::definitions::Definitions;
use mesure::engine::{
    Comparison, FigureKey, Inputs, Level, Per, Period, Request, compare, compute,
};
use mesure::numbers::french_plain as format_number;
use mesure::report::publication;
use mesure::store::Store;
use mesure::{Error, Workspace};

use super::Global;

/// Compare les chiffres sous deux jeux de définitions.
#[derive(Args)]
pub struct CompareArgs {
    /// Définitions d'avant : un dossier (un espace de travail, ou son dossier de définitions)
    /// ou une révision git de l'espace de travail (HEAD, HEAD~1, un tag...).
    #[arg(
        long,
        value_name = "DOSSIER|RÉVISION",
        required_unless_present = "publication"
    )]
    avant: Option<String>,
    /// Au lieu de --avant : les chiffres publiés de cette période (mesure report --publier)
    /// qui ont changé depuis, et pourquoi.
    #[arg(long, value_name = "P", conflicts_with = "avant")]
    publication: Option<String>,
    /// Niveau (répétable ; tous par défaut).
    #[arg(long, value_name = "NIVEAU")]
    level: Vec<Level>,
    /// Sorte de période (répétable ; toutes par défaut).
    #[arg(long, value_name = "PÉRIODE")]
    per: Vec<Per>,
    /// Indicateur (répétable ; tous par défaut).
    #[arg(long, value_name = "ID")]
    indicator: Vec<String>,
    /// Combien des plus grands écarts montrer par indicateur.
    #[arg(long, default_value_t = 3, value_name = "N")]
    ecarts: usize,
    /// Fichier CSV de chaque chiffre qui change (par défaut : comparaison.csv dans le dossier des rapports).
    #[arg(long, short, value_name = "FICHIER")]
    output: Option<PathBuf>,
}

pub fn run(args: &CompareArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    if let Some(period) = &args.publication {
        return since_publication(&workspace, period, args);
    }
    let after = workspace.definitions()?;
    let avant = args.avant.as_deref().expect("clap requires --avant");
    let (before, origin) = before_definitions(&workspace, avant)?;
    let registry = workspace.registry()?;
    let store = Store::open_existing(&workspace.store);
    let figures = |definitions: &Definitions| -> Result<_, Error> {
        let inputs = match &store {
            Some(store) => Inputs::from_store(store, definitions)?,
            None => Inputs::default(),
        };
        // An indicator asked for that one side lacks is simply absent from that side.
        let indicators: Vec<String> = args
            .indicator
            .iter()
            .filter(|id| definitions.indicator(id).is_some())
            .cloned()
            .collect();
        if !args.indicator.is_empty() && indicators.is_empty() {
            return Ok(mesure::engine::empty_output());
        }
        let request = Request {
            levels: args.level.clone(),
            periods: args.per.clone(),
            indicators,
            period: None,
        };
        compute(definitions, &registry, &inputs, &request)
    };
    for id in &args.indicator {
        if after.indicator(id).is_none() && before.indicator(id).is_none() {
            return Err(Error::Usage(format!(
                "indicateur « {id} » inconnu, avant comme maintenant"
            )));
        }
    }
    let comparison = compare(&figures(&before)?, &figures(&after)?)?;
    println!(
        "Définitions d'avant : {origin} (empreinte {}) ; maintenant : {} (empreinte {}).",
        before.fingerprint(),
        workspace.definitions.display(),
        after.fingerprint()
    );
    print_summary(&comparison, &before, &after, args.ecarts);
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| workspace.reports.join("comparaison.csv"));
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    mesure::files::write_atomically(&output, |out| write_moved(&comparison, out))?;
    let count = comparison.moved().count();
    println!(
        "{count} chiffre(s) qui changent, un par ligne : {}",
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The published figures of a period that have changed, each with its reasons; all of them
/// in a CSV file with a `raisons` column.
fn since_publication(
    workspace: &Workspace,
    period: &str,
    args: &CompareArgs,
) -> Result<ExitCode, Error> {
    let period = period
        .parse::<Period>()
        .map_err(|e| Error::Usage(e.to_string()))?;
    if !publication::folder(workspace, period)
        .join("publication.json")
        .is_file()
    {
        let known = publication::published_periods(workspace);
        return Err(Error::Usage(format!(
            "aucune publication de {period} (publiées : {}) ; publiez avec mesure report --period {period} --publier",
            if known.is_empty() {
                "aucune".to_string()
            } else {
                known
                    .iter()
                    .map(Period::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )));
    }
    let (record, changed) = publication::changes_since(workspace, period)?;
    println!(
        "Publication {period} du {} (définitions {}) : {} chiffre(s) sur {} ont changé depuis.",
        record.published_at,
        record.fingerprint,
        changed.len(),
        record.figures
    );
    let shown = |v: Option<f64>| v.map_or("non calculable".to_string(), format_number);
    for c in changed.iter().take(args.ecarts.max(1) * 10) {
        let FigureKey {
            indicator,
            level,
            entity,
            period: p,
        } = &c.figure.key;
        println!(
            "  {indicator} {level} {entity} {p} : {} → {}",
            shown(c.figure.before),
            shown(c.figure.after)
        );
        for reason in &c.reasons {
            println!("    {reason}");
        }
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| workspace.reports.join(format!("changements-{period}.csv")));
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let rows = changed.iter().map(|c| {
        let FigureKey {
            indicator,
            level,
            entity,
            period,
        } = &c.figure.key;
        [
            indicator.clone(),
            level.word().to_string(),
            entity.clone(),
            period.to_string(),
            number(c.figure.before),
            number(c.figure.after),
            c.reasons.join(" ; "),
        ]
    });
    let header = [
        "indicateur",
        "niveau",
        "entite",
        "periode",
        "publie",
        "aujourdhui",
        "raisons",
    ];
    mesure::files::write_atomically(&output, |out| write_rows(out, header, rows))?;
    println!(
        "Chaque chiffre changé, avec ses raisons : {}",
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The definitions of `avant`: a folder, or a revision of the workspace's git repository.
fn before_definitions(workspace: &Workspace, avant: &str) -> Result<(Definitions, String), Error> {
    let folder = Path::new(avant);
    if folder.is_dir() {
        return Ok((
            definitions_in(folder, workspace)?,
            folder.display().to_string(),
        ));
    }
    let copy = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    extract_revision(workspace, avant, copy.path())?;
    let definitions = definitions_in(copy.path(), workspace)?;
    Ok((definitions, format!("révision git {avant}")))
}

/// A workspace folder (its `mesure.toml` and definitions), or a definitions folder itself,
/// read with the current workspace's settings.
fn definitions_in(folder: &Path, workspace: &Workspace) -> Result<Definitions, Error> {
    if folder.join("indicateurs").is_dir() {
        return Definitions::load(folder, &workspace.params);
    }
    Workspace::open(folder)?.definitions()
}

/// Writes the workspace's `mesure.toml` and definitions folder as they were at `revision`.
fn extract_revision(workspace: &Workspace, revision: &str, into: &Path) -> Result<(), Error> {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(&workspace.root)
            .args(args)
            .output()
            .map_err(|e| {
                Error::Refused(format!(
                    "git introuvable ({e}) : --avant doit alors être un dossier"
                ))
            })
    };
    let prefix = git(&["rev-parse", "--show-prefix"])?;
    if !prefix.status.success() {
        return Err(Error::Usage(format!(
            "« {revision} » n'est ni un dossier ni une révision : {} n'est pas dans un dépôt git",
            workspace.root.display()
        )));
    }
    let prefix = String::from_utf8_lossy(&prefix.stdout).trim().to_string();
    let definitions = workspace
        .definitions
        .strip_prefix(&workspace.root)
        .unwrap_or(Path::new("indicators"))
        .to_string_lossy()
        .to_string();
    let tree = format!("{revision}:{prefix}");
    let archive = git(&["archive", "--format=tar", &tree, "--", &definitions])?;
    if !archive.status.success() {
        return Err(Error::Usage(format!(
            "révision « {revision} » introuvable, ou sans dossier {definitions} ({})",
            String::from_utf8_lossy(&archive.stderr).trim()
        )));
    }
    let mut tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(into)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Refused(format!("tar introuvable ({e})")))?;
    if let Some(mut input) = tar.stdin.take() {
        input
            .write_all(&archive.stdout)
            .map_err(|e| Error::io(into, e))?;
    }
    let status = tar.wait().map_err(|e| Error::io(into, e))?;
    if !status.success() {
        return Err(Error::Refused(format!(
            "extraction de la révision « {revision} » impossible"
        )));
    }
    // The settings of that revision, when it had a mesure.toml.
    let config = git(&["show", &format!("{tree}mesure.toml")])?;
    if config.status.success() {
        let path = into.join("mesure.toml");
        std::fs::write(&path, &config.stdout).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

fn print_summary(comparison: &Comparison, before: &Definitions, after: &Definitions, shown: usize) {
    for (id, (count, moved)) in &comparison.indicators {
        let status = match (
            before.indicator(id).is_some(),
            after.indicator(id).is_some(),
        ) {
            (false, true) => " (nouvel indicateur)",
            (true, false) => " (indicateur retiré)",
            _ => "",
        };
        if moved.is_empty() {
            println!("{id}{status} : aucun des {count} chiffres ne change");
            continue;
        }
        println!(
            "{id}{status} : {} chiffre(s) sur {count} changent",
            moved.len()
        );
        for m in moved.iter().take(shown) {
            let FigureKey {
                level,
                entity,
                period,
                ..
            } = &m.key;
            let shown = |v: Option<f64>| v.map_or("non calculable".to_string(), format_number);
            let difference = m
                .difference()
                .map(|d| format!(" ({}{})", if d > 0.0 { "+" } else { "" }, format_number(d)))
                .unwrap_or_default();
            println!(
                "  {level} {entity} {period} : {} → {}{difference}",
                shown(m.before),
                shown(m.after)
            );
        }
    }
}

/// Every moved figure: `indicateur,niveau,entite,periode,avant,apres,difference`.
fn write_moved(comparison: &Comparison, out: &mut dyn std::io::Write) -> mesure::error::Result<()> {
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let rows = comparison.moved().map(|m| {
        let FigureKey {
            indicator,
            level,
            entity,
            period,
        } = &m.key;
        [
            indicator.clone(),
            level.word().to_string(),
            entity.clone(),
            period.to_string(),
            number(m.before),
            number(m.after),
            number(m.difference()),
        ]
    });
    let header = [
        "indicateur",
        "niveau",
        "entite",
        "periode",
        "avant",
        "apres",
        "difference",
    ];
    write_rows(out, header, rows)
}

/// A CSV file of seven columns.
fn write_rows(
    out: &mut dyn std::io::Write,
    header: [&str; 7],
    rows: impl Iterator<Item = [String; 7]>,
) -> mesure::error::Result<()> {
    let failed = |e: csv::Error| Error::internal("écriture du CSV", e);
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(header).map_err(failed)?;
    for row in rows {
        csv.write_record(&row).map_err(failed)?;
    }
    csv.flush()
        .map_err(|e| Error::internal("écriture du CSV", e))
}
