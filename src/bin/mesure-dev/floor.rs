//! `mesure-dev lecture-brute`: calamine alone parses every workbook of a folder, in
//! parallel like `ingest`, and nothing else. Its time is the floor ingestion is measured
//! against (see BENCHMARKS.md).

use std::io::Cursor;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use calamine::{Reader, open_workbook_auto_from_rs};
use clap::Args;
use mesure::Error;
use mesure::pipeline::expand_paths;
use rayon::prelude::*;

use mesure::workspace::WorkspaceOption;

/// Lit les classeurs avec calamine seul (mesure de référence).
#[derive(Args)]
pub struct FloorArgs {
    /// Dossiers ou fichiers à lire.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(args: &FloorArgs, _global: &WorkspaceOption) -> Result<ExitCode, Error> {
    let files = expand_paths(&args.paths)?;
    let start = Instant::now();
    let cells: usize = files
        .par_iter()
        .map(|path| {
            let Ok(bytes) = std::fs::read(path) else {
                return 0;
            };
            let Ok(mut workbook) = open_workbook_auto_from_rs(Cursor::new(bytes)) else {
                return 0;
            };
            let names = workbook.sheet_names();
            names
                .iter()
                .filter_map(|name| workbook.worksheet_range(name).ok())
                .map(|range| range.get_size().0 * range.get_size().1)
                .sum::<usize>()
        })
        .sum();
    println!(
        "{} fichiers, {cells} cellules lus par calamine en {:.2} s",
        files.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
