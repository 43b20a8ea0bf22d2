//! Coverage: which months each manufacture was expected to declare, which it declared, and
//! whether on time. One model for every view of it: `mesure status`, the reports' pages and
//! quality section, the portal's grids, and `compute`'s `declarants`/`attendus` columns.
//!
//! The rules, each in one place:
//! - a month is **expected** when the manufacture is open that month
//!   ([`Manufacture::is_open`]: from its opening, until its closing);
//! - a month is **declared** when the store holds it now (a withdrawn month is not);
//! - a declared month is **on time** when the ledger first accepted it by its due date, the
//!   workspace's `delai_declaration_jours` days after the month's end ([`Coverage::due_date`]);
//!   a month withdrawn then sent again counts from its new receipt;
//! - a month not declared is **due** until its due date, **overdue** for [`OVERDUE_MONTHS`]
//!   months after it, **missing** past that (and always missing where no date is given: a
//!   report of a past period). A missing month is never zero.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use polars::prelude::*;

use super::cell::{cell_expr, cell_of};
use super::{ENTITY_KEY, EXPECTED, ID, INDEX, MONTH, PERIOD_KEY};
use crate::error::Result;
use crate::month::Month;
use crate::registry::{Manufacture, ManufactureId, Registry};
use crate::store::{LedgerEntry, Outcome, Store};

/// Days after a month's end by which its declaration is due, unless the workspace says
/// otherwise.
pub const DEFAULT_DEADLINE_DAYS: i64 = 30;
/// The setting of `mesure.toml` that changes [`DEFAULT_DEADLINE_DAYS`].
pub const DEADLINE_SETTING: &str = "delai_declaration_jours";
/// Months after its due date during which a month not declared is overdue, before it counts
/// as missing.
pub const OVERDUE_MONTHS: i32 = 3;

/// The workspace's deadline in days, from its settings.
pub fn deadline_days(settings: &HashMap<String, f64>) -> i64 {
    settings
        .get(DEADLINE_SETTING)
        .map_or(DEFAULT_DEADLINE_DAYS, |days| *days as i64)
}

/// Where a manufacture's month stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Declared, first received by its due date.
    OnTime,
    /// Declared, first received after its due date.
    ReceivedLate,
    /// Not declared: the last file sent for it was refused.
    Refused,
    /// Not declared, not yet due.
    Due,
    /// Not declared, due less than [`OVERDUE_MONTHS`] months ago.
    Overdue,
    /// Not declared, due long ago (or, without a date to compare, simply not declared).
    Missing,
    /// Not expected: before the opening, after the closing, or in the future.
    NotExpected,
}

impl Standing {
    /// Whether the month is declared (stored).
    pub fn is_declared(self) -> bool {
        matches!(self, Standing::OnTime | Standing::ReceivedLate)
    }

    /// Whether the month was expected.
    pub fn is_expected(self) -> bool {
        self != Standing::NotExpected
    }
}

/// The declarations of a network: what the store holds and what its ledger says of when each
/// month was received.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    deadline_days: i64,
    /// A number for each manufacture met, to key its months by one integer: a national
    /// ledger lists millions of manufacture-months (keyed by an id cloned into each key, the
    /// coverage of 3,500 places took 2.3 s to build; `mesure status` 5.6 s in all).
    numbers: PlHashMap<ManufactureId, u32>,
    declared: PlHashSet<u64>,
    first_received: PlHashMap<u64, NaiveDate>,
    last_refused: PlHashSet<u64>,
}

impl Coverage {
    /// The coverage of the months declared now, with the ledger's history of receipts.
    pub fn new(
        declared: impl IntoIterator<Item = (ManufactureId, Month)>,
        ledger: &[LedgerEntry],
        deadline_days: i64,
    ) -> Self {
        let mut coverage = Coverage {
            deadline_days,
            ..Coverage::default()
        };
        let mut last_outcome: PlHashMap<u64, Outcome> = PlHashMap::new();
        for entry in ledger {
            for month in &entry.months {
                let key = coverage.numbered(&month.manufacture, month.month);
                last_outcome.insert(key, entry.outcome);
                match entry.outcome {
                    // A withdrawn month sent again counts from its new receipt.
                    Outcome::Withdrawn => {
                        coverage.first_received.remove(&key);
                    }
                    Outcome::Accepted => {
                        let day = entry.received_at.date_naive();
                        let first = coverage.first_received.entry(key).or_insert(day);
                        *first = (*first).min(day);
                    }
                    Outcome::Refused | Outcome::AlreadyReceived => {}
                }
            }
        }
        coverage.last_refused = last_outcome
            .into_iter()
            .filter(|(_, outcome)| *outcome == Outcome::Refused)
            .map(|(key, _)| key)
            .collect();
        for (manufacture, month) in declared {
            let key = coverage.numbered(&manufacture, month);
            coverage.declared.insert(key);
        }
        coverage
    }

    /// The key of a manufacture's month, numbering the manufacture if it is new.
    fn numbered(&mut self, manufacture: &ManufactureId, month: Month) -> u64 {
        let number = match self.numbers.get(manufacture.as_str()) {
            Some(number) => *number,
            None => {
                let next = self.numbers.len() as u32;
                self.numbers.insert(manufacture.clone(), next);
                next
            }
        };
        month_key(number, month)
    }

    /// The key of a manufacture's month, if the manufacture was ever met.
    fn key(&self, manufacture: &ManufactureId, month: Month) -> Option<u64> {
        let number = self.numbers.get(manufacture.as_str())?;
        Some(month_key(*number, month))
    }

    /// The coverage of a store, read once (its declared months and its ledger).
    pub fn read(store: &Store, deadline_days: i64) -> Result<Self> {
        Ok(Coverage::new(
            store.stored_months()?,
            &store.ledger()?,
            deadline_days,
        ))
    }

    /// The days after a month's end by which it is due.
    pub fn deadline_days(&self) -> i64 {
        self.deadline_days
    }

    /// The last day a month counts as received on time.
    pub fn due_date(&self, month: Month) -> NaiveDate {
        month.next().first_day() + Duration::days(self.deadline_days - 1)
    }

    /// Whether the store holds this manufacture's month.
    pub fn is_declared(&self, manufacture: &ManufactureId, month: Month) -> bool {
        self.key(manufacture, month)
            .is_some_and(|key| self.declared.contains(&key))
    }

    /// Where a manufacture's month stands; `today` tells due from overdue from missing and
    /// leaves the future unexpected (without it, a month not declared is missing).
    pub fn standing(
        &self,
        manufacture: &Manufacture,
        month: Month,
        today: Option<NaiveDate>,
    ) -> Standing {
        let key = self.key(&manufacture.id, month);
        if let Some(key) = key.filter(|key| self.declared.contains(key)) {
            return match self.first_received.get(&key) {
                Some(day) if *day > self.due_date(month) => Standing::ReceivedLate,
                _ => Standing::OnTime,
            };
        }
        if !manufacture.is_open(month) {
            return Standing::NotExpected;
        }
        let Some(today) = today else {
            return Standing::Missing;
        };
        if month > Month::of_date(today) {
            Standing::NotExpected
        } else if key.is_some_and(|key| self.last_refused.contains(&key)) {
            Standing::Refused
        } else if today <= self.due_date(month) {
            Standing::Due
        } else if today <= self.due_date(month.plus(OVERDUE_MONTHS)) {
            Standing::Overdue
        } else {
            Standing::Missing
        }
    }

    /// Of these months, how many the manufacture declared while expected, and how many it
    /// was expected to declare.
    pub fn declared_of_expected(
        &self,
        manufacture: &Manufacture,
        months: &[Month],
    ) -> (usize, usize) {
        let expected: Vec<&Month> = months.iter().filter(|m| manufacture.is_open(**m)).collect();
        let declared = expected
            .iter()
            .filter(|m| self.is_declared(&manufacture.id, ***m))
            .count();
        (declared, expected.len())
    }
}

impl Coverage {
    /// Over a period's months: how many of these manufactures declared at least one month,
    /// and how many were expected for at least one (`compute`'s `declarants` and `attendus`).
    pub fn of_period(&self, manufactures: &[&Manufacture], months: &[Month]) -> (u32, u32) {
        let (mut declarants, mut expected) = (0, 0);
        for manufacture in manufactures {
            let standings: Vec<Standing> = months
                .iter()
                .map(|month| self.standing(manufacture, *month, None))
                .collect();
            expected += u32::from(standings.iter().any(|s| s.is_expected()));
            declarants += u32::from(standings.iter().any(|s| s.is_declared()));
        }
        (declarants, expected)
    }
}

/// One number for a manufacture's number and a month: an engine [cell](super::cell) whose
/// period is the month (twelve months fit in four bits; the year, in the bits above).
fn month_key(manufacture: u32, month: Month) -> u64 {
    cell_of(manufacture, ((month.year() as u32) << 4) | month.month())
}

/// (`id_manufacture`, `mois`) of every month each manufacture is expected to declare between
/// `first` and `last`: `compute`'s `attendus` come from it.
pub(super) fn expected_months(
    registry: &Registry,
    first: Month,
    last: Month,
) -> PolarsResult<DataFrame> {
    let (mut ids, mut months) = (Vec::new(), Vec::new());
    for manufacture in registry.manufactures() {
        for month in first.through(last).filter(|m| manufacture.is_open(*m)) {
            ids.push(manufacture.id.as_str());
            months.push(month.to_string());
        }
    }
    df!(ID => ids, MONTH => months)
}

/// ([`CELL`](super::cell::CELL), `attendus`): manufactures open for at least one month of each cell (entity,
/// period).
pub(super) fn expected_per_cell(
    expected: &DataFrame,
    periods: &DataFrame,
    entities: &DataFrame,
) -> PolarsResult<DataFrame> {
    expected
        .clone()
        .lazy()
        .join(
            periods.clone().lazy(),
            [col(MONTH)],
            [col(MONTH)],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            entities.clone().lazy(),
            [col(ID)],
            [col(ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([cell_expr(col(ENTITY_KEY), col(PERIOD_KEY))])
        .agg([col(INDEX).n_unique().cast(DataType::UInt32).alias(EXPECTED)])
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::store::LedgerMonth;

    fn manufacture(opening: &str) -> Manufacture {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let registry = Registry::load(&root.join("sample-data/manufactures.csv")).unwrap();
        let mut m = registry.manufactures()[0].clone();
        m.opened = opening.parse().unwrap();
        m.closed = None;
        m
    }

    fn manufacture_with_id(id: &str, opening: &str) -> Manufacture {
        let mut m = manufacture(opening);
        m.id = ManufactureId::parse(id).unwrap();
        m
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn month(text: &str) -> Month {
        text.parse().unwrap()
    }

    fn entry(when: &str, outcome: Outcome, id: &str, of: &str) -> LedgerEntry {
        LedgerEntry {
            received_at: format!("{when}T09:00:00Z").parse().unwrap(),
            file: format!("{id}_{of}.xlsx"),
            hash: when.into(),
            outcome,
            months: vec![LedgerMonth {
                manufacture: id.parse().unwrap(),
                month: month(of),
                rows: Default::default(),
                replaced: Vec::new(),
            }],
            errors: 0,
            warnings: 0,
            by: None,
        }
    }

    #[test]
    fn a_month_not_declared_is_due_then_overdue_then_missing_by_the_workspace_deadline() {
        let m = manufacture("2025-01");
        let march = month("2025-03");
        let coverage = Coverage::new([], &[], 30);
        assert_eq!(coverage.due_date(march), day("2025-04-30"));
        let at = |today: &str| coverage.standing(&m, march, Some(day(today)));
        assert_eq!(at("2025-03-20"), Standing::Due);
        assert_eq!(at("2025-04-30"), Standing::Due);
        assert_eq!(at("2025-05-01"), Standing::Overdue);
        assert_eq!(at("2025-07-30"), Standing::Overdue);
        assert_eq!(at("2025-07-31"), Standing::Missing);
        assert_eq!(at("2025-02-10"), Standing::NotExpected, "in the future");
        assert_eq!(coverage.standing(&m, march, None), Standing::Missing);
        let later = manufacture("2025-06");
        assert_eq!(
            coverage.standing(&later, march, Some(day("2026-01-01"))),
            Standing::NotExpected
        );
        let tighter = Coverage::new([], &[], 10);
        assert_eq!(tighter.due_date(march), day("2025-04-10"));
        assert_eq!(
            tighter.standing(&m, march, Some(day("2025-04-11"))),
            Standing::Overdue
        );
    }

    #[test]
    fn a_declared_month_is_on_time_by_its_first_receipt_and_a_refusal_shows_until_a_success() {
        let m = manufacture("2025-01");
        let id = m.id.clone();
        let (march, april) = (month("2025-03"), month("2025-04"));
        let ledger = vec![
            entry("2025-04-20", Outcome::Accepted, &id, "2025-03"),
            // Sent again later: still on time, by its first receipt.
            entry("2025-06-01", Outcome::Accepted, &id, "2025-03"),
            entry("2025-05-02", Outcome::Refused, &id, "2025-04"),
        ];
        let coverage = Coverage::new([(id.clone(), march)], &ledger, 30);
        assert_eq!(coverage.standing(&m, march, None), Standing::OnTime);
        assert_eq!(
            coverage.standing(&m, april, Some(day("2025-05-10"))),
            Standing::Refused
        );
        assert_eq!(coverage.standing(&m, april, None), Standing::Missing);
        assert_eq!(coverage.declared_of_expected(&m, &[march, april]), (1, 2));
        // Over a period: declared at least once, expected at least once.
        assert_eq!(coverage.of_period(&[&m], &[march, april]), (1, 1));
        assert_eq!(coverage.of_period(&[&m], &[april]), (0, 1));
        let later = manufacture("2025-06");
        assert_eq!(coverage.of_period(&[&m, &later], &[april]), (0, 1));
    }

    #[test]
    fn a_withdrawn_month_sent_again_counts_from_its_new_receipt() {
        let m = manufacture("2025-01");
        let id = m.id.clone();
        let march = month("2025-03");
        let ledger = vec![
            entry("2025-04-05", Outcome::Accepted, &id, "2025-03"),
            entry("2025-05-01", Outcome::Withdrawn, &id, "2025-03"),
            entry("2025-06-15", Outcome::Accepted, &id, "2025-03"),
        ];
        let coverage = Coverage::new([(id, march)], &ledger, 30);
        assert_eq!(coverage.standing(&m, march, None), Standing::ReceivedLate);
    }

    #[test]
    fn months_are_told_apart_by_manufacture_and_year_and_an_unknown_manufacture_has_none() {
        let keys = [
            month_key(0, month("2025-12")),
            month_key(0, month("2026-01")),
            month_key(0, month("2024-12")),
            month_key(1, month("2025-12")),
            month_key(u32::MAX, month("2025-12")),
        ];
        let distinct: HashSet<u64> = keys.iter().copied().collect();
        assert_eq!(distinct.len(), keys.len());
        let m = manufacture("2025-01");
        let other = manufacture_with_id("mp999", "2025-01");
        let march = month("2025-03");
        let ledger = vec![entry("2025-04-05", Outcome::Refused, &other.id, "2025-03")];
        let coverage = Coverage::new([(m.id.clone(), march)], &ledger, 30);
        assert!(coverage.is_declared(&m.id, march));
        assert!(!coverage.is_declared(&m.id, month("2025-04")));
        assert!(!coverage.is_declared(&other.id, march));
        let unknown = manufacture_with_id("mp404", "2025-01");
        assert!(!coverage.is_declared(&unknown.id, march));
        let today = NaiveDate::from_ymd_opt(2025, 4, 10);
        assert_eq!(coverage.standing(&other, march, today), Standing::Refused);
        assert_eq!(coverage.standing(&unknown, march, today), Standing::Due);
    }
}
