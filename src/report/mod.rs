//! Reports: charts (plotters, SVG and PNG) and self-contained HTML pages for each
//! manufacture, the nation, each région and each filière, per period, with an index.
//!
//! The stages: [`facts`] gathers every figure once from the engine; [`pages`] plans each page
//! as HTML blocks and chart descriptions; [`charts`] draws them; [`html`] wraps them. A page
//! whose plan did not change since the last run (same fingerprint in the reports folder's
//! `.empreintes.json`) and whose file is still there is not drawn again.

mod blocks;
pub mod charts;
pub mod dictionary;
pub mod facts;
pub mod french;
pub mod html;
pub mod method;
pub mod pages;
pub mod publication;
mod render;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::definitions::Definitions;
use crate::engine::Period;
use crate::engine::{Level, Per};
use crate::error::{Error, Result};
use crate::registry::Registry;
use crate::store::Store;
use crate::workspace::Workspace;
use charts::Outlines;
use facts::Facts;
use pages::{Book, Plan};

pub use crate::engine::coverage::{DEADLINE_SETTING, DEFAULT_DEADLINE_DAYS};
use render::render;
pub use render::render_page;

/// A file format reports are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// HTML pages with their charts inline.
    Html,
    /// Each chart as a PNG file.
    Png,
    /// Each chart as an SVG file.
    Svg,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// Which reports to write.
#[derive(Debug, Clone)]
pub struct Options {
    /// The kind of period (when no period is named).
    pub per: Per,
    /// Only this period (a normalized label).
    pub period: Option<Period>,
    /// Only these manufactures' pages (all when empty).
    pub manufactures: Vec<String>,
    /// Which pages: manufacture, région, filière, national (all four when empty).
    pub levels: Vec<Level>,
    /// The formats (HTML when empty).
    pub formats: Vec<Format>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            per: Per::Year,
            period: None,
            manufactures: Vec::new(),
            levels: Vec::new(),
            formats: vec![Format::Html],
        }
    }
}

/// News of a run, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// How many files will be drawn.
    Total(usize),
    /// One more is written.
    Done,
}

/// What a run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The periods reported.
    pub periods: Vec<String>,
    /// Pages planned.
    pub pages: usize,
    /// Files written (pages and chart files).
    pub written: usize,
    /// Files left as they were: their content would not change.
    pub unchanged: usize,
    /// The index page.
    pub index: PathBuf,
}

/// Writes the reports of a workspace into its reports folder.
pub fn write_reports(
    workspace: &Workspace,
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary> {
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let store = Store::read(&workspace.store);
    let per = match &options.period {
        Some(period) => period.per(),
        None => options.per,
    };
    let deadline = crate::engine::coverage::deadline_days(&workspace.params);
    let outlines = workspace
        .map
        .as_ref()
        .map(|map| Outlines::load(&map.regions, &map.code_property).map(Arc::new))
        .transpose()?;
    let manufacture_pages =
        options.levels.is_empty() || options.levels.contains(&Level::Manufacture);
    let facts = Facts::gather(
        &definitions,
        &registry,
        &store,
        per,
        deadline,
        manufacture_pages,
    )?;
    let plans = plan_pages(&definitions, &registry, &facts, outlines, per, options)?;
    render(
        &workspace.reports,
        &definitions,
        &registry,
        &plans,
        options,
        progress,
    )
}

/// The plans of every page asked for, by period.
pub fn plan_pages(
    definitions: &Definitions,
    registry: &Registry,
    facts: &Facts,
    outlines: Option<Arc<Outlines>>,
    per: Per,
    options: &Options,
) -> Result<Vec<(String, Vec<Plan>)>> {
    for id in &options.manufactures {
        if registry.get(id).is_none() {
            return Err(Error::Usage(format!(
                "manufacture « {id} » absente du registre{}",
                crate::text::did_you_mean(id, registry.ids())
            )));
        }
    }
    let periods: Vec<Period> = match options.period {
        Some(period) => {
            if !facts.periods.contains(&period) {
                let labels: Vec<String> = facts.periods.iter().map(Period::to_string).collect();
                return Err(Error::Usage(format!(
                    "aucune donnée pour la période « {period} »{}",
                    crate::text::did_you_mean(
                        &period.to_string(),
                        labels.iter().map(String::as_str)
                    )
                )));
            }
            vec![period]
        }
        None => facts
            .periods
            .iter()
            .copied()
            .filter(|p| p.per() == per)
            .collect(),
    };
    let wants = |level: Level| options.levels.is_empty() || options.levels.contains(&level);
    let mut out = Vec::new();
    for period in periods {
        let mut book = Book::new(definitions, registry, facts, period);
        book.outlines = outlines.clone();
        let mut plans = Vec::new();
        if wants(Level::National) {
            plans.push(pages::network_page(&book, Level::National, "national"));
        }
        for level in [Level::Region, Level::Filiere] {
            if !wants(level) {
                continue;
            }
            let mut entities: Vec<String> = registry
                .manufactures()
                .iter()
                .map(|m| level.entity_of(m))
                .collect();
            entities.sort();
            entities.dedup();
            for entity in entities {
                plans.push(pages::network_page(&book, level, &entity));
            }
        }
        if wants(Level::Manufacture) {
            for manufacture in registry.manufactures() {
                if options.manufactures.is_empty()
                    || options.manufactures.iter().any(|id| manufacture.id == *id)
                {
                    plans.push(pages::manufacture_page(&book, manufacture));
                }
            }
        }
        out.push((period.to_string(), plans));
    }
    Ok(out)
}

/// Every page in the reports folder, by period: years first, then half-years, quarters,
/// months and rolling years, the latest first within each. The index lists them all, not only
/// the pages of this run, so that a run for one manufacture or one level keeps the others'
/// links.
pub fn pages_on_disk(reports: &Path) -> Vec<(String, Vec<String>)> {
    let html_files = |folder: &Path| -> Vec<String> {
        let mut files: Vec<String> = fs::read_dir(folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| name.ends_with(".html"))
            .collect();
        files.sort();
        files
    };
    let mut periods: Vec<(Per, String, Vec<String>)> = fs::read_dir(reports)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let label = entry.file_name().into_string().ok()?;
            let per = label.parse::<Period>().ok()?.per();
            let files = html_files(&entry.path());
            (!files.is_empty()).then_some((per, label, files))
        })
        .collect();
    let rank = |per: Per| {
        [
            Per::Year,
            Per::Semester,
            Per::Quarter,
            Per::Month,
            Per::Rolling12,
        ]
        .iter()
        .position(|p| *p == per)
    };
    periods.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then_with(|| b.1.cmp(&a.1)));
    periods
        .into_iter()
        .map(|(_, label, files)| (label, files))
        .collect()
}
