//! Distributions by group (the manufactures of each région) as horizontal box plots: the box
//! spans the first to the third quartile, the bar inside is the median, the whiskers reach the
//! lowest and highest values. Quartiles are the engine's (spreadsheet type 7).

use plotters::prelude::*;

use super::{Area, Drawn, Heading, INK, MAIN, NETWORK, draw_empty, fit, text};
use crate::report::french;

/// One group's distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxGroup {
    /// The group's name (a région).
    pub label: String,
    /// How many manufactures have a value.
    pub count: u32,
    /// Minimum, first quartile, median, third quartile, maximum.
    pub five: [f64; 5],
}

/// Box plots by group.
#[derive(Debug, Clone, PartialEq)]
pub struct Boxes {
    /// Title block.
    pub heading: Heading,
    /// The indicator's unit.
    pub unit: String,
    /// One box per group.
    pub groups: Vec<BoxGroup>,
    /// The network's median, drawn across every group.
    pub median: Option<f64>,
}

const ROW: u32 = 26;
const LABEL_WIDTH: u32 = 260;

pub(super) fn height(chart: &Boxes) -> u32 {
    super::HEADING_HEIGHT + 40 + ROW * chart.groups.len().max(3) as u32 + 34
}

pub(super) fn draw<DB: DrawingBackend>(area: &Area<DB>, chart: &Boxes) -> Drawn<DB> {
    if chart.groups.is_empty() {
        return draw_empty(area, "Aucune valeur pour cette période");
    }
    let values = chart.groups.iter().flat_map(|g| [g.five[0], g.five[4]]);
    let (low, high) = super::value_range(values, &chart.unit);
    let (low, high, step) = super::nice_scale(low, high);
    let (w, h) = area.dim_in_pixel();
    let left = LABEL_WIDTH as i32;
    let right = w as i32 - 40;
    let top = 26;
    let scale = |v: f64| left + ((right - left) as f64 * (v - low) / (high - low)).round() as i32;
    let bottom = top + ROW as i32 * chart.groups.len() as i32;
    super::draw_value_grid(area, (low, high, step), &scale, (top, bottom), &chart.unit)?;
    for (i, group) in chart.groups.iter().enumerate() {
        let y = top + ROW as i32 * i as i32;
        let middle = y + ROW as i32 / 2;
        let label = format!("{} ({})", group.label, group.count);
        let label = fit(area, &label, &text(12, INK), LABEL_WIDTH as usize - 24);
        area.draw_text(&label, &text(12, INK), (12, y + 6))?;
        let [min, q1, median, q3, max] = group.five.map(scale);
        area.draw(&PathElement::new(
            vec![(min, middle), (max, middle)],
            MAIN.stroke_width(1),
        ))?;
        for x in [min, max] {
            area.draw(&PathElement::new(
                vec![(x, middle - 5), (x, middle + 5)],
                MAIN.stroke_width(1),
            ))?;
        }
        area.draw(&Rectangle::new(
            [(q1, y + 5), (q3.max(q1 + 1), y + ROW as i32 - 5)],
            MAIN.mix(0.35).filled(),
        ))?;
        area.draw(&Rectangle::new(
            [(q1, y + 5), (q3.max(q1 + 1), y + ROW as i32 - 5)],
            MAIN.stroke_width(1),
        ))?;
        area.draw(&PathElement::new(
            vec![(median, y + 3), (median, y + ROW as i32 - 3)],
            INK.stroke_width(3),
        ))?;
    }
    if let Some(median) = chart.median {
        let x = scale(median);
        area.draw(&PathElement::new(
            vec![(x, top - 2), (x, bottom + 2)],
            NETWORK.stroke_width(1),
        ))?;
        let label = format!(
            "médiane nationale : {} · boîte : 1er–3e quartile · traits : min–max",
            french::value(Some(median), &chart.unit)
        );
        super::legend_item(area, left, h as i32 - 26, NETWORK.filled(), &label)?;
    }
    Ok(())
}
