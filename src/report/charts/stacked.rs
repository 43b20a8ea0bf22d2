//! A composition month by month (the publics of a manufacture by category), as stacked bars.
//! A month not reported has no bar and says so under its label.

use plotters::prelude::*;

use super::{
    Area, Drawn, Heading, INK, MUTED, PALETTE, draw_empty, legend_item, text, value_range,
};
use crate::report::french;

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
    let n = chart.months.len().max(1);
    let months = chart.months.clone();
    let missing: Vec<bool> = chart.counts.iter().map(Option::is_none).collect();
    let unit = chart.unit.clone();
    let mut cc = ChartBuilder::on(&plot)
        .margin_left(12)
        .margin_right(24)
        .margin_top(8)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5_f64..(n as f64 - 0.5), 0.0..high)?;
    cc.configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(228, 228, 228))
        .y_labels(6)
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                let i = i as usize;
                let label = months.get(i).cloned().unwrap_or_default();
                if missing.get(i).copied().unwrap_or(false) {
                    format!("{label} ✗")
                } else {
                    label
                }
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| french::tick(*y, &unit))
        .label_style(text(12, MUTED))
        .axis_style(RGBColor(160, 160, 160))
        .draw()?;
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
