//! Manufactures ranked on one indicator, highest first, as horizontal bars with the median
//! and the target marked. The chart grows with the number of manufactures.

use plotters::prelude::*;

use super::{Area, Drawn, Heading, INK, MAIN, NETWORK, PALETTE, TARGET, draw_empty, fit, text};
use crate::report::french;

/// One manufacture's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The manufacture's name.
    pub label: String,
    /// Its value.
    pub value: f64,
    /// Whether it is drawn in the highlight colour (the manufacture a report is about).
    pub highlighted: bool,
}

/// A ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Title block.
    pub heading: Heading,
    /// The indicator's unit.
    pub unit: String,
    /// The bars, in the order drawn (highest first).
    pub bars: Vec<Bar>,
    /// The median of the values.
    pub median: Option<f64>,
    /// The target, if any.
    pub target: Option<f64>,
}

const ROW: u32 = 17;
const LABEL_WIDTH: u32 = 270;

pub(super) fn height(chart: &Ranking) -> u32 {
    super::HEADING_HEIGHT + 40 + ROW * chart.bars.len().max(3) as u32 + 34
}

pub(super) fn draw<DB: DrawingBackend>(area: &Area<DB>, chart: &Ranking) -> Drawn<DB> {
    if chart.bars.is_empty() {
        return draw_empty(area, "Aucune manufacture n'a de valeur pour cette période");
    }
    let values = chart.bars.iter().map(|b| b.value).chain(chart.target);
    let (low, high) = super::value_range(values, &chart.unit);
    let (low, high, step) = super::nice_scale(low, high);
    let (w, h) = area.dim_in_pixel();
    let left = LABEL_WIDTH as i32;
    let right = w as i32 - 90;
    let top = 26;
    let scale = |v: f64| left + ((right - left) as f64 * (v - low) / (high - low)).round() as i32;
    let bottom = top + ROW as i32 * chart.bars.len() as i32;
    super::draw_value_grid(area, (low, high, step), &scale, (top, bottom), &chart.unit)?;
    let mut legend = Vec::new();
    if let Some(median) = chart.median {
        let x = scale(median);
        area.draw(&PathElement::new(
            vec![(x, top - 2), (x, bottom + 2)],
            NETWORK.stroke_width(2),
        ))?;
        legend.push((
            NETWORK,
            format!("médiane : {}", french::value(Some(median), &chart.unit)),
        ));
    }
    if let Some(target) = chart.target {
        let x = scale(target);
        area.draw(&PathElement::new(
            vec![(x, top - 2), (x, bottom + 2)],
            TARGET.stroke_width(2),
        ))?;
        legend.push((
            TARGET,
            format!("cible : {}", french::value(Some(target), &chart.unit)),
        ));
    }
    for (i, bar) in chart.bars.iter().enumerate() {
        let y = top + ROW as i32 * i as i32;
        let color = if bar.highlighted { PALETTE[1] } else { MAIN };
        let label = fit(area, &bar.label, &text(12, INK), LABEL_WIDTH as usize - 24);
        let style = if bar.highlighted {
            super::bold(12, INK)
        } else {
            text(12, INK)
        };
        area.draw_text(&label, &style, (12, y + 2))?;
        let (from, to) = (scale(0.0_f64.max(low)), scale(bar.value));
        let (a, b) = (from.min(to), from.max(to).max(from.min(to) + 1));
        area.draw(&Rectangle::new(
            [(a, y + 3), (b, y + ROW as i32 - 3)],
            color.filled(),
        ))?;
        let value = french::compact(bar.value, &chart.unit);
        area.draw_text(&value, &text(12, INK), (b + 4, y + 1))?;
    }
    let mut x = left;
    for (color, label) in legend {
        x = super::legend_item(area, x, h as i32 - 26, color.filled(), &label)?;
    }
    Ok(())
}
