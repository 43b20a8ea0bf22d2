//! How manufactures compare: for each indicator, entity and period, the distribution of the
//! manufacture-level values (minimum, quartiles, median, maximum) and each manufacture's rank
//! within the entity. Charts draw a manufacture against the network's median and quartiles.

use polars::prelude::*;

use super::key::{FigureKey, KeyColumns};
use super::level::Level;
use super::period::Period;
use crate::registry::Registry;

/// A [`FigureKey`] borrowing the text of the figures it comes from.
type BorrowedKey<'a> = (&'a str, Level, &'a str, &'a str);

/// The quantile `q` (0 to 1) of sorted values, linearly interpolated (Hyndman & Fan type 7,
/// as spreadsheets compute it).
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = q * last as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    Some(sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64))
}

/// Distribution rows (`indicateur, niveau, entite, periode, manufactures, min, q1, mediane,
/// q3, max`) and rank rows (`indicateur, niveau, entite, periode, manufacture, valeur, rang,
/// sur`; rank 1 is the highest value), from the manufacture-level rows of computed figures.
/// Ranks are given only for the periods `ranked` accepts (a report ranks its period, not each
/// month: at national scale the monthly ranks were tens of millions of rows).
pub fn distribution(
    figures: &DataFrame,
    registry: &Registry,
    levels: &[Level],
    ranked: &dyn Fn(Period) -> bool,
) -> PolarsResult<(DataFrame, DataFrame)> {
    let keys = KeyColumns::of(figures)?;
    let values = figures.column("valeur")?.f64()?.clone();
    // Each manufacture's entity at each level, worked out once (not once per figure).
    let entities: PlHashMap<&str, Vec<String>> = registry
        .manufactures()
        .iter()
        .map(|m| {
            let at_levels = levels.iter().map(|level| level.entity_of(m)).collect();
            (m.id.as_str(), at_levels)
        })
        .collect();
    // (indicator, level, entity, period) -> [(manufacture, value)], borrowing the figures'
    // text: millions of figures at national scale, no allocation per figure.
    let mut borrowed: PlHashMap<BorrowedKey, Vec<(&str, f64)>> = PlHashMap::new();
    for row in 0..figures.height() {
        if keys.level(row) != Some("manufacture") {
            continue;
        }
        let (Some(id), Some(value)) = (keys.entity(row), values.get(row)) else {
            continue;
        };
        let Some(at_levels) = entities.get(id) else {
            continue;
        };
        let (indicator, period) = (
            keys.indicator(row).unwrap_or(""),
            keys.period(row).unwrap_or(""),
        );
        for (level, entity) in levels.iter().zip(at_levels) {
            borrowed
                .entry((indicator, *level, entity.as_str(), period))
                .or_default()
                .push((id, value));
        }
    }
    // Sorted by key, so that the same figures give the same rows; the members keep borrowing
    // the figures' ids (tens of millions of them at national scale).
    let mut groups: Vec<(FigureKey, Vec<(&str, f64)>)> = borrowed
        .into_iter()
        .filter_map(|((indicator, level, entity, period), members)| {
            let key = FigureKey::new(indicator, level, entity, period.parse().ok()?);
            Some((key, members))
        })
        .collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut stats: [Vec<String>; 4] = Default::default();
    let mut numbers: [Vec<f64>; 5] = Default::default();
    let mut counts = Vec::new();
    let mut ranks: [Vec<String>; 5] = Default::default();
    let (mut rank_values, mut rank, mut out_of) = (Vec::new(), Vec::new(), Vec::new());
    for (key, mut members) in groups {
        let mut sorted: Vec<f64> = members.iter().map(|(_, v)| *v).collect();
        sorted.sort_by(f64::total_cmp);
        let FigureKey {
            indicator,
            level,
            entity,
            period,
        } = key;
        let is_ranked = ranked(period);
        let period = period.to_string();
        for (column, value) in
            stats
                .iter_mut()
                .zip([&indicator, &level.word().to_string(), &entity, &period])
        {
            column.push(value.clone());
        }
        for (column, q) in numbers.iter_mut().zip([0.0, 0.25, 0.5, 0.75, 1.0]) {
            column.push(quantile(&sorted, q).unwrap_or(f64::NAN));
        }
        counts.push(sorted.len() as u32);
        if !is_ranked {
            continue;
        }
        members.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let total = members.len() as u32;
        let mut place = 0;
        for (index, (id, value)) in members.iter().enumerate() {
            // Ties share the best rank: the place of the first of them (members are sorted).
            if index == 0 || members[index - 1].1 != *value {
                place = index as u32 + 1;
            }
            for (column, v) in ranks.iter_mut().zip([
                indicator.as_str(),
                level.word(),
                entity.as_str(),
                period.as_str(),
                id,
            ]) {
                column.push(v.to_string());
            }
            rank_values.push(*value);
            rank.push(place);
            out_of.push(total);
        }
    }
    let [i, l, e, p] = stats;
    let [min, q1, median, q3, max] = numbers;
    let summary = df!(
        "indicateur" => i, "niveau" => l, "entite" => e, "periode" => p, "manufactures" => counts,
        "min" => min, "q1" => q1, "mediane" => median, "q3" => q3, "max" => max,
    )?;
    let [i, l, e, p, m] = ranks;
    let ranking = df!(
        "indicateur" => i, "niveau" => l, "entite" => e, "periode" => p, "manufacture" => m,
        "valeur" => rank_values, "rang" => rank, "sur" => out_of,
    )?;
    Ok((summary, ranking))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_like_a_spreadsheet() {
        let values = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&values, 0.5), Some(2.5));
        assert_eq!(quantile(&values, 0.25), Some(1.75));
        assert_eq!(quantile(&values, 1.0), Some(4.0));
        assert_eq!(quantile(&[7.0], 0.25), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
