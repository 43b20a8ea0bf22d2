//! The stages put together for a workspace: files checked in parallel, then stored in a
//! defined order (workbooks, then CSV files) through one store transaction, switched in once
//! at the end (or whenever it holds [`COMMIT_ROWS`] rows); a whole store rebuilt from its raw
//! files; a month withdrawn. Every writer holds the store's lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Location, Problem, Result, Severity};
use crate::ingest::read::{FileKind, file_kind, read_bytes};
use crate::ingest::{CheckedFile, Context, check_file};
use crate::month::Month;
use crate::store::{
    LedgerEntry, LedgerMonth, MonthDeclarations, Outcome, Store, TableSource, Transaction, Writer,
    sha256_hex,
};
use crate::workspace::Workspace;

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

/// The order in which files are applied: every workbook before every CSV file, otherwise as
/// given. A workbook replaces a whole month and a CSV file one table of it, so a CSV file
/// sent with the workbook of the same month corrects it, whatever the files are called.
pub fn application_order(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut ordered = files.to_vec();
    ordered.sort_by_key(|path| file_kind(path) == Ok(FileKind::Csv));
    ordered
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
    for chunk in batches(&files) {
        if let Some(why) = storing.as_ref().and_then(|s| s.stopped.clone()) {
            for path in chunk {
                reports.push(not_stored(path, &why));
                progress();
            }
            continue;
        }
        let checked: Vec<(CheckedFile, Raw, String)> = on_polars_threads(|| {
            chunk
                .par_iter()
                .map(|path| {
                    let (checked, raw) = read_and_check(path, &context);
                    progress();
                    let hash = raw.hash();
                    (checked, raw, hash)
                })
                .collect()
        });
        for (mut checked, raw, hash) in checked {
            let Some(storing) = &mut storing else {
                if let Some(history) = &mut dry_history {
                    warn_about_jumps(history, &definitions, &mut checked)?;
                }
                reports.push(report_only(checked, hash));
                continue;
            };
            warn_about_jumps(&mut storing.transaction, &definitions, &mut checked)?;
            let file = StoredFile {
                checked,
                raw: &raw,
                hash,
                received_at: options.received_at,
                by: options.by.clone(),
            };
            storing.store(file, &mut reports)?;
            if storing.transaction.pending_rows() >= commit_rows() {
                storing.commit(&mut reports)?;
            }
        }
    }
    if let Some(storing) = &mut storing {
        storing.commit(&mut reports)?;
    }
    Ok(reports)
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

/// The files checked together: workbooks 8 per core, each CSV file alone (a network's export
/// holds millions of rows: two at once would double the memory).
fn batches(files: &[PathBuf]) -> Vec<&[PathBuf]> {
    let size = (rayon::current_num_threads() * 8).max(8);
    let csv_from = files
        .iter()
        .position(|f| file_kind(f) == Ok(FileKind::Csv))
        .unwrap_or(files.len());
    let (workbooks, csv) = files.split_at(csv_from);
    workbooks.chunks(size).chain(csv.chunks(1)).collect()
}

/// The store being written by an ingest: its open transaction, the files it holds, and why
/// storing stopped, if it did.
struct Storing<'w> {
    writer: &'w Writer,
    transaction: Transaction<'w>,
    batch: Batch,
    stopped: Option<Problem>,
}

impl<'w> Storing<'w> {
    fn new(writer: &'w Writer) -> Result<Self> {
        Ok(Storing {
            writer,
            transaction: writer.transaction()?,
            batch: Batch::default(),
            stopped: None,
        })
    }

    /// Stores one checked file into the transaction, or says why not.
    fn store(&mut self, file: StoredFile, reports: &mut Vec<FileReport>) -> Result<()> {
        if let Some(why) = &self.stopped {
            reports.push(not_stored(&file.checked.path, why));
            return Ok(());
        }
        let path = file.checked.path.clone();
        let index = reports.len();
        match store_file(
            self.writer,
            &mut self.transaction,
            file,
            &mut self.batch,
            index,
        ) {
            Ok(report) => reports.push(report),
            Err(err) => {
                let why = storage_failure(&err);
                reports.push(not_stored(&path, &why));
                self.stop(reports, why)?;
            }
        }
        Ok(())
    }

    /// Switches the transaction in; if that fails, its files are refused and storing stops.
    fn commit(&mut self, reports: &mut [FileReport]) -> Result<()> {
        if self.stopped.is_some() {
            return Ok(());
        }
        match self.transaction.commit() {
            Ok(()) => {
                self.batch = Batch::default();
                Ok(())
            }
            Err(err) => self.stop(reports, storage_failure(&err)),
        }
    }

    /// Drops what the transaction holds, undoes its files' ledger lines, and stops storing.
    fn stop(&mut self, reports: &mut [FileReport], why: Problem) -> Result<()> {
        self.transaction = self.writer.transaction()?;
        self.batch.abandon(self.writer, reports, &why)?;
        self.stopped = Some(why);
        Ok(())
    }
}

/// The problem told for every file not stored after the store could not be written (a full
/// disk, a permission): the batch is undone and storing stops, whatever the cause.
fn storage_failure(err: &Error) -> Problem {
    let message = match err {
        Error::Io { path, source } => {
            format!("{} ({})", crate::error::french_io(source), path.display())
        }
        other => other.to_string(),
    };
    Problem::error(
        Location::default(),
        format!(
            "enregistrement impossible : {message} ; ce fichier n'est pas enregistré, renvoyez-le"
        ),
    )
}

/// The report of a file not stored because storing stopped on `why`.
fn not_stored(path: &Path, why: &Problem) -> FileReport {
    FileReport {
        path: path.to_path_buf(),
        hash: String::new(),
        outcome: Outcome::Refused,
        months: Vec::new(),
        problems: vec![Problem {
            location: Location::file(path),
            ..why.clone()
        }],
    }
}

/// The files of the open transaction, for undoing them if it cannot be switched in.
#[derive(Default)]
struct Batch {
    /// For each file stored in the transaction: its report's index and the ledger's length
    /// before its line.
    files: Vec<(usize, u64)>,
    /// The ledger lines of refused files written meanwhile, with the ledger's length before
    /// each, to write again if the batch is undone.
    refused: Vec<(u64, LedgerEntry)>,
}

impl Batch {
    /// Undoes the ledger lines of this batch's files, which are told `why`; the refused files'
    /// lines are kept.
    fn abandon(&mut self, store: &Store, reports: &mut [FileReport], why: &Problem) -> Result<()> {
        let Some(start) = self.files.iter().map(|(_, at)| *at).min() else {
            return Ok(());
        };
        store.truncate_ledger(start)?;
        for (index, _) in self.files.drain(..) {
            let report = &mut reports[index];
            *report = FileReport {
                hash: report.hash.clone(),
                ..not_stored(&report.path, why)
            };
        }
        for (at, entry) in self.refused.drain(..) {
            if at >= start {
                // Best effort: the disk may still be full; the report was printed anyway.
                let _ = store.append_ledger(&entry);
            }
        }
        Ok(())
    }
}

/// Writes, into `dir`, an annotated copy of every rejected file that can still be read (a
/// truncated or non-spreadsheet file cannot); returns the copies written, by source file.
pub fn annotate_rejected(reports: &[FileReport], dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::new();
    for report in reports.iter().filter(|r| r.outcome == Outcome::Refused) {
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
            Err(Error::Refused(_)) => continue, // unreadable: its message already says so
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
    /// Months withdrawn by `mesure retirer`, honoured again.
    pub withdrawn: usize,
    /// Why the rebuilt tables were not swapped in (the current tables are kept): files that
    /// are no longer accepted, or that cannot be read.
    pub problems: Vec<Problem>,
}

impl RebuildReport {
    /// Whether the rebuilt tables replaced the current ones.
    pub fn is_done(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Recreates every table from the raw files alone, in the ledger's order (withdrawals
/// included), then switches the rebuilt tables in at once (converting a store of the first
/// layout). With the same definitions, the tables are
/// identical to those ingested. An accepted file that can no longer be stored (the registry
/// or the definitions changed, the raw copy is damaged) is never dropped in silence: the
/// rebuild is abandoned, the current tables are kept, and the report says why.
pub fn rebuild(workspace: &Workspace, on_wait: &dyn Fn(&str)) -> Result<RebuildReport> {
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let context = Context::now(&definitions, &registry);
    let store = Store::lock(&workspace.store, "mesure rebuild", on_wait)?;
    let ledger = store.ledger()?;
    let mut rebuilt = store.rebuild_transaction()?;
    let mut report = RebuildReport::default();
    replay(&store, &mut rebuilt, &ledger, &context, &mut report)?;
    if report.is_done() {
        rebuilt.commit()?;
    }
    Ok(report)
}

/// Stores again, into `rebuilt`, every accepted file and withdrawal of the ledger, in order.
fn replay(
    store: &Store,
    rebuilt: &mut Transaction,
    ledger: &[LedgerEntry],
    context: &Context,
    report: &mut RebuildReport,
) -> Result<()> {
    for entry in ledger {
        match entry.outcome {
            Outcome::Accepted => {}
            Outcome::Withdrawn => {
                for month in &entry.months {
                    if let Ok(parsed) = month.month.parse() {
                        rebuilt.withdraw(&month.manufacture, parsed)?;
                        report.withdrawn += 1;
                    }
                }
                continue;
            }
            Outcome::Refused | Outcome::AlreadyReceived => continue,
        }
        let extension = Path::new(&entry.file)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("bin")
            .to_ascii_lowercase();
        let raw = store.raw_path(&entry.hash, &extension);
        let at = Location::file(&raw);
        let named = Path::new(&entry.file);
        let kept = if file_kind(named) == Ok(FileKind::Csv) {
            crate::store::sha256_file(&raw).map(|hash| (hash, None))
        } else {
            std::fs::read(&raw).map(|bytes| (sha256_hex(&bytes), Some(bytes)))
        };
        let bytes = match kept {
            Ok((hash, bytes)) if hash == entry.hash => bytes,
            Ok(_) => {
                report.problems.push(Problem::error(
                    at,
                    format!("{} : le fichier gardé ne correspond plus à son empreinte : il a été modifié", entry.file),
                ));
                continue;
            }
            Err(e) => {
                report.problems.push(Problem::error(
                    at,
                    format!("{} : {}", entry.file, crate::error::french_io(&e)),
                ));
                continue;
            }
        };
        // The raw copy is named by hash: check it under its original name, for the format.
        let checked = match &bytes {
            Some(bytes) => check_file(named, bytes, context),
            None => crate::ingest::check_csv_file(named, &raw, context),
        };
        if !checked.is_accepted() {
            let months: Vec<String> = entry
                .months
                .iter()
                .map(|m| format!("{} {}", m.manufacture, m.month))
                .collect();
            let message = format!(
                "{} (reçu le {}, {}) est refusé par le registre ou les définitions actuels : corrigez-les, ou retirez ce mois avec mesure retirer",
                entry.file,
                entry.received_at.get(..10).unwrap_or(&entry.received_at),
                months.join(", ")
            );
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
            file: entry.file.clone(),
            hash: entry.hash.clone(),
        };
        for submission in &checked.submissions {
            rebuilt.put(submission, &source)?;
            report.months += 1;
        }
        report.files += 1;
    }
    Ok(())
}

/// The ledger line of a month's version `version` (1 for the first stored file).
pub fn version_entry<'a>(
    ledger: &'a [LedgerEntry],
    manufacture: &str,
    month: Month,
    version: usize,
) -> Option<&'a LedgerEntry> {
    let month_text = month.to_string();
    ledger
        .iter()
        .filter(|e| e.outcome == Outcome::Accepted)
        .filter(|e| {
            e.months
                .iter()
                .any(|m| m.manufacture == manufacture && m.month == month_text)
        })
        .nth(version.checked_sub(1)?)
}

/// Brings a month back to an earlier version: the workbook that made version `version`
/// (1 for the first stored) is taken from the raw files and stored again, checked against
/// today's definitions and registry, as a new version recorded in the ledger. Only a
/// workbook's version can be restored (a CSV file holds other months too).
pub fn restore(
    workspace: &Workspace,
    manufacture: &str,
    month: Month,
    version: usize,
    by: Option<&str>,
    on_wait: &dyn Fn(&str),
) -> Result<FileReport> {
    let store = Store::read(&workspace.store);
    let ledger = store.ledger()?;
    let entry = version_entry(&ledger, manufacture, month, version).ok_or_else(|| {
        Error::Usage(format!(
            "{manufacture} {month} n'a pas de version {version}"
        ))
    })?;
    let extension = Path::new(&entry.file)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if file_kind(Path::new(&entry.file)) != Ok(FileKind::Workbook) {
        return Err(Error::Refused(format!(
            "la version {version} de {manufacture} {month} vient du fichier CSV {} : seule la version d'un classeur se restaure ; renvoyez le fichier voulu",
            entry.file
        )));
    }
    let raw = store.raw_path(&entry.hash, &extension);
    let folder = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let copy = folder.path().join(&entry.file);
    std::fs::copy(&raw, &copy).map_err(|e| Error::io(&raw, e))?;
    let options = IngestOptions {
        by: by.map(str::to_string),
        ..IngestOptions::default()
    };
    let mut reports = ingest(workspace, &[copy], options, &|| {}, on_wait)?;
    Ok(reports.remove(0))
}

/// What a withdrawal did.
#[derive(Debug, Clone)]
pub struct Withdrawal {
    /// The files whose data the month held (name and hash), now set aside.
    pub sources: Vec<TableSource>,
}

/// Withdraws a manufacture's month from the store (a month sent for the wrong manufacture):
/// recorded in the ledger (with who, when given), so that [`rebuild`] honours it; the raw
/// files are kept. `None` when that month is not stored.
pub fn withdraw(
    workspace: &Workspace,
    manufacture: &str,
    month: Month,
    by: Option<&str>,
    on_wait: &dyn Fn(&str),
) -> Result<Option<Withdrawal>> {
    let store = Store::lock(&workspace.store, "mesure retirer", on_wait)?;
    let mut transaction = store.transaction()?;
    let sources = transaction.sources(manufacture, month)?;
    if sources.is_empty() {
        return Ok(None);
    }
    let mut files: Vec<TableSource> = sources.values().cloned().collect();
    files.sort_by(|a, b| a.hash.cmp(&b.hash));
    files.dedup();
    let entry = LedgerEntry {
        received_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        file: String::new(),
        hash: String::new(),
        outcome: Outcome::Withdrawn,
        months: vec![LedgerMonth {
            manufacture: manufacture.to_string(),
            month: month.to_string(),
            rows: BTreeMap::new(),
            replaced: files.iter().map(|f| f.hash.clone()).collect(),
        }],
        errors: 0,
        warnings: 0,
        by: by.map(str::to_string),
    };
    // The ledger line is on disk before the month goes: a crash between leaves the month
    // stored and the withdrawal recorded, which a rebuild or a second withdrawal finishes.
    store.append_ledger(&entry)?;
    store.sync()?;
    transaction.withdraw(manufacture, month)?;
    transaction.commit()?;
    Ok(Some(Withdrawal { sources: files }))
}

/// How many times last month's total a column may reach (or fall below) without a warning.
pub const JUMP_FACTOR: f64 = 10.0;

/// The months before the ones being stored, for the warning that compares a month with the
/// previous one: the store, or the open transaction (which sees the files before this one).
pub trait History {
    /// A month's declarations, with their totals.
    fn declarations(&mut self, month: Month) -> Result<&MonthDeclarations>;
}

impl History for Transaction<'_> {
    fn declarations(&mut self, month: Month) -> Result<&MonthDeclarations> {
        Transaction::declarations(self, month)
    }
}

/// A store's declarations, each month read once.
pub struct StoreHistory {
    store: Store,
    months: std::collections::HashMap<Month, MonthDeclarations>,
}

impl StoreHistory {
    /// The history of a store.
    pub fn new(store: Store) -> Self {
        StoreHistory {
            store,
            months: std::collections::HashMap::new(),
        }
    }
}

impl History for StoreHistory {
    fn declarations(&mut self, month: Month) -> Result<&MonthDeclarations> {
        if !self.months.contains_key(&month) {
            let declarations = self.store.declarations(month)?;
            self.months.insert(month, declarations);
        }
        Ok(&self.months[&month])
    }
}

/// Warns, without blocking, when a numeric column's total is ten times last month's, or a
/// tenth of it: often a unit or a typing mistake (hours for the year, euros for cents). Last
/// month's totals come from its declarations, never from its tables.
fn warn_about_jumps(
    history: &mut dyn History,
    definitions: &crate::definitions::Definitions,
    checked: &mut CheckedFile,
) -> Result<()> {
    use crate::ingest::read::format_number;
    let is_csv = file_kind(&checked.path) == Ok(FileKind::Csv);
    let mut warnings = Vec::new();
    for submission in &checked.submissions {
        let previous_month = submission.month.plus(-1);
        let previous = history.declarations(previous_month)?;
        for (table, frame) in &submission.tables {
            let key = (submission.manufacture.clone(), table.clone());
            let Some(before) = previous.get(&key) else {
                continue;
            };
            let sheet = definitions.table(table).map(|t| t.sheet.clone());
            let before = before.totals.by_column();
            for (name, now) in crate::store::totals_of(frame) {
                let Some(&before) = before.get(&name) else {
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

/// The sum of a numeric column, `None` if absent or all empty.
pub(crate) fn column_sum(frame: &polars::prelude::DataFrame, name: &str) -> Option<f64> {
    use polars::prelude::ChunkAgg;
    let column = frame
        .column(name)
        .ok()?
        .cast(&polars::prelude::DataType::Float64)
        .ok()?;
    column.f64().ok()?.sum()
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
enum Raw {
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

fn read_and_check(path: &Path, context: &Context) -> (CheckedFile, Raw) {
    let unreadable = |e: std::io::Error| {
        let problem = Problem::error(Location::file(path), crate::error::french_io(&e));
        let checked = CheckedFile {
            path: path.to_path_buf(),
            submissions: Vec::new(),
            problems: vec![problem],
        };
        (checked, Raw::Unreadable)
    };
    if file_kind(path) == Ok(FileKind::Csv) {
        let checked = crate::ingest::check_csv_file(path, path, context);
        return match crate::store::sha256_file(path) {
            Ok(hash) => (checked, Raw::File(path.to_path_buf(), hash)),
            Err(e) => unreadable(e),
        };
    }
    match read_bytes(path) {
        Ok(bytes) => (check_file(path, &bytes, context), Raw::Bytes(bytes)),
        Err(e) => unreadable(e),
    }
}

fn months_of(checked: &CheckedFile) -> Vec<LedgerMonth> {
    checked
        .submissions
        .iter()
        .map(|s| LedgerMonth {
            manufacture: s.manufacture.clone(),
            month: s.month.to_string(),
            rows: s
                .tables
                .iter()
                .map(|(t, f)| (t.clone(), f.height()))
                .collect::<BTreeMap<_, _>>(),
            replaced: Vec::new(),
        })
        .collect()
}

fn report_only(checked: CheckedFile, hash: String) -> FileReport {
    report_of(&checked, hash)
}

/// The report of a checked file, leaving the file (and its months' rows) to be stored: a
/// network's CSV file holds hundreds of thousands of months, not to be copied.
fn report_of(checked: &CheckedFile, hash: String) -> FileReport {
    let outcome = if checked.is_accepted() {
        Outcome::Accepted
    } else {
        Outcome::Refused
    };
    FileReport {
        months: months_of(checked),
        path: checked.path.clone(),
        hash,
        outcome,
        problems: checked.problems.clone(),
    }
}

/// A checked file and what storing it needs.
struct StoredFile<'a> {
    checked: CheckedFile,
    raw: &'a Raw,
    hash: String,
    received_at: Option<chrono::DateTime<chrono::Utc>>,
    by: Option<String>,
}

/// Stores an accepted file: raw copy, ledger line, then each month into the transaction. The
/// ledger line says which stored files each month replaces.
fn store_file(
    store: &Store,
    transaction: &mut Transaction,
    file: StoredFile,
    batch: &mut Batch,
    report_index: usize,
) -> Result<FileReport> {
    let StoredFile {
        checked,
        raw,
        hash,
        received_at,
        by,
    } = file;
    let mut report = report_of(&checked, hash.clone());
    let file_name = checked
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    if report.outcome == Outcome::Accepted {
        let mut already = !checked.submissions.is_empty();
        for (submission, month) in checked.submissions.iter().zip(report.months.iter_mut()) {
            let sources = transaction.sources(&submission.manufacture, submission.month)?;
            already &= submission
                .tables
                .keys()
                .all(|table| sources.get(table).is_some_and(|s| s.hash == hash));
            let mut replaced: Vec<String> = sources
                .iter()
                .filter(|(table, _)| {
                    submission.whole_month || submission.tables.contains_key(*table)
                })
                .map(|(_, s)| s.hash.clone())
                .filter(|h| *h != hash)
                .collect();
            replaced.sort();
            replaced.dedup();
            month.replaced = replaced;
        }
        if already {
            report.outcome = Outcome::AlreadyReceived;
        }
    }
    let entry = LedgerEntry {
        received_at: received_at
            .unwrap_or_else(chrono::Utc::now)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        file: file_name.clone(),
        hash: hash.clone(),
        outcome: report.outcome,
        months: report.months.clone(),
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        by,
    };
    if report.outcome != Outcome::Accepted {
        if !hash.is_empty() {
            let at = store.append_ledger(&entry)?;
            batch.refused.push((at, entry));
        }
        return Ok(report);
    }
    let extension = checked
        .path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("bin")
        .to_ascii_lowercase();
    match raw {
        Raw::Bytes(bytes) => store.save_raw(bytes, &hash, &extension)?,
        Raw::File(source, _) => store.save_raw_file(source, &hash, &extension)?,
        Raw::Unreadable => unreachable!("an unreadable file is never accepted"),
    };
    let at = store.append_ledger(&entry)?;
    batch.files.push((report_index, at));
    let source = TableSource {
        file: file_name,
        hash,
    };
    for submission in &checked.submissions {
        transaction.put(submission, &source)?;
    }
    Ok(report)
}

/// What `mesure check` finds: a summary of what is right, and every problem.
#[derive(Debug, Default)]
pub struct WorkspaceCheck {
    /// « 7 tables et 17 indicateurs », « 30 manufactures ».
    pub summary: Vec<String>,
    /// Every problem of the definitions, the registry, and the stored months the registry
    /// no longer expects.
    pub problems: Vec<Problem>,
}

/// Checks a workspace's definitions and registry, and that every stored month is still
/// expected: every problem at once.
pub fn check_workspace(workspace: &Workspace) -> Result<WorkspaceCheck> {
    let mut check = WorkspaceCheck::default();
    match workspace.definitions() {
        Ok(definitions) => check.summary.push(format!(
            "{} tables et {} indicateurs",
            definitions.tables.len(),
            definitions.indicators.len()
        )),
        Err(err) => check.problems.extend(into_problems(err)?),
    }
    match workspace.registry() {
        Ok(registry) => {
            check
                .summary
                .push(format!("{} manufactures", registry.len()));
            check
                .problems
                .extend(months_outside_registry(workspace, &registry)?);
        }
        Err(err) => check.problems.extend(into_problems(err)?),
    }
    Ok(check)
}

/// Problems are listed; any other error (a missing folder...) becomes one problem too.
fn into_problems(err: Error) -> Result<Vec<Problem>> {
    match err {
        Error::Invalid(problems) => Ok(problems),
        Error::Io { path, source } => Ok(vec![Problem::error(
            Location::file(path),
            crate::error::french_io(&source),
        )]),
        other => Err(other),
    }
}

/// The stored months that the registry no longer expects: a manufacture whose id is gone
/// (renamed or removed), or a month outside its `ouverture`–`fermeture`. Their figures would
/// be wrong or lost, and a rebuild would refuse their files: each is told with what to do.
pub fn months_outside_registry(
    workspace: &Workspace,
    registry: &crate::registry::Registry,
) -> Result<Vec<Problem>> {
    let Some(store) = Store::open_existing(&workspace.store) else {
        return Ok(Vec::new());
    };
    let mut by_manufacture: BTreeMap<String, Vec<Month>> = BTreeMap::new();
    for (manufacture, month) in store.stored_months()? {
        by_manufacture.entry(manufacture).or_default().push(month);
    }
    let at = Location::file(&workspace.registry);
    let mut problems = Vec::new();
    for (id, months) in by_manufacture {
        let span = |months: &[Month]| match months {
            [one] => one.to_string(),
            [first, .., last] => format!("{} mois, de {first} à {last}", months.len()),
            [] => String::new(),
        };
        let Some(manufacture) = registry.get(&id) else {
            let same_but_case = registry
                .ids()
                .find(|known| known.eq_ignore_ascii_case(&id))
                .map(|known| format!(" ; vouliez-vous dire « {known} » ?"));
            let hint =
                same_but_case.unwrap_or_else(|| crate::text::did_you_mean(&id, registry.ids()));
            problems.push(Problem::error(
                at.clone(),
                format!(
                    "des mois de « {id} » sont enregistrés ({}) mais le registre ne connaît pas cet identifiant{hint} : remettez-le dans le registre, ou retirez ces mois (mesure retirer --manufacture {id} --mois AAAA-MM)",
                    span(&months)
                ),
            ));
            continue;
        };
        let outside: Vec<Month> = months
            .into_iter()
            .filter(|m| !manufacture.is_open(*m))
            .collect();
        if !outside.is_empty() {
            let window = match manufacture.closed {
                Some(last) => format!("de {} à {last}", manufacture.opened),
                None => format!("à partir de {}", manufacture.opened),
            };
            problems.push(Problem::error(
                at.clone(),
                format!(
                    "« {id} » a des mois enregistrés hors de ses dates d'ouverture ({}) : le registre ne l'attend que {window} ; corrigez ouverture ou fermeture, ou retirez ces mois (mesure retirer)",
                    span(&outside)
                ),
            ));
        }
    }
    Ok(problems)
}
