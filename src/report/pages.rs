//! What each report says: the plan of a manufacture's page, of a network page (nation, région,
//! filière) and of the index, as HTML blocks and chart descriptions. Nothing is drawn here:
//! a plan is cheap to build, and its fingerprint says whether the page must be drawn again.

// HTML lines are written with their `\n` inside the markup they end.
#![allow(clippy::write_with_newline)]

use std::sync::Arc;

use super::blocks as block;
use super::charts::{
    Bar, BoxGroup, Boxes, Chart, Completeness, Heading, MonthState, Outlines, Profile, ProfileRow,
    Ranking, Stacked, Tile, TileMap, Trend,
};
use super::facts::Facts;
use super::french;
use super::html::{escape, explain_command, nav, table};
use crate::definitions::{Definitions, Direction, Indicator};
use crate::engine::{Level, Per};
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
    /// The period's label (`2025`).
    pub period: String,
    /// Its months.
    pub months: Vec<Month>,
    /// Real région boundaries for the maps (tiles without them).
    pub outlines: Option<Arc<Outlines>>,
    /// The fingerprint of the definitions.
    pub fingerprint: String,
}

impl<'a> Book<'a> {
    /// The book of one period, if the label is one.
    pub fn new(
        definitions: &'a Definitions,
        registry: &'a Registry,
        facts: &'a Facts,
        period: &str,
    ) -> Option<Self> {
        let months = Per::of_label(period)?.months_of(period)?;
        Some(Book {
            definitions,
            registry,
            facts,
            period: period.to_string(),
            months,
            outlines: None,
            fingerprint: definitions.fingerprint(),
        })
    }

    fn period_words(&self) -> String {
        french::period(&self.period)
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
        let (mut declarants, mut attendus) = (0, 0);
        for m in members {
            let states: Vec<MonthState> = self
                .months
                .iter()
                .map(|mo| self.facts.state(m, *mo))
                .collect();
            if states.iter().any(|s| *s != MonthState::NotExpected) {
                attendus += 1;
            }
            if states
                .iter()
                .any(|s| matches!(s, MonthState::OnTime | MonthState::Late))
            {
                declarants += 1;
            }
        }
        (declarants, attendus)
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

fn heading(title: String, subtitle: String) -> Heading {
    Heading { title, subtitle }
}

fn unit_suffix(indicator: &Indicator) -> String {
    if indicator.unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", indicator.unit)
    }
}

fn target_cell(indicator: &Indicator, value: Option<f64>) -> String {
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

/// A manufacture's page for the period.
pub fn manufacture_page(book: &Book, manufacture: &Manufacture) -> Plan {
    let facts = book.facts;
    let id = manufacture.id.as_str();
    let period = book.period.as_str();
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
            explain_command(&indicator.id, "manufacture", id, period),
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
            .map(|m| facts.value(&indicator.id, Level::Manufacture, id, &m.to_string()))
            .collect();
        let band = window
            .iter()
            .map(|m| {
                facts
                    .quartiles(&indicator.id, Level::National, "national", &m.to_string())
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
        deadline_days: book.facts.deadline_days,
        table: &months_table,
    })));
    Plan {
        path: format!("{period}/{}", network_file(Level::Manufacture, id)),
        title: format!("{} — {}", manufacture.name, book.period_words()),
        blocks,
        definitions: book.fingerprint.clone(),
    }
}

/// Where a value stands among ranked values, 0 (lowest) to 100 (highest); tied values share
/// the middle of their places, so many zeros do not all rank high.
pub fn percentile_rank(ranked: &[super::facts::Ranked], value: f64) -> Option<f64> {
    let n = ranked.len();
    if n == 0 {
        return None;
    }
    if n == 1 {
        return Some(50.0);
    }
    let below = ranked.iter().filter(|r| r.value < value).count() as f64;
    let equal = ranked.iter().filter(|r| r.value == value).count().max(1) as f64;
    Some(100.0 * (below + (equal - 1.0) / 2.0) / (n - 1) as f64)
}

fn state_cell(state: MonthState) -> String {
    let class = match state {
        MonthState::OnTime => "ok",
        MonthState::Late | MonthState::Missing => "ko",
        MonthState::NotExpected => "none",
    };
    format!("<span class=\"{class}\">{}</span>", state.word())
}

/// The indicator's name, linking to its section further down the page.
fn link_to_section(indicator: &Indicator) -> String {
    format!(
        "<a href=\"#{}\">{}</a>",
        escape(&indicator.id),
        escape(&indicator.name)
    )
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

/// A network page: the nation, a région or a filière, for the period.
pub fn network_page(book: &Book, level: Level, entity: &str) -> Plan {
    let facts = book.facts;
    let period = book.period.as_str();
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
            explain_command(&indicator.id, level.word(), entity, period),
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

fn completeness_chart(
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

fn ranking_chart(
    book: &Book,
    indicator: &Indicator,
    level: Level,
    entity: &str,
    where_when: &str,
    coverage: &str,
) -> Chart {
    let period = book.period.as_str();
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

fn boxes_chart(book: &Book, indicator: &Indicator, coverage: &str) -> Chart {
    let period = book.period.as_str();
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

fn map_chart(book: &Book, indicator: &Indicator) -> Chart {
    let period = book.period.as_str();
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

fn region_table(book: &Book, indicator: &Indicator) -> String {
    let period = book.period.as_str();
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
                explain_command(&indicator.id, "region", region.code, period),
            ])
        })
        .collect();
    table(&["Région", "Valeur", "Couverture"], &rows, &[1, 2])
}

/// The index: every report of every period rendered.
pub fn index_page(registry: &Registry, periods: &[(String, Vec<String>)]) -> String {
    let mut filieres: Vec<&str> = registry
        .manufactures()
        .iter()
        .map(|m| m.filiere.as_str())
        .collect();
    filieres.sort_unstable();
    filieres.dedup();
    let index = block::Index {
        periods: periods
            .iter()
            .map(|(period, files)| {
                let has = |file: &str| files.iter().any(|f| f == file);
                let link =
                    |file: &str, label: &str| (format!("{period}/{file}"), label.to_string());
                let regions = REGIONS
                    .iter()
                    .map(|r| (network_file(Level::Region, r.code), r.name))
                    .filter(|(file, _)| has(file))
                    .map(|(file, name)| link(&file, name))
                    .collect();
                let by_filiere = filieres
                    .iter()
                    .map(|f| (network_file(Level::Filiere, f), format!("Filière {f}")))
                    .filter(|(file, _)| has(file))
                    .map(|(file, label)| link(&file, &label))
                    .collect();
                let rows: Vec<Vec<String>> = registry
                    .manufactures()
                    .iter()
                    .filter(|m| has(&network_file(Level::Manufacture, &m.id)))
                    .map(|m| {
                        vec![
                            format!(
                                "<a href=\"{}/{}\">{}</a>",
                                escape(period),
                                escape(&network_file(Level::Manufacture, &m.id)),
                                escape(&m.name)
                            ),
                            escape(&m.commune),
                            escape(m.region.name),
                            escape(&m.filiere),
                        ]
                    })
                    .collect();
                block::IndexPeriod {
                    label: french::period(period),
                    national: has("national.html")
                        .then(|| link("national.html", "Rapport national")),
                    regions,
                    filieres: by_filiere,
                    manufactures: if rows.is_empty() {
                        String::new()
                    } else {
                        table(&["Manufacture", "Commune", "Région", "Filière"], &rows, &[])
                    },
                }
            })
            .collect(),
    };
    block::render(&index)
}
