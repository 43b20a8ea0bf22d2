//! Publication: `mesure report --publier` freezes a period's figures with the definitions and
//! settings that made them, and the files each month came from, in
//! `publications/<période>/` of the reports folder. Later, the published figures that have
//! changed are listed with why: a month received late, a month replaced or withdrawn, or a
//! definitions change (told apart by computing the published definitions on today's store).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::definitions::Definitions;
use crate::engine::Period;
use crate::engine::{Inputs, Level, Moved, Request, compare, compute, figure_values, same_figure};
use crate::error::{Error, Result};
use crate::month::Month;
use crate::registry::Registry;
use crate::store::Store;
use crate::workspace::Workspace;

/// The folder of publications inside the reports folder.
pub const PUBLICATIONS_DIR: &str = "publications";

/// What a publication records besides its figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// The period published.
    #[serde(rename = "periode")]
    pub period: String,
    /// When (RFC 3339).
    #[serde(rename = "publie_le")]
    pub published_at: String,
    /// The definitions' fingerprint.
    #[serde(rename = "empreinte")]
    pub fingerprint: String,
    /// The settings the definitions were read with.
    #[serde(rename = "reglages")]
    pub settings: BTreeMap<String, f64>,
    /// How many figures.
    #[serde(rename = "chiffres")]
    pub figures: usize,
}

/// A declared table of a manufacture's month and the hash of the file it came from.
type Declared = BTreeMap<(String, Month, String), String>;

/// One published figure that has changed, and why.
#[derive(Debug, Clone)]
pub struct Changed {
    /// The figure, published (`before`) and today (`after`).
    pub figure: Moved,
    /// Why, in French, one line per cause.
    pub reasons: Vec<String>,
}

/// Where the publication of a period lives.
pub fn folder(workspace: &Workspace, period: Period) -> PathBuf {
    workspace
        .reports
        .join(PUBLICATIONS_DIR)
        .join(period.to_string())
}

/// The periods published in a workspace.
pub fn published_periods(workspace: &Workspace) -> Vec<Period> {
    let mut periods: Vec<Period> = fs::read_dir(workspace.reports.join(PUBLICATIONS_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("publication.json").is_file())
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    periods.sort_by_cached_key(Period::to_string);
    periods
}

/// Freezes the figures of `period` (every level and indicator) with the definitions, the
/// settings and the files of its months; a former publication of the period is replaced.
pub fn publish(workspace: &Workspace, period: Period) -> Result<(PathBuf, Record)> {
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let store = Store::open_existing(&workspace.store)
        .ok_or_else(|| Error::Refused("rien à publier : le stockage est vide".to_string()))?;
    let figures = period_figures(&definitions, &registry, &store, period)?;
    let target = folder(workspace, period);
    let parent = target.parent().expect("a publication has a parent folder");
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let former = parent.join(format!(".{period}.ancien"));
    if !target.exists() && former.exists() {
        // A publish killed between its two renames: the former publication comes back first.
        fs::rename(&former, &target).map_err(|e| Error::io(&target, e))?;
    }
    // Written aside, then switched in whole.
    let partial = parent.join(format!(".{period}.partiel"));
    let _ = fs::remove_dir_all(&partial);
    fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    let exported = crate::export::with_definitions(figures.clone(), &definitions.fingerprint())?;
    crate::files::write_atomically(&partial.join("chiffres.csv"), |out| {
        crate::export::write_csv(&exported, out, false)
    })?;
    copy_folder(&workspace.definitions, &partial.join("definitions"))?;
    write_declared(
        &partial.join("declarations.csv"),
        &declared(&store, period)?,
    )?;
    let record = Record {
        period: period.to_string(),
        published_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        fingerprint: definitions.fingerprint(),
        settings: definitions.settings.clone(),
        figures: figures.height(),
    };
    let json = serde_json::to_string_pretty(&record).expect("a record serializes");
    crate::files::write_bytes_atomically(&partial.join("publication.json"), json.as_bytes())?;
    // The former publication is moved aside, never removed, before the new one takes its
    // place: a process killed between the two renames leaves it whole beside the new one
    // (`.P.ancien`), put back by the next `publish`.
    if target.exists() {
        let _ = fs::remove_dir_all(&former);
        fs::rename(&target, &former).map_err(|e| Error::io(&target, e))?;
    }
    fs::rename(&partial, &target).map_err(|e| Error::io(&target, e))?;
    let _ = fs::remove_dir_all(&former);
    Ok((target, record))
}

/// The published figures of `period` that differ today, each with its reasons.
pub fn changes_since(workspace: &Workspace, period: Period) -> Result<(Record, Vec<Changed>)> {
    let dir = folder(workspace, period);
    let record_path = dir.join("publication.json");
    let record: Record = fs::read_to_string(&record_path)
        .map_err(|e| Error::io(&record_path, e))
        .and_then(|text| {
            serde_json::from_str(&text)
                .map_err(|e| Error::Refused(format!("{} illisible ({e})", record_path.display())))
        })?;
    let published = read_figures(&dir.join("chiffres.csv"))?;
    let then_declared = read_declared(&dir.join("declarations.csv"))?;
    let registry = workspace.registry()?;
    let store = Store::read(&workspace.store);
    let today = workspace.definitions()?;
    let params = record
        .settings
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let then = Definitions::load(&dir.join("definitions"), &params)?;
    let now = period_figures(&today, &registry, &store, period)?;
    let then_on_today_store = period_figures(&then, &registry, &store, period)?;
    let now_declared = declared(&store, period)?;
    let data_only = figure_values(&then_on_today_store)?;
    let current = figure_values(&now)?;
    let comparison = compare(&published, &now)?;
    let months = period.months();
    let mut changed = Vec::new();
    for moved in comparison.moved() {
        let key = &moved.key;
        let mut reasons = Vec::new();
        let under_then = data_only.get(key).copied().flatten();
        if !same_figure(moved.before, under_then)
            || (under_then.is_none() && moved.before.is_none())
        {
            let tables: BTreeSet<String> = [&then, &today]
                .iter()
                .filter_map(|d| d.indicator(&key.indicator))
                .flat_map(|i| i.tables().into_iter().map(str::to_string))
                .collect();
            reasons.extend(data_reasons(
                &registry,
                key.level,
                &key.entity,
                &months,
                &tables,
                &then_declared,
                &now_declared,
            ));
        }
        if record.fingerprint != today.fingerprint()
            && !same_figure(under_then, current.get(key).copied().flatten())
        {
            reasons.push(format!(
                "définitions changées (empreinte {} → {})",
                record.fingerprint,
                today.fingerprint()
            ));
        }
        if reasons.is_empty() {
            reasons.push("cause non retrouvée dans les déclarations".to_string());
        }
        changed.push(Changed {
            figure: moved.clone(),
            reasons,
        });
    }
    Ok((record, changed))
}

/// What changed in the declarations of the entity's manufactures over the period's months,
/// for the indicator's tables.
fn data_reasons(
    registry: &Registry,
    level: Level,
    entity: &str,
    months: &[Month],
    tables: &BTreeSet<String>,
    then: &Declared,
    now: &Declared,
) -> Vec<String> {
    let members: BTreeSet<&str> = level
        .members(registry, entity)
        .map(|m| m.id.as_str())
        .collect();
    let concerned = |(id, month, table): &(String, Month, String)| {
        members.contains(id.as_str()) && months.contains(month) && tables.contains(table)
    };
    let mut reasons = Vec::new();
    for (key, hash) in now.iter().filter(|(k, _)| concerned(k)) {
        let (id, month, table) = key;
        match then.get(key) {
            None => reasons.push(format!(
                "mois reçu après la publication : {id} {month} ({table})"
            )),
            Some(old) if old != hash => {
                reasons.push(format!("mois remplacé depuis : {id} {month} ({table})"));
            }
            Some(_) => {}
        }
    }
    for (id, month, table) in then
        .keys()
        .filter(|k| concerned(k) && !now.contains_key(*k))
    {
        reasons.push(format!("mois retiré depuis : {id} {month} ({table})"));
    }
    reasons
}

fn period_figures(
    definitions: &Definitions,
    registry: &Registry,
    store: &Store,
    period: Period,
) -> Result<DataFrame> {
    let per = period.per();
    let inputs = Inputs::from_store(store, definitions)?;
    let request = Request {
        levels: Vec::new(),
        periods: vec![per],
        indicators: Vec::new(),
        period: Some(period),
    };
    compute(definitions, registry, &inputs, &request)
}

/// Every table declared for the period's months, with the hash of its file.
fn declared(store: &Store, period: Period) -> Result<Declared> {
    let mut out = Declared::new();
    for month in period.months() {
        for ((id, table), declaration) in store.declarations(month)? {
            out.insert((id, month, table), declaration.hash);
        }
    }
    Ok(out)
}

fn write_declared(path: &Path, declared: &Declared) -> Result<()> {
    let mut text = String::from("id_manufacture,mois,id_table,empreinte\n");
    for ((id, month, table), hash) in declared {
        text.push_str(&format!("{id},{month},{table},{hash}\n"));
    }
    crate::files::write_bytes_atomically(path, text.as_bytes())
}

fn read_declared(path: &Path) -> Result<Declared> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let [id, month, table, hash] = f.as_slice() else {
                return None;
            };
            Some((
                (id.to_string(), month.parse().ok()?, table.to_string()),
                hash.to_string(),
            ))
        })
        .collect())
}

/// The published figures, read back as `compute` gave them.
fn read_figures(path: &Path) -> Result<DataFrame> {
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| Error::Refused(format!("{} illisible ({e})", path.display())))?;
    let mut columns: [Vec<String>; 4] = Default::default();
    let mut values: Vec<Option<f64>> = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| Error::Refused(format!("{} illisible ({e})", path.display())))?;
        for (i, column) in columns.iter_mut().enumerate() {
            column.push(record.get(i).unwrap_or("").to_string());
        }
        values.push(record.get(4).and_then(|v| v.parse().ok()));
    }
    let [indicators, levels, entities, periods] = columns;
    df!(
        "indicateur" => indicators,
        "niveau" => levels,
        "entite" => entities,
        "periode" => periods,
        "valeur" => values,
    )
    .map_err(|e| Error::internal("publication", e))
}

/// Copies a folder's files and subfolders.
fn copy_folder(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for entry in fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).map_err(|e| Error::io(&target, e))?;
        }
    }
    Ok(())
}
