//! One indicator month by month for one entity, over the network's interquartile band and
//! median, with the target when there is one. A month not reported is a gap, not a zero.

use plotters::prelude::*;

use super::{
    Area, Drawn, Heading, MAIN, MUTED, NETWORK, TARGET, draw_empty, fit, legend_item, month_chart,
    text, value_range,
};
use crate::report::french;

/// An indicator over months.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// Title block.
    pub heading: Heading,
    /// The indicator's unit.
    pub unit: String,
    /// Axis labels, one per month.
    pub months: Vec<String>,
    /// The entity's value each month (`None`: not reported or not computable).
    pub values: Vec<Option<f64>>,
    /// The network's first quartile, median and third quartile each month.
    pub band: Vec<Option<[f64; 3]>>,
    /// The target, if any.
    pub target: Option<f64>,
    /// The entity's name in the legend.
    pub label: String,
}

/// The widest the entity's name may be in the legend, in pixels, so the network's and the
/// target's entries still fit beside it.
const LABEL_WIDTH: usize = 190;

pub(super) fn draw<DB: DrawingBackend>(area: &Area<DB>, chart: &Trend) -> Drawn<DB> {
    let (plot, legend) = area.split_vertically(area.dim_in_pixel().1 - 28);
    let known = chart.values.iter().flatten().copied();
    let banded = chart.band.iter().flatten().flat_map(|b| [b[0], b[2]]);
    if chart.values.iter().all(Option::is_none) && chart.band.iter().all(Option::is_none) {
        return draw_empty(area, "Aucune donnée pour cette période");
    }
    let (low, high) = value_range(known.chain(banded).chain(chart.target), &chart.unit);
    let n = chart.months.len().max(1);
    let mut cc = month_chart(&plot, &chart.months, (low, high), &chart.unit)?;
    for run in runs(&chart.band) {
        let mut outline: Vec<(f64, f64)> =
            run.iter().map(|&i| (i as f64, band(chart, i)[2])).collect();
        outline.extend(run.iter().rev().map(|&i| (i as f64, band(chart, i)[0])));
        if run.len() == 1 {
            let (x, b) = (run[0] as f64, band(chart, run[0]));
            cc.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.15, b[0]), (x + 0.15, b[2])],
                NETWORK.mix(0.18).filled(),
            )))?;
            // A lone month's median: a dash across its band.
            cc.draw_series(std::iter::once(PathElement::new(
                vec![(x - 0.15, b[1]), (x + 0.15, b[1])],
                NETWORK.stroke_width(2),
            )))?;
            continue;
        }
        cc.draw_series(std::iter::once(Polygon::new(
            outline,
            NETWORK.mix(0.18).filled(),
        )))?;
        let median = run.iter().map(|&i| (i as f64, band(chart, i)[1]));
        cc.draw_series(DashedLineSeries::new(median, 6, 4, NETWORK.stroke_width(2)))?;
    }
    if let Some(target) = chart.target {
        cc.draw_series(std::iter::once(PathElement::new(
            vec![(-0.5, target), (n as f64 - 0.5, target)],
            TARGET.stroke_width(2),
        )))?;
    }
    for run in runs(&chart.values) {
        let points: Vec<(f64, f64)> = run
            .iter()
            .filter_map(|&i| Some((i as f64, chart.values[i]?)))
            .collect();
        cc.draw_series(LineSeries::new(points.clone(), MAIN.stroke_width(3)))?;
        cc.draw_series(points.into_iter().map(|p| Circle::new(p, 4, MAIN.filled())))?;
    }
    let mut x = 24;
    let label = fit(&legend, &chart.label, &text(12, MUTED), LABEL_WIDTH);
    x = legend_item(&legend, x, 8, MAIN.filled(), &label)?;
    x = legend_item(
        &legend,
        x,
        8,
        NETWORK.mix(0.18).filled(),
        "réseau : 1er–3e quartile",
    )?;
    x = legend_item(&legend, x, 8, NETWORK.filled(), "médiane du réseau")?;
    if let Some(target) = chart.target {
        legend_item(
            &legend,
            x,
            8,
            TARGET.filled(),
            &format!("cible : {}", french::value(Some(target), &chart.unit)),
        )?;
    }
    Ok(())
}

fn band(chart: &Trend, i: usize) -> [f64; 3] {
    chart.band[i].unwrap_or([f64::NAN; 3])
}

/// The runs of consecutive indices holding a value: a missing month breaks the line.
fn runs<T>(values: &[Option<T>]) -> Vec<Vec<usize>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut current = Vec::new();
    for (i, value) in values.iter().enumerate() {
        if value.is_some() {
            current.push(i);
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn a_missing_month_breaks_the_line() {
        let values = [Some(1), None, Some(2), Some(3), None];
        assert_eq!(runs(&values), vec![vec![0], vec![2, 3]]);
    }
}
