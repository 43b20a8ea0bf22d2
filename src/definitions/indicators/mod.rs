//! Indicator definitions, declared in `indicators/indicateurs/*.toml` as `[[indicateur]]`
//! entries: what an indicator means, which table it reads and which kind of figure it is.
//!
//! The kind fixes how a figure is computed for one cell and how it rolls up over months and
//! manufactures (see the spec's table of kinds); the engine relies on it.

//!
//! This module holds the model; `check` reads and checks the files' entries, `quotients`
//! finds each quotient's two sides once every file is read.

mod check;
mod quotients;

pub(crate) use check::{Context, load_indicators};
pub(crate) use quotients::resolve_quotients;

use super::expr::CheckedExpr;
use crate::error::Location;

/// The themes an indicator belongs to.
pub const THEMES: [&str; 7] = [
    "social",
    "emploi",
    "circuits courts",
    "équipements",
    "formation",
    "économie",
    "environnement",
];

/// How a stock is summarised over the months of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockOverMonths {
    /// The mean of the months reported.
    Mean,
    /// The value of the last month reported.
    Last,
}

/// The kind of an indicator, with the expressions it needs.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A flow: Σ expression, summed over months and manufactures.
    Sum {
        /// The value summed.
        value: CheckedExpr,
    },
    /// A stock: Σ expression in a month; mean or last over months; summed over manufactures.
    Stock {
        /// The value summed within a month.
        value: CheckedExpr,
        /// How months are summarised.
        over_months: StockOverMonths,
    },
    /// Σ numerator / Σ denominator × scale, pooled.
    Ratio {
        /// The numerator.
        numerator: CheckedExpr,
        /// The denominator.
        denominator: CheckedExpr,
        /// The factor applied (100 for a percentage).
        scale: f64,
    },
    /// Σ value where `part` / Σ value, × scale, pooled (the indicator's filter is the « where »).
    Share {
        /// The value summed.
        value: CheckedExpr,
        /// The rows that count in the numerator.
        part: CheckedExpr,
        /// The factor applied (100 for a percentage).
        scale: f64,
    },
    /// Σ value × weight / Σ weight, pooled.
    WeightedMean {
        /// The value averaged.
        value: CheckedExpr,
        /// Its weight.
        weight: CheckedExpr,
    },
    /// Pielou's evenness of a category column, weighted by a count, over the declared list.
    Evenness {
        /// The category column.
        column: String,
        /// The declared categories; K is their number.
        categories: Vec<String>,
        /// The count each row weighs.
        weight: CheckedExpr,
    },
    /// Two indicators of kind sum or stock, possibly on different tables, each rolled up by
    /// its own rule over the manufacture-months that reported both, then divided once.
    Quotient {
        /// The indicator divided.
        numerator: Box<Indicator>,
        /// The indicator it is divided by.
        denominator: Box<Indicator>,
        /// The factor applied.
        scale: f64,
    },
}

impl Kind {
    /// The kinds, with the word a consultant writes and the spec's English name.
    pub const WORDS: [(&'static str, &'static str); 7] = [
        ("somme", "sum"),
        ("stock", "stock"),
        ("ratio", "ratio"),
        ("part", "share"),
        ("moyenne_ponderee", "weighted_mean"),
        ("equitabilite", "evenness"),
        ("quotient", "quotient"),
    ];

    /// The consultant's word for this kind.
    pub fn word(&self) -> &'static str {
        let index = match self {
            Kind::Sum { .. } => 0,
            Kind::Stock { .. } => 1,
            Kind::Ratio { .. } => 2,
            Kind::Share { .. } => 3,
            Kind::WeightedMean { .. } => 4,
            Kind::Evenness { .. } => 5,
            Kind::Quotient { .. } => 6,
        };
        Self::WORDS[index].0
    }
}

/// Which way an indicator should go to reach its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The target is a floor: at least this much.
    AtLeast,
    /// The target is a ceiling: at most this much.
    AtMost,
}

/// A target value and the direction that reaches it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// The value.
    pub value: f64,
    /// Whether it is a floor or a ceiling.
    pub direction: Direction,
}

/// One indicator.
#[derive(Debug, Clone)]
pub struct Indicator {
    /// The stable id (`taux_occupation`).
    pub id: String,
    /// The French name shown to users.
    pub name: String,
    /// What it measures and how, for reports.
    pub description: String,
    /// One of [`THEMES`].
    pub theme: String,
    /// The unit shown beside a value (`%`, `ETP`, `km`...).
    pub unit: String,
    /// An optional target.
    pub target: Option<Target>,
    /// The table it reads; for a quotient, its numerator's (see [`Indicator::tables`]).
    pub table: String,
    /// Rows kept before anything is computed (for a share, its « where »).
    pub filter: Option<CheckedExpr>,
    /// How it is computed and rolled up.
    pub kind: Kind,
    /// Where it is defined.
    pub location: Location,
}

impl Indicator {
    /// The tables it reads: one, or a quotient's two (the same table once).
    pub fn tables(&self) -> Vec<&str> {
        match &self.kind {
            Kind::Quotient {
                numerator,
                denominator,
                ..
            } => {
                let mut tables = vec![numerator.table.as_str(), denominator.table.as_str()];
                tables.dedup();
                tables
            }
            _ => vec![self.table.as_str()],
        }
    }
}
