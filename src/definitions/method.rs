//! The « fiche méthode »: each indicator's kind and formula in French, as reports, the portal
//! and the definitions dictionary show them, and the fingerprint of the definitions and
//! settings that make a set of figures.
//!
//! The fingerprint covers what changes a figure: each indicator's id, unit, kind, expressions,
//! filter and scale (a quotient's sides included), and the workspace's settings. A name, a
//! description, a theme or a target changes no figure, so none changes the fingerprint.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::{Indicator, Kind, StockOverMonths};

/// How many hexadecimal digits a fingerprint keeps: short enough to read aloud, long enough
/// that two sets of definitions never share one by chance.
pub const FINGERPRINT_DIGITS: usize = 12;

/// The kind of an indicator and how it rolls up, in French.
pub fn kind_in_french(indicator: &Indicator) -> &'static str {
    match &indicator.kind {
        Kind::Sum { .. } => "somme (flux : additionné sur les mois et les manufactures)",
        Kind::Stock { over_months, .. } => match over_months {
            StockOverMonths::Mean => {
                "stock (additionné entre manufactures ; moyenne des mois déclarés)"
            }
            StockOverMonths::Last => "stock (additionné entre manufactures ; dernier mois déclaré)",
        },
        Kind::Ratio { .. } => "ratio regroupé",
        Kind::Share { .. } => "part regroupée",
        Kind::WeightedMean { .. } => "moyenne pondérée regroupée",
        Kind::Evenness { .. } => "équitabilité (indice de Pielou)",
        Kind::Quotient { .. } => {
            "quotient (chaque indicateur cumulé selon sa règle sur les mois déclarés des deux côtés, puis divisé une fois)"
        }
    }
}

/// The formula of an indicator over its table's columns, in French.
pub fn formula_in_french(indicator: &Indicator) -> String {
    let scale = |s: f64| {
        if s == 1.0 {
            String::new()
        } else {
            format!(" × {}", number(s))
        }
    };
    match &indicator.kind {
        Kind::Sum { value } => format!("Σ {}", value.text),
        Kind::Stock { value, .. } => format!("Σ {} dans le mois", value.text),
        Kind::Ratio {
            numerator,
            denominator,
            scale: s,
        } => format!("Σ {} / Σ {}{}", numerator.text, denominator.text, scale(*s)),
        Kind::Share {
            value,
            part,
            scale: s,
        } => format!(
            "(Σ {} où {}) / Σ {}{}",
            value.text,
            part.text,
            value.text,
            scale(*s)
        ),
        Kind::WeightedMean { value, weight } => {
            format!("Σ ({} × {}) / Σ {}", value.text, weight.text, weight.text)
        }
        Kind::Evenness {
            column,
            categories,
            weight,
        } => format!(
            "H / ln {} sur {column}, chaque ligne pesant {}",
            categories.len(),
            weight.text
        ),
        Kind::Quotient {
            numerator,
            denominator,
            scale: s,
        } => format!(
            "{} ({}) / {} ({}){}",
            numerator.name,
            numerator.id,
            denominator.name,
            denominator.id,
            scale(*s)
        ),
    }
}

/// The columns an indicator reads, as `table.colonne`, in order of first use (a quotient's
/// through its two sides).
pub fn columns_read(indicator: &Indicator) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |table: &str, columns: &[String]| {
        for column in columns {
            let name = format!("{table}.{column}");
            if !names.contains(&name) {
                names.push(name);
            }
        }
    };
    if let Some(filter) = &indicator.filter {
        add(&indicator.table, &filter.columns);
    }
    match &indicator.kind {
        Kind::Sum { value } | Kind::Stock { value, .. } => add(&indicator.table, &value.columns),
        Kind::Ratio {
            numerator,
            denominator,
            ..
        } => {
            add(&indicator.table, &numerator.columns);
            add(&indicator.table, &denominator.columns);
        }
        Kind::Share { value, part, .. } => {
            add(&indicator.table, &value.columns);
            add(&indicator.table, &part.columns);
        }
        Kind::WeightedMean { value, weight } => {
            add(&indicator.table, &value.columns);
            add(&indicator.table, &weight.columns);
        }
        Kind::Evenness { column, weight, .. } => {
            add(&indicator.table, std::slice::from_ref(column));
            add(&indicator.table, &weight.columns);
        }
        Kind::Quotient {
            numerator,
            denominator,
            ..
        } => {
            for side in [numerator, denominator] {
                for name in columns_read(side) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
    }
    names
}

use crate::numbers::french_plain as number;

/// The fingerprint of these indicators under these settings: the first
/// [`FINGERPRINT_DIGITS`] hexadecimal digits of the SHA-256 of their canonical text.
pub fn fingerprint(indicators: &[Indicator], settings: &BTreeMap<String, f64>) -> String {
    let digest = Sha256::digest(canonical_text(indicators, settings).as_bytes());
    let mut hex = hex::encode(digest);
    hex.truncate(FINGERPRINT_DIGITS);
    hex
}

/// One line per indicator in id order, then one per setting: what makes the figures.
fn canonical_text(indicators: &[Indicator], settings: &BTreeMap<String, f64>) -> String {
    let mut sorted: Vec<&Indicator> = indicators.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut text = String::new();
    for indicator in sorted {
        text.push_str(&figure_defining_line(indicator));
        text.push('\n');
    }
    for (name, value) in settings {
        let _ = writeln!(text, "{name} = {value:?}");
    }
    text
}

/// What of one indicator makes its figures (a quotient's sides written in full).
fn figure_defining_line(indicator: &Indicator) -> String {
    let filter = indicator.filter.as_ref().map_or("", |f| f.text.as_str());
    let mut line = format!(
        "{} | {} | {} | {} | {} | filtre {filter}",
        indicator.id,
        indicator.unit,
        kind_in_french(indicator),
        indicator.table,
        formula_in_french(indicator),
    );
    if let Kind::Quotient {
        numerator,
        denominator,
        ..
    } = &indicator.kind
    {
        for side in [numerator, denominator] {
            let _ = write!(line, " | [{}]", figure_defining_line(side));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use crate::definitions::{Definitions, defaults};

    fn load(dir: &Path, distance: f64) -> Definitions {
        let params = HashMap::from([("distance_proximite_km".to_string(), distance)]);
        Definitions::load(dir, &params).unwrap()
    }

    /// The default definitions with one text replaced in one indicators file.
    fn edited(file: &str, from: &str, to: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        defaults::write_to(dir.path()).unwrap();
        let path = dir.path().join("indicateurs").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from} not in {file}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        dir
    }

    #[test]
    fn the_same_definitions_and_settings_give_the_same_fingerprint() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        defaults::write_to(a.path()).unwrap();
        defaults::write_to(b.path()).unwrap();
        let first = load(a.path(), 150.0).fingerprint();
        assert_eq!(first.len(), super::FINGERPRINT_DIGITS);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()), "{first}");
        assert_eq!(first, load(b.path(), 150.0).fingerprint());
    }

    #[test]
    fn a_formula_a_filter_or_a_setting_changes_it_and_a_description_does_not() {
        let base = tempfile::tempdir().unwrap();
        defaults::write_to(base.path()).unwrap();
        let reference = load(base.path(), 150.0).fingerprint();
        // The proximity distance is a setting that the filters read.
        assert_ne!(load(base.path(), 100.0).fingerprint(), reference);
        let formula = edited("formation.toml", "duree_h * nb_participants", "duree_h");
        assert_ne!(load(formula.path(), 150.0).fingerprint(), reference);
        let filter = edited(
            "economie.toml",
            "filtre = \"nature = 'fonctionnement'\"",
            "filtre = \"nature = 'investissement'\"",
        );
        assert_ne!(load(filter.path(), 150.0).fingerprint(), reference);
        let words = edited(
            "economie.toml",
            "Ressources de fonctionnement de la manufacture",
            "Recettes de fonctionnement",
        );
        assert_eq!(load(words.path(), 150.0).fingerprint(), reference);
    }
}
