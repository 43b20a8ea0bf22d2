//! A change to the store, gathered in memory and switched in at once: the months that files
//! bring or a withdrawal takes away, by table and month. [`Transaction::commit`] writes the
//! new file of each part it touches (the current file's rows of the other manufactures, then
//! the new rows), flushes them to disk, and replaces the manifest by a rename; then it removes
//! the files it superseded. Until the rename, readers see the store as it was.
//!
//! While it is open, a transaction is also what later files of the same batch see: a second
//! file for a month replaces the first, and what a file replaces is known before anything is
//! written.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use rayon::prelude::*;

use super::cleanup::{remove_file_and_empty_folder, sweep};
use super::declarations::{self, Declaration, MonthDeclarations};
use super::manifest::{Manifest, Part};
use super::part_file::{Content, Job, TableChange};
use super::{
    CHANGE_FILE, MANIFEST_FILE, NEXT_MANIFEST_FILE, Sources, Submission, TableSource, Writer,
    crash_point, io, read_declarations, sources_in, write_parquet,
};
use crate::error::{Error, Result};
use crate::month::Month;

/// A change to the store, open until committed (dropping it changes nothing).
pub struct Transaction<'w> {
    writer: &'w Writer,
    base: Manifest,
    /// A rebuild replaces every file of the current manifest.
    replaces_all: Option<Manifest>,
    months: BTreeMap<Month, MonthChange>,
    rows: usize,
}

/// What a transaction does to one month.
#[derive(Default)]
struct MonthChange {
    /// The month's declarations as they will be.
    declarations: MonthDeclarations,
    changed: bool,
    tables: BTreeMap<String, TableChange>,
}

impl Writer {
    /// A change to the store as it is.
    pub fn transaction(&self) -> Result<Transaction<'_>> {
        Ok(Transaction {
            writer: self,
            base: self.manifest()?,
            replaces_all: None,
            months: BTreeMap::new(),
            rows: 0,
        })
    }

    /// A change that replaces the whole store (a rebuild): it starts empty, and its commit
    /// removes every file it does not name, including a store in the first layout.
    pub fn rebuild_transaction(&self) -> Result<Transaction<'_>> {
        let current = match self.manifest() {
            Ok(manifest) => manifest,
            Err(Error::Refused(_)) => Manifest::default(), // the first layout, converted
            Err(other) => return Err(other),
        };
        Ok(Transaction {
            writer: self,
            base: Manifest {
                generation: current.generation,
                files: BTreeMap::new(),
            },
            replaces_all: Some(current),
            months: BTreeMap::new(),
            rows: 0,
        })
    }
}

impl<'w> Transaction<'w> {
    /// The month's change, its declarations read from the store when first touched.
    fn month(&mut self, month: Month) -> Result<&mut MonthChange> {
        if !self.months.contains_key(&month) {
            let declarations = match self.base.files.get(&Part::declarations(month)) {
                Some(file) => read_declarations(&self.writer.root().join(file))?,
                None => MonthDeclarations::new(),
            };
            let change = MonthChange {
                declarations,
                ..MonthChange::default()
            };
            self.months.insert(month, change);
        }
        Ok(self.months.get_mut(&month).expect("inserted above"))
    }

    /// A month's declarations, as they will be once committed.
    pub fn declarations(&mut self, month: Month) -> Result<&MonthDeclarations> {
        Ok(&self.month(month)?.declarations)
    }

    /// The sources of a manufacture's month, as they will be once committed.
    pub fn sources(&mut self, manufacture: &str, month: Month) -> Result<Sources> {
        Ok(sources_in(self.declarations(month)?, manufacture))
    }

    /// Rows added so far, to commit before memory grows too large.
    pub fn pending_rows(&self) -> usize {
        self.rows
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.months.values().all(|m| !m.changed)
    }

    /// Stores a submission as its month's new data: a workbook replaces every table of that
    /// manufacture's month, a CSV file only its own.
    pub fn put(&mut self, submission: &Submission, source: &TableSource) -> Result<()> {
        let manufacture = submission.manufacture.clone();
        let change = self.month(submission.month)?;
        let mut replaced: BTreeSet<String> = submission.tables.keys().cloned().collect();
        if submission.whole_month {
            replaced.extend(declared_tables(&change.declarations, &manufacture));
        }
        for table in &replaced {
            change.drop_rows(&manufacture, table);
        }
        let mut rows = 0;
        for (table, added) in &submission.tables {
            let declaration = Declaration {
                file: source.file.clone(),
                hash: source.hash.clone(),
                rows: added.height() as u64,
                totals: declarations::Totals::Computed(declarations::totals_of(&added.frame())),
            };
            change
                .declarations
                .insert((manufacture.to_string(), table.clone()), declaration);
            let entry = change.tables.entry(table.clone()).or_default();
            entry.added.insert(manufacture.to_string(), added.clone());
            rows += added.height();
        }
        change.changed = true;
        self.rows += rows;
        Ok(())
    }

    /// Withdraws a manufacture's month; returns the sources it had, `None` when it had none.
    pub fn withdraw(&mut self, manufacture: &str, month: Month) -> Result<Option<Sources>> {
        let sources = self.sources(manufacture, month)?;
        if sources.is_empty() {
            return Ok(None);
        }
        let change = self.month(month)?;
        for table in sources.keys() {
            change.drop_rows(manufacture, table);
        }
        change.changed = true;
        Ok(Some(sources))
    }

    /// Writes the new files, flushes them, switches the manifest, then removes the files it
    /// superseded; the transaction then goes on from the new state. On a failure before the
    /// switch, the files written are removed, the store is as it was, and the transaction's
    /// changes are dropped.
    pub fn commit(&mut self) -> Result<()> {
        if self.is_empty() && self.replaces_all.is_none() {
            return Ok(());
        }
        // Only this writer changes the store, but a transaction opened before another one was
        // switched in would switch back to the store it saw, dropping what came between.
        let current = match self.writer.manifest() {
            Ok(manifest) => manifest.generation,
            Err(_) => self.base.generation, // the first layout, which a rebuild replaces
        };
        if current != self.base.generation {
            return Err(Error::internal(
                "stockage",
                format!(
                    "changement préparé sur la génération {} du stockage, qui en est à la {current} ; rien n'est enregistré",
                    self.base.generation
                ),
            ));
        }
        let generation = self.base.generation + 1;
        let mut next = Manifest {
            generation,
            files: self.base.files.clone(),
        };
        let jobs = self.jobs();
        let mut superseded: Vec<String> = jobs
            .iter()
            .filter_map(|job| self.base.files.get(&job.part).cloned())
            .collect();
        if let Some(all) = &self.replaces_all {
            superseded.extend(all.files.values().cloned());
        }
        let written: Vec<String> = jobs.iter().map(|job| job.part.file(generation)).collect();
        let root = self.writer.root().to_path_buf();
        let listing: String = written
            .iter()
            .chain(&superseded)
            .map(|f| format!("{f}\n"))
            .collect();
        crate::files::write_bytes_atomically(&root.join(CHANGE_FILE), listing.as_bytes())?;
        let outcome = self.write_and_switch(jobs, &mut next);
        if let Err(err) = outcome {
            for file in &written {
                let _ = remove_file_and_empty_folder(self.writer, file);
            }
            let _ = fs::remove_file(root.join(NEXT_MANIFEST_FILE));
            let _ = fs::remove_file(root.join(CHANGE_FILE));
            return Err(err);
        }
        crash_point("after_switch");
        // Switched: what is left is cleaning, which the next writer does if this fails.
        let current: BTreeSet<&String> = next.files.values().collect();
        for file in superseded.iter().filter(|f| !current.contains(f)) {
            let _ = remove_file_and_empty_folder(self.writer, file);
        }
        if self.replaces_all.is_some() {
            sweep(self.writer, &next)?;
        }
        let _ = fs::remove_file(root.join(CHANGE_FILE));
        // The transaction goes on from the state it switched to.
        self.months.clear();
        self.base = next;
        self.replaces_all = None;
        self.rows = 0;
        Ok(())
    }

    /// The parts to write, each with the rows it will hold.
    fn jobs(&mut self) -> Vec<Job> {
        let mut jobs = Vec::new();
        for (month, change) in std::mem::take(&mut self.months) {
            if !change.changed {
                continue;
            }
            for (table, rows) in change.tables {
                jobs.push(Job {
                    part: Part::table(&table, month),
                    content: Content::Rows(rows),
                });
            }
            jobs.push(Job {
                part: Part::declarations(month),
                content: Content::Declarations(change.declarations),
            });
        }
        jobs
    }

    fn write_and_switch(&self, jobs: Vec<Job>, next: &mut Manifest) -> Result<()> {
        let generation = next.generation;
        let results: Vec<(Part, bool)> = super::on_reading_threads(|| {
            jobs.into_par_iter()
                .map(|job| {
                    let base = self.base.files.get(&job.part);
                    let path = self.writer.root().join(job.part.file(generation));
                    let mut frame = job.content.into_frame(self.writer, base, &path)?;
                    let keep = frame.height() > 0;
                    if keep {
                        write_parquet(&path, &mut frame)?;
                    }
                    Ok((job.part, keep))
                })
                .collect::<Result<_>>()
        })?;
        for (part, keep) in results {
            if keep {
                let file = part.file(generation);
                next.files.insert(part, file);
            } else {
                next.files.remove(&part);
            }
        }
        let next_path = self.writer.root().join(NEXT_MANIFEST_FILE);
        fs::write(&next_path, next.to_text()).map_err(io(&next_path))?;
        self.writer.sync()?;
        crash_point("before_switch");
        let manifest = self.writer.root().join(MANIFEST_FILE);
        fs::rename(&next_path, &manifest).map_err(io(&manifest))
    }
}

impl MonthChange {
    /// Takes a manufacture's rows of one table out (current and added), and its declaration.
    fn drop_rows(&mut self, manufacture: &str, table: &str) {
        // Rows, stored or added, are always declared: nothing declared, nothing to drop (the
        // usual case when a network's history comes in).
        let key = (manufacture.to_string(), table.to_string());
        if self.declarations.remove(&key).is_none() {
            return;
        }
        let entry = self.tables.entry(key.1).or_default();
        entry.added.remove(manufacture);
        entry.dropped.insert(key.0);
    }
}

/// The tables a manufacture declared in a month.
fn declared_tables(declarations: &MonthDeclarations, manufacture: &str) -> Vec<String> {
    declarations::of_manufacture(declarations, manufacture)
        .map(|(table, _)| table.clone())
        .collect()
}
