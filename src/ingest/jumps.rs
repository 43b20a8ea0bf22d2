//! The warning that compares a month with the previous one: a numeric column's total ten times
//! last month's, or a tenth of it, is often a unit or a typing mistake. Last month's totals
//! come from the store's declarations (a small per-month summary), never from its tables.

use super::{CheckedFile, FileKind, file_kind};
use crate::error::{Location, Problem, Result};
use crate::month::Month;
use crate::store::{MonthDeclarations, Store, Transaction};

/// How many times last month's total a column may reach (or fall below) without a warning.
pub const JUMP_FACTOR: f64 = 10.0;

/// The months before the ones being stored, for the warning that compares a month with the
/// previous one: the store, or the open transaction (which sees the files before this one).
pub trait History {
    /// A month's declarations, with their totals.
    fn declarations(&mut self, month: Month) -> Result<&MonthDeclarations>;
}

impl History for Transaction<'_> {
    fn declarations(&mut self, month: Month) -> Result<&MonthDeclarations> {
        Transaction::declarations(self, month)
    }
}

/// A store's declarations, each month read once.
pub struct StoreHistory {
    store: Store,
    months: std::collections::HashMap<Month, MonthDeclarations>,
}

impl StoreHistory {
    /// The history of a store.
    pub fn new(store: Store) -> Self {
        StoreHistory {
            store,
            months: std::collections::HashMap::new(),
        }
    }
}

impl History for StoreHistory {
    fn declarations(&mut self, month: Month) -> Result<&MonthDeclarations> {
        if !self.months.contains_key(&month) {
            let declarations = self.store.declarations(month)?;
            self.months.insert(month, declarations);
        }
        Ok(&self.months[&month])
    }
}

/// Warns, without blocking, when a numeric column's total is ten times last month's, or a
/// tenth of it: often a unit or a typing mistake (hours for the year, euros for cents). Last
/// month's totals come from its declarations, never from its tables.
pub fn warn_about_jumps(
    history: &mut dyn History,
    definitions: &crate::definitions::Definitions,
    checked: &mut CheckedFile,
) -> Result<()> {
    use crate::numbers::french_plain as format_number;
    let is_csv = file_kind(&checked.path) == Ok(FileKind::Csv);
    let mut warnings = Vec::new();
    for submission in &checked.submissions {
        let previous_month = submission.month.plus(-1);
        let previous = history.declarations(previous_month)?;
        for (table, frame) in &submission.tables {
            let key = (submission.manufacture.to_string(), table.clone());
            let Some(before) = previous.get(&key) else {
                continue;
            };
            let sheet = definitions.table(table).map(|t| t.sheet.clone());
            let before = before.totals.by_column();
            for (name, now) in crate::store::totals_of(&frame.frame()) {
                let Some(&before) = before.get(&name) else {
                    continue;
                };
                if now > 0.0
                    && before > 0.0
                    && (now >= JUMP_FACTOR * before || now * JUMP_FACTOR <= before)
                {
                    let direction = if now > before {
                        "plus de 10 fois"
                    } else {
                        "moins du dixième de"
                    };
                    let location = Location {
                        sheet: if is_csv { None } else { sheet.clone() },
                        ..Location::file(&checked.path)
                    }
                    .with_column(name);
                    warnings.push(Problem::warning(
                        location,
                        format!(
                            "total {} en {}, {direction} celui de {previous_month} ({}) : vérifiez l'unité ou une faute de frappe",
                            format_number(now),
                            submission.month,
                            format_number(before)
                        ),
                    ));
                }
            }
        }
    }
    checked.problems.extend(warnings);
    Ok(())
}
