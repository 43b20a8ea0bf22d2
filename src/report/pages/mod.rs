//! What each report says: the plan of a manufacture's page, of a network page (nation, région,
//! filière) and of the index, as HTML blocks and chart descriptions. Nothing is drawn here:
//! a plan is cheap to build, and its fingerprint says whether the page must be drawn again.
//!
//! Here: the plan and the book every page is planned from, and the helpers they share.
//! `manufacture` plans a manufacture's page, `network` a network page, `network_charts` the
//! charts of a network page, `index` the reports' index.

// HTML lines are written with their `\n` inside the markup they end.
#![allow(clippy::write_with_newline)]

mod index;
mod manufacture;
mod network;
mod network_charts;

pub use index::index_page;
pub use manufacture::manufacture_page;
pub use network::network_page;

use std::sync::Arc;

use super::charts::{Chart, Heading, Outlines};
use super::facts::Facts;
use super::french;
use super::html::escape;
use crate::definitions::{Definitions, Direction, Indicator};
use crate::engine::Level;
use crate::engine::Period;
use crate::geo::REGIONS;
use crate::month::Month;
use crate::registry::{Manufacture, Registry};

/// A page to write: where, its title, and its blocks in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The page's path within the reports folder (`2025/manufacture-mp001.html`).
    pub path: String,
    /// The page's title.
    pub title: String,
    /// The content.
    pub blocks: Vec<Block>,
    /// The fingerprint of the definitions that made its figures (in its footer).
    pub definitions: String,
}

/// A piece of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Ready HTML.
    Html(String),
    /// A chart, with a short name for its own PNG or SVG file.
    Chart {
        /// A file-name-safe name (`tendance-taux_occupation`).
        name: String,
        /// What to draw.
        chart: Box<Chart>,
    },
}

/// What every page of one period reads.
pub struct Book<'a> {
    /// The indicators.
    pub definitions: &'a Definitions,
    /// The manufactures.
    pub registry: &'a Registry,
    /// The figures.
    pub facts: &'a Facts,
    /// The period.
    pub period: Period,
    /// Its months.
    pub months: Vec<Month>,
    /// Real région boundaries for the maps (tiles without them).
    pub outlines: Option<Arc<Outlines>>,
    /// The fingerprint of the definitions.
    pub fingerprint: String,
}

impl<'a> Book<'a> {
    /// The book of one period.
    pub fn new(
        definitions: &'a Definitions,
        registry: &'a Registry,
        facts: &'a Facts,
        period: Period,
    ) -> Self {
        Book {
            definitions,
            registry,
            facts,
            period,
            months: period.months(),
            outlines: None,
            fingerprint: definitions.fingerprint(),
        }
    }

    fn period_words(&self) -> String {
        french::period(&self.period.to_string())
    }

    /// The 12 months ending with the period's last month, for trends.
    fn window(&self) -> Vec<Month> {
        let last = *self.months.last().unwrap_or(&Month::current());
        last.plus(-11).through(last).collect()
    }

    fn manufactures_of(&self, level: Level, entity: &str) -> Vec<&'a Manufacture> {
        level.members(self.registry, entity).collect()
    }

    /// Manufactures expected in the period, and those that reported at least one month.
    fn coverage(&self, members: &[&Manufacture]) -> (u32, u32) {
        self.facts.coverage.of_period(members, &self.months)
    }
}

/// The file name of a network page.
pub fn network_file(level: Level, entity: &str) -> String {
    match level {
        Level::National => "national.html".to_string(),
        Level::Manufacture => format!("manufacture-{}.html", slug(entity)),
        _ => format!("{}-{}.html", level.word(), slug(entity)),
    }
}

/// Lowercase ASCII letters, digits and dashes only.
pub fn slug(text: &str) -> String {
    let folded = crate::text::fold(text);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The name of an entity for people: a région's name, a filière, « le réseau national ».
pub fn entity_name(level: Level, entity: &str, registry: &Registry) -> String {
    match level {
        Level::National => "Réseau national".to_string(),
        Level::Region => REGIONS
            .iter()
            .find(|r| r.code == entity)
            .map_or_else(|| entity.to_string(), |r| r.name.to_string()),
        Level::Filiere => format!("Filière {entity}"),
        Level::Manufacture => registry
            .get(entity)
            .map_or_else(|| entity.to_string(), |m| m.name.clone()),
        _ => entity.to_string(),
    }
}

pub(super) fn heading(title: String, subtitle: String) -> Heading {
    Heading { title, subtitle }
}

pub(super) fn unit_suffix(indicator: &Indicator) -> String {
    if indicator.unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", indicator.unit)
    }
}

pub(super) fn target_cell(indicator: &Indicator, value: Option<f64>) -> String {
    let Some(target) = indicator.target else {
        return "<span class=\"none\">—</span>".to_string();
    };
    let (sign, reached) = match target.direction {
        Direction::AtLeast => ("≥", value.map(|v| v >= target.value)),
        Direction::AtMost => ("≤", value.map(|v| v <= target.value)),
    };
    let mark = match reached {
        Some(true) => " <span class=\"ok\" title=\"cible atteinte\">✓ atteinte</span>",
        Some(false) => " <span class=\"ko\" title=\"cible non atteinte\">✗ non atteinte</span>",
        None => "",
    };
    format!(
        "<span class=\"target\">{sign}\u{a0}{}</span>{mark}",
        escape(&french::value(Some(target.value), &indicator.unit))
    )
}

/// The indicator's name, linking to its section further down the page.
pub(super) fn link_to_section(indicator: &Indicator) -> String {
    format!(
        "<a href=\"#{}\">{}</a>",
        escape(&indicator.id),
        escape(&indicator.name)
    )
}
