//! Reading an indicators file: each `[[indicateur]]` entry checked field by field against
//! the tables it reads (its table, columns and expressions exist and have the right types,
//! its kind has the fields it needs and no others), every problem reported where it is
//! written.
//!
//! Size: one checker walks one entry; its steps (kind, fields, expressions, target) share
//! its state and read best together.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use super::quotients::{PendingQuotient, is_quotient};
use super::{Direction, Indicator, Kind, StockOverMonths, THEMES, Target};
use crate::definitions::expr::{CheckedExpr, Expected, check_expression};
use crate::definitions::source::Source;
use crate::definitions::tables::{ColumnType, Table};
use crate::error::{Location, Problem};
use crate::text::did_you_mean;

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

/// What every indicator says of itself, whatever its kind: where it is written, its id, its
/// names, its unit and its target.
pub(super) struct Heading {
    location: Location,
    id: String,
    name: String,
    description: String,
    theme: String,
    unit: String,
    target: Option<Target>,
}

impl Heading {
    /// The indicator's id.
    pub(super) fn id(&self) -> &str {
        &self.id
    }

    /// The indicator with this heading, reading `table` (its rows kept by `filter`).
    pub(super) fn into_indicator(
        self,
        table: String,
        filter: Option<CheckedExpr>,
        kind: Kind,
    ) -> Indicator {
        Indicator {
            location: self.location,
            id: self.id,
            name: self.name,
            description: self.description,
            theme: self.theme,
            unit: self.unit,
            target: self.target,
            table,
            filter,
            kind,
        }
    }
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
        if !crate::definitions::tables::is_identifier(&id) {
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
        let table = table.id.clone();
        self.ok.then(|| {
            let heading = self.heading(raw, id, target);
            Loaded::Ready(Box::new(heading.into_indicator(table, filter, kind)))
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
        let scale = raw.echelle.unwrap_or(1.0);
        self.ok.then(|| {
            Loaded::Quotient(Box::new(PendingQuotient {
                heading: self.heading(raw, id, target),
                numerator,
                denominator,
                scale,
            }))
        })
    }

    /// What every indicator says of itself, once the rest of its entry is read.
    fn heading(&self, raw: RawIndicator, id: String, target: Option<Target>) -> Heading {
        Heading {
            location: self.source.at(raw.id.span()),
            id,
            name: raw.nom,
            description: raw.description,
            theme: raw.theme.into_inner(),
            unit: raw.unite,
            target,
        }
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
