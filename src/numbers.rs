//! Numbers as every stage agrees to keep and write them: one rounding rule (significant
//! digits), one plain French writing (`1234,5`, for messages and formulas) and one display
//! for people (`12 345,6`, thousands grouped; `report::french::number` is this one).

/// The significant digits a computed figure keeps.
///
/// Polars adds floats in parallel, in an order that varies from run to run, and the last
/// bits of a sum vary with it. Keeping 12 digits makes the same data give the same figures,
/// bit for bit: a value of exactly 5.225 is not shown `5,23` one day and `5,22` the next. No
/// sheet types more digits than that.
pub const KEPT_DIGITS: i32 = 12;

/// `value` rounded to `digits` significant digits; zero, infinities, NaN and values too
/// large or small to scale are returned as they are.
pub fn significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let exponent = digits - 1 - value.abs().log10().floor() as i32;
    if !(-300..=300).contains(&exponent) {
        return value;
    }
    let scale = 10f64.powi(exponent);
    (value * scale).round() / scale
}

/// `value` with [`KEPT_DIGITS`] significant digits: the summation noise gone.
pub fn without_summation_noise(value: f64) -> f64 {
    significant(value, KEPT_DIGITS)
}

/// A number written plainly the French way, as in messages and formulas: `1234,5`, `0,5`,
/// `100`, without the summation noise (`713,6`, not `713,6000000000001`).
pub fn french_plain(value: f64) -> String {
    let value = without_summation_noise(value);
    let text = if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    };
    text.replace('.', ",")
}

/// A number the French way, with `decimals` digits after the comma and a narrow no-break space
/// between thousands: `12 345,6`.
pub fn french_grouped(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "—".to_string();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(digit);
    }
    let negative = value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "−" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits_round_away_the_noise_of_sums() {
        assert_eq!(significant(713.600_000_000_000_1, 12), 713.6);
        assert_eq!(significant(5.225_000_000_000_001, 12), 5.225);
        assert_eq!(significant(123_456.789, 3), 123_000.0);
        assert_eq!(significant(0.000_123_456, 2), 0.000_12);
        assert_eq!(significant(-2.5, 12), -2.5);
        assert_eq!(significant(0.0, 12), 0.0);
        assert!(significant(f64::NAN, 12).is_nan());
    }

    #[test]
    fn plain_french_numbers_have_a_decimal_comma_and_no_noise() {
        assert_eq!(french_plain(1234.5), "1234,5");
        assert_eq!(french_plain(100.0), "100");
        assert_eq!(french_plain(0.5), "0,5");
        assert_eq!(french_plain(-3.0), "-3");
        assert_eq!(french_plain(713.600_000_000_000_1), "713,6");
    }
}
