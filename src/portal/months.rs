//! A manufacture's months as its manager sees them: received, refused, late, missing, or not
//! expected, with each month's versions (who sent which file, when), from the store and its
//! ledger.

use chrono::NaiveDate;

use crate::engine::coverage::{Coverage, Standing};
use crate::month::Month;
use crate::registry::Manufacture;
use crate::store::{LedgerEntry, Outcome};

/// Where a month stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthState {
    /// Stored.
    Received,
    /// The last file sent for it was refused, and nothing is stored.
    Refused,
    /// Expected, not received, due date passed less than
    /// [`OVERDUE_MONTHS`](crate::engine::coverage::OVERDUE_MONTHS) ago.
    Late,
    /// Expected, not received, due long ago.
    Missing,
    /// Expected, not received, not yet due.
    Due,
    /// Before the opening (or after the closing), or in the future.
    NotExpected,
}

impl From<Standing> for MonthState {
    fn from(standing: Standing) -> Self {
        match standing {
            Standing::OnTime | Standing::ReceivedLate => MonthState::Received,
            Standing::Refused => MonthState::Refused,
            Standing::Due => MonthState::Due,
            Standing::Overdue => MonthState::Late,
            Standing::Missing => MonthState::Missing,
            Standing::NotExpected => MonthState::NotExpected,
        }
    }
}

impl MonthState {
    /// The word shown in the grid.
    pub fn label(self) -> &'static str {
        match self {
            MonthState::Received => "reçu",
            MonthState::Refused => "refusé",
            MonthState::Late => "en retard",
            MonthState::Missing => "manquant",
            MonthState::Due => "à envoyer",
            MonthState::NotExpected => "pas attendu",
        }
    }

    /// The letter of the network's grid (its colour is not the only cue).
    pub fn letter(self) -> &'static str {
        match self {
            MonthState::Received => "✓",
            MonthState::Refused => "✗",
            MonthState::Late => "!",
            MonthState::Missing => "M",
            MonthState::Due => "·",
            MonthState::NotExpected => "",
        }
    }

    /// The CSS class of the grid's cell.
    pub fn class(self) -> &'static str {
        match self {
            MonthState::Received => "recu",
            MonthState::Refused => "refuse",
            MonthState::Late => "retard",
            MonthState::Missing => "manquant",
            MonthState::Due => "a-envoyer",
            MonthState::NotExpected => "pas-attendu",
        }
    }
}

/// One file sent for a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The version number the file made (1 for the first stored), none if it changed nothing.
    pub number: Option<usize>,
    /// When, `JJ/MM/AAAA HH:MM` UTC.
    pub when: String,
    /// The file's name.
    pub file: String,
    /// Who sent it (empty for a command-line ingest).
    pub by: String,
    /// What became of it, in words.
    pub outcome: &'static str,
    /// Rows per table the file brought for this month, « publics 7, flux 3 ».
    pub rows: String,
}

/// A month of a manufacture, with its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthStatus {
    /// The month.
    pub month: Month,
    /// Where it stands.
    pub state: MonthState,
    /// The files sent for it, oldest first.
    pub versions: Vec<Version>,
}

impl MonthStatus {
    /// The current version's number, if the month is stored.
    pub fn current_version(&self) -> Option<usize> {
        self.versions.iter().filter_map(|v| v.number).max()
    }
}

/// The twelve months of `year` for a manufacture, with their versions from the ledger.
pub fn year_grid(
    manufacture: &Manufacture,
    year: i32,
    coverage: &Coverage,
    ledger: &[LedgerEntry],
    today: NaiveDate,
) -> Vec<MonthStatus> {
    (1..=12)
        .filter_map(|m| Month::new(year, m))
        .map(|month| MonthStatus {
            month,
            state: coverage.standing(manufacture, month, Some(today)).into(),
            versions: versions_of(&manufacture.id, month, ledger),
        })
        .collect()
}

/// Every file sent for a manufacture's month, oldest first, numbered as versions.
pub fn versions_of(manufacture: &str, month: Month, ledger: &[LedgerEntry]) -> Vec<Version> {
    let mut number = 0;
    let mut versions = Vec::new();
    for entry in ledger {
        let Some(this) = entry
            .months
            .iter()
            .find(|m| m.manufacture == manufacture && m.month == month)
        else {
            continue;
        };
        let (version, outcome) = match entry.outcome {
            Outcome::Accepted => {
                number += 1;
                (Some(number), "accepté")
            }
            Outcome::AlreadyReceived => (None, "déjà reçu"),
            Outcome::Refused => (None, "refusé"),
            Outcome::Withdrawn => (None, "retiré"),
        };
        let rows = this
            .rows
            .iter()
            .map(|(table, n)| format!("{table} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        versions.push(Version {
            number: version,
            when: entry.received_at.format("%d/%m/%Y %H:%M").to_string(),
            file: entry.file.clone(),
            by: entry.by.clone().unwrap_or_default(),
            outcome,
            rows,
        });
    }
    versions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::LedgerMonth;

    #[test]
    fn versions_count_only_the_files_that_changed_the_month() {
        let entry = |file: &str, outcome, by: Option<&str>| LedgerEntry {
            received_at: "2025-04-10T08:30:00Z".parse().unwrap(),
            file: file.into(),
            hash: file.into(),
            outcome,
            months: vec![LedgerMonth {
                manufacture: "mp001".parse().unwrap(),
                month: "2025-03".parse().unwrap(),
                rows: [("publics".to_string(), 7)].into(),
                replaced: vec![],
            }],
            errors: 0,
            warnings: 0,
            by: by.map(str::to_string),
        };
        let ledger = vec![
            entry("a.xlsx", Outcome::Refused, None),
            entry("b.xlsx", Outcome::Accepted, Some("g@x.fr")),
            entry("b.xlsx", Outcome::AlreadyReceived, None),
            entry("c.xlsx", Outcome::Accepted, None),
        ];
        let versions = versions_of("mp001", "2025-03".parse().unwrap(), &ledger);
        let numbers: Vec<Option<usize>> = versions.iter().map(|v| v.number).collect();
        assert_eq!(numbers, [None, Some(1), None, Some(2)]);
        assert_eq!(versions[1].by, "g@x.fr");
        assert_eq!(versions[1].when, "10/04/2025 08:30");
        assert_eq!(versions[1].rows, "publics 7");
        assert!(versions_of("mp002", "2025-03".parse().unwrap(), &ledger).is_empty());
    }
}
