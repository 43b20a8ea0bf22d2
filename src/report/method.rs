//! The « fiche méthode » page of the reports folder: every indicator's kind, formula, table,
//! filter, unit and target in French, the settings, and the fingerprint of the definitions
//! that made the figures (which every page's footer repeats).

use super::blocks::{self as block, Method, MethodIndicator};
use super::french;
use crate::definitions::{Definitions, Direction, Indicator, method};

/// The page's file, at the top of the reports folder.
pub const METHOD_FILE: &str = "methode.html";

/// The body of the « fiche méthode ».
pub fn method_page(definitions: &Definitions) -> String {
    block::render(&Method {
        fingerprint: definitions.fingerprint(),
        settings: definitions
            .settings
            .iter()
            .map(|(name, value)| {
                let decimals = if value.fract() == 0.0 { 0 } else { 2 };
                (name.clone(), french::number(*value, decimals))
            })
            .collect(),
        indicators: definitions
            .indicators
            .iter()
            .map(method_indicator)
            .collect(),
    })
}

/// One indicator as the fiche méthode, the dictionary and the portal show it.
pub(crate) fn method_indicator(indicator: &Indicator) -> MethodIndicator {
    MethodIndicator {
        id: indicator.id.clone(),
        name: indicator.name.clone(),
        description: indicator.description.clone(),
        kind: method::kind_in_french(indicator),
        formula: method::formula_in_french(indicator),
        unit: indicator.unit.clone(),
        tables: indicator.tables().join(" et "),
        filter: indicator
            .filter
            .as_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default(),
        target: indicator
            .target
            .map(|t| {
                let direction = match t.direction {
                    Direction::AtLeast => "au moins",
                    Direction::AtMost => "au plus",
                };
                format!(
                    "{direction} {}",
                    french::value(Some(t.value), &indicator.unit)
                )
            })
            .unwrap_or_default(),
        columns: String::new(),
    }
}
