//! A composition month by month (the publics of a manufacture by category), as stacked bars.
//! A month not reported has no bar and says so under its label.

use plotters::prelude::*;

use super::{
    Area, Drawn, Heading, INK, PALETTE, draw_empty, legend_item, month_chart, text, value_range,
};

/// A composition per month.
#[derive(Debug, Clone, PartialEq)]
pub struct Stacked {
    /// Title block.
    pub heading: Heading,
    /// What is counted (`personnes`).
    pub unit: String,
    /// Axis labels, one per month.
    pub months: Vec<String>,
    /// The categories, in stacking order.
    pub categories: Vec<String>,
    /// Per month, the count of each category (`None`: month not reported).
    pub counts: Vec<Option<Vec<f64>>>,
}

const LEGEND_ROW: u32 = 22;

pub(super) fn draw<DB: DrawingBackend>(area: &Area<DB>, chart: &Stacked) -> Drawn<DB> {
    if chart.counts.iter().all(Option::is_none) {
        return draw_empty(area, "Aucune donnée pour cette période");
    }
    let rows = chart.categories.len().div_ceil(4).max(1) as u32;
    let (plot, legend) = area.split_vertically(area.dim_in_pixel().1 - rows * LEGEND_ROW - 6);
    let totals = chart.counts.iter().flatten().map(|c| c.iter().sum::<f64>());
    let (_, high) = value_range(totals, "");
    let labels: Vec<String> = chart
        .months
        .iter()
        .zip(&chart.counts)
        .map(|(month, counts)| match counts {
            Some(_) => month.clone(),
            None => format!("{month} ✗"),
        })
        .collect();
    let mut cc = month_chart(&plot, &labels, (0.0, high), &chart.unit)?;
    for (i, counts) in chart.counts.iter().enumerate() {
        let Some(counts) = counts else { continue };
        let mut base = 0.0;
        for (k, count) in counts.iter().enumerate() {
            if *count <= 0.0 {
                continue;
            }
            let color = PALETTE[k % PALETTE.len()];
            let x = i as f64;
            cc.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.36, base), (x + 0.36, base + count)],
                color.filled(),
            )))?;
            base += count;
        }
    }
    for (row, chunk) in chart.categories.chunks(4).enumerate() {
        let mut x = 70;
        let y = 4 + row as i32 * LEGEND_ROW as i32;
        for (k, category) in chunk.iter().enumerate() {
            let color = PALETTE[(row * 4 + k) % PALETTE.len()];
            x = legend_item(&legend, x, y, color.filled(), category)?;
        }
    }
    if chart.counts.iter().any(Option::is_none) {
        let (w, _) = legend.dim_in_pixel();
        legend.draw_text("✗ mois non déclaré", &text(12, INK), (w as i32 - 150, 4))?;
    }
    Ok(())
}
