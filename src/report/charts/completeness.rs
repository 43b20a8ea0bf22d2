//! Who reported which month: one row per manufacture, one column per month, each cell
//! received on time, received late, missing, or not expected (before opening, after closing).

use plotters::prelude::*;

use super::{Area, Drawn, Heading, INK, MUTED, PALETTE, draw_empty, fit, legend_item, text};

/// The state of one manufacture's month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonthState {
    /// Received by the deadline.
    OnTime,
    /// Received after the deadline.
    Late,
    /// Expected, not received.
    Missing,
    /// Not expected (the manufacture was not open).
    NotExpected,
}

impl MonthState {
    /// The French word for the state.
    pub fn word(self) -> &'static str {
        match self {
            MonthState::OnTime => "reçu",
            MonthState::Late => "reçu en retard",
            MonthState::Missing => "manquant",
            MonthState::NotExpected => "non attendu",
        }
    }

    fn color(self) -> RGBColor {
        match self {
            MonthState::OnTime => PALETTE[0],
            MonthState::Late => PALETTE[6],
            MonthState::Missing => PALETTE[5],
            MonthState::NotExpected => RGBColor(240, 240, 240),
        }
    }
}

/// A completeness grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Completeness {
    /// Title block.
    pub heading: Heading,
    /// Column labels, one per month.
    pub months: Vec<String>,
    /// One row per manufacture: its name and each month's state.
    pub rows: Vec<(String, Vec<MonthState>)>,
}

const ROW: u32 = 15;
const LABEL_WIDTH: i32 = 250;

pub(super) fn height(chart: &Completeness) -> u32 {
    super::HEADING_HEIGHT + 50 + ROW * chart.rows.len().max(2) as u32 + 40
}

pub(super) fn draw<DB: DrawingBackend>(area: &Area<DB>, chart: &Completeness) -> Drawn<DB> {
    if chart.rows.is_empty() || chart.months.is_empty() {
        return draw_empty(area, "Aucune manufacture attendue");
    }
    let (w, h) = area.dim_in_pixel();
    let cell = ((w as i32 - LABEL_WIDTH - 60) / chart.months.len() as i32).clamp(3, 44);
    let top = 44;
    let every = (30 / cell).max(1) as usize;
    for (j, label) in chart.months.iter().enumerate() {
        if j % every == 0 {
            let x = LABEL_WIDTH + j as i32 * cell;
            area.draw_text(label, &text(11, MUTED), (x, top - 18))?;
        }
    }
    for (i, (name, states)) in chart.rows.iter().enumerate() {
        let y = top + ROW as i32 * i as i32;
        let name = fit(area, name, &text(11, INK), LABEL_WIDTH as usize - 20);
        area.draw_text(&name, &text(11, INK), (12, y + 1))?;
        for (j, state) in states.iter().enumerate() {
            let x = LABEL_WIDTH + j as i32 * cell;
            area.draw(&Rectangle::new(
                [(x, y), (x + cell - 1, y + ROW as i32 - 1)],
                state.color().filled(),
            ))?;
        }
        let received = states
            .iter()
            .filter(|s| matches!(s, MonthState::OnTime | MonthState::Late))
            .count();
        let due = states
            .iter()
            .filter(|s| **s != MonthState::NotExpected)
            .count();
        let x = LABEL_WIDTH + states.len() as i32 * cell + 6;
        area.draw_text(&format!("{received}/{due}"), &text(11, MUTED), (x, y + 1))?;
    }
    let mut x = LABEL_WIDTH;
    for state in [
        MonthState::OnTime,
        MonthState::Late,
        MonthState::Missing,
        MonthState::NotExpected,
    ] {
        x = legend_item(area, x, h as i32 - 26, state.color().filled(), state.word())?;
    }
    Ok(())
}
