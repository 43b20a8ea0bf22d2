//! The store being written by an ingest: its open transaction, the files it holds (their
//! ledger lines, to undo), and why storing stopped. If the store cannot be written (a full
//! disk), the files of the open transaction are refused with the reason, their ledger lines
//! undone, and the files after are not stored; the files already switched in stay.

use std::path::Path;

use super::FileReport;
use super::ledger::{StoredFile, store_file};
use crate::error::{Error, Location, Problem, Result};
use crate::store::{LedgerEntry, Outcome, Store, Transaction, Writer};

/// The store being written by an ingest: its open transaction, the files it holds, and why
/// storing stopped, if it did.
pub(super) struct Storing<'w> {
    pub(super) writer: &'w Writer,
    pub(super) transaction: Transaction<'w>,
    pub(super) batch: Batch,
    pub(super) stopped: Option<Problem>,
}

impl<'w> Storing<'w> {
    pub(super) fn new(writer: &'w Writer) -> Result<Self> {
        Ok(Storing {
            writer,
            transaction: writer.transaction()?,
            batch: Batch::default(),
            stopped: None,
        })
    }

    /// Stores one checked file into the transaction, or says why not.
    pub(super) fn store(&mut self, file: StoredFile, reports: &mut Vec<FileReport>) -> Result<()> {
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
    pub(super) fn commit(&mut self, reports: &mut [FileReport]) -> Result<()> {
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
pub(super) struct Batch {
    /// For each file stored in the transaction: its report's index and the ledger's length
    /// before its line.
    pub files: Vec<(usize, u64)>,
    /// The ledger lines of refused files written meanwhile, with the ledger's length before
    /// each, to write again if the batch is undone.
    pub refused: Vec<(u64, LedgerEntry)>,
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
