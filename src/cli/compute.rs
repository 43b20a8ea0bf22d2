//! `mesure compute`: every indicator for every entity and period, in the long form.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use mesure::Error;
use mesure::definitions::Definitions;
use mesure::engine::{Inputs, Level, Per, Period, Request, compute, distribution};
use mesure::export::{with_definitions, write_csv, write_json, write_parquet};
use mesure::files::write_atomically;
use mesure::numbers::french_grouped;
use mesure::registry::Registry;
use mesure::store::Store;
use polars::prelude::DataFrame;

use super::Global;

/// Calcule les indicateurs.
#[derive(Args)]
pub struct ComputeArgs {
    /// Niveau : manufacture, departement, region, filiere, vague, national (répétable ; tous par défaut).
    #[arg(long, value_name = "NIVEAU")]
    level: Vec<Level>,
    /// Période : month, quarter, semester, year, 12m (répétable ; toutes par défaut).
    #[arg(long, value_name = "PÉRIODE")]
    per: Vec<Per>,
    /// Une seule période : 2025-03, 2025-T1 (ou 2025-Q1), 2025-S1, 2025, 2025-03-12M.
    #[arg(long, value_name = "P")]
    period: Option<Period>,
    /// Indicateur (répétable ; tous par défaut).
    #[arg(long, value_name = "ID")]
    indicator: Vec<String>,
    /// Donne, au lieu des chiffres, leur distribution entre manufactures (min, quartiles,
    /// médiane, max) pour chaque entité et période.
    #[arg(long, conflicts_with = "rangs")]
    distribution: bool,
    /// Donne, au lieu des chiffres, le rang de chaque manufacture dans chaque entité.
    #[arg(long)]
    rangs: bool,
    /// Format de sortie.
    #[arg(long, value_enum, default_value = "csv", value_name = "FORMAT")]
    format: Format,
    /// CSV pour Excel en français : séparateur ;, virgule décimale, UTF-8 avec BOM.
    #[arg(long)]
    excel: bool,
    /// Fichier à écrire (par défaut : la sortie standard).
    #[arg(long, short, value_name = "FICHIER")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Parquet,
    Json,
}

pub fn run(args: &ComputeArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let period = args.period;
    let pers = match period {
        Some(period) if args.per.is_empty() => vec![period.per()],
        _ => args.per.clone(),
    };
    let request = Request {
        levels: args.level.clone(),
        periods: pers,
        indicators: args.indicator.clone(),
        period,
    };
    let inputs = match Store::open_existing(&workspace.store) {
        Some(store) => Inputs::from_store(&store, &definitions)?,
        None => Inputs::default(),
    };
    let figures = if args.distribution || args.rangs {
        distribution_or_ranks(args, &definitions, &registry, &inputs, &request)?
    } else {
        compute(&definitions, &registry, &inputs, &request)?
    };
    let figures = with_definitions(figures, &definitions.fingerprint())?;
    let write = |out: &mut dyn Write| match args.format {
        Format::Csv => write_csv(&figures, out, args.excel),
        Format::Json => write_json(&figures, out),
        Format::Parquet => write_parquet(&figures, out),
    };
    match &args.output {
        Some(path) => write_atomically(path, write)?,
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            write(&mut out)?;
            out.flush().map_err(|e| Error::io("-", e))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The distribution of the manufactures' figures, or their ranks, over the levels and periods
/// of `request`: made from the manufacture-level figures alone.
fn distribution_or_ranks(
    args: &ComputeArgs,
    definitions: &Definitions,
    registry: &Registry,
    inputs: &Inputs,
    request: &Request,
) -> Result<DataFrame, Error> {
    let levels = request.levels_or_all();
    let manufactures = Request {
        levels: vec![Level::Manufacture],
        ..request.clone()
    };
    let manufacture_figures = compute(definitions, registry, inputs, &manufactures)?;
    if args.rangs {
        refuse_too_many_ranks(&manufacture_figures, levels.len())?;
    }
    // Ranks only when asked for: they are a row per manufacture, level and period.
    let (summary, ranks) = distribution(&manufacture_figures, registry, &levels, &|_| args.rangs)
        .map_err(|e| Error::internal("calcul", e))?;
    Ok(if args.distribution { summary } else { ranks })
}

/// Rank rows that one `compute --rangs` may write: at 3,500 places, the 15.3 million
/// quarterly ranks took 5.4 GB and made a 1.2 GB file; every period, 116 million rows, was
/// killed past 24 GB of memory.
const MAX_RANK_ROWS: usize = 20_000_000;

/// [`MAX_RANK_ROWS`], or `MESURE_RANGS_MAX` when set (the tests lower it).
fn max_rank_rows() -> usize {
    std::env::var("MESURE_RANGS_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MAX_RANK_ROWS)
}

/// Refuses, before ranking, a request whose rank rows (one per manufacture figure and level)
/// would be more than [`max_rank_rows`], saying how to ask for fewer.
fn refuse_too_many_ranks(manufacture_figures: &DataFrame, levels: usize) -> Result<(), Error> {
    let values = manufacture_figures
        .column("valeur")
        .map(|c| c.len() - c.null_count())
        .unwrap_or(0);
    let rows = values * levels;
    let limit = max_rank_rows();
    if rows <= limit {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "le classement demandé ferait {} lignes (au plus {}) : précisez une période \
         (--period 2025), un type de période (--per year) ou moins de niveaux (--level region)",
        french_grouped(rows as f64, 0),
        french_grouped(limit as f64, 0),
    )))
}
