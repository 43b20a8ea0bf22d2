//! Indicator definitions, declared in `indicators/indicateurs/*.toml` as `[[indicateur]]`
//! entries: what an indicator means, which table it reads and which kind of figure it is.
//!
//! The kind fixes how a figure is computed for one cell and how it rolls up over months and
//! manufactures (see the spec's table of kinds); the engine relies on it.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use super::expr::{CheckedExpr, Expected, check_expression};
use super::source::Source;
use super::tables::{ColumnType, Table};
use crate::error::{Location, Problem};
use crate::text::did_you_mean;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    indicateur: Vec<RawIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: Spanned<String>,
    nom: String,
    description: String,
    theme: Spanned<String>,
    unite: String,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    table: Option<Spanned<String>>,
    filtre: Option<Spanned<String>>,
    expression: Option<Spanned<String>>,
    numerateur: Option<Spanned<String>>,
    denominateur: Option<Spanned<String>>,
    valeur: Option<Spanned<String>>,
    part: Option<Spanned<String>>,
    poids: Option<Spanned<String>>,
    colonne: Option<Spanned<String>>,
    echelle: Option<f64>,
    mois: Option<Spanned<String>>,
    cible: Option<RawTarget>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    valeur: f64,
    sens: Spanned<String>,
}

/// What a definition needs to be checked: the tables and the workspace's settings.
pub(crate) struct Context<'a> {
    pub tables: &'a [Table],
    pub params: &'a HashMap<String, f64>,
}

/// An indicator read from its file: ready, or a quotient whose two indicators are found once
/// every file is read (they may be defined in another file).
pub(crate) enum Loaded {
    /// Checked and complete.
    Ready(Box<Indicator>),
    /// A quotient, its sides named by id.
    Quotient(Box<PendingQuotient>),
}

/// A quotient as written: its two sides named by id, with where each is written.
pub(crate) struct PendingQuotient {
    location: Location,
    id: String,
    name: String,
    description: String,
    theme: String,
    unit: String,
    target: Option<Target>,
    numerator: (String, Location),
    denominator: (String, Location),
    scale: f64,
}

impl PendingQuotient {
    /// The quotient of its two sides, found.
    fn with_sides(self, numerator: Indicator, denominator: Indicator) -> Indicator {
        Indicator {
            location: self.location,
            id: self.id,
            name: self.name,
            description: self.description,
            theme: self.theme,
            unit: self.unit,
            target: self.target,
            table: numerator.table.clone(),
            filter: None,
            kind: Kind::Quotient {
                numerator: Box::new(numerator),
                denominator: Box::new(denominator),
                scale: self.scale,
            },
        }
    }
}

/// Whether a kind's word names a quotient.
fn is_quotient(word: &str) -> bool {
    word == "quotient"
}

/// Every indicator of every file, each quotient's sides found among the others: an unknown
/// id, a side that is neither a sum nor a stock, or a cycle of quotients is refused where the
/// side is written.
pub(crate) fn resolve_quotients(
    loaded: Vec<Loaded>,
    problems: &mut Vec<Problem>,
) -> Vec<Indicator> {
    let ready: HashMap<String, Indicator> = loaded
        .iter()
        .rev() // the first of two equal ids wins, as the duplicate check will say
        .filter_map(|l| match l {
            Loaded::Ready(indicator) => Some((indicator.id.clone(), (**indicator).clone())),
            Loaded::Quotient(_) => None,
        })
        .collect();
    let quotients: HashMap<String, (String, String)> = loaded
        .iter()
        .filter_map(|l| match l {
            Loaded::Quotient(q) => Some((
                q.id.clone(),
                (q.numerator.0.clone(), q.denominator.0.clone()),
            )),
            Loaded::Ready(_) => None,
        })
        .collect();
    let known: Vec<String> = ready.keys().chain(quotients.keys()).cloned().collect();
    let mut out = Vec::with_capacity(loaded.len());
    for item in loaded {
        let pending = match item {
            Loaded::Ready(indicator) => {
                out.push(*indicator);
                continue;
            }
            Loaded::Quotient(pending) => *pending,
        };
        let mut side = |(id, location): &(String, Location)| -> Option<Indicator> {
            let refuse = |message: String, problems: &mut Vec<Problem>| {
                problems.push(Problem::error(location.clone(), message));
                None
            };
            match ready.get(id) {
                Some(found) if matches!(found.kind, Kind::Sum { .. } | Kind::Stock { .. }) => {
                    Some(found.clone())
                }
                Some(found) => refuse(
                    format!(
                        "« {id} » est de type {} : un quotient divise deux indicateurs de type somme ou stock (pour un ratio, écrivez un quotient de ses deux sommes)",
                        found.kind.word()
                    ),
                    problems,
                ),
                None if quotients.contains_key(id) => {
                    let message = match cycle(&pending.id, id, &quotients) {
                        Some(path) => format!(
                            "cycle de quotients : {path} ; un quotient divise deux indicateurs de type somme ou stock"
                        ),
                        None => format!(
                            "« {id} » est un quotient : un quotient divise deux indicateurs de type somme ou stock"
                        ),
                    };
                    refuse(message, problems)
                }
                None => refuse(
                    format!(
                        "indicateur « {id} » inconnu{}",
                        did_you_mean(id, known.iter().map(String::as_str))
                    ),
                    problems,
                ),
            }
        };
        let numerator = side(&pending.numerator);
        let denominator = side(&pending.denominator);
        if let (Some(numerator), Some(denominator)) = (numerator, denominator) {
            out.push(pending.with_sides(numerator, denominator));
        }
    }
    out
}

/// `a → b → a` when following quotients' sides from `side` leads back to `from`.
fn cycle(from: &str, side: &str, quotients: &HashMap<String, (String, String)>) -> Option<String> {
    let mut path = vec![from.to_string(), side.to_string()];
    let mut stack = vec![(side.to_string(), path.clone())];
    let mut seen = std::collections::HashSet::new();
    while let Some((at, trail)) = stack.pop() {
        if !seen.insert(at.clone()) {
            continue;
        }
        let Some((n, d)) = quotients.get(&at) else {
            continue;
        };
        for next in [n, d] {
            let mut longer = trail.clone();
            longer.push(next.clone());
            if next == from {
                path = longer;
                return Some(path.join(" → "));
            }
            stack.push((next.clone(), longer));
        }
    }
    None
}

/// Reads every `[[indicateur]]` of one file, keeping the valid ones and reporting the others.
pub(crate) fn load_indicators(
    source: &Source,
    context: &Context,
    problems: &mut Vec<Problem>,
) -> Vec<Loaded> {
    let raw: RawFile = match source.parse() {
        Ok(raw) => raw,
        Err(problem) => {
            problems.push(problem);
            return Vec::new();
        }
    };
    raw.indicateur
        .into_iter()
        .filter_map(|raw| IndicatorCheck::new(source, context, problems).run(raw))
        .collect()
}

/// Checks one raw indicator, recording each problem found.
struct IndicatorCheck<'a, 'b> {
    source: &'a Source,
    context: &'a Context<'a>,
    problems: &'b mut Vec<Problem>,
    ok: bool,
}

impl<'a, 'b> IndicatorCheck<'a, 'b> {
    fn new(source: &'a Source, context: &'a Context<'a>, problems: &'b mut Vec<Problem>) -> Self {
        IndicatorCheck {
            source,
            context,
            problems,
            ok: true,
        }
    }

    fn refuse(&mut self, span: std::ops::Range<usize>, message: String) {
        self.problems
            .push(Problem::error(self.source.at(span), message));
        self.ok = false;
    }

    fn run(mut self, raw: RawIndicator) -> Option<Loaded> {
        let id = raw.id.get_ref().clone();
        if !super::tables::is_identifier(&id) {
            self.refuse(
                raw.id.span(),
                format!("identifiant « {id} » invalide : lettres minuscules sans accent, chiffres et _ seulement"),
            );
        }
        let theme = raw.theme.get_ref();
        if !THEMES.contains(&theme.as_str()) {
            let hint = did_you_mean(theme, THEMES);
            self.refuse(
                raw.theme.span(),
                format!(
                    "thème « {theme} » inconnu{hint} (thèmes : {})",
                    THEMES.join(", ")
                ),
            );
        }
        let target = raw.cible.as_ref().and_then(|t| self.target(t));
        if is_quotient(raw.kind.get_ref()) {
            return self.quotient(raw, id, target);
        }
        let Some(table_name) = &raw.table else {
            self.missing(&raw, "table");
            return None;
        };
        let table = self.table(table_name)?;
        let filter = raw
            .filtre
            .as_ref()
            .and_then(|f| self.expression(f, table, Expected::Boolean));
        let kind = self.kind(&raw, table)?;
        self.ok.then(|| {
            Loaded::Ready(Box::new(Indicator {
                location: self.source.at(raw.id.span()),
                id,
                name: raw.nom,
                description: raw.description,
                theme: raw.theme.into_inner(),
                unit: raw.unite,
                target,
                table: table.id.clone(),
                filter,
                kind,
            }))
        })
    }

    /// A quotient reads no table of its own: its sides do, with their filters.
    fn quotient(mut self, raw: RawIndicator, id: String, target: Option<Target>) -> Option<Loaded> {
        self.unused(&raw, &["numerateur", "denominateur", "echelle"]);
        for (field, span) in [
            ("table", raw.table.as_ref().map(Spanned::span)),
            ("filtre", raw.filtre.as_ref().map(Spanned::span)),
        ] {
            if let Some(span) = span {
                self.refuse(
                    span,
                    format!("indicateur « {id} » de type quotient : le champ « {field} » ne s'applique pas (chaque côté du quotient lit sa table, avec son filtre)"),
                );
            }
        }
        let mut side = |field: &Option<Spanned<String>>, name: &str| match field {
            Some(value) => Some((
                value.get_ref().trim().to_string(),
                self.source.at(value.span()),
            )),
            None => {
                self.refuse(
                    raw.id.span(),
                    format!("indicateur « {id} » de type quotient : champ « {name} » manquant (l'identifiant d'un indicateur de type somme ou stock)"),
                );
                None
            }
        };
        let numerator = side(&raw.numerateur, "numerateur");
        let denominator = side(&raw.denominateur, "denominateur");
        let (numerator, denominator) = (numerator?, denominator?);
        self.ok.then(|| {
            Loaded::Quotient(Box::new(PendingQuotient {
                location: self.source.at(raw.id.span()),
                id,
                name: raw.nom,
                description: raw.description,
                theme: raw.theme.into_inner(),
                unit: raw.unite,
                target,
                numerator,
                denominator,
                scale: raw.echelle.unwrap_or(1.0),
            }))
        })
    }

    fn target(&mut self, raw: &RawTarget) -> Option<Target> {
        let direction = match raw.sens.get_ref().as_str() {
            "au_moins" => Direction::AtLeast,
            "au_plus" => Direction::AtMost,
            other => {
                let hint = did_you_mean(other, ["au_moins", "au_plus"]);
                self.refuse(
                    raw.sens.span(),
                    format!("sens de cible « {other} » inconnu{hint} (au_moins ou au_plus)"),
                );
                return None;
            }
        };
        Some(Target {
            value: raw.valeur,
            direction,
        })
    }

    fn table(&mut self, name: &Spanned<String>) -> Option<&'a Table> {
        let tables = self.context.tables;
        let found = tables.iter().find(|t| t.id == *name.get_ref());
        if found.is_none() {
            let hint = did_you_mean(name.get_ref(), tables.iter().map(|t| t.id.as_str()));
            let known: Vec<&str> = tables.iter().map(|t| t.id.as_str()).collect();
            self.refuse(
                name.span(),
                format!(
                    "table « {} » inconnue{hint} (tables déclarées : {})",
                    name.get_ref(),
                    known.join(", ")
                ),
            );
        }
        found
    }

    fn expression(
        &mut self,
        raw: &Spanned<String>,
        table: &Table,
        expected: Expected,
    ) -> Option<CheckedExpr> {
        match check_expression(raw.get_ref(), table, expected, self.context.params) {
            Ok(checked) => Some(checked),
            Err(message) => {
                self.refuse(raw.span(), message);
                None
            }
        }
    }

    /// Refuses an indicator that lacks a field its kind needs.
    fn missing(&mut self, raw: &RawIndicator, field: &str) {
        self.refuse(
            raw.id.span(),
            format!(
                "indicateur « {} » de type {} : champ « {field} » manquant",
                raw.id.get_ref(),
                raw.kind.get_ref()
            ),
        );
    }

    /// A field the kind needs: missing is an error.
    fn needed(
        &mut self,
        raw: &RawIndicator,
        field: &Option<Spanned<String>>,
        name: &str,
        table: &Table,
        expected: Expected,
    ) -> Option<CheckedExpr> {
        match field {
            Some(value) => self.expression(value, table, expected),
            None => {
                self.missing(raw, name);
                None
            }
        }
    }

    /// Fields that the kind does not use are refused, so that a misplaced one is not ignored.
    fn unused(&mut self, raw: &RawIndicator, allowed: &[&str]) {
        let present = [
            ("expression", raw.expression.is_some()),
            ("numerateur", raw.numerateur.is_some()),
            ("denominateur", raw.denominateur.is_some()),
            ("valeur", raw.valeur.is_some()),
            ("part", raw.part.is_some()),
            ("poids", raw.poids.is_some()),
            ("colonne", raw.colonne.is_some()),
            ("echelle", raw.echelle.is_some()),
            ("mois", raw.mois.is_some()),
        ];
        for (field, is_present) in present {
            if is_present && !allowed.contains(&field) {
                self.refuse(
                    raw.id.span(),
                    format!(
                        "indicateur « {} » de type {} : le champ « {field} » ne s'applique pas (champs de ce type : {})",
                        raw.id.get_ref(),
                        raw.kind.get_ref(),
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    fn kind(&mut self, raw: &RawIndicator, table: &Table) -> Option<Kind> {
        use Expected::{Boolean, Number};
        let word = raw.kind.get_ref().as_str();
        let Some((french, _)) = Kind::WORDS
            .iter()
            .find(|(fr, en)| *fr == word || *en == word)
        else {
            let words = Kind::WORDS.map(|(fr, _)| fr);
            let hint = did_you_mean(
                word,
                words.iter().copied().chain(Kind::WORDS.map(|(_, en)| en)),
            );
            self.refuse(
                raw.kind.span(),
                format!(
                    "type d'indicateur « {word} » inconnu{hint} (types : {})",
                    words.join(", ")
                ),
            );
            return None;
        };
        match *french {
            "somme" => {
                self.unused(raw, &["expression"]);
                let value = self.needed(raw, &raw.expression, "expression", table, Number)?;
                Some(Kind::Sum { value })
            }
            "stock" => {
                self.unused(raw, &["expression", "mois"]);
                let over_months = self.stock_mode(raw)?;
                let value = self.needed(raw, &raw.expression, "expression", table, Number)?;
                Some(Kind::Stock { value, over_months })
            }
            "ratio" => {
                self.unused(raw, &["numerateur", "denominateur", "echelle"]);
                let numerator = self.needed(raw, &raw.numerateur, "numerateur", table, Number);
                let denominator =
                    self.needed(raw, &raw.denominateur, "denominateur", table, Number);
                Some(Kind::Ratio {
                    numerator: numerator?,
                    denominator: denominator?,
                    scale: raw.echelle.unwrap_or(1.0),
                })
            }
            "part" => {
                self.unused(raw, &["valeur", "part", "echelle"]);
                let value = self.needed(raw, &raw.valeur, "valeur", table, Number);
                let part = self.needed(raw, &raw.part, "part", table, Boolean);
                Some(Kind::Share {
                    value: value?,
                    part: part?,
                    scale: raw.echelle.unwrap_or(100.0),
                })
            }
            "moyenne_ponderee" => {
                self.unused(raw, &["valeur", "poids"]);
                let value = self.needed(raw, &raw.valeur, "valeur", table, Number);
                let weight = self.needed(raw, &raw.poids, "poids", table, Number);
                Some(Kind::WeightedMean {
                    value: value?,
                    weight: weight?,
                })
            }
            _ => {
                self.unused(raw, &["colonne", "poids"]);
                let column = self.category_column(raw, table);
                let weight = self.needed(raw, &raw.poids, "poids", table, Number);
                let (column, categories) = column?;
                Some(Kind::Evenness {
                    column,
                    categories,
                    weight: weight?,
                })
            }
        }
    }

    fn stock_mode(&mut self, raw: &RawIndicator) -> Option<StockOverMonths> {
        match raw.mois.as_ref().map(|m| (m.get_ref().as_str(), m.span())) {
            None | Some(("moyenne", _)) => Some(StockOverMonths::Mean),
            Some(("dernier", _)) => Some(StockOverMonths::Last),
            Some((other, span)) => {
                let hint = did_you_mean(other, ["moyenne", "dernier"]);
                self.refuse(
                    span,
                    format!("« mois = \"{other}\" » inconnu{hint} : un stock prend la moyenne ou le dernier mois"),
                );
                None
            }
        }
    }

    fn category_column(
        &mut self,
        raw: &RawIndicator,
        table: &Table,
    ) -> Option<(String, Vec<String>)> {
        let Some(name) = &raw.colonne else {
            self.missing(raw, "colonne");
            return None;
        };
        match table.column(name.get_ref()) {
            Some(column) if column.kind == ColumnType::Category => Some((
                column.name.clone(),
                column.values.iter().map(|v| v.value.clone()).collect(),
            )),
            Some(column) => {
                self.refuse(
                    name.span(),
                    format!(
                        "la colonne « {} » est de type {} : l'équitabilité se calcule sur une colonne categorie",
                        column.name, column.kind
                    ),
                );
                None
            }
            None => {
                let hint = did_you_mean(name.get_ref(), table.column_names());
                self.refuse(
                    name.span(),
                    format!(
                        "colonne « {} » inconnue dans la table {}{hint}",
                        name.get_ref(),
                        table.id
                    ),
                );
                None
            }
        }
    }
}
