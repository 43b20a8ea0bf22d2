//! The store: every accepted file kept unchanged under its SHA-256, the tables as Parquet
//! files partitioned by manufacture, month and table, and an append-only ledger of uploads.
//!
//! Layout of `store/`:
//!
//! ```text
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

mod ledger;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use ledger::{LedgerEntry, LedgerMonth, Outcome};

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
}

/// A workspace's store.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
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

fn polars_error(path: &Path, err: PolarsError) -> Error {
    Error::io(path, std::io::Error::other(err.to_string()))
}

impl Store {
    /// Opens (and creates if needed) the store in `root`.
    pub fn open(root: &Path) -> Result<Self> {
        recover_interrupted_swap(root)?;
        for dir in [root.join(RAW_DIR), root.join(TABLES_DIR)] {
            fs::create_dir_all(&dir).map_err(io(&dir))?;
        }
        Ok(Store {
            root: root.to_path_buf(),
        })
    }

    /// The store in `root` if there is one, without creating anything (for a dry run).
    pub fn open_existing(root: &Path) -> Option<Self> {
        root.join(TABLES_DIR).is_dir().then(|| Store {
            root: root.to_path_buf(),
        })
    }

    /// The store's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the raw copy of a file with this hash and extension is kept.
    pub fn raw_path(&self, hash: &str, extension: &str) -> PathBuf {
        self.root.join(RAW_DIR).join(format!("{hash}.{extension}"))
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
        self.root
            .join(TABLES_DIR)
            .join(manufacture)
            .join(month.to_string())
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
        write_file(&pending.dir.join(CURRENT_FILE), pending.version.as_bytes())?;
        remove_stale_versions(&pending.dir, &pending.version)
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
        let Some(version) = self.current_version(manufacture, month)? else {
            return Ok(None);
        };
        let path = version.join(format!("{table}.parquet"));
        if !path.exists() {
            return Ok(None);
        }
        let file = fs::File::open(&path).map_err(io(&path))?;
        ParquetReader::new(file)
            .finish()
            .map(Some)
            .map_err(|e| polars_error(&path, e))
    }

    /// Every stored (manufacture, month), sorted.
    pub fn stored_months(&self) -> Result<Vec<(String, Month)>> {
        let tables = self.root.join(TABLES_DIR);
        let mut months = Vec::new();
        for manufacture in read_dir_names(&tables)? {
            for month in read_dir_names(&tables.join(&manufacture))? {
                let Ok(parsed) = month.parse::<Month>() else {
                    continue;
                };
                if self.current_version(&manufacture, parsed)?.is_some() {
                    months.push((manufacture.clone(), parsed));
                }
            }
        }
        months.sort();
        Ok(months)
    }

    /// Appends one line to the ledger (flushed to disk by the next [`Store::sync`]).
    pub fn append_ledger(&self, entry: &LedgerEntry) -> Result<()> {
        ledger::append(&self.root.join(LEDGER_FILE), entry)
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

    /// Replaces this store's tables by the rebuilt ones (two renames; see [`Store::open`] for
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

fn remove_stale_versions(dir: &Path, current: &str) -> Result<()> {
    for name in read_dir_names(dir)? {
        if name != current {
            let path = dir.join(&name);
            fs::remove_dir_all(&path).map_err(io(&path))?;
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

/// Writes a file beside its place, then renames it into place: readers see the old file or
/// the new one, never half of it. Durability comes from [`Store::sync`].
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("fichier");
    let temporary = path.with_file_name(format!(".{name}.tmp"));
    let mut file = fs::File::create(&temporary).map_err(io(&temporary))?;
    file.write_all(bytes).map_err(io(&temporary))?;
    fs::rename(&temporary, path).map_err(io(path))
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
