//! `mesure definitions`: the definitions dictionary (tables, columns, indicators and their
//! formulas in words) as an HTML page or Markdown, for consultants and funders.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use mesure::Error;
use mesure::report::dictionary;

use super::Global;

/// Écrit le dictionnaire des définitions.
#[derive(Args)]
pub struct DefinitionsArgs {
    /// Format : html (une page) ou markdown.
    #[arg(long, value_enum, default_value = "html", value_name = "FORMAT")]
    format: Format,
    /// Fichier à écrire (par défaut : la sortie standard).
    #[arg(long, short, value_name = "FICHIER")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Html,
    Markdown,
}

pub fn run(args: &DefinitionsArgs, global: &Global) -> Result<ExitCode, Error> {
    let definitions = global.open()?.definitions()?;
    let text = match args.format {
        Format::Html => dictionary::html_page(&definitions),
        Format::Markdown => dictionary::markdown(&definitions),
    };
    match &args.output {
        Some(path) => mesure::files::write_bytes_atomically(path, text.as_bytes())?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| Error::io("-", e))?,
    }
    Ok(ExitCode::SUCCESS)
}
