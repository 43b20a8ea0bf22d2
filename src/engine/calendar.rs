//! Months into periods (month, quarter, half-year, year, rolling 12 months), and the months
//! each manufacture is expected to report.

use std::collections::HashMap;

use polars::prelude::*;

use super::Period;
use super::entities::{labels_of, number_labels};
use super::{MONTH, PERIOD, PERIOD_KEY, Per};
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

/// The periods split in two: (`mois`, `__periode`) of the calendar periods, and the number of
/// each rolling window by its label.
pub(super) fn split_rolling(
    periods: &DataFrame,
) -> PolarsResult<(DataFrame, HashMap<String, u32>)> {
    let rolling = col(PERIOD).str().ends_with(lit("-12M"));
    let calendar = periods
        .clone()
        .lazy()
        .filter(rolling.clone().not())
        .select([col(MONTH), col(PERIOD_KEY)])
        .collect()?;
    let windows = labels_of(
        &periods.clone().lazy().filter(rolling).collect()?,
        PERIOD_KEY,
        PERIOD,
    )?;
    let keys = windows.column(PERIOD_KEY)?.u32()?;
    let labels = windows.column(PERIOD)?.str()?;
    let map = labels
        .iter()
        .zip(keys.iter())
        .filter_map(|(label, key)| Some((label?.to_string(), key?)))
        .collect();
    Ok((calendar, map))
}
