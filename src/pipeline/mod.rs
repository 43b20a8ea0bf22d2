//! The stages put together for a workspace: files checked in parallel, then stored in a
//! defined order (workbooks, then CSV files) through one store transaction, switched in once
//! at the end (or whenever it holds [`COMMIT_ROWS`] rows); a whole store rebuilt from its raw
//! files; a month withdrawn. Every writer holds the store's lock.
//!
//! Here: the ingest run (batches checked on polars' threads, each stored in order while the
//! next is checked). Beside:
//! `files` (which files, in which order), `ledger` (a checked file stored and its ledger
//! line), `annotate` (copies of refused workbooks), `rebuild` (the store remade from its raw
//! files), `versions` (a month's earlier versions restored, a month withdrawn), `check` (the
//! workspace checked as a whole). The warning that compares a month with the previous one is
//! ingestion's (`ingest::jumps`).

mod annotate;
mod check;
mod files;
mod ledger;
mod rebuild;
mod storing;
mod versions;

pub use annotate::annotate_rejected;
pub use check::{WorkspaceCheck, check_workspace, months_outside_registry};
pub use files::{application_order, expand_paths};
pub use rebuild::{RebuildReport, rebuild};
pub use versions::{Withdrawal, restore, version_entry, withdraw};

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Location, Problem, Result, Severity};
use crate::ingest::jumps::{StoreHistory, warn_about_jumps};
use crate::ingest::{
    CheckedFile, Context, FileKind, PartlyChecked, check_file_but_rules, check_rules_of, file_kind,
    read_bytes,
};
use crate::store::{LedgerMonth, Outcome, Store, sha256_hex};
use crate::workspace::Workspace;
use ledger::{StoredFile, report_only};
use storing::Storing;

/// What to do with the files.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Check only; store nothing.
    pub dry_run: bool,
    /// When the files count as received, for the ledger (the clock when `None`). The demo
    /// replays a year of uploads with it.
    pub received_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who sends the files, for the ledger (the portal's account).
    pub by: Option<String>,
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

/// A transaction is switched in once it holds this many rows, so that memory stays bounded
/// when a whole network's history is sent at once.
pub const COMMIT_ROWS: usize = 1_000_000;

/// Checks and stores files into a workspace's store, in [`application_order`]. `progress` is
/// called once per file done; `on_wait` once if another process is writing to the store and
/// this one waits for it. If the store cannot be written (a full disk), the files of the
/// transaction being stored are refused with the reason and nothing of them stays, the files
/// already switched in stay, and the files after are not stored: each report says which.
pub fn ingest(
    workspace: &Workspace,
    files: &[PathBuf],
    options: IngestOptions,
    progress: &(dyn Fn() + Sync),
    on_wait: &dyn Fn(&str),
) -> Result<Vec<FileReport>> {
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let context = Context::now(&definitions, &registry);
    let files = application_order(files);
    let writer = if options.dry_run {
        None
    } else {
        Some(Store::lock(&workspace.store, "mesure ingest", on_wait)?)
    };
    let mut storing = match &writer {
        Some(writer) => Some(Storing::new(writer)?),
        None => None,
    };
    let mut dry_history = match &storing {
        Some(_) => None,
        None => Store::open_existing(&workspace.store).map(StoreHistory::new),
    };
    let mut reports = Vec::with_capacity(files.len());
    let mut keeping = Keeping {
        definitions: &definitions,
        options: &options,
        storing: storing.as_mut(),
        dry_history: dry_history.as_mut(),
        reports: &mut reports,
    };
    // Workbooks: while one batch is checked, the batch checked before it has its rules checked
    // and is stored (in order, on the calling thread), so the cores do not wait for either. A
    // CSV file, which may hold a network's history, is checked alone and stored before the
    // next is read.
    let mut checked_before: Vec<Checked> = Vec::new();
    for chunk in batches(&files) {
        let is_csv = chunk.iter().any(|f| file_kind(f) == Ok(FileKind::Csv));
        if is_csv {
            keeping.keep(std::mem::take(&mut checked_before))?;
        }
        let (checked, kept) = on_polars_threads(|| {
            rayon::join(
                || check_batch(chunk, &context, progress),
                || keeping.keep(std::mem::take(&mut checked_before)),
            )
        });
        kept?;
        checked_before = checked;
        if is_csv {
            keeping.keep(std::mem::take(&mut checked_before))?;
        }
    }
    keeping.keep(checked_before)?;
    if let Some(storing) = &mut storing {
        storing.commit(&mut reports)?;
    }
    Ok(reports)
}

/// A file read and checked but for its tables' rules (checked for the whole batch when it is
/// kept), with its bytes (or path) and its SHA-256.
type Checked = (PartlyChecked, Raw, String);

/// Reads and checks a batch of files in parallel, keeping their order.
fn check_batch(chunk: &[PathBuf], context: &Context, progress: &(dyn Fn() + Sync)) -> Vec<Checked> {
    chunk
        .par_iter()
        .map(|path| {
            let (partly, raw) = read_and_check_but_rules(path, context);
            progress();
            let hash = raw.hash();
            (partly, raw, hash)
        })
        .collect()
}

/// What becomes of checked files, in order: their rules checked, warned about jumps from the
/// month before, then stored (or only reported, in a dry run).
struct Keeping<'a, 'w> {
    definitions: &'a crate::definitions::Definitions,
    options: &'a IngestOptions,
    storing: Option<&'a mut Storing<'w>>,
    dry_history: Option<&'a mut StoreHistory>,
    reports: &'a mut Vec<FileReport>,
}

impl Keeping<'_, '_> {
    fn keep(&mut self, batch: Vec<Checked>) -> Result<()> {
        let (partly, kept): (Vec<PartlyChecked>, Vec<(Raw, String)>) = batch
            .into_iter()
            .map(|(partly, raw, hash)| (partly, (raw, hash)))
            .unzip();
        let checked = check_rules_of(partly, self.definitions);
        for (mut checked, (raw, hash)) in checked.into_iter().zip(kept) {
            let Some(storing) = self.storing.as_deref_mut() else {
                if let Some(history) = self.dry_history.as_deref_mut() {
                    warn_about_jumps(history, self.definitions, &mut checked)?;
                }
                self.reports.push(report_only(checked, hash));
                continue;
            };
            // Once storing stopped, `store` only reports the file as not stored.
            if storing.stopped.is_none() {
                warn_about_jumps(&mut storing.transaction, self.definitions, &mut checked)?;
            }
            let file = StoredFile {
                checked,
                raw: &raw,
                hash,
                received_at: self.options.received_at,
                by: self.options.by.clone(),
            };
            storing.store(file, self.reports)?;
            if storing.transaction.pending_rows() >= commit_rows() {
                storing.commit(self.reports)?;
            }
        }
        Ok(())
    }
}

/// Runs `work` on polars' own threads. A file's check runs polars queries (its rules): from
/// a thread of rayon's global pool each one crossed to polars' pool and back, and the two
/// pools' threads fought for the cores (profiled: a dry run spent a fifth of its time there).
fn on_polars_threads<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    polars_core::runtime::THREAD_POOL.install(work)
}

/// [`COMMIT_ROWS`], or `MESURE_COMMIT_ROWS` when set (the tests switch small batches in).
fn commit_rows() -> usize {
    std::env::var("MESURE_COMMIT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(COMMIT_ROWS)
}

/// The files checked together: workbooks 32 per core (fewer waits between batches and one
/// rule query per table and batch: 8 per core was 0.27 s against 0.25 s for a thousand
/// workbooks; 14 MB more), each CSV file alone (a network's export
/// holds millions of rows: two at once would double the memory).
fn batches(files: &[PathBuf]) -> Vec<&[PathBuf]> {
    let size = (rayon::current_num_threads() * 32).max(32);
    let csv_from = files
        .iter()
        .position(|f| file_kind(f) == Ok(FileKind::Csv))
        .unwrap_or(files.len());
    let (workbooks, csv) = files.split_at(csv_from);
    workbooks.chunks(size).chain(csv.chunks(1)).collect()
}

/// Reads and checks one file as [`ingest`] would, with the same warnings, without storing
/// it: the portal's preview before its sender confirms.
pub fn check_only(path: &Path, context: &Context, history: Option<&Store>) -> Result<CheckedFile> {
    let (mut checked, _) = read_and_check(path, context);
    if let Some(store) = history {
        warn_about_jumps(
            &mut StoreHistory::new(store.clone()),
            context.definitions,
            &mut checked,
        )?;
    }
    Ok(checked)
}

/// A file received, as the store will keep it: its bytes (a workbook, at most 50 MB), or the
/// file itself (a CSV file, read as it goes and copied, never loaded whole).
pub(super) enum Raw {
    /// Bytes read whole.
    Bytes(Vec<u8>),
    /// A CSV file, with its SHA-256 computed as it was read.
    File(PathBuf, String),
    /// Nothing could be read.
    Unreadable,
}

impl Raw {
    /// The SHA-256 of the file, empty if it could not be read.
    fn hash(&self) -> String {
        match self {
            Raw::Bytes(bytes) if !bytes.is_empty() => sha256_hex(bytes),
            Raw::File(_, hash) => hash.clone(),
            _ => String::new(),
        }
    }
}

/// Reads and checks one file.
pub(super) fn read_and_check(path: &Path, context: &Context) -> (CheckedFile, Raw) {
    let (partly, raw) = read_and_check_but_rules(path, context);
    (partly.with_rules_checked(context.definitions), raw)
}

/// Reads and checks one file but for its tables' rules (see [`check_rules_of`]).
fn read_and_check_but_rules(path: &Path, context: &Context) -> (PartlyChecked, Raw) {
    let unreadable = |e: std::io::Error| {
        let problem = Problem::error(Location::file(path), crate::error::french_io(&e));
        let checked = CheckedFile {
            path: path.to_path_buf(),
            submissions: Vec::new(),
            problems: vec![problem],
        };
        (checked.into(), Raw::Unreadable)
    };
    if file_kind(path) == Ok(FileKind::Csv) {
        let checked = crate::ingest::check_csv_file(path, path, context);
        return match crate::store::sha256_file(path) {
            Ok(hash) => (checked.into(), Raw::File(path.to_path_buf(), hash)),
            Err(e) => unreadable(e),
        };
    }
    match read_bytes(path) {
        Ok(bytes) => (
            check_file_but_rules(path, &bytes, context),
            Raw::Bytes(bytes),
        ),
        Err(e) => unreadable(e),
    }
}
