//! The stages put together for a workspace: files checked in parallel, then stored one by one
//! in the order given, with memory bounded by a few files at a time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Location, Problem, Result, Severity};
use crate::ingest::read::{file_kind, read_bytes};
use crate::ingest::{CheckedFile, Context, check_file};
use crate::store::{
    LedgerEntry, LedgerMonth, Outcome, PendingMonth, Store, TableSource, sha256_hex,
};
use crate::workspace::Workspace;

/// What to do with the files.
#[derive(Debug, Clone, Copy, Default)]
pub struct IngestOptions {
    /// Check only; store nothing.
    pub dry_run: bool,
    /// When the files count as received, for the ledger (the clock when `None`). The demo
    /// replays a year of uploads with it.
    pub received_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What became of one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file as given.
    pub path: PathBuf,
    /// Its SHA-256 (empty if it could not be read).
    pub hash: String,
    /// Accepted, rejected, or already received.
    pub outcome: Outcome,
    /// The months it brought, with rows per table and the hashes of the files replaced.
    pub months: Vec<LedgerMonth>,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

impl FileReport {
    /// How many problems of this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == severity)
            .count()
    }
}

/// The files to read: files as named, and the spreadsheets and CSV files inside folders
/// (recursively, in name order, skipping hidden files and Office lock files `~$...`).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect_dir(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn collect_dir(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        if path.is_dir() {
            collect_dir(&path, files)?;
        } else if file_kind(&path).is_ok() {
            files.push(path);
        }
    }
    Ok(())
}

/// Checks and stores files into a workspace's store. `progress` is called once per file done.
pub fn ingest(
    workspace: &Workspace,
    files: &[PathBuf],
    options: IngestOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<FileReport>> {
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let context = Context::now(&definitions, &registry);
    let store = if options.dry_run {
        None
    } else {
        Some(Store::open(&workspace.store)?)
    };
    let history = match &store {
        Some(store) => Some(store.clone()),
        None => Store::open_existing(&workspace.store),
    };
    let batch = (rayon::current_num_threads() * 8).max(8);
    let mut reports = Vec::with_capacity(files.len());
    for chunk in files.chunks(batch) {
        let checked: Vec<(CheckedFile, Vec<u8>, String)> = chunk
            .par_iter()
            .map(|path| {
                let (checked, bytes) = read_and_check(path, &context);
                progress();
                let hash = if bytes.is_empty() {
                    String::new()
                } else {
                    sha256_hex(&bytes)
                };
                (checked, bytes, hash)
            })
            .collect();
        let mut pending = Vec::new();
        for (mut checked, bytes, hash) in checked {
            if let Some(history) = &history {
                warn_about_jumps(history, &definitions, &mut checked)?;
            }
            let report = match &store {
                Some(store) => store_file(
                    store,
                    checked,
                    &bytes,
                    hash,
                    options.received_at,
                    &mut pending,
                )?,
                None => report_only(checked, hash),
            };
            reports.push(report);
        }
        if let Some(store) = &store {
            switch_all(store, &mut pending)?;
        }
    }
    Ok(reports)
}

/// Writes, into `dir`, an annotated copy of every rejected file that can still be read (a
/// truncated or non-spreadsheet file cannot); returns the copies written, by source file.
pub fn annotate_rejected(reports: &[FileReport], dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::new();
    for report in reports.iter().filter(|r| r.outcome == Outcome::Refuse) {
        let Ok(bytes) = read_bytes(&report.path) else {
            continue;
        };
        let stem = report
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("fichier");
        let out = dir.join(format!("{stem}_annoté.xlsx"));
        match crate::ingest::annotate::write_annotated(&report.path, &bytes, &report.problems, &out)
        {
            Ok(()) => written.push((report.path.clone(), out)),
            Err(Error::Usage(_)) => continue, // unreadable: its message already says so
            Err(other) => return Err(other),
        }
    }
    Ok(written)
}

/// What a rebuild did.
#[derive(Debug, Clone, Default)]
pub struct RebuildReport {
    /// Files read again and stored.
    pub files: usize,
    /// Months stored.
    pub months: usize,
    /// Files that could not be used, with why.
    pub problems: Vec<Problem>,
}

/// Recreates every table from the raw files alone, in the ledger's order, then swaps the
/// rebuilt tables in. With the same definitions, the tables are identical to those ingested.
pub fn rebuild(workspace: &Workspace) -> Result<RebuildReport> {
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let context = Context::now(&definitions, &registry);
    let store = Store::open(&workspace.store)?;
    let rebuilt = store.begin_rebuild()?;
    let mut report = RebuildReport::default();
    for entry in store
        .ledger()?
        .iter()
        .filter(|e| e.resultat == Outcome::Accepte)
    {
        let extension = Path::new(&entry.fichier)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("bin")
            .to_ascii_lowercase();
        let raw = store.raw_path(&entry.empreinte, &extension);
        let at = Location::file(&raw);
        let bytes = match std::fs::read(&raw) {
            Ok(bytes) if sha256_hex(&bytes) == entry.empreinte => bytes,
            Ok(_) => {
                report.problems.push(Problem::error(
                    at,
                    "le fichier gardé ne correspond plus à son empreinte : il a été modifié",
                ));
                continue;
            }
            Err(e) => {
                report
                    .problems
                    .push(Problem::error(at, crate::error::french_io(&e)));
                continue;
            }
        };
        // The raw copy is named by hash: check it under its original name, for the format.
        let checked = check_file(Path::new(&entry.fichier), &bytes, &context);
        if !checked.is_accepted() {
            let message = format!("{} est refusé par les définitions actuelles", entry.fichier);
            report.problems.push(Problem::error(at, message));
            report.problems.extend(
                checked
                    .problems
                    .into_iter()
                    .filter(|p| p.severity == Severity::Error),
            );
            continue;
        }
        let source = TableSource {
            fichier: entry.fichier.clone(),
            empreinte: entry.empreinte.clone(),
        };
        for submission in &checked.submissions {
            rebuilt.write_month(submission, &source)?;
            report.months += 1;
        }
        report.files += 1;
    }
    store.finish_rebuild(rebuilt)?;
    Ok(report)
}

/// How many times last month's total a column may reach (or fall below) without a warning.
pub const JUMP_FACTOR: f64 = 10.0;

/// Warns, without blocking, when a numeric column's total is ten times last month's, or a
/// tenth of it: often a unit or a typing mistake (hours for the year, euros for cents).
fn warn_about_jumps(
    store: &Store,
    definitions: &crate::definitions::Definitions,
    checked: &mut CheckedFile,
) -> Result<()> {
    use crate::ingest::read::format_number;
    let mut warnings = Vec::new();
    for submission in &checked.submissions {
        let previous_month = submission.month.plus(-1);
        for (table, frame) in &submission.tables {
            let Some(previous) =
                store.read_table(table, &submission.manufacture, previous_month)?
            else {
                continue;
            };
            let sheet = definitions.table(table).map(|t| t.sheet.clone());
            let is_csv = checked
                .path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            for column in frame.columns() {
                let name = column.name().as_str();
                if name == crate::ingest::table::LINE_COLUMN
                    || !column.dtype().is_primitive_numeric()
                {
                    continue;
                }
                let (Some(now), Some(before)) =
                    (column_sum(frame, name), column_sum(&previous, name))
                else {
                    continue;
                };
                if now > 0.0
                    && before > 0.0
                    && (now >= JUMP_FACTOR * before || now * JUMP_FACTOR <= before)
                {
                    let direction = if now > before {
                        "plus de 10 fois"
                    } else {
                        "moins du dixième de"
                    };
                    let location = Location {
                        sheet: if is_csv { None } else { sheet.clone() },
                        ..Location::file(&checked.path)
                    }
                    .with_column(name);
                    warnings.push(Problem::warning(
                        location,
                        format!(
                            "total {} en {}, {direction} celui de {previous_month} ({}) : vérifiez l'unité ou une faute de frappe",
                            format_number(now),
                            submission.month,
                            format_number(before)
                        ),
                    ));
                }
            }
        }
    }
    checked.problems.extend(warnings);
    Ok(())
}

fn column_sum(frame: &polars::prelude::DataFrame, name: &str) -> Option<f64> {
    use polars::prelude::ChunkAgg;
    let column = frame
        .column(name)
        .ok()?
        .cast(&polars::prelude::DataType::Float64)
        .ok()?;
    column.f64().ok()?.sum()
}

fn read_and_check(path: &Path, context: &Context) -> (CheckedFile, Vec<u8>) {
    match read_bytes(path) {
        Ok(bytes) => (check_file(path, &bytes, context), bytes),
        Err(e) => {
            let problem = Problem::error(Location::file(path), crate::error::french_io(&e));
            (
                CheckedFile {
                    path: path.to_path_buf(),
                    submissions: Vec::new(),
                    problems: vec![problem],
                },
                Vec::new(),
            )
        }
    }
}

fn months_of(checked: &CheckedFile) -> Vec<LedgerMonth> {
    checked
        .submissions
        .iter()
        .map(|s| LedgerMonth {
            manufacture: s.manufacture.clone(),
            mois: s.month.to_string(),
            lignes: s
                .tables
                .iter()
                .map(|(t, f)| (t.clone(), f.height()))
                .collect::<BTreeMap<_, _>>(),
            remplace: Vec::new(),
        })
        .collect()
}

fn report_only(checked: CheckedFile, hash: String) -> FileReport {
    let outcome = if checked.is_accepted() {
        Outcome::Accepte
    } else {
        Outcome::Refuse
    };
    FileReport {
        months: months_of(&checked),
        path: checked.path,
        hash,
        outcome,
        problems: checked.problems,
    }
}

/// Stores an accepted file: raw copy, ledger line, then each month's new version.
fn store_file(
    store: &Store,
    checked: CheckedFile,
    bytes: &[u8],
    hash: String,
    received_at: Option<chrono::DateTime<chrono::Utc>>,
    pending: &mut Vec<PendingMonth>,
) -> Result<FileReport> {
    let mut report = report_only(checked.clone(), hash.clone());
    let file_name = checked
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    if report.outcome == Outcome::Accepte {
        let mut already = !checked.submissions.is_empty();
        for (submission, month) in checked.submissions.iter().zip(report.months.iter_mut()) {
            already &= store.holds(submission, &hash)?;
            let sources = store.sources(&submission.manufacture, submission.month)?;
            let mut replaced: Vec<String> = sources
                .iter()
                .filter(|(table, _)| {
                    submission.whole_month || submission.tables.contains_key(*table)
                })
                .map(|(_, s)| s.empreinte.clone())
                .filter(|h| *h != hash)
                .collect();
            replaced.sort();
            replaced.dedup();
            month.remplace = replaced;
        }
        if already {
            report.outcome = Outcome::DejaRecu;
        }
    }
    let entry = LedgerEntry {
        horodatage: received_at
            .unwrap_or_else(chrono::Utc::now)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        fichier: file_name.clone(),
        empreinte: hash.clone(),
        resultat: report.outcome,
        mois: report.months.clone(),
        erreurs: report.count(Severity::Error),
        avertissements: report.count(Severity::Warning),
    };
    if report.outcome != Outcome::Accepte {
        if !hash.is_empty() {
            store.append_ledger(&entry)?;
        }
        return Ok(report);
    }
    let extension = checked
        .path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("bin")
        .to_ascii_lowercase();
    store.save_raw(bytes, &hash, &extension)?;
    store.append_ledger(&entry)?;
    let source = TableSource {
        fichier: file_name,
        empreinte: hash,
    };
    for submission in &checked.submissions {
        // A second file for the same month in one batch builds on the first: switch first.
        if pending
            .iter()
            .any(|p| p.is_for(&submission.manufacture, submission.month))
        {
            switch_all(store, pending)?;
        }
        pending.push(store.prepare_month(submission, &source)?);
    }
    Ok(report)
}

/// Flushes the store to disk once, then makes every prepared month current.
fn switch_all(store: &Store, pending: &mut Vec<PendingMonth>) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    store.sync()?;
    for month in pending.drain(..) {
        store.switch(&month)?;
    }
    Ok(())
}
