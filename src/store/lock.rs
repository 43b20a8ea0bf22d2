//! The writers' lock: one process at a time changes a store (an ingest, a rebuild, a
//! withdrawal, later the portal). The lock is the operating system's advisory lock on
//! `store/verrou` (std's `File::lock`), released when the process ends, even by `kill -9`, so a
//! crash never leaves a store locked. The file itself says who holds it, for the message a
//! second writer prints while it waits. Readers never take it.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const LOCK_FILE: &str = "verrou";

/// Holds a store's writers' lock until dropped.
#[derive(Debug)]
pub struct WriteLock {
    file: File,
    path: PathBuf,
}

impl WriteLock {
    /// Takes the lock of the store in `root`, creating the folder if needed. If another
    /// process holds it, calls `on_wait` once with a French sentence saying who, then waits.
    pub fn acquire(root: &Path, doing: &str, on_wait: &dyn Fn(&str)) -> Result<WriteLock> {
        fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
        let path = root.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                on_wait(&format!(
                    "le stockage {} est en cours de modification par {} : attente de la fin…",
                    root.display(),
                    holder(&mut file)
                ));
                file.lock().map_err(|e| Error::io(&path, e))?;
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        let mut lock = WriteLock { file, path };
        lock.say_who(doing)?;
        Ok(lock)
    }

    /// Writes who holds the lock into the lock file (read by a waiting writer).
    fn say_who(&mut self, doing: &str) -> Result<()> {
        let text = format!(
            "{doing} (processus {}, depuis {})\n",
            std::process::id(),
            chrono::Utc::now().format("%d/%m/%Y %H:%M:%S UTC")
        );
        let path = self.path.clone();
        let write = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(text.as_bytes())
        };
        // A full disk may refuse these few bytes: the lock is held all the same.
        match write(&mut self.file) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => Ok(()),
            Err(e) => Err(Error::io(path, e)),
        }
    }
}

/// Who holds the lock, as its holder wrote it.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut text);
    let text = text.trim();
    if text.is_empty() {
        "un autre processus".to_string()
    } else {
        format!("« {text} »")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_waits_and_is_told_who_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let first = WriteLock::acquire(dir.path(), "mesure ingest", &|_| {}).unwrap();
        let root = dir.path().to_path_buf();
        let told = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let heard = told.clone();
        let second = std::thread::spawn(move || {
            WriteLock::acquire(&root, "mesure rebuild", &|m| {
                *heard.lock().unwrap() = m.to_string();
            })
            .map(|_| ())
        });
        // Wait until the second writer has said it waits, then let it through.
        for _ in 0..500 {
            if !told.lock().unwrap().is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let message = told.lock().unwrap().clone();
        assert!(message.contains("« mesure ingest (processus"), "{message}");
        assert!(message.contains("attente"), "{message}");
        drop(first);
        second.join().unwrap().unwrap();
    }
}
