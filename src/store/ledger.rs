//! The ledger of uploads: one JSON line per file received, appended and flushed, never
//! rewritten. It says when, which file (name and hash), what it held, what it replaced, and
//! whether it was accepted.
//!
//! A line is written whole or not at all: a write that fails (a full disk) is undone by
//! truncating the file back, and a line cut short by a crash (it has no final newline, so it
//! was never followed by a switch) is cut off before the next line is appended, never glued to
//! it. A complete line that cannot be read is an error that names it, never skipped.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Problem, Result};
use crate::month::Month;
use crate::registry::ManufactureId;

/// What became of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Stored.
    #[serde(rename = "accepte")]
    Accepted,
    /// Refused for errors; nothing stored.
    #[serde(rename = "refuse")]
    Refused,
    /// The same file was already stored: nothing changed.
    #[serde(rename = "deja_recu")]
    AlreadyReceived,
    /// Months withdrawn by `mesure retirer` (no file: `file` and `hash` are empty).
    #[serde(rename = "retire")]
    Withdrawn,
}

/// One month a file brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerMonth {
    /// The manufacture.
    pub manufacture: ManufactureId,
    /// The month (`AAAA-MM` in the file).
    #[serde(rename = "mois")]
    pub month: Month,
    /// Rows per table.
    #[serde(rename = "lignes")]
    pub rows: BTreeMap<String, usize>,
    /// The hashes of the files whose data this replaced.
    #[serde(rename = "remplace")]
    pub replaced: Vec<String>,
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// When, in UTC (RFC 3339 to the second in the file).
    #[serde(rename = "horodatage", with = "rfc3339_seconds")]
    pub received_at: DateTime<Utc>,
    /// The file's name as given.
    #[serde(rename = "fichier")]
    pub file: String,
    /// Its SHA-256.
    #[serde(rename = "empreinte")]
    pub hash: String,
    /// What became of it.
    #[serde(rename = "resultat")]
    pub outcome: Outcome,
    /// The months it brought (none when refused).
    #[serde(rename = "mois")]
    pub months: Vec<LedgerMonth>,
    /// How many errors it had.
    #[serde(rename = "erreurs")]
    pub errors: usize,
    /// How many warnings it had.
    #[serde(rename = "avertissements")]
    pub warnings: usize,
    /// Who sent it, when known (the portal's account; absent for a command-line ingest).
    #[serde(rename = "par", default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// Appends one line and returns the ledger's length before it (to undo it with [`truncate`]).
pub(super) fn append(path: &Path, entry: &LedgerEntry) -> Result<u64> {
    append_json_line(path, entry)
}

/// Appends a value as one JSON line to a journal (the ledger, the portal's audit journal),
/// whole or not at all, cutting a torn last line first; returns the length before it.
pub(crate) fn append_json_line(path: &Path, value: &impl Serialize) -> Result<u64> {
    let mut line = serde_json::to_string(value).expect("a journal line serializes");
    line.push('\n');
    let io = |e| Error::io(path, e);
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    let length = cut_torn_tail(&mut file).map_err(io)?;
    // Flushed to disk with the rest of the store by `Store::sync`, before any switch.
    if let Err(e) = file.write_all(line.as_bytes()) {
        let _ = file.set_len(length);
        return Err(io(e));
    }
    Ok(length)
}

/// Cuts the ledger back to `length` bytes (undoes the lines appended since).
pub(super) fn truncate(path: &Path, length: u64) -> Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    file.set_len(length).map_err(|e| Error::io(path, e))
}

/// Removes a last line left without its newline (a crash while appending); returns the
/// length of the whole lines.
fn cut_torn_tail(file: &mut File) -> std::io::Result<u64> {
    let length = file.metadata()?.len();
    if length == 0 {
        return Ok(0);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(length - 1))?;
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(length);
    }
    // Search backwards for the end of the last whole line.
    let mut end = length - 1;
    let mut block = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let chunk = &mut block[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(at) = chunk.iter().rposition(|&b| b == b'\n') {
            let whole = start + at as u64 + 1;
            file.set_len(whole)?;
            return Ok(whole);
        }
        end = start;
    }
    file.set_len(0)?;
    Ok(0)
}

pub(super) fn read(path: &Path) -> Result<Vec<LedgerEntry>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    // A last line without its newline was cut short by a crash before anything used it.
    let whole = match text.rfind('\n') {
        Some(at) => &text[..=at],
        None => "",
    };
    // Lines read on every core: a national file's line lists each of its manufacture-months
    // (about 30 MB at 3,500 places).
    let lines: Vec<&str> = whole.lines().collect();
    let read: Vec<serde_json::Result<LedgerEntry>> = lines
        .par_iter()
        .map(|line| serde_json::from_str(line))
        .collect();
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in read.into_iter().enumerate() {
        match line {
            Ok(entry) => entries.push(entry),
            Err(e) => problems.push(Problem::error(
                Location::line(path, index + 1),
                format!(
                    "ligne illisible du registre des dépôts ({e}) : rien n'est ignoré en silence ; réparez ou retirez cette ligne à la main (les fichiers reçus sont gardés dans brut/)"
                ),
            )),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// The ledger's timestamps: written in RFC 3339 to the second (`2025-04-10T09:00:00Z`), read
/// from any RFC 3339 text.
mod rfc3339_seconds {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        when: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&when.to_rfc3339_opts(SecondsFormat::Secs, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|when| when.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> LedgerEntry {
        LedgerEntry {
            received_at: "2025-04-10T00:00:00Z".parse().unwrap(),
            file: name.into(),
            hash: "ab".into(),
            outcome: Outcome::Accepted,
            months: Vec::new(),
            errors: 0,
            warnings: 0,
            by: None,
        }
    }

    #[test]
    fn a_torn_last_line_is_cut_before_the_next_one_is_appended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("depots.jsonl");
        append(&path, &entry("a.xlsx")).unwrap();
        // A crash (or a full disk) cut the second line short.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"horodatage":"2025-05-1"#).unwrap();
        let names =
            |p: &Path| -> Vec<String> { read(p).unwrap().into_iter().map(|e| e.file).collect() };
        assert_eq!(names(&path), ["a.xlsx"]);
        append(&path, &entry("b.xlsx")).unwrap();
        assert_eq!(names(&path), ["a.xlsx", "b.xlsx"]);
    }

    #[test]
    fn a_whole_line_that_cannot_be_read_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("depots.jsonl");
        append(&path, &entry("a.xlsx")).unwrap();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"horodatage\":\"2025\n").unwrap();
        append(&path, &entry("b.xlsx")).unwrap();
        let err = read(&path).unwrap_err();
        assert!(err.to_string().contains("depots.jsonl:2"), "{err}");
    }
}
