//! A manufacture's profile: for each indicator, its percentile rank among the network's
//! manufactures (0: the lowest value, 100: the highest), the median at 50.

use plotters::prelude::*;

use super::{Area, Drawn, Heading, INK, MAIN, MUTED, NETWORK, fit, text};

/// One indicator of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileRow {
    /// The indicator's name.
    pub name: String,
    /// The percentile rank, 0 to 100 (`None`: no value for this manufacture).
    pub percentile: Option<f64>,
    /// What is written at the bar's end (`42,5 % · 3e / 28`).
    pub detail: String,
}

/// Percentile ranks on every indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Title block.
    pub heading: Heading,
    /// One row per indicator.
    pub rows: Vec<ProfileRow>,
}

const ROW: u32 = 26;
const LABEL_WIDTH: u32 = 300;
const DETAIL_WIDTH: u32 = 245;

pub(super) fn height(chart: &Profile) -> u32 {
    super::HEADING_HEIGHT + 30 + ROW * chart.rows.len().max(1) as u32 + 50
}

pub(super) fn draw<DB: DrawingBackend>(area: &Area<DB>, chart: &Profile) -> Drawn<DB> {
    let (w, _) = area.dim_in_pixel();
    let left = LABEL_WIDTH as i32;
    let right = (w - DETAIL_WIDTH) as i32;
    let scale = |p: f64| left + ((right - left) as f64 * p / 100.0).round() as i32;
    let top = 30;
    let bottom = top + ROW as i32 * chart.rows.len().max(1) as i32;
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = scale(tick);
        let style = if tick == 50.0 {
            NETWORK.stroke_width(2)
        } else {
            RGBColor(225, 225, 225).stroke_width(1)
        };
        area.draw(&PathElement::new(vec![(x, top - 4), (x, bottom)], style))?;
        let label = format!("{}", tick as u32);
        area.draw_text(&label, &text(11, MUTED), (x - 6, top - 20))?;
    }
    area.draw_text("médiane", &text(11, NETWORK), (scale(50.0) + 4, bottom + 6))?;
    area.draw_text(
        "rang centile dans le réseau (100 = valeur la plus haute)",
        &text(11, MUTED),
        (left, bottom + 6 + 18),
    )?;
    for (i, row) in chart.rows.iter().enumerate() {
        let y = top + ROW as i32 * i as i32;
        let name = fit(area, &row.name, &text(12, INK), LABEL_WIDTH as usize - 20);
        area.draw_text(&name, &text(12, INK), (12, y + 6))?;
        match row.percentile {
            Some(p) => {
                let x = scale(p.clamp(0.0, 100.0));
                area.draw(&Rectangle::new(
                    [(left, y + 5), (x.max(left + 2), y + ROW as i32 - 5)],
                    MAIN.mix(0.85).filled(),
                ))?;
            }
            None => {
                area.draw_text("pas de valeur", &text(12, MUTED), (left + 6, y + 6))?;
            }
        }
        let detail = fit(
            area,
            &row.detail,
            &text(12, INK),
            DETAIL_WIDTH as usize - 16,
        );
        area.draw_text(&detail, &text(12, INK), (right + 12, y + 6))?;
    }
    Ok(())
}
