//! French display of numbers, months and coverage: decimal comma, thin spaces between
//! thousands, month names. Exports keep full precision; only what people read is rounded here.

use crate::month::Month;

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

const SHORT_MONTHS: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];

pub use crate::numbers::french_grouped as number;

/// How many decimals suit a value of this unit and size: none for large counts, one for
/// percentages, up to two for small numbers.
pub fn decimals_for(value: f64, unit: &str) -> usize {
    let magnitude = value.abs();
    if unit == "%" {
        1
    } else if magnitude >= 100.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else {
        2
    }
}

/// A value with its unit, rounded for reading (`42,5 %`, `1 250 h`); a dash when absent.
pub fn value(value: Option<f64>, unit: &str) -> String {
    match value {
        None => "—".to_string(),
        Some(v) => with_unit(bare(v, unit), &agreed(unit, v)),
    }
}

/// A unit agreed with its value the French way: singular below two (`1 emploi`, `0,5 personne`,
/// `1 heure-stagiaire`), as written otherwise. Only plain plural words lose their `s`; symbols
/// (`%`, `km`, `ETP`), words the same in the singular (`mois`) and units of several words are
/// kept as written.
fn agreed(unit: &str, value: f64) -> String {
    const INVARIABLE: [&str; 7] = ["mois", "fois", "pays", "cours", "repas", "temps", "poids"];
    let plain_words = unit
        .split('-')
        .all(|word| word.len() > 3 && word.chars().all(|c| c.is_alphabetic() && c.is_lowercase()));
    if value.abs() >= 2.0 || !plain_words {
        return unit.to_string();
    }
    unit.split('-')
        .map(|word| match word.strip_suffix('s') {
            Some(stem) if !INVARIABLE.contains(&word) && !stem.ends_with('s') => stem,
            _ => word,
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A value rounded as [`value`] rounds it, without its unit.
fn bare(value: f64, unit: &str) -> String {
    let whole = unit != "%" && value.fract() == 0.0;
    number(value, if whole { 0 } else { decimals_for(value, unit) })
}

fn with_unit(text: String, unit: &str) -> String {
    if unit.is_empty() {
        text
    } else {
        format!("{text}\u{a0}{unit}")
    }
}

/// A manufacture's rank: `1re`, `2e`, `19e`.
pub fn ordinal(rank: u32) -> String {
    format!("{rank}{}", if rank == 1 { "re" } else { "e" })
}

/// [`ordinal`] with its letters raised: `1<sup>re</sup>`.
pub fn ordinal_html(rank: u32) -> String {
    format!("{rank}<sup>{}</sup>", if rank == 1 { "re" } else { "e" })
}

/// Two values with their unit said once: `61,6 – 80,3 %`, `1 154 – 1 966 heures-stagiaires`.
pub fn range(low: f64, high: f64, unit: &str) -> String {
    with_unit(format!("{} – {}", bare(low, unit), bare(high, unit)), unit)
}

/// A value on a chart: rounded for reading, with its unit only when short (`42,5 %`,
/// `228 km`, but `3 017` for passages, whose unit the title gives).
pub fn compact(value: f64, unit: &str) -> String {
    let short = if unit.chars().count() > 3 { "" } else { unit };
    self::value(Some(value), short)
}

/// An axis tick: as few decimals as the tick needs (`0 %`, `2,5 %`, `1 000`).
pub fn tick(value: f64, unit: &str) -> String {
    let decimals = (0..3)
        .find(|d| {
            let scale = 10f64.powi(*d);
            ((value * scale).round() - value * scale).abs() < 1e-6
        })
        .unwrap_or(2) as usize;
    let text = number(value, decimals);
    if unit.chars().count() > 3 {
        // Long units (`passages`, `personnes`) are said once, in the title.
        text
    } else if unit.is_empty() {
        text
    } else {
        format!("{text}\u{a0}{unit}")
    }
}

/// A month in words: `mars 2025`.
pub fn month(month: Month) -> String {
    format!("{} {}", MONTHS[month.month() as usize - 1], month.year())
}

/// A month for an axis: `mars 25`, or `janv.` alone when `with_year` is false.
pub fn short_month(month: Month, with_year: bool) -> String {
    let name = SHORT_MONTHS[month.month() as usize - 1];
    if with_year {
        format!("{name} {:02}", month.year() % 100)
    } else {
        name.to_string()
    }
}

/// A period label in words: `2025`, `1er trimestre 2025`, `mars 2025`, `12 mois à mars 2025`.
pub fn period(label: &str) -> String {
    if let Some(month) = label
        .strip_suffix("-12M")
        .and_then(|m| m.parse::<Month>().ok())
    {
        return format!("12 mois jusqu'à {}", self::month(month));
    }
    if let Ok(month) = label.parse::<Month>() {
        return self::month(month);
    }
    if let Some((year, part)) = label.split_once('-') {
        let ordinal = |n: &str| {
            if n == "1" {
                "1er".to_string()
            } else {
                format!("{n}e")
            }
        };
        if let Some(n) = part.strip_prefix('T') {
            return format!("{} trimestre {year}", ordinal(n));
        }
        if let Some(n) = part.strip_prefix('S') {
            return format!("{} semestre {year}", ordinal(n));
        }
    }
    label.to_string()
}

/// Coverage as users read it: `72 / 100 manufactures`.
pub fn coverage(declarants: u32, attendus: u32) -> String {
    let noun = if attendus > 1 {
        "manufactures"
    } else {
        "manufacture"
    };
    format!("{declarants} / {attendus} {noun}")
}

/// A text cut to `max` characters, ending with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_the_french_way() {
        assert_eq!(number(1234567.891, 1), "1\u{202f}234\u{202f}567,9");
        assert_eq!(number(999.0, 0), "999");
        assert_eq!(number(-0.004, 2), "0,00");
        assert_eq!(number(-12.5, 1), "−12,5");
        assert_eq!(value(Some(42.25), "%"), "42,2\u{a0}%");
        assert_eq!(value(None, "%"), "—");
        assert_eq!(value(Some(3.0), "ETP"), "3\u{a0}ETP");
        assert_eq!(ordinal(1), "1re");
        assert_eq!(ordinal(19), "19e");
        assert_eq!(ordinal_html(1), "1<sup>re</sup>");
        assert_eq!(range(61.6, 80.34, "%"), "61,6 – 80,3\u{a0}%");
        assert_eq!(
            range(1154.0, 1966.4, "heures"),
            "1\u{202f}154 – 1\u{202f}966\u{a0}heures"
        );
        assert_eq!(value(Some(1.0), "emplois"), "1\u{a0}emploi");
        assert_eq!(value(Some(0.5), "personnes"), "0,50\u{a0}personne");
        assert_eq!(value(Some(2.0), "emplois"), "2\u{a0}emplois");
        assert_eq!(
            value(Some(1.0), "heures-stagiaires"),
            "1\u{a0}heure-stagiaire"
        );
        assert_eq!(value(Some(1.0), "mois"), "1\u{a0}mois");
        assert_eq!(value(Some(1.0), "kg"), "1\u{a0}kg");
        assert_eq!(tick(25.0, "%"), "25\u{a0}%");
        assert_eq!(tick(2.5, ""), "2,5");
    }

    #[test]
    fn periods_in_words() {
        assert_eq!(period("2025-T1"), "1er trimestre 2025");
        assert_eq!(period("2025-S2"), "2e semestre 2025");
        assert_eq!(period("2025-03"), "mars 2025");
        assert_eq!(period("2025-03-12M"), "12 mois jusqu'à mars 2025");
        assert_eq!(period("2025"), "2025");
        assert_eq!(coverage(72, 100), "72 / 100 manufactures");
        assert_eq!(shorten("Manufacture de la vallée", 12), "Manufacture…");
    }
}
