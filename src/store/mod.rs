//! The store: every accepted file kept unchanged under its SHA-256, the tables as Parquet
//! files, one per table and month for all manufactures, and an append-only ledger of uploads.
//!
//! Layout of `store/`:
//!
//! ```text
//! verrou                                          the writers' lock (see [`WriteLock`])
//! brut/<sha256>.<ext>                             the files as received
//! depots.jsonl                                    the ledger, one JSON line per file received
//! manifeste.jsonl                                 the current file of each table and month
//! tables/<table>/mois=AAAA-MM/<generation>.parquet  a table's rows of one month, every manufacture
//! declarations/mois=AAAA-MM/<generation>.parquet    who declared which table that month, from which file
//! ```
//!
//! The folders are hive-style (`mois=AAAA-MM`): the month is in the path, not in the files,
//! which DuckDB, Spark or Trino read as a column. The manifest ([`Manifest`]) names the current
//! file of each part; a change writes new files beside the current ones, flushes them to disk,
//! then replaces the manifest by a rename, which the file system does at once: a crash before
//! the rename leaves the old store, after it the new one, never a mix. The files it superseded
//! are removed after the switch. A change costs what it touches: a one-month re-upload rewrites
//! that month's files and the manifest, nothing else.
//!
//! Writers hold the store's lock ([`Store::lock`]) and change it through a [`Transaction`], so
//! two processes never interleave their changes. Readers take no lock and never wait: they
//! read the manifest, then its files, and start again if a writer removed one meanwhile
//! ([`Error::is_gone`]).

mod cleanup;
mod declarations;
mod ledger;
mod lock;
mod manifest;
mod part_file;
mod rows;
mod snapshot;
mod transaction;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use declarations::{
    Declaration, MonthDeclarations, TABLE as DECLARED_TABLE_COLUMN, Totals, column_sum, totals_of,
};
pub(crate) use ledger::append_json_line;
pub use ledger::{LedgerEntry, LedgerMonth, Outcome};
pub use lock::WriteLock;
pub use manifest::{DECLARATIONS_DIR, MANIFEST_FILE, Manifest, Part, TABLES_DIR};
pub use rows::Rows;
pub use snapshot::Snapshot;
use snapshot::{on_reading_threads, read_declarations, read_parquet};
pub use transaction::Transaction;

/// One manufacture's month to store: the tables it brings, as ingestion checked them.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The manufacture's id.
    pub manufacture: ManufactureId,
    /// The month.
    pub month: Month,
    /// The tables, by id: `ligne` then the declared columns.
    pub tables: BTreeMap<String, Rows>,
    /// Whether the file is a whole month (a workbook), replacing every table of that month, or
    /// only some tables of it (a CSV file), replacing only those.
    pub whole_month: bool,
}

use crate::error::{Error, Result};
use crate::month::Month;
use crate::registry::ManufactureId;
use manifest::Found;

const RAW_DIR: &str = "brut";
const LEDGER_FILE: &str = "depots.jsonl";
/// The files a change is writing and superseding, listed before it writes them, so that the
/// next writer removes what a crash left behind.
const CHANGE_FILE: &str = "changement-en-cours.jsonl";
/// The next manifest, written aside before the switch.
const NEXT_MANIFEST_FILE: &str = "manifeste.jsonl.suivant";
/// The column naming each row's manufacture, in every table file.
pub const MANUFACTURE_COLUMN: &str = "id_manufacture";
/// The column a reader adds from the folder's name (`mois=AAAA-MM`).
pub const MONTH_COLUMN: &str = "mois";

/// Environment variable naming a point where the process aborts, to test crashes:
/// `before_switch` (new files and next manifest written and flushed, manifest not yet
/// replaced) or `after_switch` (manifest replaced, superseded files not yet removed).
pub const CRASH_AT_ENV: &str = "MESURE_CRASH_AT";

/// Where a stored table of one month came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSource {
    /// The file's name as uploaded.
    #[serde(rename = "fichier")]
    pub file: String,
    /// Its SHA-256, the name of the raw copy.
    #[serde(rename = "empreinte")]
    pub hash: String,
}

/// The sources of every table of one stored month.
pub type Sources = BTreeMap<String, TableSource>;

/// A workspace's store.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
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
    /// one is), then cleans what a writer stopped by a crash left: the files of a change not
    /// switched in, or superseded and not yet removed, and a manifest cut short.
    pub fn lock(root: &Path, doing: &str, on_wait: &dyn Fn(&str)) -> Result<Writer> {
        let lock = WriteLock::acquire(root, doing, on_wait)?;
        let raw = root.join(RAW_DIR);
        fs::create_dir_all(&raw).map_err(io(&raw))?;
        let writer = Writer {
            store: Store {
                root: root.to_path_buf(),
            },
            _lock: lock,
        };
        writer.recover()?;
        Ok(writer)
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
        let exists = root.join(MANIFEST_FILE).exists() || root.join(TABLES_DIR).is_dir();
        exists.then_some(store)
    }

    /// The store's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The current manifest. A store still in the first layout (a folder per manufacture) is
    /// an error that says to convert it with `mesure rebuild`.
    pub fn manifest(&self) -> Result<Manifest> {
        match Manifest::read(&self.root)? {
            Found::Whole(manifest) | Found::Rebuilt(manifest) => Ok(manifest),
            Found::Missing if is_first_layout(&self.root)? => Err(Error::Refused(format!(
                "le stockage {} est dans l'ancien format (un dossier par manufacture) : lancez « mesure rebuild » pour le convertir (les fichiers reçus et le registre des dépôts sont gardés)",
                self.root.display()
            ))),
            Found::Missing => Ok(Manifest::default()),
        }
    }

    /// What a reader reads at once: the current manifest, whose files all come from one state
    /// of the store.
    pub fn snapshot(&self) -> Result<Snapshot> {
        Ok(Snapshot {
            root: self.root.clone(),
            manifest: self.manifest()?,
        })
    }

    /// Where the raw copy of a file with this hash and extension is kept.
    pub fn raw_path(&self, hash: &str, extension: &str) -> PathBuf {
        self.root.join(RAW_DIR).join(format!("{hash}.{extension}"))
    }

    /// Where the raw copy of a ledger entry's file is kept.
    pub fn raw_copy(&self, entry: &LedgerEntry) -> PathBuf {
        self.raw_path(&entry.hash, &raw_extension(Path::new(&entry.file)))
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
            crate::files::write_bytes_atomically(&path, bytes)?;
        }
        Ok(path)
    }

    /// The declarations of one month (none when the month has none).
    pub fn declarations(&self, month: Month) -> Result<MonthDeclarations> {
        self.read_consistently(|snapshot| snapshot.declarations_of(month))
    }

    /// The sources of a stored month's tables (empty when the month is not stored).
    pub fn sources(&self, manufacture: &str, month: Month) -> Result<Sources> {
        Ok(sources_in(&self.declarations(month)?, manufacture))
    }

    /// One table of one stored month (`ligne` then the table's columns), `None` if that month
    /// or table is not stored.
    pub fn read_table(
        &self,
        table: &str,
        manufacture: &str,
        month: Month,
    ) -> Result<Option<DataFrame>> {
        self.read_consistently(|snapshot| snapshot.manufacture_table(table, manufacture, month))
    }

    /// Every stored (manufacture, month), sorted.
    pub fn stored_months(&self) -> Result<Vec<(ManufactureId, Month)>> {
        self.read_consistently(Snapshot::declared_months)
    }

    /// Reads from one snapshot of the store, and again from a new one if a writer removed one
    /// of its files meanwhile ([`Error::is_gone`]): never half of one state and half of another.
    pub fn read_consistently<T>(&self, read: impl Fn(&Snapshot) -> Result<T>) -> Result<T> {
        const ATTEMPTS: usize = 20;
        let mut attempt = 1;
        loop {
            match read(&self.snapshot()?) {
                Err(err) if err.is_gone() && attempt < ATTEMPTS => attempt += 1,
                other => return other,
            }
        }
    }

    /// Flushes everything written to the store to disk (one call for many files: a flush per
    /// file made ingestion spend 90 % of its time waiting for the disk).
    pub fn sync(&self) -> Result<()> {
        let dir = fs::File::open(&self.root).map_err(io(&self.root))?;
        sync_file_system(&dir).map_err(io(&self.root))
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

/// The sources of one manufacture's month, from that month's declarations.
fn sources_in(declarations: &MonthDeclarations, manufacture: &str) -> Sources {
    declarations::of_manufacture(declarations, manufacture)
        .map(|(table, declaration)| {
            let source = TableSource {
                file: declaration.file.clone(),
                hash: declaration.hash.clone(),
            };
            (table.clone(), source)
        })
        .collect()
}

/// Whether the store in `root` is in the first layout: `tables/<manufacture>/<AAAA-MM>/`
/// with a pointer to the current version, or such tables moved aside by a rebuild.
fn is_first_layout(root: &Path) -> Result<bool> {
    if root.join(".tables-ancien").is_dir() {
        return Ok(true);
    }
    for top in manifest::sub_folders(&root.join(TABLES_DIR))? {
        for below in manifest::sub_folders(&root.join(TABLES_DIR).join(&top))? {
            if below.parse::<Month>().is_ok() {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Writes one Parquet file of the store (written aside, then renamed). Compressed with
/// LZ4, which every engine reads and costs little to write.
fn write_parquet(path: &Path, frame: &mut DataFrame) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    crate::files::write_atomically(path, |out| {
        ParquetWriter::new(out)
            .with_compression(ParquetCompression::Lz4Raw)
            .finish(frame)
            .map(|_| ())
            .map_err(|e| polars_error(path, e))
    })
}

/// The extension a file's raw copy is kept under: its own, in lower case (`bin` without one).
pub fn raw_extension(file: &Path) -> String {
    file.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("bin")
        .to_ascii_lowercase()
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
    Ok(hex::encode(hasher.finalize()))
}

/// The SHA-256 of some bytes, in hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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

/// Flushes the whole file system holding `dir` (Linux `syncfs`), or the folder elsewhere.
/// The crate's one `unsafe` block: std has no `syncfs`, and one flush of the file system is
/// what makes a batch of months cost one disk round trip instead of one per file.
#[allow(unsafe_code)]
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
