//! A map of the 18 régions shaded by an indicator with the viridis scale, which stays
//! readable in grey and with every common colour-vision deficiency: real boundaries when the
//! workspace names a GeoJSON file ([`Outlines`]), else a tile map, each région a rectangle
//! placed roughly where it lies (the overseas régions on a row of their own).

use std::sync::Arc;

use plotters::prelude::*;
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::outlines::{Outline, Outlines};
use super::{Area, Drawn, Heading, INK, MUTED, fit, text};
use crate::report::french;

/// One région's tile.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    /// The région's official code.
    pub code: String,
    /// Its value (`None`: no manufacture, or no data).
    pub value: Option<f64>,
}

/// Régions shaded by an indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct TileMap {
    /// Title block.
    pub heading: Heading,
    /// The indicator's unit.
    pub unit: String,
    /// The régions with a figure; the others are drawn empty.
    pub tiles: Vec<Tile>,
    /// Real boundaries to draw instead of tiles.
    pub outlines: Option<Arc<Outlines>>,
}

impl TileMap {
    /// A région's value, if it has one.
    fn value(&self, code: &str) -> Option<f64> {
        self.tiles
            .iter()
            .find(|t| t.code == code)
            .and_then(|t| t.value)
    }
}

/// Each région's code, short name and place (column, row) on the grid.
const LAYOUT: [(&str, &str, i32, i32); 18] = [
    ("32", "Hauts-de-France", 2, 0),
    ("28", "Normandie", 1, 1),
    ("11", "Île-de-France", 2, 1),
    ("44", "Grand Est", 3, 1),
    ("53", "Bretagne", 0, 2),
    ("52", "Pays de la Loire", 1, 2),
    ("24", "Centre-Val de Loire", 2, 2),
    ("27", "Bourgogne-Fr.-Comté", 3, 2),
    ("75", "Nouvelle-Aquitaine", 1, 3),
    ("84", "Auvergne-Rh.-Alpes", 3, 3),
    ("76", "Occitanie", 2, 4),
    ("93", "Provence-A.-C. d'Azur", 3, 4),
    ("94", "Corse", 4, 5),
    ("01", "Guadeloupe", 0, 6),
    ("02", "Martinique", 1, 6),
    ("03", "Guyane", 2, 6),
    ("04", "La Réunion", 3, 6),
    ("06", "Mayotte", 4, 6),
];

const TILE_WIDTH: i32 = 140;
const TILE_HEIGHT: i32 = 56;
const GAP: i32 = 6;

/// The grey of a région without a figure.
const EMPTY: RGBColor = RGBColor(236, 236, 236);

pub(super) fn draw<DB: DrawingBackend>(area: &Area<DB>, chart: &TileMap) -> Drawn<DB> {
    let values: Vec<f64> = chart.tiles.iter().filter_map(|t| t.value).collect();
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match &chart.outlines {
        Some(outlines) => draw_outlines(area, chart, outlines, (low, high))?,
        None => draw_tiles(area, chart, (low, high))?,
    }
    draw_scale(area, low, high, &chart.unit)
}

/// A value's colour on the scale from `low` to `high`, and the text colour that reads on it.
fn shade(value: Option<f64>, (low, high): (f64, f64)) -> (RGBColor, RGBColor) {
    match value {
        Some(v) => {
            let t = if high > low {
                (v - low) / (high - low)
            } else {
                0.5
            };
            let ink = if t > 0.6 { INK } else { WHITE };
            (ViridisRGB.get_color_normalized(t, 0.0, 1.0), ink)
        }
        None => (EMPTY, MUTED),
    }
}

/// The régions' real shapes, each filled with its colour and its value written on it.
fn draw_outlines<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &TileMap,
    outlines: &Outlines,
    scale: (f64, f64),
) -> Drawn<DB> {
    for outline in &outlines.regions {
        let value = chart.value(&outline.code);
        let (fill, _) = shade(value, scale);
        for ring in &outline.rings {
            area.draw(&Polygon::new(ring.clone(), fill.filled()))?;
            let mut closed = ring.clone();
            closed.push(ring[0]);
            area.draw(&PathElement::new(closed, WHITE.stroke_width(1)))?;
        }
    }
    for outline in &outlines.regions {
        draw_outline_label(area, chart, outline, scale)?;
    }
    Ok(())
}

/// A région's value on its shape; an inset's name and value above it.
fn draw_outline_label<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &TileMap,
    outline: &Outline,
    scale: (f64, f64),
) -> Drawn<DB> {
    let value = chart.value(&outline.code);
    let figure = value.map_or_else(|| "—".to_string(), |v| french::compact(v, &chart.unit));
    match outline.inset {
        Some(frame) => {
            let name = LAYOUT
                .iter()
                .find(|(code, ..)| *code == outline.code)
                .map_or(outline.code.as_str(), |(_, name, ..)| name);
            let name = fit(area, name, &text(11, MUTED), frame.width as usize);
            area.draw_text(&name, &text(11, MUTED), outline.label)?;
            let at = (outline.label.0, outline.label.1 + 14);
            area.draw_text(&figure, &super::bold(12, INK), at)
        }
        None => {
            let (_, ink) = shade(value, scale);
            let (width, _) = area
                .estimate_text_size(&figure, &super::bold(12, ink))
                .unwrap_or((0, 0));
            if width as i32 + 6 <= outline.main.width {
                let style = super::bold(12, ink).pos(Pos::new(HPos::Center, VPos::Center));
                area.draw_text(&figure, &style, outline.label)
            } else {
                // Too small to hold its value (Corse): written on its left, in the sea.
                let style = super::bold(12, INK).pos(Pos::new(HPos::Right, VPos::Center));
                area.draw_text(&figure, &style, (outline.main.x - 4, outline.label.1))
            }
        }
    }
}

/// One rectangle per région, placed roughly where it lies.
fn draw_tiles<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &TileMap,
    scale: (f64, f64),
) -> Drawn<DB> {
    let origin = (16, 8);
    for (code, name, col, row) in LAYOUT {
        let x = origin.0 + col * (TILE_WIDTH + GAP);
        // The overseas row sits a little apart.
        let y = origin.1 + row * (TILE_HEIGHT + GAP) + if row == 6 { 18 } else { 0 };
        let value = chart.value(code);
        let (fill, ink) = shade(value, scale);
        area.draw(&Rectangle::new(
            [(x, y), (x + TILE_WIDTH, y + TILE_HEIGHT)],
            fill.filled(),
        ))?;
        let short = fit(area, name, &text(11, ink), TILE_WIDTH as usize - 8);
        area.draw_text(&short, &text(11, ink), (x + 5, y + 6))?;
        let figure = match value {
            Some(v) => french::compact(v, &chart.unit),
            None => "—".to_string(),
        };
        area.draw_text(&figure, &super::bold(15, ink), (x + 5, y + 26))?;
    }
    let y_overseas = origin.1 + 6 * (TILE_HEIGHT + GAP) + 2;
    area.draw_text("Outre-mer", &text(11, MUTED), (origin.0, y_overseas))
}

/// The colour scale, from the lowest to the highest value shown.
fn draw_scale<DB: DrawingBackend>(area: &Area<DB>, low: f64, high: f64, unit: &str) -> Drawn<DB> {
    let x0 = 16 + 5 * (TILE_WIDTH + GAP) + 12;
    let (y0, width, height) = (30, 22, 220);
    if !low.is_finite() {
        return area.draw_text("Aucune valeur", &text(12, MUTED), (x0, y0));
    }
    for i in 0..height {
        let t = 1.0 - i as f64 / height as f64;
        let color = ViridisRGB.get_color_normalized(t, 0.0, 1.0);
        area.draw(&Rectangle::new(
            [(x0, y0 + i), (x0 + width, y0 + i + 1)],
            color.filled(),
        ))?;
    }
    if high > low {
        area.draw_text(
            &french::value(Some(high), unit),
            &text(12, INK),
            (x0 + width + 6, y0 - 6),
        )?;
        area.draw_text(
            &french::value(Some(low), unit),
            &text(12, INK),
            (x0 + width + 6, y0 + height - 8),
        )?;
    } else {
        // Every région has the same value: its colour is the scale's middle.
        area.draw_text(
            &french::value(Some(high), unit),
            &text(12, INK),
            (x0 + width + 6, y0 + height / 2 - 6),
        )?;
    }
    area.draw_text("gris : pas de", &text(11, MUTED), (x0, y0 + height + 16))?;
    area.draw_text("manufacture", &text(11, MUTED), (x0, y0 + height + 32))?;
    area.draw_text("ou de donnée", &text(11, MUTED), (x0, y0 + height + 48))
}
