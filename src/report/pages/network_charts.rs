//! The charts of a network page: declarations' completeness, ranking of manufactures,
//! distribution by group, map by région.

// HTML lines are written with their `\n` inside the markup they end.
#![allow(clippy::write_with_newline)]

use super::{Book, entity_name, heading, unit_suffix};
use crate::definitions::Indicator;
use crate::engine::Level;
use crate::geo::REGIONS;
use crate::registry::Manufacture;
use crate::report::charts::{Bar, BoxGroup, Boxes, Chart, Completeness, Ranking, Tile, TileMap};
use crate::report::french;

pub(super) fn completeness_chart(
    book: &Book,
    members: &[&Manufacture],
    where_when: &str,
    coverage: &str,
) -> Chart {
    let rows = members
        .iter()
        .map(|m| {
            let states = book
                .months
                .iter()
                .map(|mo| book.facts.state(m, *mo))
                .collect();
            (m.name.clone(), states)
        })
        .collect();
    Chart::Completeness(Completeness {
        heading: heading(
            "Déclarations mensuelles reçues".to_string(),
            format!("{where_when} · {coverage} ont déclaré"),
        ),
        months: book
            .months
            .iter()
            .map(|m| french::short_month(*m, false))
            .collect(),
        rows,
    })
}

pub(super) fn ranking_chart(
    book: &Book,
    indicator: &Indicator,
    level: Level,
    entity: &str,
    where_when: &str,
    coverage: &str,
) -> Chart {
    let period = book.period;
    let bars = book
        .facts
        .ranking(&indicator.id, level, entity, period)
        .iter()
        .map(|r| Bar {
            label: entity_name(Level::Manufacture, &r.manufacture, book.registry),
            value: r.value,
            highlighted: false,
        })
        .collect();
    Chart::Ranking(Ranking {
        heading: heading(
            format!(
                "{}{} : classement des manufactures",
                indicator.name,
                unit_suffix(indicator)
            ),
            format!("{where_when} · {coverage}"),
        ),
        unit: indicator.unit.clone(),
        bars,
        median: book
            .facts
            .quartiles(&indicator.id, level, entity, period)
            .map(|q| q.five[2]),
        target: indicator.target.map(|t| t.value),
    })
}

pub(super) fn boxes_chart(book: &Book, indicator: &Indicator, coverage: &str) -> Chart {
    let period = book.period;
    let mut groups: Vec<BoxGroup> = REGIONS
        .iter()
        .filter_map(|region| {
            let q = book
                .facts
                .quartiles(&indicator.id, Level::Region, region.code, period)?;
            Some(BoxGroup {
                label: region.name.to_string(),
                count: q.count,
                five: q.five,
            })
        })
        .collect();
    // Highest median first, as in the ranking.
    groups.sort_by(|a, b| b.five[2].total_cmp(&a.five[2]));
    Chart::Boxes(Boxes {
        heading: heading(
            format!(
                "{}{} : répartition par région",
                indicator.name,
                unit_suffix(indicator)
            ),
            format!(
                "Valeurs des manufactures · {} · {coverage}",
                book.period_words()
            ),
        ),
        unit: indicator.unit.clone(),
        groups,
        median: book
            .facts
            .quartiles(&indicator.id, Level::National, "national", period)
            .map(|q| q.five[2]),
    })
}

pub(super) fn map_chart(book: &Book, indicator: &Indicator) -> Chart {
    let period = book.period;
    let tiles = REGIONS
        .iter()
        .map(|region| Tile {
            code: region.code.to_string(),
            value: book
                .facts
                .value(&indicator.id, Level::Region, region.code, period),
        })
        .collect();
    let national = book
        .facts
        .figure(&indicator.id, Level::National, "national", period);
    Chart::TileMap(TileMap {
        heading: heading(
            format!("{}{} par région", indicator.name, unit_suffix(indicator)),
            format!(
                "Chiffre mis en commun de chaque région · {} · {}",
                book.period_words(),
                national.map_or(String::new(), |f| french::coverage(
                    f.declarants,
                    f.expected
                ))
            ),
        ),
        unit: indicator.unit.clone(),
        tiles,
        outlines: book.outlines.clone(),
    })
}
