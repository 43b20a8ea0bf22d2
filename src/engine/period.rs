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

    /// The labels of the periods of this kind that contain `month`.
    pub fn labels_of(self, month: Month) -> Vec<String> {
        let (y, m) = (month.year(), month.month());
        match self {
            Per::Month => vec![month.to_string()],
            Per::Quarter => vec![format!("{y}-T{}", (m - 1) / 3 + 1)],
            Per::Semester => vec![format!("{y}-S{}", (m - 1) / 6 + 1)],
            Per::Year => vec![y.to_string()],
            Per::Rolling12 => (0..12).map(|n| format!("{}-12M", month.plus(n))).collect(),
        }
    }

    /// The months of a period of this kind, from its label (`None` if the label is not one).
    pub fn months_of(self, label: &str) -> Option<Vec<Month>> {
        let months = |first: Month, count: i32| (0..count).map(|n| first.plus(n)).collect();
        match self {
            Per::Month => label.parse::<Month>().ok().map(|m| vec![m]),
            Per::Quarter | Per::Semester => {
                let (year, part) = label.split_once('-')?;
                let (letter, size) = if self == Per::Quarter {
                    ('T', 3)
                } else {
                    ('S', 6)
                };
                let index: u32 = part.strip_prefix(letter)?.parse().ok()?;
                // Checked before use: `2025-T0` once underflowed here (a panic).
                if !(1..=12 / size).contains(&index) {
                    return None;
                }
                let first = Month::new(year.parse().ok()?, (index - 1) * size + 1)?;
                Some(months(first, size as i32))
            }
            Per::Year => Some(months(Month::new(label.parse().ok()?, 1)?, 12)),
            Per::Rolling12 => {
                let last: Month = label.strip_suffix("-12M")?.parse().ok()?;
                Some(months(last.plus(-11), 12))
            }
        }
    }

    /// The kind of a period label, if it is one.
    pub fn of_label(label: &str) -> Option<Per> {
        Per::ALL
            .into_iter()
            .find(|per| per.months_of(label).is_some())
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

/// A period label as typed by a user, normalized: `2025-Q1` is `2025-T1`.
pub fn normalize_label(text: &str) -> Option<String> {
    let label = text
        .trim()
        .replace("-Q", "-T")
        .replace("-q", "-T")
        .replace("-t", "-T")
        .replace("-s", "-S")
        .replace("-12m", "-12M");
    Per::of_label(&label).map(|_| label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Month {
        text.parse().unwrap()
    }

    #[test]
    fn labels() {
        assert_eq!(Per::Quarter.labels_of(m("2025-03")), ["2025-T1"]);
        assert_eq!(Per::Quarter.labels_of(m("2025-04")), ["2025-T2"]);
        assert_eq!(Per::Semester.labels_of(m("2025-07")), ["2025-S2"]);
        assert_eq!(Per::Year.labels_of(m("2025-12")), ["2025"]);
        let windows = Per::Rolling12.labels_of(m("2025-03"));
        assert_eq!(windows.len(), 12);
        assert_eq!(windows[0], "2025-03-12M");
        assert_eq!(windows[11], "2026-02-12M");
    }

    #[test]
    fn months_of_labels() {
        assert_eq!(
            Per::Quarter.months_of("2025-T2").unwrap(),
            [m("2025-04"), m("2025-05"), m("2025-06")]
        );
        assert_eq!(
            Per::Rolling12.months_of("2025-03-12M").unwrap()[0],
            m("2024-04")
        );
        assert_eq!(Per::Quarter.months_of("2025-T5"), None);
        assert_eq!(Per::Quarter.months_of("2025-T0"), None);
        assert_eq!(Per::Semester.months_of("2025-S0"), None);
        assert_eq!(Per::Semester.months_of("2025-S3"), None);
        assert_eq!(Per::of_label("2025-S1"), Some(Per::Semester));
        assert_eq!(Per::of_label("2025"), Some(Per::Year));
        assert_eq!(normalize_label("2025-Q1").as_deref(), Some("2025-T1"));
        assert_eq!(
            normalize_label("2025-03-12m").as_deref(),
            Some("2025-03-12M")
        );
        assert_eq!(normalize_label("printemps"), None);
    }
}
