//! The portal's audit journal: one JSON line per event that matters (a sign-in, failed or
//! not, an upload, a confirmation, a withdrawal, a download, an account change), with who,
//! when, from where and, for a file, its SHA-256. Appended and flushed to disk before the
//! page answers; never rewritten.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::append_json_line;

const JOURNAL_FILE: &str = "journal.jsonl";

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When, in UTC (RFC 3339).
    #[serde(rename = "horodatage")]
    pub at: String,
    /// The account (or the address typed, for a failed sign-in).
    #[serde(rename = "qui")]
    pub who: String,
    /// The client's address.
    #[serde(rename = "depuis")]
    pub from: String,
    /// What happened: `connexion`, `connexion_refusee`, `depot`, `confirmation`, ...
    pub action: String,
    /// Details: the manufacture and month, the file's name, the account changed.
    pub detail: String,
    /// The SHA-256 of the file concerned, if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[serde(rename = "empreinte")]
    pub hash: String,
}

/// The journal of a workspace's portal.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal kept in `folder` (the workspace's `portail/`).
    pub fn new(folder: &Path) -> Self {
        Journal {
            path: folder.join(JOURNAL_FILE),
        }
    }

    /// Appends an event and flushes it to disk.
    pub fn record(
        &self,
        who: &str,
        from: &str,
        action: &str,
        detail: &str,
        hash: &str,
    ) -> Result<()> {
        let event = Event {
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            who: who.to_string(),
            from: from.to_string(),
            action: action.to_string(),
            detail: detail.to_string(),
            hash: hash.to_string(),
        };
        if let Some(folder) = self.path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        append_json_line(&self.path, &event)?;
        let file = std::fs::File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        file.sync_data().map_err(|e| Error::io(&self.path, e))
    }

    /// The last `count` events, most recent first (a line that cannot be read is skipped:
    /// the journal is for reading, nothing is rebuilt from it).
    pub fn last(&self, count: usize) -> Result<Vec<Event>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        Ok(text
            .lines()
            .rev()
            .filter_map(|line| serde_json::from_str(line).ok())
            .take(count)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_appended_and_read_back_most_recent_first() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(&dir.path().join("portail"));
        journal
            .record("a@x.fr", "127.0.0.1", "connexion", "", "")
            .unwrap();
        journal
            .record("a@x.fr", "127.0.0.1", "depot", "mp001 2025-03", "ab12")
            .unwrap();
        let events = journal.last(10).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].action, "depot");
        assert_eq!(events[0].hash, "ab12");
        assert_eq!(events[1].action, "connexion");
    }
}
