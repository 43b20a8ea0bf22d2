//! Months into periods (month, quarter, half-year, year, rolling 12 months), and the months
//! each manufacture is expected to report.

use polars::prelude::*;

use super::Period;
use super::cell::month_number;
use super::entities::number_labels;
use super::{MONTH, MONTH_NUMBER, PERIOD, PERIOD_KEY, Per};
use crate::month::Month;

/// (`mois`, `periode`) for every period of the requested kinds that holds a month of the data:
/// a rolling window is shown only if it ends within the data.
pub(super) fn period_map(
    pers: &[Per],
    first: Month,
    last: Month,
    only: Option<&str>,
) -> PolarsResult<DataFrame> {
    let (months, labels): (Vec<String>, Vec<String>) = periods_of_months(pers, first, last)
        .into_iter()
        .filter(|(_, label)| only.is_none_or(|p| p == label))
        .map(|(month, label)| (month.to_string(), label))
        .unzip();
    let keys = number_labels(&labels);
    df!(MONTH => months, PERIOD => labels, PERIOD_KEY => keys)
}

/// Each month from `first` to `last` with the label of every period of these kinds that holds
/// it, as `compute` reports them: a rolling window only if it ends by `last`.
pub fn periods_of_months(pers: &[Per], first: Month, last: Month) -> Vec<(Month, String)> {
    let mut pairs = Vec::new();
    for month in first.through(last) {
        for per in pers {
            for period in Period::containing(*per, month) {
                // A rolling window only if it ends by `last`: its last month is in the data.
                if *per != Per::Rolling12 || period.last() <= last {
                    pairs.push((month, period.to_string()));
                }
            }
        }
    }
    pairs
}

/// The periods split in two: (`__mois`: the month's number counted from `first`,
/// `__periode`) of the calendar periods, and the number of each rolling window by the number of
/// its last month (counted from `first`), where there is one.
pub(super) fn split_rolling(
    periods: &DataFrame,
    first: Month,
) -> PolarsResult<(DataFrame, Vec<Option<u32>>)> {
    let months = periods.column(MONTH)?.str()?;
    let labels = periods.column(PERIOD)?.str()?;
    let keys = periods.column(PERIOD_KEY)?.u32()?;
    let number = |month: Month| month_number(first, month);
    let (mut calendar_months, mut calendar_keys) = (Vec::new(), Vec::new());
    let mut windows: Vec<Option<u32>> = Vec::new();
    for ((month, label), key) in months.iter().zip(labels.iter()).zip(keys.iter()) {
        let (Some(month), Some(label), Some(key)) = (month, label, key) else {
            continue;
        };
        let Ok(period) = label.parse::<Period>() else {
            continue;
        };
        if period.per() == Per::Rolling12 {
            let Some(end) = number(period.last()) else {
                continue;
            };
            let end = end as usize;
            if windows.len() <= end {
                windows.resize(end + 1, None);
            }
            windows[end] = Some(key);
        } else if let Some(month) = month.parse().ok().and_then(number) {
            calendar_months.push(month);
            calendar_keys.push(key);
        }
    }
    let calendar = df!(MONTH_NUMBER => calendar_months, PERIOD_KEY => calendar_keys)?;
    Ok((calendar, windows))
}
