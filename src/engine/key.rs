//! What identifies a computed figure: its indicator, level, entity and period, typed, and the
//! four key columns of the engine's long rows read row by row.

use std::cmp::Ordering;
use std::io::Write;

use polars::prelude::*;

use super::level::Level;
use super::period::Period;

/// One figure's identity: indicator, level, entity and period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FigureKey {
    /// The indicator's id.
    pub indicator: String,
    /// The level of aggregation.
    pub level: Level,
    /// The entity within the level (a manufacture's id, a région's code, `national`).
    pub entity: String,
    /// The period.
    pub period: Period,
}

impl FigureKey {
    /// The key of a figure.
    pub fn new(indicator: &str, level: Level, entity: &str, period: Period) -> Self {
        FigureKey {
            indicator: indicator.to_string(),
            level,
            entity: entity.to_string(),
            period,
        }
    }
}

/// Keys sort as the engine's rows are written and read: by indicator, level, entity, then
/// the period's label (`2025` before `2025-03` before `2025-T1`), so that listings keep the
/// order they always had.
impl Ord for FigureKey {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.indicator, self.level, &self.entity)
            .cmp(&(&other.indicator, other.level, &other.entity))
            .then_with(|| label_order(self.period, other.period))
    }
}

impl PartialOrd for FigureKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Two periods in the order of their labels, written on the stack (labels are at most 11
/// characters: `2025-03-12M`).
fn label_order(a: Period, b: Period) -> Ordering {
    fn label(period: Period, buffer: &mut [u8; 16]) -> &[u8] {
        let mut cursor = &mut buffer[..];
        write!(cursor, "{period}").expect("a period label fits in 16 bytes");
        let written = 16 - cursor.len();
        &buffer[..written]
    }
    let (mut first, mut second) = ([0u8; 16], [0u8; 16]);
    label(a, &mut first).cmp(label(b, &mut second))
}

/// The four key columns (`indicateur`, `niveau`, `entite`, `periode`) of computed figures,
/// distribution rows or rank rows, read row by row.
pub struct KeyColumns {
    columns: [StringChunked; 4],
}

impl KeyColumns {
    /// The key columns of a frame.
    pub fn of(frame: &DataFrame) -> PolarsResult<Self> {
        let text = |name: &str| frame.column(name).and_then(|c| c.str().cloned());
        Ok(KeyColumns {
            columns: [
                text("indicateur")?,
                text("niveau")?,
                text("entite")?,
                text("periode")?,
            ],
        })
    }

    /// A row's key; `None` when a cell is empty, or the level or period is not one.
    pub fn key(&self, row: usize) -> Option<FigureKey> {
        let [indicator, level, entity, period] = &self.columns;
        Some(FigureKey {
            indicator: indicator.get(row)?.to_string(),
            level: level.get(row)?.parse().ok()?,
            entity: entity.get(row)?.to_string(),
            period: period.get(row)?.parse().ok()?,
        })
    }

    /// A row's indicator.
    pub fn indicator(&self, row: usize) -> Option<&str> {
        self.columns[0].get(row)
    }

    /// A row's level, as written.
    pub fn level(&self, row: usize) -> Option<&str> {
        self.columns[1].get(row)
    }

    /// A row's entity.
    pub fn entity(&self, row: usize) -> Option<&str> {
        self.columns[2].get(row)
    }

    /// A row's period, as written.
    pub fn period(&self, row: usize) -> Option<&str> {
        self.columns[3].get(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(period: &str) -> FigureKey {
        FigureKey::new("etp", Level::National, "national", period.parse().unwrap())
    }

    #[test]
    fn keys_sort_by_their_period_s_label() {
        let mut keys = [
            key("2025-T1"),
            key("2025-03"),
            key("2025"),
            key("2024-12-12M"),
        ];
        keys.sort();
        let labels: Vec<String> = keys.iter().map(|k| k.period.to_string()).collect();
        assert_eq!(labels, ["2024-12-12M", "2025", "2025-03", "2025-T1"]);
    }
}
