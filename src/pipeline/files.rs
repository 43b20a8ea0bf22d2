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
    // Each entry's type comes with the listing (no `stat` per file), and names sort as their
    // paths would, since they share the folder.
    let mut entries: Vec<(std::ffi::OsString, bool)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let Ok(entry) = entry else { continue };
        let is_dir = match entry.file_type() {
            Ok(kind) if kind.is_symlink() => entry.path().is_dir(),
            Ok(kind) => kind.is_dir(),
            Err(_) => continue,
        };
        entries.push((entry.file_name(), is_dir));
    }
    entries.sort_unstable();
    for (name, is_dir) in entries {
        let shown = name.to_str().unwrap_or("");
        if shown.starts_with('.') || shown.starts_with("~$") {
            continue;
        }
        let path = dir.join(&name);
        if is_dir {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_give_their_spreadsheets_in_name_order_without_hidden_or_lock_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in [
            "mp002_2025-01.xlsx",
            "mp001_2025-02.ods",
            "publics.csv",
            ".cache.xlsx",
            "~$mp001_2025-02.xlsx",
            "notes.pdf",
            "b/mp003_2025-01.xls",
            "a/mp004_2025-01.xlsx",
            ".cache/mp005_2025-01.xlsx",
        ] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"").unwrap();
        }
        let lone = root.join("b/mp003_2025-01.xls");
        let files = expand_paths(&[root.to_path_buf(), lone.clone()]).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(root).unwrap().to_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "a/mp004_2025-01.xlsx",
                "b/mp003_2025-01.xls",
                "mp001_2025-02.ods",
                "mp002_2025-01.xlsx",
                "publics.csv",
                "b/mp003_2025-01.xls",
            ]
        );
    }
}
