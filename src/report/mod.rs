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

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::definitions::Definitions;
use crate::engine::Period;
use crate::engine::{Level, Per};
use crate::error::{Error, Result};
use crate::registry::Registry;
use crate::store::Store;
use crate::workspace::Workspace;
use charts::Outlines;
use facts::Facts;
use pages::{Block, Book, Plan};

pub use crate::engine::coverage::{DEADLINE_SETTING, DEFAULT_DEADLINE_DAYS};
const MANIFEST: &str = ".empreintes.json";

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

/// One file to write, with the fingerprint of what it holds.
struct Job<'a> {
    path: String,
    fingerprint: String,
    work: Work<'a>,
}

enum Work<'a> {
    Page(&'a Plan),
    Chart(&'a charts::Chart, Format),
}

/// What identifies the program drawing: its version and, when it can be read, the size and
/// date of its executable, so that a new build (whose drawing may have changed) redraws every
/// file once, even under the same version number.
fn renderer() -> &'static str {
    static RENDERER: OnceLock<String> = OnceLock::new();
    RENDERER.get_or_init(|| {
        let build = std::env::current_exe()
            .and_then(fs::metadata)
            .and_then(|m| Ok((m.len(), m.modified()?)))
            .map(|(len, modified)| format!("{len}-{modified:?}"))
            .unwrap_or_default();
        format!("{} {build}", env!("CARGO_PKG_VERSION"))
    })
}

fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(renderer());
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// A plan's description with every decimal number rounded to 9 significant digits.
///
/// Polars sums floats in parallel, so the same data can give values differing in their last
/// bits from one run to the next; no report shows more than 4 digits, and no chart moves by a
/// pixel for a change in the 9th, so such noise must not make a page look changed.
fn without_float_noise(description: &str) -> String {
    let mut out = String::with_capacity(description.len());
    let mut rest = description;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..start]);
        let number = &rest[start..];
        let end = number
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | '-')))
            .unwrap_or(number.len());
        let token = &number[..end];
        match token.parse::<f64>() {
            Ok(value) if token.contains('.') => {
                out.push_str(&crate::numbers::significant(value, 9).to_string());
            }
            _ => out.push_str(token),
        }
        rest = &number[end..];
    }
    out.push_str(rest);
    out
}

fn jobs<'a>(plans: &'a [(String, Vec<Plan>)], formats: &[Format]) -> Vec<Job<'a>> {
    let mut jobs = Vec::new();
    for (_, period_plans) in plans {
        for plan in period_plans {
            if formats.contains(&Format::Html) {
                jobs.push(Job {
                    path: plan.path.clone(),
                    fingerprint: fingerprint(&["page", &without_float_noise(&format!("{plan:?}"))]),
                    work: Work::Page(plan),
                });
            }
            let stem = plan.path.trim_end_matches(".html");
            let (folder, page) = stem.rsplit_once('/').unwrap_or(("", stem));
            for block in &plan.blocks {
                let Block::Chart { name, chart } = block else {
                    continue;
                };
                for format in formats.iter().filter(|f| **f != Format::Html) {
                    jobs.push(Job {
                        path: format!("{folder}/graphiques/{page}/{name}.{}", format.extension()),
                        fingerprint: fingerprint(&[
                            format.extension(),
                            &without_float_noise(&format!("{chart:?}")),
                        ]),
                        work: Work::Chart(chart, *format),
                    });
                }
            }
        }
    }
    jobs
}

/// Draws and writes what changed, then the index and the manifest.
fn render(
    reports: &Path,
    definitions: &Definitions,
    registry: &Registry,
    plans: &[(String, Vec<Plan>)],
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary> {
    fs::create_dir_all(reports).map_err(|e| Error::io(reports, e))?;
    let formats = if options.formats.is_empty() {
        vec![Format::Html]
    } else {
        options.formats.clone()
    };
    let mut manifest = read_manifest(reports);
    let jobs = jobs(plans, &formats);
    let (todo, unchanged): (Vec<&Job>, Vec<&Job>) = jobs.iter().partition(|job| {
        manifest.get(&job.path) != Some(&job.fingerprint) || !reports.join(&job.path).exists()
    });
    progress(Progress::Total(todo.len()));
    let results: Vec<Result<()>> = todo
        .par_iter()
        .map(|job| {
            let path = reports.join(&job.path);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            let outcome = match job.work {
                Work::Page(plan) => {
                    crate::files::write_bytes_atomically(&path, render_page(plan)?.as_bytes())
                }
                Work::Chart(chart, Format::Png) => {
                    crate::files::write_bytes_atomically(&path, &chart.to_png()?)
                }
                Work::Chart(chart, _) => {
                    crate::files::write_bytes_atomically(&path, chart.to_svg()?.as_bytes())
                }
            };
            progress(Progress::Done);
            outcome
        })
        .collect();
    // Fingerprints are recorded only for files written, so a failure is retried next run.
    for (job, result) in todo.iter().zip(&results) {
        if result.is_ok() {
            manifest.insert(job.path.clone(), job.fingerprint.clone());
        }
    }
    let fingerprint = definitions.fingerprint();
    let method_file = reports.join(method::METHOD_FILE);
    crate::files::write_bytes_atomically(
        &method_file,
        html::document(
            "Fiche méthode — mesure",
            &method::method_page(definitions),
            &footer_line(&fingerprint, method::METHOD_FILE),
        )
        .as_bytes(),
    )?;
    let dictionary_file = reports.join(dictionary::DICTIONARY_FILE);
    crate::files::write_bytes_atomically(
        &dictionary_file,
        dictionary::html_page(definitions).as_bytes(),
    )?;
    let index = reports.join("index.html");
    let footer = footer_line(&fingerprint, method::METHOD_FILE);
    let body = pages::index_page(registry, &pages_on_disk(reports));
    crate::files::write_bytes_atomically(
        &index,
        html::document("Rapports d'impact — mesure", &body, &footer).as_bytes(),
    )?;
    write_manifest(reports, &manifest)?;
    if let Some(err) = results.into_iter().find_map(Result::err) {
        return Err(err);
    }
    Ok(Summary {
        periods: plans.iter().map(|(p, _)| p.clone()).collect(),
        pages: plans.iter().map(|(_, p)| p.len()).sum(),
        written: todo.len(),
        unchanged: unchanged.len(),
        index,
    })
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

/// The page's HTML, its charts drawn inline.
pub fn render_page(plan: &Plan) -> Result<String> {
    let mut body = String::new();
    for block in &plan.blocks {
        match block {
            Block::Html(text) => body.push_str(text),
            Block::Chart { chart, .. } => {
                body.push_str(&html::figure(&chart.to_svg()?, &chart.heading().title));
            }
        }
    }
    let method_link = format!("../{}", method::METHOD_FILE);
    Ok(html::document(
        &plan.title,
        &body,
        &footer_line(&plan.definitions, &method_link),
    ))
}

/// The footer of every page: the program, the definitions' fingerprint with a link to the
/// « fiche méthode », and how to get full precision.
fn footer_line(fingerprint: &str, method_link: &str) -> String {
    format!(
        "Produit par mesure {} à partir des données du stockage, avec les définitions <code>{fingerprint}</code> (<a href=\"{method_link}\">fiche méthode</a>). Les valeurs sont arrondies pour la lecture ; <code>mesure compute</code> les donne en pleine précision.",
        env!("CARGO_PKG_VERSION")
    )
}

fn read_manifest(reports: &Path) -> BTreeMap<String, String> {
    fs::read_to_string(reports.join(MANIFEST))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn write_manifest(reports: &Path, manifest: &BTreeMap<String, String>) -> Result<()> {
    let text = serde_json::to_string_pretty(manifest).expect("a map of strings serializes");
    crate::files::write_bytes_atomically(&reports.join(MANIFEST), text.as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn float_noise_does_not_change_a_fingerprint() {
        let run = |v: &str| super::without_float_noise(&format!("Bar {{ value: {v}, rank: 3 }}"));
        assert_eq!(run("424.75844624045146"), run("424.7584462404515"));
        assert_ne!(run("424.75844624045146"), run("424.7584"));
        assert_eq!(run("3"), "Bar { value: 3, rank: 3 }");
        assert!(run("1.5e-7").contains("0.00000015"), "{}", run("1.5e-7"));
    }
}
