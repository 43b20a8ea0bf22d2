//! Each indicator kind as additive components computed at the base grain (one manufacture,
//! one month), and the formula applied once to rolled-up components.
//!
//! Pooled kinds (ratio, share, weighted mean, evenness) sum their numerators, denominators and
//! counts over every row, month and manufacture of a cell, then divide once: never a mean of
//! ratios. A stock is summarised over months per manufacture first (mean or last), then summed.

use polars::prelude::*;

use crate::definitions::{Indicator, Kind, StockOverMonths};

/// The name of the i-th component column.
pub fn component(i: usize) -> String {
    format!("c{i}")
}

/// The component expressions of an indicator, aggregated per (manufacture, month) over its
/// table's rows. A quotient has no rows of its own (the engine joins its two sides' months):
/// it has none.
pub fn base_aggregations(indicator: &Indicator) -> Vec<Expr> {
    let float = |e: &Expr| e.clone().cast(DataType::Float64);
    let both = |a: &Expr, b: &Expr| a.clone().is_not_null().and(b.clone().is_not_null());
    let exprs: Vec<Expr> = match &indicator.kind {
        Kind::Sum { value } | Kind::Stock { value, .. } => vec![float(&value.expr).sum()],
        Kind::Ratio {
            numerator,
            denominator,
            ..
        } => {
            // Rows where either side is missing count on neither side.
            let keep = both(&numerator.expr, &denominator.expr);
            vec![
                when(keep.clone())
                    .then(float(&numerator.expr))
                    .otherwise(lit(NULL))
                    .sum(),
                when(keep)
                    .then(float(&denominator.expr))
                    .otherwise(lit(NULL))
                    .sum(),
            ]
        }
        Kind::Share { value, part, .. } => vec![
            when(part.expr.clone().fill_null(lit(false)))
                .then(float(&value.expr))
                .otherwise(lit(0.0))
                .sum(),
            float(&value.expr).sum(),
        ],
        Kind::WeightedMean { value, weight } => {
            let keep = both(&value.expr, &weight.expr);
            vec![
                when(keep.clone())
                    .then(float(&value.expr) * float(&weight.expr))
                    .otherwise(lit(NULL))
                    .sum(),
                when(keep)
                    .then(float(&weight.expr))
                    .otherwise(lit(NULL))
                    .sum(),
            ]
        }
        Kind::Evenness {
            column,
            categories,
            weight,
        } => categories
            .iter()
            .map(|category| {
                when(col(column.as_str()).eq(lit(category.as_str())))
                    .then(float(&weight.expr))
                    .otherwise(lit(0.0))
                    .sum()
            })
            .collect(),
        Kind::Quotient { .. } => Vec::new(),
    };
    exprs
        .into_iter()
        .enumerate()
        .map(|(i, e)| e.alias(component(i)))
        .collect()
}

/// How many components an indicator has.
pub fn component_count(indicator: &Indicator) -> usize {
    match &indicator.kind {
        Kind::Sum { .. } | Kind::Stock { .. } => 1,
        Kind::Ratio { .. }
        | Kind::Share { .. }
        | Kind::WeightedMean { .. }
        | Kind::Quotient { .. } => 2,
        Kind::Evenness { categories, .. } => categories.len(),
    }
}

/// How one component is summarised over a manufacture's months in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthRule {
    /// Summed (flows, and every pooled component).
    Sum,
    /// The mean of the months reported (a stock).
    Mean,
    /// The value of the latest month reported (a stock).
    Last,
}

/// Each component's rule over months: a quotient's two sides keep their own.
pub fn month_rules(indicator: &Indicator) -> Vec<MonthRule> {
    let stock = |over: StockOverMonths| match over {
        StockOverMonths::Mean => MonthRule::Mean,
        StockOverMonths::Last => MonthRule::Last,
    };
    match &indicator.kind {
        Kind::Stock { over_months, .. } => vec![stock(*over_months)],
        Kind::Quotient {
            numerator,
            denominator,
            ..
        } => [numerator, denominator]
            .iter()
            .flat_map(|side| month_rules(side))
            .collect(),
        _ => vec![MonthRule::Sum; component_count(indicator)],
    }
}

/// The indicator's value from its rolled-up components; `None` where it cannot be computed
/// (a zero denominator, no count at all).
pub fn finalize(indicator: &Indicator, c: &[f64]) -> Option<f64> {
    let divide = |num: f64, den: f64, scale: f64| (den != 0.0).then(|| num / den * scale);
    match &indicator.kind {
        Kind::Sum { .. } | Kind::Stock { .. } => Some(c[0]),
        Kind::Ratio { scale, .. } | Kind::Share { scale, .. } | Kind::Quotient { scale, .. } => {
            divide(c[0], c[1], *scale)
        }
        Kind::WeightedMean { .. } => divide(c[0], c[1], 1.0),
        Kind::Evenness { categories, .. } => pielou(c, categories.len()),
    }
}

/// Pielou's evenness J = −Σ pᵢ ln pᵢ / ln K of counts over K declared categories.
pub fn pielou(counts: &[f64], k: usize) -> Option<f64> {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 || k < 2 {
        return None;
    }
    let entropy: f64 = counts
        .iter()
        .filter(|c| **c > 0.0)
        .map(|c| {
            let p = c / total;
            -p * p.ln()
        })
        .sum();
    // + 0.0 turns the -0 of a single category (-1 × ln 1) into 0.
    Some(entropy / (k as f64).ln() + 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pielou_by_hand() {
        // One category: 0. All K equal: 1. Two equal categories out of 5: ln 2 / ln 5.
        assert_eq!(pielou(&[10.0, 0.0, 0.0, 0.0, 0.0], 5), Some(0.0));
        assert!(
            pielou(&[10.0, 0.0, 0.0, 0.0, 0.0], 5)
                .unwrap()
                .is_sign_positive(),
            "never -0"
        );
        assert!((pielou(&[3.0; 5], 5).unwrap() - 1.0).abs() < 1e-12);
        let two = pielou(&[4.0, 4.0, 0.0, 0.0, 0.0], 5).unwrap();
        assert!((two - 2f64.ln() / 5f64.ln()).abs() < 1e-12);
        assert!((two - 0.430_676_558).abs() < 1e-9);
        assert_eq!(pielou(&[0.0; 5], 5), None);
    }
}
