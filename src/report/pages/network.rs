//! The plan of a network page (nation, région, filière): each indicator's figure, coverage,
//! ranking, distribution and map, and the table by région.

// HTML lines are written with their `\n` inside the markup they end.
#![allow(clippy::write_with_newline)]

use super::network_charts::{boxes_chart, completeness_chart, map_chart, ranking_chart};
use super::{Block, Book, Plan, entity_name, link_to_section, network_file, target_cell};
use crate::definitions::Indicator;
use crate::engine::Level;
use crate::geo::REGIONS;
use crate::report::blocks as block;
use crate::report::french;
use crate::report::html::{escape, explain_command, nav, table};

/// A network page: the nation, a région or a filière, for the period.
pub fn network_page(book: &Book, level: Level, entity: &str) -> Plan {
    let facts = book.facts;
    let period = book.period;
    let name = entity_name(level, entity, book.registry);
    let members = book.manufactures_of(level, entity);
    let (declarants, attendus) = book.coverage(&members);
    let coverage = french::coverage(declarants, attendus);
    let where_when = format!("{name} · {}", book.period_words());
    let mut blocks = Vec::new();
    let top = nav(&[
        ("../index.html".into(), "← Tous les rapports".into()),
        ("national.html".into(), "Rapport national".into()),
    ]);
    let mut rows = Vec::new();
    for indicator in &book.definitions.indicators {
        let figure = facts.figure(&indicator.id, level, entity, period);
        let value = figure.and_then(|f| f.value);
        let quartiles = facts.quartiles(&indicator.id, level, entity, period);
        let median = quartiles.map_or("—".to_string(), |q| {
            escape(&french::value(Some(q.five[2]), &indicator.unit))
        });
        let spread = quartiles.map_or("—".to_string(), |q| {
            escape(&french::range(q.five[1], q.five[3], &indicator.unit))
        });
        rows.push(vec![
            link_to_section(indicator),
            escape(&french::value(value, &indicator.unit)),
            figure.map_or("—".to_string(), |f| {
                french::coverage(f.declarants, f.expected)
            }),
            format!("{median}<br><span class=\"none\">{spread}</span>"),
            target_cell(indicator, value),
            explain_command(&indicator.id, level.word(), entity, &period.to_string()),
        ]);
    }
    let figures = table(
        &[
            "Indicateur",
            "Valeur",
            "Couverture",
            "Médiane des manufactures<br><span class=\"none\">1er – 3e quartile</span>",
            "Cible",
        ],
        &rows,
        &[1, 2, 3],
    );
    let period_words = book.period_words();
    blocks.push(Block::Html(block::render(&block::NetworkHead {
        nav: &top,
        name: &name,
        period: &period_words,
        expected: attendus,
        declarants,
        indicators: book.definitions.indicators.len(),
        table: &figures,
    })));
    blocks.push(Block::Html(block::section(
            "Déclarations reçues",
            "Chaque case est un mois d'une manufacture : reçu dans les délais, reçu en retard, manquant, ou non attendu (avant l'ouverture ou après la fermeture).",
        )));
    blocks.push(Block::Chart {
        name: "declarations".into(),
        chart: Box::new(completeness_chart(book, &members, &where_when, &coverage)),
    });
    blocks.push(Block::Html(block::section("Indicateur par indicateur", "")));
    for indicator in &book.definitions.indicators {
        let figure = facts.figure(&indicator.id, level, entity, period);
        let cover = figure.map_or(coverage.clone(), |f| {
            french::coverage(f.declarants, f.expected)
        });
        let value = french::value(figure.and_then(|f| f.value), &indicator.unit);
        blocks.push(Block::Html(block::render(&block::IndicatorHead {
            i: indicator,
            figure: Some((&name, &value, &cover)),
        })));
        blocks.push(Block::Chart {
            name: format!("classement-{}", indicator.id),
            chart: Box::new(ranking_chart(
                book,
                indicator,
                level,
                entity,
                &where_when,
                &cover,
            )),
        });
        if level == Level::National {
            blocks.push(Block::Chart {
                name: format!("regions-{}", indicator.id),
                chart: Box::new(boxes_chart(book, indicator, &cover)),
            });
            blocks.push(Block::Chart {
                name: format!("carte-{}", indicator.id),
                chart: Box::new(map_chart(book, indicator)),
            });
            blocks.push(Block::Html(region_table(book, indicator)));
        }
    }
    let links = block::ManufactureLinks {
        members: members
            .iter()
            .map(|m| {
                (
                    network_file(Level::Manufacture, &m.id),
                    m.name.clone(),
                    m.commune.clone(),
                )
            })
            .collect(),
    };
    blocks.push(Block::Html(block::render(&links)));
    Plan {
        path: format!("{period}/{}", network_file(level, entity)),
        title: format!("{name} — {}", book.period_words()),
        blocks,
        definitions: book.fingerprint.clone(),
    }
}

fn region_table(book: &Book, indicator: &Indicator) -> String {
    let period = book.period;
    let rows: Vec<Vec<String>> = REGIONS
        .iter()
        .filter_map(|region| {
            let figure = book
                .facts
                .figure(&indicator.id, Level::Region, region.code, period)?;
            Some(vec![
                format!(
                    "<a href=\"{}\">{}</a>",
                    network_file(Level::Region, region.code),
                    escape(region.name)
                ),
                escape(&french::value(figure.value, &indicator.unit)),
                french::coverage(figure.declarants, figure.expected),
                explain_command(&indicator.id, "region", region.code, &period.to_string()),
            ])
        })
        .collect();
    table(&["Région", "Valeur", "Couverture"], &rows, &[1, 2])
}
