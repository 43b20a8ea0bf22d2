//! The store: every accepted file kept unchanged under its SHA-256, the tables as Parquet
//! files partitioned by manufacture, month and table, and an append-only ledger of uploads.
//!
//! Layout of `store/`:
//!
//! ```text
//! verrou                                       the writers' lock (see [`WriteLock`])
//! brut/<sha256>.<ext>                          the files as received
//! tables/<manufacture>/<AAAA-MM>/ACTUEL        names the current version of that month
//! tables/<manufacture>/<AAAA-MM>/<version>/    <table>.parquet for each table, source.json
//! depots.jsonl                                 the ledger, one JSON line per file received
//! ```
//!
//! A month is replaced atomically: the new version is written beside the old one, then the
//! one-line `ACTUEL` file is replaced by a rename, which the file system does at once. A crash
//! before the rename leaves the old month, after it the new one; never a mix. The raw file and
//! the ledger line are written before the switch, so an accepted file is never lost.
//!
//! Writers hold the store's lock ([`Store::lock`]), so two processes never interleave their
//! changes. Readers ([`Store::read`]) take no lock and never wait: they read one snapshot of
//! the current versions ([`Store::snapshot`]) and start again if a writer removed one of them
//! meanwhile.

mod ledger;
mod lock;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub(crate) use ledger::append_json_line;
pub use ledger::{LedgerEntry, LedgerMonth, Outcome};
pub use lock::WriteLock;

use crate::error::{Error, Result};
use crate::ingest::Submission;
use crate::month::Month;

const RAW_DIR: &str = "brut";
const TABLES_DIR: &str = "tables";
const CURRENT_FILE: &str = "ACTUEL";
const SOURCE_FILE: &str = "source.json";
const LEDGER_FILE: &str = "depots.jsonl";

/// Environment variable naming a point where the process aborts, to test crashes:
/// `before_switch` (new version written, `ACTUEL` not yet replaced).
pub const CRASH_AT_ENV: &str = "MESURE_CRASH_AT";

/// Where a stored table of one month came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSource {
    /// The file's name as uploaded.
    pub fichier: String,
    /// Its SHA-256, the name of the raw copy.
    pub empreinte: String,
}

/// The sources of every table of one stored month.
pub type Sources = BTreeMap<String, TableSource>;

/// A month's new version, written but not yet current.
#[derive(Debug, Clone)]
pub struct PendingMonth {
    manufacture: String,
    month: Month,
    dir: PathBuf,
    version: String,
}

impl PendingMonth {
    /// Whether this is the new version of that manufacture's month.
    pub fn is_for(&self, manufacture: &str, month: Month) -> bool {
        self.manufacture == manufacture && self.month == month
    }

    /// The manufacture and month this version is for.
    pub fn key(&self) -> (&str, Month) {
        (&self.manufacture, self.month)
    }
}

/// One stored month as a reader found it: its current version's folder.
#[derive(Debug, Clone)]
pub struct StoredMonth {
    /// The manufacture.
    pub manufacture: String,
    /// The month.
    pub month: Month,
    version: PathBuf,
}

impl StoredMonth {
    /// One of this version's tables, `None` if the month has no such table. A version removed
    /// since the snapshot (a writer replaced the month) is an error for which
    /// [`Error::is_gone`] holds: read a new snapshot.
    pub fn read_table(&self, table: &str) -> Result<Option<DataFrame>> {
        read_version_table(&self.version, table)
    }
}

fn read_version_table(version: &Path, table: &str) -> Result<Option<DataFrame>> {
    let path = version.join(format!("{table}.parquet"));
    let file = match fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && version.is_dir() => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    ParquetReader::new(file)
        .finish()
        .map(Some)
        .map_err(|e| polars_error(&path, e))
}

/// A workspace's store.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// The SHA-256 of a file, in hexadecimal, read as it goes.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The SHA-256 of some bytes, in hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// A polars failure on a file, keeping the kind of an underlying I/O error (a full disk).
fn polars_error(path: &Path, err: PolarsError) -> Error {
    let kind = match &err {
        PolarsError::IO { error, .. } => error.kind(),
        _ => std::io::ErrorKind::Other,
    };
    Error::io(path, std::io::Error::new(kind, err.to_string()))
}

/// A store opened for writing: it holds the writers' lock until dropped.
#[derive(Debug)]
pub struct Writer {
    store: Store,
    _lock: WriteLock,
}

impl std::ops::Deref for Writer {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

impl Store {
    /// Opens the store in `root` for writing, creating it if needed: takes the writers' lock
    /// (waiting for another writer, after `on_wait` is told who it is; `doing` says who this
    /// one is), then finishes a rebuild that a crash interrupted.
    pub fn lock(root: &Path, doing: &str, on_wait: &dyn Fn(&str)) -> Result<Writer> {
        let lock = WriteLock::acquire(root, doing, on_wait)?;
        recover_interrupted_swap(root)?;
        for dir in [root.join(RAW_DIR), root.join(TABLES_DIR)] {
            fs::create_dir_all(&dir).map_err(io(&dir))?;
        }
        Ok(Writer {
            store: Store {
                root: root.to_path_buf(),
            },
            _lock: lock,
        })
    }

    /// The store in `root` for reading, without creating anything or taking any lock (an
    /// absent store reads as empty).
    pub fn read(root: &Path) -> Self {
        Store {
            root: root.to_path_buf(),
        }
    }

    /// The store in `root` if there is one, for reading (see [`Store::read`]).
    pub fn open_existing(root: &Path) -> Option<Self> {
        let store = Store::read(root);
        store.tables_dir().is_dir().then_some(store)
    }

    /// The folder of the current tables. A rebuild interrupted between its two renames leaves
    /// only the old tables aside, which are then the current ones until a writer puts them back.
    fn tables_dir(&self) -> PathBuf {
        let tables = self.root.join(TABLES_DIR);
        let old = self.root.join(OLD_TABLES_DIR);
        if !tables.exists() && old.is_dir() {
            old
        } else {
            tables
        }
    }

    /// The store's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the raw copy of a file with this hash and extension is kept.
    pub fn raw_path(&self, hash: &str, extension: &str) -> PathBuf {
        self.root.join(RAW_DIR).join(format!("{hash}.{extension}"))
    }

    /// Keeps a file unchanged under its hash, copied from `source` without loading it
    /// (written aside, then renamed).
    pub fn save_raw_file(&self, source: &Path, hash: &str, extension: &str) -> Result<PathBuf> {
        let path = self.raw_path(hash, extension);
        if !path.exists() {
            crate::files::write_atomically(&path, |out| {
                let mut input = fs::File::open(source).map_err(|e| Error::io(source, e))?;
                std::io::copy(&mut input, out).map_err(|e| Error::io(&path, e))?;
                Ok(())
            })?;
        }
        Ok(path)
    }

    /// Keeps a file's bytes unchanged under their hash (written aside, then renamed).
    pub fn save_raw(&self, bytes: &[u8], hash: &str, extension: &str) -> Result<PathBuf> {
        let path = self.raw_path(hash, extension);
        if !path.exists() {
            write_file(&path, bytes)?;
        }
        Ok(path)
    }

    fn month_dir(&self, manufacture: &str, month: Month) -> PathBuf {
        self.tables_dir().join(manufacture).join(month.to_string())
    }

    /// The folder of a month's current version, if the month is stored.
    fn current_version(&self, manufacture: &str, month: Month) -> Result<Option<PathBuf>> {
        let dir = self.month_dir(manufacture, month);
        let pointer = dir.join(CURRENT_FILE);
        match fs::read_to_string(&pointer) {
            Ok(name) => Ok(Some(dir.join(name.trim()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&pointer, e)),
        }
    }

    /// The sources of a stored month's tables (empty when the month is not stored).
    pub fn sources(&self, manufacture: &str, month: Month) -> Result<Sources> {
        let Some(version) = self.current_version(manufacture, month)? else {
            return Ok(Sources::new());
        };
        let path = version.join(SOURCE_FILE);
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        serde_json::from_str(&text).map_err(|e| Error::io(&path, std::io::Error::other(e)))
    }

    /// Whether a submission is already stored from the same file (sending it again changes nothing).
    pub fn holds(&self, submission: &Submission, hash: &str) -> Result<bool> {
        let sources = self.sources(&submission.manufacture, submission.month)?;
        Ok(submission
            .tables
            .keys()
            .all(|table| sources.get(table).is_some_and(|s| s.empreinte == hash)))
    }

    /// Stores a submission as the new version of its month, durably: [`Store::prepare_month`],
    /// [`Store::sync`], then [`Store::switch`]. A workbook replaces every table of the month;
    /// a CSV file only its own.
    pub fn write_month(&self, submission: &Submission, source: &TableSource) -> Result<()> {
        let pending = self.prepare_month(submission, source)?;
        self.sync()?;
        self.switch(&pending)
    }

    /// Writes the new version of a month beside the current one, which stays current.
    pub fn prepare_month(
        &self,
        submission: &Submission,
        source: &TableSource,
    ) -> Result<PendingMonth> {
        let dir = self.month_dir(&submission.manufacture, submission.month);
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let previous = self.current_version(&submission.manufacture, submission.month)?;
        let mut sources = self.sources(&submission.manufacture, submission.month)?;
        let version = next_version_name(&dir, &source.empreinte)?;
        let staging = dir.join(format!(".{version}.partiel"));
        fs::create_dir_all(&staging).map_err(io(&staging))?;
        if submission.whole_month {
            sources.clear();
        } else if let Some(previous) = &previous {
            copy_untouched_tables(previous, &staging, &submission.tables)?;
        }
        for (table, frame) in &submission.tables {
            write_parquet(&staging.join(format!("{table}.parquet")), frame)?;
            sources.insert(table.clone(), source.clone());
        }
        let json = serde_json::to_vec_pretty(&sources).expect("sources serialize");
        write_file(&staging.join(SOURCE_FILE), &json)?;
        let target = dir.join(&version);
        fs::rename(&staging, &target).map_err(io(&target))?;
        // The pointer to switch to is written now, so that switching needs no new space on
        // the disk: only a rename, which a full disk does not refuse.
        let pointer = dir.join(format!(".{CURRENT_FILE}-{version}"));
        fs::write(&pointer, version.as_bytes()).map_err(io(&pointer))?;
        Ok(PendingMonth {
            manufacture: submission.manufacture.clone(),
            month: submission.month,
            dir,
            version,
        })
    }

    /// Makes a prepared version the current one: one rename, which the file system does at
    /// once. Call [`Store::sync`] between preparing and switching.
    pub fn switch(&self, pending: &PendingMonth) -> Result<()> {
        crash_point("before_switch");
        let prepared = pending
            .dir
            .join(format!(".{CURRENT_FILE}-{}", pending.version));
        let pointer = pending.dir.join(CURRENT_FILE);
        fs::rename(&prepared, &pointer).map_err(io(&pointer))?;
        // The month is switched: what is left is cleaning, which the next switch of this
        // month does again if it fails now.
        let _ = remove_stale_versions(&pending.dir, &pending.version);
        Ok(())
    }

    /// Removes whatever was prepared for a month and not switched in (after a failure while
    /// preparing or before switching); the current version stays.
    pub fn discard_unswitched(&self, manufacture: &str, month: Month) -> Result<()> {
        let dir = self.month_dir(manufacture, month);
        if !dir.is_dir() {
            return Ok(());
        }
        match self.current_version(manufacture, month)? {
            Some(current) => {
                let name = current.file_name().and_then(|n| n.to_str()).unwrap_or("");
                remove_stale_versions(&dir, name)
            }
            None => fs::remove_dir_all(&dir).map_err(io(&dir)),
        }
    }

    /// Withdraws a stored month: its pointer is removed (at once), then its versions. Returns
    /// the sources it had, or `None` when the month was not stored.
    pub fn withdraw(&self, manufacture: &str, month: Month) -> Result<Option<Sources>> {
        if self.current_version(manufacture, month)?.is_none() {
            return Ok(None);
        }
        let sources = self.sources(manufacture, month)?;
        let dir = self.month_dir(manufacture, month);
        let pointer = dir.join(CURRENT_FILE);
        fs::remove_file(&pointer).map_err(io(&pointer))?;
        fs::remove_dir_all(&dir).map_err(io(&dir))?;
        Ok(Some(sources))
    }

    /// Flushes everything written to the store to disk (one call for many files: a flush per
    /// file made ingestion spend 90 % of its time waiting for the disk).
    pub fn sync(&self) -> Result<()> {
        let dir = fs::File::open(&self.root).map_err(io(&self.root))?;
        sync_file_system(&dir).map_err(io(&self.root))
    }

    /// One table of one stored month, `None` if that month or table is not stored.
    pub fn read_table(
        &self,
        table: &str,
        manufacture: &str,
        month: Month,
    ) -> Result<Option<DataFrame>> {
        match self.current_version(manufacture, month)? {
            Some(version) => read_version_table(&version, table),
            None => Ok(None),
        }
    }

    /// Every stored month with its current version, sorted: what a reader reads at once, so
    /// that all the tables it reads of a month come from one version.
    pub fn snapshot(&self) -> Result<Vec<StoredMonth>> {
        let tables = self.tables_dir();
        let mut months = Vec::new();
        for manufacture in read_dir_names(&tables)? {
            for month in read_dir_names(&tables.join(&manufacture))? {
                let Ok(parsed) = month.parse::<Month>() else {
                    continue;
                };
                if let Some(version) = self.current_version(&manufacture, parsed)? {
                    months.push(StoredMonth {
                        manufacture: manufacture.clone(),
                        month: parsed,
                        version,
                    });
                }
            }
        }
        months.sort_by(|a, b| (&a.manufacture, a.month).cmp(&(&b.manufacture, b.month)));
        Ok(months)
    }

    /// Every stored (manufacture, month), sorted.
    pub fn stored_months(&self) -> Result<Vec<(String, Month)>> {
        Ok(self
            .snapshot()?
            .into_iter()
            .map(|m| (m.manufacture, m.month))
            .collect())
    }

    /// Appends one line to the ledger (flushed to disk by the next [`Store::sync`]); returns
    /// the ledger's length before it, for [`Store::truncate_ledger`].
    pub fn append_ledger(&self, entry: &LedgerEntry) -> Result<u64> {
        ledger::append(&self.root.join(LEDGER_FILE), entry)
    }

    /// Undoes the ledger lines appended since it was `length` bytes long (for files whose
    /// months could not be switched in).
    pub fn truncate_ledger(&self, length: u64) -> Result<()> {
        ledger::truncate(&self.root.join(LEDGER_FILE), length)
    }

    /// Every ledger line, oldest first.
    pub fn ledger(&self) -> Result<Vec<LedgerEntry>> {
        ledger::read(&self.root.join(LEDGER_FILE))
    }
}

const REBUILD_DIR: &str = ".reconstruction";
const OLD_TABLES_DIR: &str = ".tables-ancien";

/// A rebuild interrupted between its two renames leaves no `tables/`: put the old one back.
fn recover_interrupted_swap(root: &Path) -> Result<()> {
    let (tables, old) = (root.join(TABLES_DIR), root.join(OLD_TABLES_DIR));
    if !tables.exists() && old.exists() {
        fs::rename(&old, &tables).map_err(io(&tables))?;
    }
    Ok(())
}

impl Store {
    /// A fresh store beside this one, sharing nothing, to rebuild the tables into.
    pub fn begin_rebuild(&self) -> Result<Store> {
        let dir = self.root.join(REBUILD_DIR);
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        fs::create_dir_all(dir.join(TABLES_DIR)).map_err(io(&dir))?;
        Ok(Store { root: dir })
    }

    /// Removes a rebuild that will not be swapped in (it failed, or would drop a file).
    pub fn abandon_rebuild(&self, rebuilt: Store) -> Result<()> {
        fs::remove_dir_all(&rebuilt.root).map_err(io(&rebuilt.root))
    }

    /// Replaces this store's tables by the rebuilt ones (two renames; see [`Store::lock`] for
    /// what happens if the process stops between them).
    pub fn finish_rebuild(&self, rebuilt: Store) -> Result<()> {
        let (tables, old) = (self.root.join(TABLES_DIR), self.root.join(OLD_TABLES_DIR));
        if old.exists() {
            fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        fs::rename(&tables, &old).map_err(io(&old))?;
        fs::rename(rebuilt.root.join(TABLES_DIR), &tables).map_err(io(&tables))?;
        fs::remove_dir_all(&old).map_err(io(&old))?;
        fs::remove_dir_all(&rebuilt.root).map_err(io(&rebuilt.root))
    }
}

/// `<n>-<hash12>`, with n one more than the highest version in the folder.
fn next_version_name(dir: &Path, hash: &str) -> Result<String> {
    let highest = read_dir_names(dir)?
        .iter()
        .filter_map(|name| name.split('-').next()?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    Ok(format!("{}-{}", highest + 1, &hash[..12.min(hash.len())]))
}

fn copy_untouched_tables(
    previous: &Path,
    staging: &Path,
    replaced: &BTreeMap<String, DataFrame>,
) -> Result<()> {
    for entry in fs::read_dir(previous).map_err(io(previous))? {
        let path = entry.map_err(io(previous))?.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "parquet") && !replaced.contains_key(stem) {
            let target = staging.join(path.file_name().expect("a file name"));
            fs::copy(&path, &target).map_err(io(&target))?;
        }
    }
    Ok(())
}

/// Removes every version of a month but the current one, and the pointers prepared for them.
fn remove_stale_versions(dir: &Path, current: &str) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() && name != current {
            fs::remove_dir_all(&path).map_err(io(&path))?;
        } else if name.starts_with(&format!(".{CURRENT_FILE}-")) {
            fs::remove_file(&path).map_err(io(&path))?;
        }
    }
    Ok(())
}

/// The names of the sub-folders of a folder (none if it does not exist).
fn read_dir_names(dir: &Path) -> Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(dir))?;
        if entry.path().is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Writes one table of one month. Uncompressed: the files hold a few rows each, and reading
/// thousands of zstd files spent a quarter of its time creating decompression contexts.
fn write_parquet(path: &Path, frame: &DataFrame) -> Result<()> {
    let file = fs::File::create(path).map_err(io(path))?;
    let mut frame = frame.clone();
    ParquetWriter::new(&file)
        .with_compression(ParquetCompression::Uncompressed)
        .finish(&mut frame)
        .map(|_| ())
        .map_err(|e| polars_error(path, e))
}

/// Writes a file whole ([`crate::files::write_bytes_atomically`]); durability comes from
/// [`Store::sync`].
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::files::write_bytes_atomically(path, bytes)
}

/// Flushes the whole file system holding `dir` (Linux `syncfs`), or the folder elsewhere.
fn sync_file_system(dir: &fs::File) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: syncfs only reads the descriptor, which `dir` keeps open during the call.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        dir.sync_all()
    }
}

/// Aborts the process here when the crash-test variable names this point.
fn crash_point(name: &str) {
    if std::env::var(CRASH_AT_ENV).is_ok_and(|v| v == name) {
        std::process::abort();
    }
}
