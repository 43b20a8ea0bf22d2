//! A checked file stored: its months put in the transaction, its raw copy kept, its ledger
//! line written; and the report of a file that was only checked.

use std::collections::BTreeMap;

use super::storing::Batch;
use super::{FileReport, Raw};
use crate::error::{Result, Severity};
use crate::ingest::CheckedFile;
use crate::store::{LedgerEntry, LedgerMonth, Outcome, Store, TableSource, Transaction};

pub(super) fn months_of(checked: &CheckedFile) -> Vec<LedgerMonth> {
    checked
        .submissions
        .iter()
        .map(|s| LedgerMonth {
            manufacture: s.manufacture.clone(),
            month: s.month,
            rows: s
                .tables
                .iter()
                .map(|(t, f)| (t.clone(), f.height()))
                .collect::<BTreeMap<_, _>>(),
            replaced: Vec::new(),
        })
        .collect()
}

pub(super) fn report_only(checked: CheckedFile, hash: String) -> FileReport {
    report_of(&checked, hash)
}

/// The report of a checked file, leaving the file (and its months' rows) to be stored: a
/// network's CSV file holds hundreds of thousands of months, not to be copied.
pub(super) fn report_of(checked: &CheckedFile, hash: String) -> FileReport {
    let outcome = if checked.is_accepted() {
        Outcome::Accepted
    } else {
        Outcome::Refused
    };
    FileReport {
        months: months_of(checked),
        path: checked.path.clone(),
        hash,
        outcome,
        problems: checked.problems.clone(),
    }
}

/// A checked file and what storing it needs.
pub(super) struct StoredFile<'a> {
    pub checked: CheckedFile,
    pub raw: &'a Raw,
    pub hash: String,
    pub received_at: Option<chrono::DateTime<chrono::Utc>>,
    pub by: Option<String>,
}

/// Stores an accepted file: raw copy, ledger line, then each month into the transaction. The
/// ledger line says which stored files each month replaces.
pub(super) fn store_file(
    store: &Store,
    transaction: &mut Transaction,
    file: StoredFile,
    batch: &mut Batch,
    report_index: usize,
) -> Result<FileReport> {
    let StoredFile {
        checked,
        raw,
        hash,
        received_at,
        by,
    } = file;
    let mut report = report_of(&checked, hash.clone());
    let file_name = checked
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    if report.outcome == Outcome::Accepted {
        let mut already = !checked.submissions.is_empty();
        for (submission, month) in checked.submissions.iter().zip(report.months.iter_mut()) {
            let sources = transaction.sources(&submission.manufacture, submission.month)?;
            already &= submission
                .tables
                .keys()
                .all(|table| sources.get(table).is_some_and(|s| s.hash == hash));
            let mut replaced: Vec<String> = sources
                .iter()
                .filter(|(table, _)| {
                    submission.whole_month || submission.tables.contains_key(*table)
                })
                .map(|(_, s)| s.hash.clone())
                .filter(|h| *h != hash)
                .collect();
            replaced.sort();
            replaced.dedup();
            month.replaced = replaced;
        }
        if already {
            report.outcome = Outcome::AlreadyReceived;
        }
    }
    // The months move into the ledger line and back (a network's CSV file has hundreds of
    // thousands of them).
    let entry = LedgerEntry {
        received_at: received_at.unwrap_or_else(chrono::Utc::now),
        file: file_name.clone(),
        hash: hash.clone(),
        outcome: report.outcome,
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        months: std::mem::take(&mut report.months),
        by,
    };
    if report.outcome != Outcome::Accepted {
        report.months = entry.months.clone();
        if !hash.is_empty() {
            let at = store.append_ledger(&entry)?;
            batch.refused.push((at, entry));
        }
        return Ok(report);
    }
    let extension = crate::store::raw_extension(&checked.path);
    match raw {
        Raw::Bytes(bytes) => store.save_raw(bytes, &hash, &extension)?,
        Raw::File(source, _) => store.save_raw_file(source, &hash, &extension)?,
        Raw::Unreadable => unreachable!("an unreadable file is never accepted"),
    };
    let at = store.append_ledger(&entry)?;
    report.months = entry.months;
    batch.files.push((report_index, at));
    let source = TableSource {
        file: file_name,
        hash,
    };
    for submission in &checked.submissions {
        transaction.put(submission, &source)?;
    }
    Ok(report)
}
