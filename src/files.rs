//! Writing a file whole: through a temporary file in the same folder, renamed into place once
//! complete. Readers, and a failure half-way (a full disk, a crash), see the previous file or
//! the new one, never a cut one. The store, the reports and the exports all write this way.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `path` through a temporary file renamed into place. Failures name `path` (an I/O
/// error raised inside `write` keeps its kind, so a full disk is told as such). The file gets
/// the permissions a plain `File::create` would give. Durability is the caller's: the store
/// flushes once per batch.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let named = |err: Error| match err {
        Error::Io { source, .. } => Error::io(path, source),
        other => other,
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".mesure-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Like File::create: 0o666 less the umask (tempfile's own default is 0o600).
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temporary = builder
        .tempfile_in(folder)
        .map_err(|e| Error::io(path, e))?;
    let mut out = std::io::BufWriter::new(temporary);
    write(&mut out).map_err(named)?;
    let temporary = out
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    temporary
        .persist(path)
        .map(|_| ())
        .map_err(|e| Error::io(path, e.error))
}

/// [`write_atomically`] for bytes already in memory.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |out| {
        out.write_all(bytes).map_err(|e| Error::io(path, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_previous_file_whole_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chiffres.csv");
        write_bytes_atomically(&path, b"avant\n").unwrap();
        let failed = write_atomically(&path, |out| {
            out.write_all(b"moit").unwrap();
            Err(Error::io(
                "",
                std::io::Error::from(std::io::ErrorKind::StorageFull),
            ))
        });
        let err = failed.unwrap_err();
        assert!(err.is_disk_full(), "{err}");
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"avant\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_readable_by_others_as_file_create_makes_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rapport.html");
        write_bytes_atomically(&path, b"<p>").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044, "{mode:o}");
    }
}
