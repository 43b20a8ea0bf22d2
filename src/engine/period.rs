//! Periods: month, quarter, semester, year and rolling 12 months, with their labels
//! (`2025-03`, `2025-T1`, `2025-S1`, `2025`, `2025-03-12M`).

use std::fmt;
use std::str::FromStr;

use crate::month::Month;

/// A kind of period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Per {
    /// A calendar month.
    Month,
    /// A calendar quarter.
    Quarter,
    /// A calendar half-year.
    Semester,
    /// A calendar year.
    Year,
    /// The 12 months ending with a month.
    Rolling12,
}

impl Per {
    /// Every kind, shortest first.
    pub const ALL: [Per; 5] = [
        Per::Month,
        Per::Quarter,
        Per::Semester,
        Per::Year,
        Per::Rolling12,
    ];

    /// How many months a period of this kind spans.
    pub fn length(self) -> i32 {
        match self {
            Per::Month => 1,
            Per::Quarter => 3,
            Per::Semester => 6,
            Per::Year | Per::Rolling12 => 12,
        }
    }

    /// The word used on the command line.
    pub fn word(self) -> &'static str {
        match self {
            Per::Month => "month",
            Per::Quarter => "quarter",
            Per::Semester => "semester",
            Per::Year => "year",
            Per::Rolling12 => "12m",
        }
    }
}

impl fmt::Display for Per {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

impl FromStr for Per {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "month" | "mois" => Ok(Per::Month),
            "quarter" | "trimestre" => Ok(Per::Quarter),
            "semester" | "semestre" => Ok(Per::Semester),
            "year" | "annee" | "année" => Ok(Per::Year),
            "12m" => Ok(Per::Rolling12),
            _ => Err(format!(
                "« {text} » : month, quarter, semester, year ou 12m attendu"
            )),
        }
    }
}

/// One period: its kind and its first month. Written `2025-03`, `2025-T1`, `2025-S1`, `2025`
/// or `2025-03-12M` (the 12 months ending with March 2025); read from the same labels, and
/// from what people type (`2025-Q1`, `2025-t1`, `2025-03-12m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    per: Per,
    first: Month,
}

impl Period {
    /// The periods of a kind that hold `month`: one, or twelve rolling windows.
    pub fn containing(per: Per, month: Month) -> Vec<Period> {
        let (year, m) = (month.year(), month.month() as i32);
        let starting = |first: Month| Period { per, first };
        let calendar = |size: i32| {
            let first = Month::new(year, ((m - 1) / size * size + 1) as u32)
                .expect("a calendar period starts within its year");
            vec![starting(first)]
        };
        match per {
            Per::Month => vec![starting(month)],
            Per::Quarter => calendar(3),
            Per::Semester => calendar(6),
            Per::Year => calendar(12),
            Per::Rolling12 => (0..12).map(|n| starting(month.plus(n - 11))).collect(),
        }
    }

    /// One calendar month.
    pub fn month(month: Month) -> Self {
        Period {
            per: Per::Month,
            first: month,
        }
    }

    /// Its kind.
    pub fn per(self) -> Per {
        self.per
    }

    /// Its first month.
    pub fn first(self) -> Month {
        self.first
    }

    /// Its last month.
    pub fn last(self) -> Month {
        self.first.plus(self.per.length() - 1)
    }

    /// Its months, in order.
    pub fn months(self) -> Vec<Month> {
        self.first.through(self.last()).collect()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month) = (self.first.year(), self.first.month());
        match self.per {
            Per::Month => write!(f, "{}", self.first),
            Per::Quarter => write!(f, "{year}-T{}", (month - 1) / 3 + 1),
            Per::Semester => write!(f, "{year}-S{}", (month - 1) / 6 + 1),
            Per::Year => write!(f, "{year}"),
            Per::Rolling12 => write!(f, "{}-12M", self.last()),
        }
    }
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("« {0} » n'est pas une période (2025-03, 2025-T1, 2025-S1, 2025, 2025-03-12M)")]
pub struct PeriodParseError(pub String);

impl FromStr for Period {
    type Err = PeriodParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refused = || PeriodParseError(text.to_string());
        let label = text.trim().to_ascii_uppercase().replace("-Q", "-T");
        if let Some(last) = label.strip_suffix("-12M") {
            let last: Month = last.parse().map_err(|_| refused())?;
            return Ok(Period {
                per: Per::Rolling12,
                first: last.plus(-11),
            });
        }
        if let Ok(month) = label.parse::<Month>() {
            return Ok(Period {
                per: Per::Month,
                first: month,
            });
        }
        if let Some((year, part)) = label.split_once('-') {
            let (per, index) = if let Some(index) = part.strip_prefix('T') {
                (Per::Quarter, index)
            } else if let Some(index) = part.strip_prefix('S') {
                (Per::Semester, index)
            } else {
                return Err(refused());
            };
            let index: i32 = index.parse().map_err(|_| refused())?;
            let size = per.length();
            // Checked before use: `2025-T0` once underflowed here (a panic).
            if !(1..=12 / size).contains(&index) {
                return Err(refused());
            }
            let first = Month::new(
                year.parse().map_err(|_| refused())?,
                ((index - 1) * size + 1) as u32,
            )
            .ok_or_else(refused)?;
            return Ok(Period { per, first });
        }
        let year: i32 = label.parse().map_err(|_| refused())?;
        let first = Month::new(year, 1).ok_or_else(refused)?;
        Ok(Period {
            per: Per::Year,
            first,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Month {
        text.parse().unwrap()
    }

    fn labels_of(per: Per, month: Month) -> Vec<String> {
        Period::containing(per, month)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn labels() {
        assert_eq!(labels_of(Per::Quarter, m("2025-03")), ["2025-T1"]);
        assert_eq!(labels_of(Per::Quarter, m("2025-04")), ["2025-T2"]);
        assert_eq!(labels_of(Per::Semester, m("2025-07")), ["2025-S2"]);
        assert_eq!(labels_of(Per::Year, m("2025-12")), ["2025"]);
        let windows = labels_of(Per::Rolling12, m("2025-03"));
        assert_eq!(windows.len(), 12);
        assert_eq!(windows[0], "2025-03-12M");
        assert_eq!(windows[11], "2026-02-12M");
    }

    fn period(text: &str) -> Period {
        text.parse().unwrap()
    }

    #[test]
    fn periods_read_and_write_their_labels() {
        assert_eq!(
            period("2025-T2").months(),
            [m("2025-04"), m("2025-05"), m("2025-06")]
        );
        assert_eq!(period("2025-03-12M").first(), m("2024-04"));
        assert_eq!(period("2025-03-12M").last(), m("2025-03"));
        assert_eq!(period("2025-S2").months().len(), 6);
        assert_eq!(period("2025").last(), m("2025-12"));
        for bad in [
            "2025-T5",
            "2025-T0",
            "2025-S0",
            "2025-S3",
            "printemps",
            "2025-13",
            "",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        assert_eq!(period("2025-S1").per(), Per::Semester);
        assert_eq!(period("2025").per(), Per::Year);
        // What people type, written back the way reports write it.
        assert_eq!(period("2025-Q1").to_string(), "2025-T1");
        assert_eq!(period("2025-t1").to_string(), "2025-T1");
        assert_eq!(period("2025-03-12m").to_string(), "2025-03-12M");
        for label in ["2025-03", "2025-T4", "2025-S2", "2025", "2026-02-12M"] {
            assert_eq!(period(label).to_string(), label);
        }
    }
}
