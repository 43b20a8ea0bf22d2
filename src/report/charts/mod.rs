//! Charts drawn with plotters, each as SVG (inlined in the HTML reports) or PNG.
//!
//! A chart is first described as plain data (one struct per kind, built by the report pages
//! from computed figures), then drawn by one function generic over the plotters backend, so
//! the SVG and the PNG are the same drawing. Text is laid out with DejaVu Sans, embedded in
//! the binary: accents come out right on a machine with no font installed. Colours follow
//! Okabe & Ito's palette, readable with every common colour-vision deficiency.
//!
//! Size: about 400 lines of code (the palette, the chart descriptions, fonts, the heading and
//! the SVG and PNG backends every kind shares); the rest is its unit tests.

mod boxes;
mod completeness;
mod outlines;
mod profile;
mod ranking;
mod stacked;
mod tilemap;
mod trend;

use std::sync::{Once, OnceLock};

use resvg::{tiny_skia, usvg};

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

pub use boxes::{BoxGroup, Boxes};
pub use completeness::{Completeness, MonthState};
pub use outlines::{Frame, Outline, Outlines};
pub use profile::{Profile, ProfileRow};
pub use ranking::{Bar, Ranking};
pub use stacked::Stacked;
pub use tilemap::{Tile, TileMap};
pub use trend::Trend;

use crate::error::{Error, Result};

/// Okabe & Ito's colour-blind-safe palette, black replaced by grey.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(240, 228, 66),  // yellow
    RGBColor(120, 120, 120), // grey
];
/// The colour of the manufacture or entity a chart is about.
pub const MAIN: RGBColor = PALETTE[0];
/// The colour of targets.
pub const TARGET: RGBColor = PALETTE[5];
/// The colour of the network's median and quartiles.
pub const NETWORK: RGBColor = RGBColor(110, 110, 110);
/// Text colour.
pub const INK: RGBColor = RGBColor(30, 30, 30);
/// Secondary text colour.
pub const MUTED: RGBColor = RGBColor(90, 90, 90);

/// The font family every chart uses, as the SVG names it: DejaVu Sans (embedded, registered
/// once for layout and for the PNGs), else Verdana, whose widths are close, else any sans-serif.
pub const FONT: &str = "DejaVu Sans, Verdana, sans-serif";
/// plotters writes an SVG font size as the style's size divided by 1.24; sizes are multiplied
/// by it so that `text(12, …)` is 12 px in the SVG, the PNG and the browser.
const SVG_FONT_SCALE: f64 = 1.24;
/// Width of every chart, in pixels.
pub const WIDTH: u32 = 860;

/// The title block of a chart: what, then where, when and coverage.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// What the chart shows (`Taux d'occupation des équipements`).
    pub title: String,
    /// Where, when and coverage (`Bourgogne-Franche-Comté · 2025 · 4 / 5 manufactures`).
    pub subtitle: String,
}

/// A chart of any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// One indicator over time, with the network's band and the target.
    Trend(Trend),
    /// A composition by month, stacked.
    Stacked(Stacked),
    /// A manufacture's percentile rank on each indicator.
    Profile(Profile),
    /// Manufactures ranked on one indicator.
    Ranking(Ranking),
    /// Distributions by group (région), as box plots.
    Boxes(Boxes),
    /// Régions shaded by an indicator.
    TileMap(TileMap),
    /// Who reported which month.
    Completeness(Completeness),
}

impl Chart {
    /// The chart's height in pixels (width is [`WIDTH`]).
    pub fn height(&self) -> u32 {
        match self {
            Chart::Trend(_) | Chart::Stacked(_) => 360,
            Chart::Profile(p) => profile::height(p),
            Chart::Ranking(r) => ranking::height(r),
            Chart::Boxes(b) => boxes::height(b),
            Chart::TileMap(_) => 540,
            Chart::Completeness(c) => completeness::height(c),
        }
    }

    /// The chart's heading.
    pub fn heading(&self) -> &Heading {
        match self {
            Chart::Trend(c) => &c.heading,
            Chart::Stacked(c) => &c.heading,
            Chart::Profile(c) => &c.heading,
            Chart::Ranking(c) => &c.heading,
            Chart::Boxes(c) => &c.heading,
            Chart::TileMap(c) => &c.heading,
            Chart::Completeness(c) => &c.heading,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Drawn<DB> {
        root.fill(&WHITE)?;
        let body = draw_heading(root, self.heading())?;
        match self {
            Chart::Trend(c) => trend::draw(&body, c),
            Chart::Stacked(c) => stacked::draw(&body, c),
            Chart::Profile(c) => profile::draw(&body, c),
            Chart::Ranking(c) => ranking::draw(&body, c),
            Chart::Boxes(c) => boxes::draw(&body, c),
            Chart::TileMap(c) => tilemap::draw(&body, c),
            Chart::Completeness(c) => completeness::draw(&body, c),
        }
    }

    /// The chart as an SVG document.
    pub fn to_svg(&self) -> Result<String> {
        register_fonts();
        let mut svg = String::new();
        {
            let root =
                SVGBackend::with_string(&mut svg, (WIDTH, self.height())).into_drawing_area();
            self.draw(&root).map_err(|e| chart_error(self, &e))?;
            root.present().map_err(|e| chart_error(self, &e))?;
        }
        Ok(svg)
    }

    /// The chart as PNG bytes, [`PNG_SCALE`] times the SVG's size.
    ///
    /// The PNG is the SVG rasterized by resvg with the same embedded font, so both formats
    /// are one drawing; plotters' own bitmap text misplaces glyphs by their side bearing
    /// (uneven letter spacing), which resvg's text layout does not.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let svg = self.to_svg()?;
        let tree = usvg::Tree::from_str(&svg, svg_options()).map_err(|e| chart_error(self, &e))?;
        let mut pixmap = tiny_skia::Pixmap::new(WIDTH * PNG_SCALE, self.height() * PNG_SCALE)
            .ok_or_else(|| chart_error(self, &"taille nulle"))?;
        let scale = PNG_SCALE as f32;
        resvg::render(
            &tree,
            tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        pixmap.encode_png().map_err(|e| chart_error(self, &e))
    }
}

/// How many PNG pixels a chart's SVG pixel becomes: twice, sharp on dense screens and paper.
pub const PNG_SCALE: u32 = 2;

/// How resvg reads the charts' SVG: the embedded DejaVu Sans stands for `sans-serif`.
fn svg_options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut options = usvg::Options::default();
        let fonts = options.fontdb_mut();
        fonts.load_font_data(dejavu::sans::regular().to_vec());
        fonts.load_font_data(dejavu::sans::bold().to_vec());
        fonts.set_sans_serif_family("DejaVu Sans");
        options.font_family = "DejaVu Sans".to_string();
        options
    })
}

/// A drawing area of any backend.
pub(crate) type Area<DB> = DrawingArea<DB, Shift>;
/// What drawing returns.
pub(crate) type Drawn<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn chart_error(chart: &Chart, err: &dyn std::fmt::Display) -> Error {
    Error::internal(format!("graphique « {} »", chart.heading().title), err)
}

/// Registers the embedded DejaVu Sans for the family [`FONT`], once per process.
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for (style, bytes) in [
            (FontStyle::Normal, dejavu::sans::regular()),
            (FontStyle::Bold, dejavu::sans::bold()),
        ] {
            if plotters::style::register_font(FONT, style, bytes).is_err() {
                unreachable!("the embedded DejaVu Sans is a valid font");
            }
        }
    });
}

/// A text style of the chart font.
pub(crate) fn text(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FONT, f64::from(size) * SVG_FONT_SCALE)
        .into_font()
        .color(&color)
}

/// A bold text style of the chart font.
pub(crate) fn bold(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FONT, f64::from(size) * SVG_FONT_SCALE, FontStyle::Bold)
        .into_font()
        .color(&color)
}

/// Height of the title block above every chart's body.
pub(super) const HEADING_HEIGHT: u32 = 64;

/// Draws the title and subtitle; returns the area below them.
fn draw_heading<DB: DrawingBackend>(
    root: &Area<DB>,
    heading: &Heading,
) -> std::result::Result<Area<DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (top, body) = root.split_vertically(HEADING_HEIGHT);
    let width = WIDTH as usize - 24;
    let title = fit(&top, &heading.title, &bold(18, INK), width);
    top.draw_text(&title, &bold(18, INK), (12, 8))?;
    let subtitle = fit(&top, &heading.subtitle, &text(13, MUTED), width);
    top.draw_text(&subtitle, &text(13, MUTED), (12, 36))?;
    Ok(body)
}

/// The text, shortened with `…` until it fits in `width` pixels.
pub(crate) fn fit<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle,
    width: usize,
) -> String {
    let fits = |t: &str| {
        area.estimate_text_size(t, style)
            .map(|(w, _)| w as usize <= width)
            .unwrap_or(true)
    };
    if fits(text) {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut low, mut high) = (0, chars.len());
    // The longest prefix that fits with its ellipsis.
    while low < high {
        let middle = (low + high).div_ceil(2);
        let candidate: String = chars[..middle].iter().collect::<String>() + "…";
        if fits(&candidate) {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    chars[..low]
        .iter()
        .collect::<String>()
        .trim_end()
        .to_string()
        + "…"
}

/// The plotting context of a chart with one column per month.
pub(crate) type MonthChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Sets up a chart with one column per month, labelled `labels`, and a value axis from `low`
/// to `high` in `unit`: margins, horizontal grid, French ticks.
pub(crate) fn month_chart<'a, DB: DrawingBackend>(
    plot: &'a Area<DB>,
    labels: &[String],
    (low, high): (f64, f64),
    unit: &str,
) -> std::result::Result<MonthChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let n = labels.len().max(1);
    let mut cc = ChartBuilder::on(plot)
        .margin_left(12)
        .margin_right(24)
        .margin_top(8)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5_f64..(n as f64 - 0.5), low..high)?;
    cc.configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(228, 228, 228))
        .y_labels(6)
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| crate::report::french::tick(*y, unit))
        .label_style(text(12, MUTED))
        .axis_style(RGBColor(160, 160, 160))
        .draw()?;
    Ok(cc)
}

/// A y range that holds every value given and zero, with some room above.
pub(crate) fn value_range(values: impl IntoIterator<Item = f64>, unit: &str) -> (f64, f64) {
    let (mut low, mut high) = (0.0_f64, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        low = low.min(v);
        high = high.max(v);
    }
    if unit == "%" && high <= 100.0 && low >= 0.0 {
        return (0.0, 100.0);
    }
    if !high.is_finite() || high <= low {
        high = low + 1.0;
    }
    (low, high + (high - low) * 0.08)
}

/// Draws "no data" in the middle of an area.
pub(crate) fn draw_empty<DB: DrawingBackend>(area: &Area<DB>, message: &str) -> Drawn<DB> {
    let (w, h) = area.dim_in_pixel();
    let style = text(15, MUTED).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    ));
    area.draw_text(message, &style, (w as i32 / 2, h as i32 / 2))
}

/// A legend entry drawn by hand: a swatch and its label, at (x, y); returns the next x.
pub(crate) fn legend_item<DB: DrawingBackend>(
    area: &Area<DB>,
    x: i32,
    y: i32,
    swatch: ShapeStyle,
    label: &str,
) -> std::result::Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&Rectangle::new([(x, y), (x + 14, y + 12)], swatch))?;
    let style = text(12, INK);
    area.draw_text(label, &style, (x + 19, y))?;
    let width = area
        .estimate_text_size(label, &style)
        .map(|(w, _)| w as i32)
        .unwrap_or(8 * label.len() as i32);
    Ok(x + 19 + width + 18)
}

/// The vertical grid lines and tick labels of a horizontal value axis drawn in pixels, from
/// a [`nice_scale`] and the function placing a value.
pub(crate) fn draw_value_grid<DB: DrawingBackend>(
    area: &Area<DB>,
    (low, high, step): (f64, f64, f64),
    scale: &dyn Fn(f64) -> i32,
    (top, bottom): (i32, i32),
    unit: &str,
) -> Drawn<DB> {
    let ticks = ((high - low) / step).round() as usize;
    for i in 0..=ticks {
        let v = low + step * i as f64;
        let x = scale(v);
        area.draw(&PathElement::new(
            vec![(x, top - 4), (x, bottom)],
            RGBColor(230, 230, 230).stroke_width(1),
        ))?;
        area.draw_text(
            &crate::report::french::tick(v, unit),
            &text(11, MUTED),
            (x - 10, top - 20),
        )?;
    }
    Ok(())
}

/// A scale that starts and ends on round ticks: (low, high, step), about four steps.
pub(crate) fn nice_scale(low: f64, high: f64) -> (f64, f64, f64) {
    let span = (high - low).max(f64::EPSILON);
    let rough = span / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    (
        (low / step).floor() * step,
        (high / step).ceil() * step,
        step,
    )
}

#[cfg(test)]
mod tests {
    use super::nice_scale;

    #[test]
    fn a_ranking_of_111_escapes_names_and_writes_french_text() {
        let bars = (0..111)
            .map(|i| super::Bar {
                label: if i == 0 {
                    "<script>".to_string()
                } else {
                    format!("Manufacture n° {i}")
                },
                value: f64::from(i),
                highlighted: false,
            })
            .collect();
        let chart = super::Chart::Ranking(super::Ranking {
            heading: super::Heading {
                title: "Taux d'occupation des équipements".into(),
                subtitle: "Réseau national · 2025 · 111 / 111 manufactures".into(),
            },
            unit: "%".into(),
            bars,
            median: Some(55.0),
            target: Some(100.0),
        });
        let svg = chart.to_svg().expect("drawn");
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        assert!(
            svg.contains("Taux d&apos;occupation des équipements")
                || svg.contains("Taux d'occupation des équipements")
        );
        assert!(svg.contains("111 / 111 manufactures"));
        assert!(svg.contains("Manufacture n° 110"));
    }

    #[test]
    fn scales_end_on_round_ticks() {
        assert_eq!(nice_scale(0.0, 100.0), (0.0, 100.0, 25.0));
        assert_eq!(nice_scale(0.0, 3017.0 * 1.08), (0.0, 4000.0, 1000.0));
        assert_eq!(nice_scale(-2.0, 7.0), (-2.5, 7.5, 2.5));
    }
}
