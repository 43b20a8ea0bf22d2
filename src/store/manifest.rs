//! The manifest: which Parquet file is current for each part of the store (one table's month,
//! or the declarations of one month). It is the store's single source of truth: a file that
//! the manifest does not name is not part of the store, whatever lies in the folders.
//!
//! It is a small JSON-lines file (`manifeste.jsonl`): a head line with the format and the
//! generation, one line per current file, and an end line with the count of file lines. A
//! writer writes the next manifest aside and renames it over the current one, which the file
//! system does at once: that rename is the switch from one state of the store to the next (the
//! way Delta Lake and Iceberg switch snapshots).
//!
//! A manifest cut short (no end line, a torn line, a wrong count) is never read as a shorter
//! list, which would drop months in silence: it is rebuilt from the folders, where each part
//! holds its current file named by the generation that wrote it, the highest being current.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::month::Month;

/// The manifest's file, in the store's folder.
pub const MANIFEST_FILE: &str = "manifeste.jsonl";
/// The folder of the tables: `tables/<table>/mois=AAAA-MM/<generation>.parquet`.
pub const TABLES_DIR: &str = "tables";
/// The folder of the declared months: `declarations/mois=AAAA-MM/<generation>.parquet`.
pub const DECLARATIONS_DIR: &str = "declarations";
const FORMAT: &str = "mesure-stockage-2";

/// One part of the store: one table's month, or the declarations of one month.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Part {
    /// `tables/<table>` or `declarations`.
    pub folder: String,
    /// The month.
    pub month: Month,
}

impl Part {
    /// One table's month.
    pub fn table(table: &str, month: Month) -> Self {
        Part {
            folder: format!("{TABLES_DIR}/{table}"),
            month,
        }
    }

    /// The declarations of one month.
    pub fn declarations(month: Month) -> Self {
        Part {
            folder: DECLARATIONS_DIR.to_string(),
            month,
        }
    }

    /// The table this part holds, `None` for declarations.
    pub fn table_id(&self) -> Option<&str> {
        self.folder.strip_prefix(TABLES_DIR)?.strip_prefix('/')
    }

    /// The part's folder, relative to the store: `tables/publics/mois=2025-03`.
    pub fn dir(&self) -> String {
        format!("{}/mois={}", self.folder, self.month)
    }

    /// The part's file written by a generation, relative to the store.
    pub fn file(&self, generation: u64) -> String {
        format!("{}/{generation}.parquet", self.dir())
    }
}

/// Which file is current for each part, and the generation that wrote the newest of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Incremented by every switch; names the files it writes.
    pub generation: u64,
    /// The current file of each part, relative to the store.
    pub files: BTreeMap<Part, String>,
}

/// What was found in the manifest's place.
#[derive(Debug)]
pub enum Found {
    /// No manifest: an empty store, or one in the first layout.
    Missing,
    /// A whole manifest.
    Whole(Manifest),
    /// A manifest cut short or damaged, rebuilt from the folders.
    Rebuilt(Manifest),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    format: String,
    generation: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    dossier: String,
    mois: String,
    fichier: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct End {
    fin: usize,
}

impl Manifest {
    /// Reads the manifest of the store in `root`.
    pub fn read(root: &Path) -> Result<Found> {
        let path = root.join(MANIFEST_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Missing),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => String::new(),
            Err(e) => return Err(Error::io(&path, e)),
        };
        match Manifest::parse(&text) {
            Some(manifest) => Ok(Found::Whole(manifest)),
            None => Manifest::from_folders(root).map(Found::Rebuilt),
        }
    }

    /// The manifest's text, `None` unless whole.
    fn parse(text: &str) -> Option<Manifest> {
        let mut lines = text.split_terminator('\n');
        let head: Head = serde_json::from_str(lines.next()?).ok()?;
        if head.format != FORMAT || !text.ends_with('\n') {
            return None;
        }
        let mut manifest = Manifest {
            generation: head.generation,
            files: BTreeMap::new(),
        };
        for line in lines {
            if let Ok(end) = serde_json::from_str::<End>(line) {
                return (end.fin == manifest.files.len()).then_some(manifest);
            }
            let line: Line = serde_json::from_str(line).ok()?;
            let part = Part {
                folder: line.dossier,
                month: line.mois.parse().ok()?,
            };
            manifest.files.insert(part, line.fichier);
        }
        None
    }

    /// The manifest's text.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string(&Head {
            format: FORMAT.to_string(),
            generation: self.generation,
        })
        .expect("the head serializes");
        text.push('\n');
        for (part, file) in &self.files {
            let line = Line {
                dossier: part.folder.clone(),
                mois: part.month.to_string(),
                fichier: file.clone(),
            };
            text.push_str(&serde_json::to_string(&line).expect("a line serializes"));
            text.push('\n');
        }
        let end = End {
            fin: self.files.len(),
        };
        text.push_str(&serde_json::to_string(&end).expect("the end serializes"));
        text.push('\n');
        text
    }

    /// The manifest the folders say: for each part, its highest generation's file.
    pub fn from_folders(root: &Path) -> Result<Manifest> {
        let mut manifest = Manifest::default();
        let mut folders = vec![DECLARATIONS_DIR.to_string()];
        for table in sub_folders(&root.join(TABLES_DIR))? {
            folders.push(format!("{TABLES_DIR}/{table}"));
        }
        for folder in folders {
            for name in sub_folders(&root.join(&folder))? {
                let Some(month) = name.strip_prefix("mois=").and_then(|m| m.parse().ok()) else {
                    continue;
                };
                let part = Part {
                    folder: folder.clone(),
                    month,
                };
                let newest = generations_in(&root.join(part.dir()))?.into_iter().max();
                if let Some(generation) = newest {
                    manifest.generation = manifest.generation.max(generation);
                    manifest.files.insert(part.clone(), part.file(generation));
                }
            }
        }
        Ok(manifest)
    }

    /// The current files of one table, by month.
    pub fn table_files<'a>(&'a self, table: &'a str) -> impl Iterator<Item = (Month, &'a str)> {
        self.files
            .iter()
            .filter(move |(part, _)| part.table_id() == Some(table))
            .map(|(part, file)| (part.month, file.as_str()))
    }

    /// The current declarations files, by month.
    pub fn declarations_files(&self) -> impl Iterator<Item = (Month, &str)> {
        self.files
            .iter()
            .filter(|(part, _)| part.folder == DECLARATIONS_DIR)
            .map(|(part, file)| (part.month, file.as_str()))
    }
}

/// The generations of the Parquet files in a part's folder (`<generation>.parquet`).
pub fn generations_in(dir: &Path) -> Result<Vec<u64>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut generations = Vec::new();
    for entry in entries {
        let name = entry.map_err(|e| Error::io(dir, e))?.file_name();
        let name = name.to_string_lossy();
        if let Some(generation) = name.strip_suffix(".parquet").and_then(|n| n.parse().ok()) {
            generations.push(generation);
        }
    }
    Ok(generations)
}

/// The names of the sub-folders of a folder, sorted (none if it does not exist).
pub fn sub_folders(dir: &Path) -> Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if entry.path().is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(text: &str) -> Month {
        text.parse().unwrap()
    }

    fn sample() -> Manifest {
        let mut manifest = Manifest {
            generation: 7,
            files: BTreeMap::new(),
        };
        for (part, generation) in [
            (Part::table("publics", month("2025-03")), 7),
            (Part::table("publics", month("2025-04")), 5),
            (Part::declarations(month("2025-03")), 7),
        ] {
            let file = part.file(generation);
            manifest.files.insert(part, file);
        }
        manifest
    }

    #[test]
    fn a_manifest_reads_back_as_written() {
        let manifest = sample();
        let text = manifest.to_text();
        assert!(text.contains(r#""fichier":"tables/publics/mois=2025-03/7.parquet""#));
        assert_eq!(Manifest::parse(&text), Some(manifest));
    }

    #[test]
    fn a_manifest_cut_anywhere_is_never_read_as_a_shorter_list() {
        let text = sample().to_text();
        for cut in 0..text.len() {
            assert_eq!(Manifest::parse(&text[..cut]), None, "cut at {cut}");
        }
        let dropped_line: String = text
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != 2)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        assert_eq!(Manifest::parse(&dropped_line), None);
    }

    #[test]
    fn the_folders_give_each_part_its_highest_generation() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = sample();
        for file in manifest.files.values() {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, b"").unwrap();
        }
        // A superseded file left by a crash after the switch.
        fs::write(
            dir.path().join("tables/publics/mois=2025-04/3.parquet"),
            b"",
        )
        .unwrap();
        assert_eq!(Manifest::from_folders(dir.path()).unwrap(), manifest);
    }
}
