//! Copies of refused workbooks with their faulty cells marked, for `ingest --annotate`.

use std::path::{Path, PathBuf};

use super::FileReport;
use crate::error::{Error, Result};
use crate::ingest::read_bytes;
use crate::store::Outcome;

/// Writes, into `dir`, an annotated copy of every rejected file that can still be read (a
/// truncated or non-spreadsheet file cannot); returns the copies written, by source file.
pub fn annotate_rejected(reports: &[FileReport], dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::new();
    for report in reports.iter().filter(|r| r.outcome == Outcome::Refused) {
        let Ok(bytes) = read_bytes(&report.path) else {
            continue;
        };
        let stem = report
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("fichier");
        let out = dir.join(format!("{stem}_annoté.xlsx"));
        match crate::ingest::write_annotated(&report.path, &bytes, &report.problems, &out) {
            Ok(()) => written.push((report.path.clone(), out)),
            Err(Error::Refused(_)) => continue, // unreadable: its message already says so
            Err(other) => return Err(other),
        }
    }
    Ok(written)
}
