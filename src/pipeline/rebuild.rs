//! The whole store remade from its raw files and its ledger (`mesure rebuild`), which also
//! converts a store of the first layout.

use std::path::Path;

use crate::error::{Location, Problem, Result, Severity};
use crate::ingest::{Context, FileKind, check_file, file_kind};
use crate::store::{LedgerEntry, Outcome, Store, TableSource, Transaction, sha256_hex};
use crate::workspace::Workspace;

/// What a rebuild did.
#[derive(Debug, Clone, Default)]
pub struct RebuildReport {
    /// Files read again and stored.
    pub files: usize,
    /// Months stored.
    pub months: usize,
    /// Months withdrawn by `mesure retirer`, honoured again.
    pub withdrawn: usize,
    /// Why the rebuilt tables were not swapped in (the current tables are kept): files that
    /// are no longer accepted, or that cannot be read.
    pub problems: Vec<Problem>,
}

impl RebuildReport {
    /// Whether the rebuilt tables replaced the current ones.
    pub fn is_done(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Recreates every table from the raw files alone, in the ledger's order (withdrawals
/// included), then switches the rebuilt tables in at once (converting a store of the first
/// layout). With the same definitions, the tables are
/// identical to those ingested. An accepted file that can no longer be stored (the registry
/// or the definitions changed, the raw copy is damaged) is never dropped in silence: the
/// rebuild is abandoned, the current tables are kept, and the report says why.
pub fn rebuild(workspace: &Workspace, on_wait: &dyn Fn(&str)) -> Result<RebuildReport> {
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let context = Context::now(&definitions, &registry);
    let store = Store::lock(&workspace.store, "mesure rebuild", on_wait)?;
    let ledger = store.ledger()?;
    let mut rebuilt = store.rebuild_transaction()?;
    let mut report = RebuildReport::default();
    replay(&store, &mut rebuilt, &ledger, &context, &mut report)?;
    if report.is_done() {
        rebuilt.commit()?;
    }
    Ok(report)
}

/// Stores again, into `rebuilt`, every accepted file and withdrawal of the ledger, in order.
fn replay(
    store: &Store,
    rebuilt: &mut Transaction,
    ledger: &[LedgerEntry],
    context: &Context,
    report: &mut RebuildReport,
) -> Result<()> {
    for entry in ledger {
        match entry.outcome {
            Outcome::Accepted => {}
            Outcome::Withdrawn => {
                for month in &entry.months {
                    rebuilt.withdraw(&month.manufacture, month.month)?;
                    report.withdrawn += 1;
                }
                continue;
            }
            Outcome::Refused | Outcome::AlreadyReceived => continue,
        }
        let raw = store.raw_copy(entry);
        let at = Location::file(&raw);
        let named = Path::new(&entry.file);
        let kept = if file_kind(named) == Ok(FileKind::Csv) {
            crate::store::sha256_file(&raw).map(|hash| (hash, None))
        } else {
            std::fs::read(&raw).map(|bytes| (sha256_hex(&bytes), Some(bytes)))
        };
        let bytes = match kept {
            Ok((hash, bytes)) if hash == entry.hash => bytes,
            Ok(_) => {
                report.problems.push(Problem::error(
                    at,
                    format!("{} : le fichier gardé ne correspond plus à son empreinte : il a été modifié", entry.file),
                ));
                continue;
            }
            Err(e) => {
                report.problems.push(Problem::error(
                    at,
                    format!("{} : {}", entry.file, crate::error::french_io(&e)),
                ));
                continue;
            }
        };
        // The raw copy is named by hash: check it under its original name, for the format.
        let checked = match &bytes {
            Some(bytes) => check_file(named, bytes, context),
            None => crate::ingest::check_csv_file(named, &raw, context),
        };
        if !checked.is_accepted() {
            let months: Vec<String> = entry
                .months
                .iter()
                .map(|m| format!("{} {}", m.manufacture, m.month))
                .collect();
            let message = format!(
                "{} (reçu le {}, {}) est refusé par le registre ou les définitions actuels : corrigez-les, ou retirez ce mois avec mesure retirer",
                entry.file,
                entry.received_at.format("%Y-%m-%d"),
                months.join(", ")
            );
            report.problems.push(Problem::error(at, message));
            report.problems.extend(
                checked
                    .problems
                    .into_iter()
                    .filter(|p| p.severity == Severity::Error),
            );
            continue;
        }
        let source = TableSource {
            file: entry.file.clone(),
            hash: entry.hash.clone(),
        };
        for submission in &checked.submissions {
            rebuilt.put(submission, &source)?;
            report.months += 1;
        }
        report.files += 1;
    }
    Ok(())
}
