//! A month's earlier versions (the portal restores one) and a month withdrawn
//! (`mesure retirer`), each recorded in the ledger.

use std::collections::BTreeMap;
use std::path::Path;

use super::{FileReport, IngestOptions, ingest};
use crate::error::{Error, Result};
use crate::ingest::{FileKind, file_kind};
use crate::month::Month;
use crate::registry::ManufactureId;
use crate::store::{LedgerEntry, LedgerMonth, Outcome, Store, TableSource};
use crate::workspace::Workspace;

/// The ledger line of a month's version `version` (1 for the first stored file).
pub fn version_entry<'a>(
    ledger: &'a [LedgerEntry],
    manufacture: &str,
    month: Month,
    version: usize,
) -> Option<&'a LedgerEntry> {
    ledger
        .iter()
        .filter(|e| e.outcome == Outcome::Accepted)
        .filter(|e| {
            e.months
                .iter()
                .any(|m| m.manufacture == manufacture && m.month == month)
        })
        .nth(version.checked_sub(1)?)
}

/// Brings a month back to an earlier version: the workbook that made version `version`
/// (1 for the first stored) is taken from the raw files and stored again, checked against
/// today's definitions and registry, as a new version recorded in the ledger. Only a
/// workbook's version can be restored (a CSV file holds other months too).
pub fn restore(
    workspace: &Workspace,
    manufacture: &str,
    month: Month,
    version: usize,
    by: Option<&str>,
    on_wait: &dyn Fn(&str),
) -> Result<FileReport> {
    let store = Store::read(&workspace.store);
    let ledger = store.ledger()?;
    let entry = version_entry(&ledger, manufacture, month, version).ok_or_else(|| {
        Error::Usage(format!(
            "{manufacture} {month} n'a pas de version {version}"
        ))
    })?;
    if file_kind(Path::new(&entry.file)) != Ok(FileKind::Workbook) {
        return Err(Error::Refused(format!(
            "la version {version} de {manufacture} {month} vient du fichier CSV {} : seule la version d'un classeur se restaure ; renvoyez le fichier voulu",
            entry.file
        )));
    }
    let raw = store.raw_copy(entry);
    let folder = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let copy = folder.path().join(&entry.file);
    std::fs::copy(&raw, &copy).map_err(|e| Error::io(&raw, e))?;
    let options = IngestOptions {
        by: by.map(str::to_string),
        ..IngestOptions::default()
    };
    let mut reports = ingest(workspace, &[copy], options, &|| {}, on_wait)?;
    Ok(reports.remove(0))
}

/// What a withdrawal did.
#[derive(Debug, Clone)]
pub struct Withdrawal {
    /// The files whose data the month held (name and hash), now set aside.
    pub sources: Vec<TableSource>,
}

/// Withdraws a manufacture's month from the store (a month sent for the wrong manufacture):
/// recorded in the ledger (with who, when given), so that [`rebuild`](super::rebuild::rebuild) honours it; the raw
/// files are kept. `None` when that month is not stored.
pub fn withdraw(
    workspace: &Workspace,
    manufacture: &ManufactureId,
    month: Month,
    by: Option<&str>,
    on_wait: &dyn Fn(&str),
) -> Result<Option<Withdrawal>> {
    let store = Store::lock(&workspace.store, "mesure retirer", on_wait)?;
    let mut transaction = store.transaction()?;
    let sources = transaction.sources(manufacture, month)?;
    if sources.is_empty() {
        return Ok(None);
    }
    let mut files: Vec<TableSource> = sources.values().cloned().collect();
    files.sort_by(|a, b| a.hash.cmp(&b.hash));
    files.dedup();
    let entry = LedgerEntry {
        received_at: chrono::Utc::now(),
        file: String::new(),
        hash: String::new(),
        outcome: Outcome::Withdrawn,
        months: vec![LedgerMonth {
            manufacture: manufacture.clone(),
            month,
            rows: BTreeMap::new(),
            replaced: files.iter().map(|f| f.hash.clone()).collect(),
        }],
        errors: 0,
        warnings: 0,
        by: by.map(str::to_string),
    };
    // The ledger line is on disk before the month goes: a crash between leaves the month
    // stored and the withdrawal recorded, which a rebuild or a second withdrawal finishes.
    store.append_ledger(&entry)?;
    store.sync()?;
    transaction.withdraw(manufacture, month)?;
    transaction.commit()?;
    Ok(Some(Withdrawal { sources: files }))
}
