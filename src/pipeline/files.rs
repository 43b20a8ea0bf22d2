//! Which files an ingest reads, and in which order it applies them.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::ingest::{FileKind, file_kind};

/// The files to read: files as named, and the spreadsheets and CSV files inside folders
/// (recursively, in name order, skipping hidden files and Office lock files `~$...`).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect_dir(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn collect_dir(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        if path.is_dir() {
            collect_dir(&path, files)?;
        } else if file_kind(&path).is_ok() {
            files.push(path);
        }
    }
    Ok(())
}

/// The order in which files are applied: every workbook before every CSV file, otherwise as
/// given. A workbook replaces a whole month and a CSV file one table of it, so a CSV file
/// sent with the workbook of the same month corrects it, whatever the files are called.
pub fn application_order(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut ordered = files.to_vec();
    ordered.sort_by_key(|path| file_kind(path) == Ok(FileKind::Csv));
    ordered
}
