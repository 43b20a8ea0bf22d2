//! What a writer stopped by a crash leaves, cleaned by the next one: a next manifest not
//! switched in, a manifest cut short (written again from the folders), the files of a change
//! not switched in or superseded and not yet removed; and, after a rebuild, every file the new
//! manifest does not name.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::manifest::{Found, Manifest};
use super::{
    CHANGE_FILE, DECLARATIONS_DIR, MANIFEST_FILE, NEXT_MANIFEST_FILE, Store, TABLES_DIR, Writer, io,
};
use crate::error::{Error, Result};

impl Writer {
    /// Cleans what a writer stopped by a crash left: files of a change not switched in, or
    /// superseded and not removed; a manifest cut short, written again from the folders.
    pub(super) fn recover(&self) -> Result<()> {
        let root = self.root();
        let next = root.join(NEXT_MANIFEST_FILE);
        if next.exists() {
            fs::remove_file(&next).map_err(io(&next))?;
        }
        if let Found::Rebuilt(manifest) = Manifest::read(root)? {
            self.sync()?;
            write_manifest(self, &manifest)?;
        }
        let change = root.join(CHANGE_FILE);
        let listed = match fs::read_to_string(&change) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(&change, e)),
        };
        let current: BTreeSet<String> = match self.manifest() {
            Ok(manifest) => manifest.files.into_values().collect(),
            Err(_) => BTreeSet::new(),
        };
        for file in listed
            .lines()
            .filter(|f| !f.is_empty() && !current.contains(*f))
        {
            remove_file_and_empty_folder(self, file)?;
        }
        fs::remove_file(&change).map_err(io(&change))
    }
}

/// Writes a manifest aside and renames it into place.
pub(super) fn write_manifest(writer: &Writer, manifest: &Manifest) -> Result<()> {
    let next = writer.root().join(NEXT_MANIFEST_FILE);
    fs::write(&next, manifest.to_text()).map_err(io(&next))?;
    writer.sync()?;
    let path = writer.root().join(MANIFEST_FILE);
    fs::rename(&next, &path).map_err(io(&path))
}

/// Removes one file of the store (relative to it), then its folder if left empty.
pub(super) fn remove_file_and_empty_folder(store: &Store, file: &str) -> Result<()> {
    let path = store.root().join(file);
    match fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&path, e)),
    }
    if let Some(dir) = path.parent() {
        let _ = fs::remove_dir(dir); // only if empty
    }
    Ok(())
}

/// Removes everything under the tables and declarations folders that the manifest does not
/// name (after a rebuild: the files of the store it replaced, in whatever layout).
pub(super) fn sweep(store: &Store, manifest: &Manifest) -> Result<()> {
    let keep: BTreeSet<PathBuf> = manifest
        .files
        .values()
        .map(|f| store.root().join(f))
        .collect();
    for top in [
        TABLES_DIR,
        DECLARATIONS_DIR,
        ".tables-ancien",
        ".reconstruction",
    ] {
        sweep_folder(&store.root().join(top), &keep)?;
    }
    Ok(())
}

/// Removes the files of `dir` not in `keep`, recursively, and the folders left empty.
fn sweep_folder(dir: &Path, keep: &BTreeSet<PathBuf>) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let path = entry.map_err(io(dir))?.path();
        if path.is_dir() {
            sweep_folder(&path, keep)?;
        } else if !keep.contains(&path) {
            fs::remove_file(&path).map_err(io(&path))?;
        }
    }
    let _ = fs::remove_dir(dir); // only if empty
    Ok(())
}
