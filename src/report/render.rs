//! Writing the planned pages: each page and chart file gets a fingerprint of what it holds
//! (the renderer's build, the plan with float noise rounded away); what did not change since
//! the last run (`.empreintes.json` in the reports folder) and is still on disk is not drawn
//! again. The rest is drawn in parallel, then the index, the « fiche méthode » and the
//! dictionary are written.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::pages::{self, Block, Plan};
use super::{Format, Options, Progress, Summary, charts, dictionary, html, method, pages_on_disk};
use crate::definitions::Definitions;
use crate::error::{Error, Result};
use crate::registry::Registry;

/// The fingerprints of the files written, in the reports folder.
const MANIFEST: &str = ".empreintes.json";

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
pub(super) fn render(
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
