//! Calendar months, the grain of every workbook (`AAAA-MM`).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// A calendar month, such as `2025-03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

/// Why a text is not a month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("« {0} » n'est pas un mois au format AAAA-MM (par exemple 2025-03)")]
pub struct MonthParseError(pub String);

impl Month {
    /// The month of a year, `None` unless `month` is 1 to 12 and the year has four digits.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1000..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    /// The month a date falls in.
    pub fn of_date(date: NaiveDate) -> Self {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The current month, by the system clock.
    pub fn current() -> Self {
        Month::of_date(chrono::Local::now().date_naive())
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month of the year, 1 to 12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a valid month has a first day")
    }

    /// The month that follows.
    pub fn next(self) -> Self {
        self.plus(1)
    }

    /// The month `n` months later (earlier when `n` is negative).
    pub fn plus(self, n: i32) -> Self {
        let index = self.index() + n;
        Month {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    /// Months from `self` to `other`, positive when `other` is later.
    pub fn months_until(self, other: Month) -> i32 {
        other.index() - self.index()
    }

    /// Every month from `self` to `last`, both included.
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        (0..=self.months_until(last).max(-1)).map(move |n| self.plus(n))
    }

    fn index(self) -> i32 {
        self.year * 12 + self.month as i32 - 1
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MonthParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = || MonthParseError(text.to_string());
        let (year, month) = text.trim().split_once('-').ok_or_else(fail)?;
        if year.len() != 4 || !(1..=2).contains(&month.len()) {
            return Err(fail());
        }
        let year = year.parse().map_err(|_| fail())?;
        let month = month.parse().map_err(|_| fail())?;
        Month::new(year, month).ok_or_else(fail)
    }
}

/// Written `AAAA-MM` in stored files (the ledger, JSON reports).
impl serde::Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_aaaa_mm() {
        let m: Month = "2025-03".parse().unwrap();
        assert_eq!((m.year(), m.month()), (2025, 3));
        assert_eq!(m.to_string(), "2025-03");
        assert_eq!("2025-3".parse::<Month>().unwrap().to_string(), "2025-03");
    }

    #[test]
    fn refuses_what_is_not_a_month() {
        for bad in [
            "2025-13",
            "2025-00",
            "25-03",
            "mars 2025",
            "2025/03",
            "",
            "2025-03-01",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad} accepted");
        }
        assert_eq!(
            "2025-13".parse::<Month>().unwrap_err().to_string(),
            "« 2025-13 » n'est pas un mois au format AAAA-MM (par exemple 2025-03)"
        );
    }

    #[test]
    fn counts_across_years() {
        let dec: Month = "2024-12".parse().unwrap();
        assert_eq!(dec.next().to_string(), "2025-01");
        assert_eq!(dec.plus(-12).to_string(), "2023-12");
        assert_eq!(dec.months_until("2025-03".parse().unwrap()), 3);
        let months: Vec<String> = dec.through(dec.plus(2)).map(|m| m.to_string()).collect();
        assert_eq!(months, ["2024-12", "2025-01", "2025-02"]);
        assert_eq!(dec.through(dec.plus(-1)).count(), 0);
    }
}
