//! The ledger of uploads: one JSON line per file received, appended and flushed, never
//! rewritten. It says when, which file (name and hash), what it held, what it replaced, and
//! whether it was accepted.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What became of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Stored.
    Accepte,
    /// Refused for errors; nothing stored.
    Refuse,
    /// The same file was already stored: nothing changed.
    DejaRecu,
}

/// One month a file brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerMonth {
    /// The manufacture.
    pub manufacture: String,
    /// The month, `AAAA-MM`.
    pub mois: String,
    /// Rows per table.
    pub lignes: BTreeMap<String, usize>,
    /// The hashes of the files whose data this replaced.
    pub remplace: Vec<String>,
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// When, in UTC (RFC 3339).
    pub horodatage: String,
    /// The file's name as given.
    pub fichier: String,
    /// Its SHA-256.
    pub empreinte: String,
    /// What became of it.
    pub resultat: Outcome,
    /// The months it brought (none when refused).
    pub mois: Vec<LedgerMonth>,
    /// How many errors it had.
    pub erreurs: usize,
    /// How many warnings it had.
    pub avertissements: usize,
}

pub(super) fn append(path: &Path, entry: &LedgerEntry) -> Result<()> {
    let mut line = serde_json::to_string(entry).expect("a ledger entry serializes");
    line.push('\n');
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    // Flushed to disk with the rest of the store by `Store::sync`, before any switch.
    file.write_all(line.as_bytes())
        .map_err(|e| Error::io(path, e))
}

pub(super) fn read(path: &Path) -> Result<Vec<LedgerEntry>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    // A line cut short by a crash while appending is the last one; it is skipped.
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}
