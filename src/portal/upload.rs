//! Files sent through the portal: identified by their content (never by their name or the
//! browser's word), kept aside until their sender confirms them, and previewed: what each
//! would store, what it would replace, and every problem found.
//!
//! Size: about 360 lines of code; the rest is its unit tests.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, Severity};
use crate::files::write_bytes_atomically;
use crate::ingest::CheckedFile;
use crate::ingest::MAX_FILE_BYTES;
use crate::month::Month;
use crate::registry::ManufactureId;
use crate::store::Store;

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A zip archive holding an OpenDocument spreadsheet.
    Ods,
    /// Another zip archive: an Office Open XML workbook, if anything.
    Xlsx,
    /// An OLE compound file: an Excel 97-2003 workbook, if anything.
    Xls,
    /// Text: a CSV file, if anything.
    Csv,
}

impl Content {
    /// The extension the pipeline reads this content by.
    pub fn extension(self) -> &'static str {
        match self {
            Content::Ods => "ods",
            Content::Xlsx => "xlsx",
            Content::Xls => "xls",
            Content::Csv => "csv",
        }
    }
}

/// Why a file was not even kept for checking, in French.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Nothing was sent.
    #[error("aucun fichier reçu : choisissez un ou plusieurs fichiers")]
    Nothing,
    /// The file is empty.
    #[error("{0} : fichier vide")]
    Empty(String),
    /// Too large.
    #[error("{0} : fichier trop volumineux (50 Mo au plus)")]
    TooLarge(String),
    /// Not a spreadsheet nor text.
    #[error(
        "{0} : ce n'est ni un classeur (.xlsx, .xls, .ods) ni un fichier CSV (son contenu n'est pas celui d'un tableur)"
    )]
    NotASpreadsheet(String),
}

/// What a file's bytes are, by their signature: zip (`PK\x03\x04`), OLE (`D0 CF 11 E0`), or
/// text without NUL bytes in its first kilobytes. `None` for anything else (an image, a PDF,
/// an executable).
pub fn identify(bytes: &[u8]) -> Option<Content> {
    if bytes.starts_with(b"PK\x03\x04") {
        // An OpenDocument file stores its type uncompressed as the first entry.
        let head = &bytes[..bytes.len().min(200)];
        let ods = head
            .windows(b"opendocument.spreadsheet".len())
            .any(|w| w == b"opendocument.spreadsheet");
        return Some(if ods { Content::Ods } else { Content::Xlsx });
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(Content::Xls);
    }
    let head = &bytes[..bytes.len().min(4096)];
    let text = !head.contains(&0)
        && !head.starts_with(b"%PDF")
        && head
            .iter()
            .filter(|b| b.is_ascii_control() && !matches!(b, b'\n' | b'\r' | b'\t'))
            .count()
            == 0;
    text.then_some(Content::Csv)
}

/// A file name safe to write in the pending folder: the last component of what the browser
/// sent, without control or path characters, at most 100 characters, with the extension its
/// content calls for (`publics.txt` holding CSV becomes `publics.csv`).
pub fn safe_name(sent: &str, content: Content) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = match last.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => last,
    };
    let mut clean: String = stem
        .chars()
        .filter(|c| !c.is_control() && !"<>:\"|?*".contains(*c))
        .take(100)
        .collect();
    clean = clean
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_string();
    if clean.is_empty() {
        clean = "fichier".to_string();
    }
    format!("{clean}.{}", content.extension())
}

/// Checks a sent file before keeping it; returns the name to keep it under.
pub fn accept_file(sent: &str, bytes: &[u8]) -> std::result::Result<String, UploadError> {
    let shown = sent.rsplit(['/', '\\']).next().unwrap_or(sent).to_string();
    if bytes.is_empty() {
        return Err(UploadError::Empty(shown));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(UploadError::TooLarge(shown));
    }
    let content = identify(bytes).ok_or(UploadError::NotASpreadsheet(shown))?;
    Ok(safe_name(sent, content))
}

/// An upload kept aside until its sender confirms or cancels it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Its identifier (a random token: the folder's name).
    pub id: String,
    /// Who sent it.
    pub email: String,
    /// When.
    #[serde(rename = "recu_le")]
    pub received_at: DateTime<Utc>,
    /// The manufacture whose page it was sent from.
    pub manufacture: String,
    /// The files' names, in the folder.
    #[serde(rename = "fichiers")]
    pub files: Vec<String>,
    /// Files refused before being kept (not a spreadsheet, empty, too large), with why.
    #[serde(default)]
    #[serde(rename = "refus")]
    pub refused: Vec<String>,
}

const PENDING_DIR: &str = "attente";
const PENDING_FILE: &str = "depot.json";

impl Pending {
    /// The folder of pending uploads in the portal's folder.
    pub fn root(portal: &Path) -> PathBuf {
        portal.join(PENDING_DIR)
    }

    /// Keeps files aside under a new identifier.
    pub fn keep(
        portal: &Path,
        email: &str,
        manufacture: &str,
        files: &[(String, Vec<u8>)],
        refused: Vec<String>,
    ) -> Result<Pending> {
        let id = super::accounts::random_token();
        let folder = Self::root(portal).join(&id);
        std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
        let mut names: Vec<String> = Vec::new();
        for (name, bytes) in files {
            let mut unique = name.clone();
            let mut n = 2;
            while names.contains(&unique) {
                unique = match name.rsplit_once('.') {
                    Some((stem, ext)) => format!("{stem} ({n}).{ext}"),
                    None => format!("{name} ({n})"),
                };
                n += 1;
            }
            write_bytes_atomically(&folder.join(&unique), bytes)?;
            names.push(unique);
        }
        let pending = Pending {
            id,
            email: email.to_string(),
            received_at: Utc::now(),
            manufacture: manufacture.to_string(),
            files: names,
            refused,
        };
        let bytes = serde_json::to_vec_pretty(&pending).expect("a pending upload serializes");
        write_bytes_atomically(&folder.join(PENDING_FILE), &bytes)?;
        Ok(pending)
    }

    /// A pending upload by its identifier (which must look like one: it names a folder).
    pub fn find(portal: &Path, id: &str) -> Option<Pending> {
        if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let bytes = std::fs::read(Self::root(portal).join(id).join(PENDING_FILE)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The folder holding the files.
    pub fn folder(&self, portal: &Path) -> PathBuf {
        Self::root(portal).join(&self.id)
    }

    /// The files' paths.
    pub fn paths(&self, portal: &Path) -> Vec<PathBuf> {
        let folder = self.folder(portal);
        self.files.iter().map(|name| folder.join(name)).collect()
    }

    /// Removes the upload (confirmed and stored, or cancelled).
    pub fn discard(&self, portal: &Path) -> Result<()> {
        let folder = self.folder(portal);
        match std::fs::remove_dir_all(&folder) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&folder, e)),
            _ => Ok(()),
        }
    }
}

/// A problem as the preview lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemLine {
    /// « feuille Publics, ligne 4, colonne B (nb_personnes) », or « fichier entier ».
    pub place: String,
    /// What is wrong.
    pub message: String,
    /// Whether it blocks the file.
    pub blocking: bool,
}

/// What storing a file would change in one of its months.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthChange {
    /// The manufacture.
    pub manufacture: ManufactureId,
    /// The month.
    pub month: Month,
    /// The version stored now (none if the month is not stored).
    pub from: Option<usize>,
    /// The version the file would make.
    pub to: usize,
    /// Per table: rows before and after, and the numeric columns whose totals change.
    pub tables: Vec<TableChange>,
}

/// One table of a month, before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct TableChange {
    /// The table's sheet name.
    pub sheet: String,
    /// Rows stored now.
    pub rows_before: usize,
    /// Rows the file brings.
    pub rows_after: usize,
    /// `(column, total before, total after)` for each numeric column whose total changes.
    pub totals: Vec<(String, f64, f64)>,
}

/// One file of an upload, previewed.
#[derive(Debug, Clone, PartialEq)]
pub struct FilePreview {
    /// The file's name.
    pub name: String,
    /// Whether it would be stored.
    pub accepted: bool,
    /// Every problem, errors first.
    pub problems: Vec<ProblemLine>,
    /// What it would change, month by month.
    pub changes: Vec<MonthChange>,
}

/// The preview of a checked file against the store: what it would replace.
pub fn preview(
    checked: &CheckedFile,
    store: Option<&Store>,
    definitions: &crate::definitions::Definitions,
    versions: &dyn Fn(&str, Month) -> Option<usize>,
) -> Result<FilePreview> {
    let mut problems: Vec<ProblemLine> = checked
        .problems
        .iter()
        .map(|p| ProblemLine {
            place: p.location.within_file(),
            message: p.message.clone(),
            blocking: p.severity == Severity::Error,
        })
        .collect();
    problems.sort_by_key(|p| !p.blocking);
    let mut changes = Vec::new();
    for submission in &checked.submissions {
        let from = versions(&submission.manufacture, submission.month);
        let mut tables = Vec::new();
        for (id, rows) in &submission.tables {
            let frame = &rows.frame();
            let before = match store {
                Some(store) => store.read_table(id, &submission.manufacture, submission.month)?,
                None => None,
            };
            let sheet = definitions
                .tables
                .iter()
                .find(|t| t.id == *id)
                .map_or(id.clone(), |t| t.sheet.clone());
            let numeric: Vec<&str> = definitions
                .tables
                .iter()
                .find(|t| t.id == *id)
                .map(|t| {
                    t.columns
                        .iter()
                        .filter(|c| c.kind.is_numeric())
                        .map(|c| c.name.as_str())
                        .collect()
                })
                .unwrap_or_default();
            let totals = numeric
                .iter()
                .filter_map(|column| {
                    let after = column_total(frame, column);
                    let before = before.as_ref().map_or(0.0, |b| column_total(b, column));
                    ((after - before).abs() > 1e-9).then(|| (column.to_string(), before, after))
                })
                .collect();
            tables.push(TableChange {
                sheet,
                rows_before: before.as_ref().map_or(0, |b| b.height()),
                rows_after: frame.height(),
                totals,
            });
        }
        changes.push(MonthChange {
            manufacture: submission.manufacture.clone(),
            month: submission.month,
            from,
            to: from.unwrap_or(0) + 1,
            tables,
        });
    }
    Ok(FilePreview {
        name: checked
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string(),
        accepted: checked.is_accepted(),
        problems,
        changes,
    })
}

fn column_total(frame: &polars::prelude::DataFrame, column: &str) -> f64 {
    frame
        .column(column)
        .ok()
        .and_then(crate::store::column_sum)
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_content_not_their_name() {
        assert_eq!(identify(b"PK\x03\x04rest"), Some(Content::Xlsx));
        let ods = b"PK\x03\x04....mimetypeapplication/vnd.oasis.opendocument.spreadsheetPK";
        assert_eq!(identify(ods), Some(Content::Ods));
        assert_eq!(
            identify(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Some(Content::Xls)
        );
        assert_eq!(
            identify(b"categorie;nb\r\nretrait\xe9;1\r\n"),
            Some(Content::Csv)
        );
        assert_eq!(identify(b"%PDF-1.7\n"), None);
        assert_eq!(identify(b"\x89PNG\r\n\x1a\n\0\0"), None);
        assert_eq!(identify(b"MZ\x90\0\x03"), None);
        assert_eq!(
            accept_file("C:\\Users\\x\\photo.xlsx", b"\x89PNG\r\n\x1a\n\0"),
            Err(UploadError::NotASpreadsheet("photo.xlsx".into()))
        );
        assert_eq!(
            accept_file("publics.txt", b"a;b\n").unwrap(),
            "publics.csv",
            "CSV content gets the CSV extension"
        );
    }

    #[test]
    fn names_cannot_escape_the_folder() {
        assert_eq!(safe_name("../../etc/passwd", Content::Csv), "passwd.csv");
        assert_eq!(safe_name("..\\..\\boot.ini", Content::Csv), "boot.csv");
        assert_eq!(safe_name("..", Content::Xlsx), "fichier.xlsx");
        assert_eq!(safe_name("", Content::Xlsx), "fichier.xlsx");
        assert_eq!(
            safe_name("mp003 <mars>.xlsx", Content::Xlsx),
            "mp003 mars.xlsx"
        );
        assert_eq!(safe_name(&"a".repeat(500), Content::Ods).len(), 104);
    }

    #[test]
    fn a_pending_upload_is_found_by_its_id_only() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![
            ("a.csv".to_string(), b"x".to_vec()),
            ("a.csv".to_string(), b"y".to_vec()),
        ];
        let pending = Pending::keep(dir.path(), "g@x.fr", "mp001", &files, vec![]).unwrap();
        assert_eq!(pending.files, ["a.csv", "a (2).csv"]);
        assert_eq!(
            Pending::find(dir.path(), &pending.id),
            Some(pending.clone())
        );
        assert_eq!(Pending::find(dir.path(), "../attente"), None);
        assert_eq!(std::fs::read(&pending.paths(dir.path())[1]).unwrap(), b"y");
        pending.discard(dir.path()).unwrap();
        assert_eq!(Pending::find(dir.path(), &pending.id), None);
    }
}
