//! The plan of a manufacture's page: its figures against targets and the network, its
//! months declared, its composition.

// HTML lines are written with their `\n` inside the markup they end.
#![allow(clippy::write_with_newline)]

use super::{Block, Book, Plan, heading, link_to_section, network_file, target_cell, unit_suffix};
use crate::engine::{Level, Period};
use crate::registry::Manufacture;
use crate::report::blocks as block;
use crate::report::charts::{Chart, MonthState, Profile, ProfileRow, Stacked, Trend};
use crate::report::facts::percentile_rank;
use crate::report::french;
use crate::report::html::{escape, explain_command, nav, table};

/// A manufacture's page for the period.
pub fn manufacture_page(book: &Book, manufacture: &Manufacture) -> Plan {
    let facts = book.facts;
    let id = manufacture.id.as_str();
    let period = book.period;
    let mut blocks = Vec::new();
    let top = nav(&[
        ("../index.html".into(), "← Tous les rapports".into()),
        ("national.html".into(), "Rapport national".into()),
        (
            network_file(Level::Region, manufacture.region.code),
            format!("Région {}", manufacture.region.name),
        ),
        (
            network_file(Level::Filiere, &manufacture.filiere),
            format!("Filière {}", manufacture.filiere),
        ),
    ]);
    let states: Vec<MonthState> = book
        .months
        .iter()
        .map(|m| facts.state(manufacture, *m))
        .collect();
    let count = |wanted: &[MonthState]| states.iter().filter(|s| wanted.contains(s)).count();
    let received = count(&[MonthState::OnTime, MonthState::Late]);
    let due = states.len() - count(&[MonthState::NotExpected]);
    let mut rows = Vec::new();
    let mut profile = Vec::new();
    for indicator in &book.definitions.indicators {
        let value = facts.value(&indicator.id, Level::Manufacture, id, period);
        let network = facts.quartiles(&indicator.id, Level::National, "national", period);
        let rank = facts
            .ranking(&indicator.id, Level::National, "national", period)
            .iter()
            .find(|r| r.manufacture == id)
            .map(|r| (r.rank, r.out_of));
        let median = network.map_or("—".to_string(), |q| {
            format!(
                "{}<br><span class=\"none\">{}</span>",
                escape(&french::value(Some(q.five[2]), &indicator.unit)),
                escape(&french::range(q.five[1], q.five[3], &indicator.unit)),
            )
        });
        let rank_text = rank.map_or("—".to_string(), |(r, n)| {
            format!("{} / {n}", french::ordinal_html(r))
        });
        rows.push(vec![
            format!(
                "{}<br><span class=\"none\">{}</span>",
                link_to_section(indicator),
                escape(&indicator.theme)
            ),
            escape(&french::value(value, &indicator.unit)),
            target_cell(indicator, value),
            median,
            rank_text,
            explain_command(&indicator.id, "manufacture", id, &period.to_string()),
        ]);
        let percentile = value.and_then(|v| {
            percentile_rank(
                facts.ranking(&indicator.id, Level::National, "national", period),
                v,
            )
        });
        let detail = match rank {
            Some((r, n)) => format!(
                "{} · {} / {n}",
                french::value(value, &indicator.unit),
                french::ordinal(r)
            ),
            None => french::value(value, &indicator.unit),
        };
        profile.push(ProfileRow {
            name: indicator.name.clone(),
            percentile,
            detail,
        });
    }
    let synthesis = table(
        &[
            "Indicateur",
            "Valeur",
            "Cible",
            "Médiane du réseau<br><span class=\"none\">1er – 3e quartile</span>",
            "Rang",
        ],
        &rows,
        &[1, 3, 4],
    );
    let period_words = book.period_words();
    blocks.push(Block::Html(block::render(&block::ManufactureHead {
        nav: &top,
        m: manufacture,
        period: &period_words,
        received,
        due,
        table: &synthesis,
    })));
    blocks.push(Block::Chart {
        name: "profil".into(),
        chart: Box::new(Chart::Profile(Profile {
            heading: heading(
                format!("Profil de {} dans le réseau", manufacture.name),
                format!(
                    "{} · rang centile par indicateur, sur les manufactures ayant une valeur",
                    book.period_words()
                ),
            ),
            rows: profile,
        })),
    });
    if let Some(chart) = composition_chart(book, manufacture) {
        blocks.push(Block::Html(block::section(
            "Publics accueillis",
            "Personnes accueillies chaque mois, par catégorie de public ; la mixité des publics mesure l'équilibre entre ces catégories.",
        )));
        blocks.push(Block::Chart {
            name: "publics".into(),
            chart: Box::new(chart),
        });
    }
    blocks.push(Block::Html(block::section(
            "Indicateurs mois par mois",
            "Les douze derniers mois de la période : la manufacture (trait plein), la médiane du réseau (tirets) et la moitié centrale des manufactures (bande grise), avec la cible quand il y en a une. Un mois non déclaré laisse un trou : il ne compte pas pour zéro.",
        )));
    let window = book.window();
    let labels: Vec<String> = window
        .iter()
        .map(|m| french::short_month(*m, m.month() == 1 || *m == window[0]))
        .collect();
    for indicator in &book.definitions.indicators {
        blocks.push(Block::Html(block::render(&block::IndicatorHead {
            i: indicator,
            figure: None,
        })));
        let values = window
            .iter()
            .map(|m| facts.value(&indicator.id, Level::Manufacture, id, Period::month(*m)))
            .collect();
        let band = window
            .iter()
            .map(|m| {
                facts
                    .quartiles(
                        &indicator.id,
                        Level::National,
                        "national",
                        Period::month(*m),
                    )
                    .map(|q| [q.five[1], q.five[2], q.five[3]])
            })
            .collect();
        blocks.push(Block::Chart {
            name: format!("tendance-{}", indicator.id),
            chart: Box::new(Chart::Trend(Trend {
                heading: heading(
                    format!("{}{}", indicator.name, unit_suffix(indicator)),
                    format!(
                        "{} · mois par mois, {} à {}",
                        manufacture.name,
                        french::month(window[0]),
                        french::month(window[11])
                    ),
                ),
                unit: indicator.unit.clone(),
                months: labels.clone(),
                values,
                band,
                target: indicator.target.map(|t| t.value),
                label: french::shorten(&manufacture.name, 34),
            })),
        });
    }
    let month_rows: Vec<Vec<String>> = book
        .months
        .iter()
        .zip(&states)
        .map(|(m, s)| vec![escape(&french::month(*m)), state_cell(*s)])
        .collect();
    let months_table = table(&["Mois", "Déclaration"], &month_rows, &[]);
    blocks.push(Block::Html(block::render(&block::Quality {
        received,
        due,
        late: count(&[MonthState::Late]),
        deadline_days: book.facts.coverage.deadline_days(),
        table: &months_table,
    })));
    Plan {
        path: format!("{period}/{}", network_file(Level::Manufacture, id)),
        title: format!("{} — {}", manufacture.name, book.period_words()),
        blocks,
        definitions: book.fingerprint.clone(),
    }
}

fn state_cell(state: MonthState) -> String {
    let class = match state {
        MonthState::OnTime => "ok",
        MonthState::Late | MonthState::Missing => "ko",
        MonthState::NotExpected => "none",
    };
    format!("<span class=\"{class}\">{}</span>", state.word())
}

fn composition_chart(book: &Book, manufacture: &Manufacture) -> Option<Chart> {
    let (indicator_id, categories) = book.facts.composition.as_ref()?;
    let indicator = book.definitions.indicator(indicator_id)?;
    let window = book.window();
    let counts = window
        .iter()
        .map(|m| {
            book.facts
                .composition_of(&manufacture.id, *m)
                .map(<[f64]>::to_vec)
        })
        .collect();
    Some(Chart::Stacked(Stacked {
        heading: heading(
            format!(
                "Publics accueillis par catégorie ({})",
                indicator.name.to_lowercase()
            ),
            format!(
                "{} · personnes par mois, {} à {}",
                manufacture.name,
                french::month(window[0]),
                french::month(window[11])
            ),
        ),
        unit: String::new(),
        months: window
            .iter()
            .map(|m| french::short_month(*m, m.month() == 1 || *m == window[0]))
            .collect(),
        categories: categories.clone(),
        counts,
    }))
}
