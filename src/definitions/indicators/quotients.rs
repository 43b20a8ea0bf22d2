//! Quotients: an indicator dividing two others, which may be defined in another file. Each
//! file's quotients wait as [`PendingQuotient`]s until every file is read; then their sides
//! are found, and an unknown side, a side of the wrong kind or a cycle is refused where it is
//! written.

use std::collections::HashMap;

use super::check::{Heading, Loaded};
use super::{Indicator, Kind};
use crate::error::{Location, Problem};
use crate::text::did_you_mean;

/// A quotient as written: its two sides named by id, with where each is written.
pub(crate) struct PendingQuotient {
    pub(super) heading: Heading,
    pub(super) numerator: (String, Location),
    pub(super) denominator: (String, Location),
    pub(super) scale: f64,
}

impl PendingQuotient {
    /// The quotient's id.
    pub(super) fn id(&self) -> &str {
        self.heading.id()
    }

    /// The quotient of its two sides, found.
    fn with_sides(self, numerator: Indicator, denominator: Indicator) -> Indicator {
        let table = numerator.table.clone();
        let kind = Kind::Quotient {
            numerator: Box::new(numerator),
            denominator: Box::new(denominator),
            scale: self.scale,
        };
        self.heading.into_indicator(table, None, kind)
    }
}

/// Whether a kind's word names a quotient.
pub(super) fn is_quotient(word: &str) -> bool {
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
                q.id().to_string(),
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
                    let message = match cycle(pending.id(), id, &quotients) {
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
