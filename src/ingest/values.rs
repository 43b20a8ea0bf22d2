//! French values as managers type them: `1 234,5`, `12,5 %`, `1 500 €`, `−3`, `31/03/2025`,
//! `oui`, and the many ways of saying « unknown » (`NC`, `-`, `#DIV/0!`), which are missing
//! values, never zero. Dates are never guessed month-first.

use chrono::NaiveDate;

use crate::month::Month;
use crate::text::{fold, may_fold_to_start_with};

/// Texts that mean « no value » (compared folded, so `N.C.`, `nc` and `NC` all count).
const MISSING: [&str; 12] = [
    "", "nc", "n_c", "nr", "na", "n_a", "n_d", "nd", "div_0", "valeur", "value", "ref",
];

/// Whether a text means that the value is missing.
pub fn is_missing(text: &str) -> bool {
    let trimmed = text.trim();
    if trimmed
        .chars()
        .all(|c| matches!(c, '-' | '–' | '—' | '?' | '/' | ' '))
    {
        return true;
    }
    // The words are short: a longer text is not one, and needs no folding; nor does a text
    // whose first letter is plain and starts none of them (most category values). The empty
    // word is that of a text with no letter or digit.
    let may_be_one = may_fold_to_start_with(trimmed, &['n', 'd', 'v', 'r'])
        || !trimmed.contains(char::is_alphanumeric);
    trimmed.len() <= 12
        && may_be_one
        && (trimmed.starts_with('#') || !trimmed.contains(char::is_numeric))
        && MISSING.contains(&fold(trimmed).as_str())
}

/// Why a text is not a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Not a number at all.
    #[error("« {0} » n'est pas un nombre")]
    NotANumber(String),
    /// A number with a fraction where a whole number is expected.
    #[error("« {0} » n'est pas un nombre entier")]
    NotWhole(String),
}

/// Parses a number written the French way (or the English way when unambiguous).
///
/// Spaces (normal, no-break U+00A0, narrow no-break U+202F, thin U+2009) group thousands, the
/// comma is the decimal mark, `%`, `€` and `EUR` after the number are dropped (`12,5 %` is 12.5),
/// and `−` (U+2212) is a minus sign.
pub fn parse_number(text: &str) -> Result<f64, NumberError> {
    let fail = || NumberError::NotANumber(text.trim().to_string());
    let mut body: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}'))
        .map(|c| if c == '\u{2212}' { '-' } else { c })
        .collect();
    for suffix in ["%", "€", "EUR", "eur"] {
        if let Some(stripped) = body.strip_suffix(suffix) {
            body = stripped.to_string();
            break;
        }
    }
    if body.starts_with('+') {
        body.remove(0);
    }
    let normalized = match (body.rfind(','), body.rfind('.')) {
        // 1.234,5: dots group thousands, the comma is the decimal mark.
        (Some(comma), Some(dot)) if comma > dot => body.replace('.', "").replace(',', "."),
        // 1,234.5: commas group thousands.
        (Some(_), Some(_)) => body.replace(',', ""),
        (Some(_), None) if body.matches(',').count() == 1 => body.replace(',', "."),
        (Some(_), None) => return Err(fail()),
        (None, Some(_)) if body.matches('.').count() > 1 => body.replace('.', ""),
        _ => body,
    };
    if normalized.is_empty()
        || !normalized
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e' | 'E'))
    {
        return Err(fail());
    }
    match normalized.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(fail()),
    }
}

/// A number that must be whole, as an integer.
pub fn whole(value: f64, written: &str) -> Result<i64, NumberError> {
    if (value - value.round()).abs() < 1e-9 && value.abs() < 9.0e15 {
        Ok(value.round() as i64)
    } else {
        Err(NumberError::NotWhole(written.trim().to_string()))
    }
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("« {0} » n'est pas une date au format JJ/MM/AAAA ou AAAA-MM-JJ")]
pub struct DateError(pub String);

/// Parses `JJ/MM/AAAA` (also with `-` or `.`) or `AAAA-MM-JJ`; never month-first, and the year
/// must have four digits.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let text = text.trim();
    let fail = || DateError(text.to_string());
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(fail());
    };
    let number = |s: &str| -> Result<u32, DateError> {
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(fail());
        }
        s.parse().map_err(|_| fail())
    };
    let (year, month, day) = if a.len() == 4 {
        (number(a)?, number(b)?, number(c)?)
    } else if c.len() == 4 {
        (number(c)?, number(b)?, number(a)?)
    } else {
        return Err(fail());
    };
    if !(1000..=9999).contains(&year) {
        return Err(fail());
    }
    NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(fail)
}

/// The date of an Excel serial number (days since 1899-12-30), if it is a plausible date.
pub fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_days(chrono::Days::new(serial.floor() as u64))
}

/// Parses yes or no: `oui`/`non`, `vrai`/`faux`, `o`/`n`, `1`/`0`, `x` for yes.
pub fn parse_bool(text: &str) -> Option<bool> {
    match fold(text).as_str() {
        "oui" | "o" | "vrai" | "1" | "x" | "yes" | "true" => Some(true),
        "non" | "n" | "faux" | "0" | "no" | "false" => Some(false),
        _ => None,
    }
}

const MONTH_NAMES: [&str; 12] = [
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
];

/// Parses a month as typed in the identification sheet: `2025-03`, `03/2025`, `2025/03`,
/// `mars 2025`, or a whole date (`01/03/2025`), which means its month.
pub fn parse_month(text: &str) -> Option<Month> {
    let text = text.trim();
    if let Ok(month) = text.parse::<Month>() {
        return Some(month);
    }
    if let Ok(date) = parse_date(text) {
        return Some(Month::of_date(date));
    }
    if let Some((a, b)) = text.split_once(['/', '-', '.']) {
        let (year, month) = if a.len() == 4 { (a, b) } else { (b, a) };
        if year.len() == 4 {
            return Month::new(year.parse().ok()?, month.parse().ok()?);
        }
    }
    let folded = fold(text);
    let (name, year) = folded.split_once('_')?;
    let month = MONTH_NAMES.iter().position(|m| *m == name)? as u32 + 1;
    Month::new(year.parse().ok()?, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers() {
        assert_eq!(parse_number("1 234,5"), Ok(1234.5));
        assert_eq!(parse_number("1\u{00A0}234,5"), Ok(1234.5));
        assert_eq!(parse_number("1\u{202F}234,5"), Ok(1234.5));
        assert_eq!(parse_number("12,5 %"), Ok(12.5));
        assert_eq!(parse_number("1 500 €"), Ok(1500.0));
        assert_eq!(parse_number("\u{2212}3"), Ok(-3.0));
        assert_eq!(parse_number("-3"), Ok(-3.0));
        assert_eq!(parse_number("1.234,56"), Ok(1234.56));
        assert_eq!(parse_number("1,234.56"), Ok(1234.56));
        assert_eq!(parse_number("1.234.567"), Ok(1234567.0));
        assert_eq!(parse_number("3.5"), Ok(3.5));
        assert_eq!(parse_number("  42 "), Ok(42.0));
    }

    #[test]
    fn what_is_not_a_number() {
        for bad in ["douze", "1,2,3", "12 kg", "1e400", "--3", "", "€", "3-4"] {
            assert!(parse_number(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(
            parse_number("douze").unwrap_err().to_string(),
            "« douze » n'est pas un nombre"
        );
        assert_eq!(
            whole(2.5, "2,5").unwrap_err().to_string(),
            "« 2,5 » n'est pas un nombre entier"
        );
        assert_eq!(whole(12.0, "12"), Ok(12));
    }

    #[test]
    fn missing_is_not_zero() {
        for missing in [
            "", "  ", "NC", "nc", "N.C.", "-", "–", "#DIV/0!", "#N/A", "#VALEUR!", "n/a", "?",
        ] {
            assert!(is_missing(missing), "{missing:?} not missing");
        }
        for present in ["0", "-3", "12", "non", "NC 12", "salarié", "Élu"] {
            assert!(!is_missing(present), "{present:?} missing");
        }
        // Every word of the list is found, in any case, with its accents or dots (a word with
        // a digit only after `#`, as `#DIV/0!`): the quick test on the first letter lets each
        // one through to the folded comparison.
        for word in MISSING.iter().filter(|w| !w.contains(char::is_numeric)) {
            assert!(is_missing(word), "{word:?}");
            assert!(
                is_missing(&word.to_uppercase().replace('_', ".")),
                "{word:?}"
            );
        }
        assert!(is_missing("#RÉF!"));
        assert!(
            is_missing("Ñ.C."),
            "a first letter with an accent is folded too"
        );
    }

    #[test]
    fn dates_are_day_first_or_iso() {
        let march_31 = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
        assert_eq!(parse_date("31/03/2025"), Ok(march_31));
        assert_eq!(parse_date("31-03-2025"), Ok(march_31));
        assert_eq!(parse_date("31.03.2025"), Ok(march_31));
        assert_eq!(parse_date("2025-03-31"), Ok(march_31));
        assert_eq!(
            parse_date("1/3/2025"),
            Ok(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap())
        );
        // Month-first is never guessed: 03/31/2025 has no month 31.
        assert!(parse_date("03/31/2025").is_err());
        assert!(parse_date("31/03/25").is_err());
        assert!(parse_date("2025-02-30").is_err());
        // Found by the fuzzer: year 0 is not a date anyone reports.
        assert!(parse_date("0000.6.5").is_err());
        assert_eq!(parse_month("0000.6.5"), None);
        assert_eq!(excel_serial_date(45747.0), Some(march_31));
        assert_eq!(excel_serial_date(-1.0), None);
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("Oui"), Some(true));
        assert_eq!(parse_bool("NON"), Some(false));
        assert_eq!(parse_bool("peut-être"), None);
    }

    #[test]
    fn months_as_typed() {
        let march = Month::new(2025, 3);
        for text in [
            "2025-03",
            "03/2025",
            "3/2025",
            "2025/03",
            "mars 2025",
            "Mars 2025",
            "01/03/2025",
            "2025-03-15",
        ] {
            assert_eq!(parse_month(text), march, "{text}");
        }
        assert_eq!(parse_month("février 2026"), Month::new(2026, 2));
        assert_eq!(parse_month("13/2025"), None);
        assert_eq!(parse_month("bientôt"), None);
    }
}
