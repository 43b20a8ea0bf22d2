//! A part's new file (one table's month, or a month's declarations): the current file's rows of
//! the manufactures kept, then the new rows, sorted by manufacture, in one row group.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::declarations::{self, MonthDeclarations};
use super::manifest::Part;
use super::{MANUFACTURE_COLUMN, Rows, Store, polars_error, read_parquet};
use crate::error::Result;

/// What a transaction does to one table's month.
#[derive(Default)]
pub(super) struct TableChange {
    /// Manufactures whose current rows go.
    pub(super) dropped: BTreeSet<String>,
    /// The new rows of each manufacture.
    pub(super) added: BTreeMap<String, Rows>,
}

/// One part to write.
pub(super) struct Job {
    pub(super) part: Part,
    pub(super) content: Content,
}

pub(super) enum Content {
    Rows(TableChange),
    Declarations(MonthDeclarations),
}

impl Content {
    /// The part's new rows: the current file's rows of the manufactures kept, then the new
    /// rows, sorted by manufacture (each manufacture's rows in their order).
    pub(super) fn into_frame(
        self,
        store: &Store,
        base: Option<&String>,
        path: &std::path::Path,
    ) -> Result<DataFrame> {
        let change = match self {
            Content::Declarations(declarations) => {
                return declarations::to_frame(&declarations).map_err(|e| polars_error(path, e));
            }
            Content::Rows(change) => change,
        };
        let failed = |e| polars_error(path, e);
        let mut parts = Vec::new();
        if let Some(file) = base {
            let current = read_parquet(&store.root().join(file))?;
            let dropped: Vec<&str> = change.dropped.iter().map(String::as_str).collect();
            let dropped = Series::new("dropped".into(), dropped);
            let kept = current.lazy().filter(
                col(MANUFACTURE_COLUMN)
                    .is_in(lit(dropped).implode(false), false)
                    .not(),
            );
            parts.push(kept);
        }
        // Thousands of manufactures' rows stacked eagerly (a lazy union of thousands of
        // inputs is slow to plan), then their ids put in front in one column; rows of another
        // shape (the definitions changed) go on their own. The rows of a CSV file's month are
        // one range of one frame, taken at once.
        let mut ids: Vec<&str> = Vec::new();
        let mut stacked: Option<DataFrame> = None;
        for (rows, manufactures) in runs(&change.added) {
            let frame = rows.frame();
            let run_ids = manufactures
                .iter()
                .flat_map(|(manufacture, height)| std::iter::repeat_n(*manufacture, *height));
            match &mut stacked {
                None => stacked = Some(frame),
                Some(all) if same_shape(all, &frame) => {
                    all.vstack_mut_owned_unchecked(frame);
                }
                Some(_) => {
                    let mut frame = frame;
                    let id = Column::new(MANUFACTURE_COLUMN.into(), run_ids.collect::<Vec<_>>());
                    frame.insert_column(0, id).map_err(failed)?;
                    parts.push(frame.lazy());
                    continue;
                }
            }
            ids.extend(run_ids);
        }
        if let Some(mut stacked) = stacked {
            let id = Column::new(MANUFACTURE_COLUMN.into(), ids);
            stacked.insert_column(0, id).map_err(failed)?;
            if parts.is_empty() {
                // A new month (a network's history coming in): the added rows are already in
                // manufacture order, nothing to merge or sort.
                stacked.rechunk_mut();
                return Ok(stacked);
            }
            parts.push(stacked.lazy());
        }
        if parts.is_empty() {
            return Ok(DataFrame::empty());
        }
        let args = UnionArgs {
            diagonal: true,
            to_supertypes: true,
            ..UnionArgs::default()
        };
        let mut sorted = concat(parts, args)
            .and_then(|all| {
                all.sort(
                    [MANUFACTURE_COLUMN],
                    SortMultipleOptions::default().with_maintain_order(true),
                )
                .collect()
            })
            .map_err(failed)?;
        // One chunk, so that the file is one row group, not one per manufacture.
        sorted.rechunk_mut();
        Ok(sorted)
    }
}

/// The added rows in manufacture order, as runs: rows that follow each other in one shared
/// frame (a CSV file's month) make one run, with each manufacture's row count.
fn runs(added: &BTreeMap<String, Rows>) -> Vec<(Rows, Vec<(&str, usize)>)> {
    let mut runs: Vec<(Rows, Vec<(&str, usize)>)> = Vec::new();
    for (manufacture, rows) in added {
        let entry = (manufacture.as_str(), rows.height());
        if let Some((run, manufactures)) = runs.last_mut()
            && let Some(joined) = run.joined(rows)
        {
            *run = joined;
            manufactures.push(entry);
        } else {
            runs.push((rows.clone(), vec![entry]));
        }
    }
    runs
}

/// Whether two frames have the same columns, in the same order, of the same types.
fn same_shape(a: &DataFrame, b: &DataFrame) -> bool {
    a.width() == b.width()
        && a.columns()
            .iter()
            .zip(b.columns())
            .all(|(x, y)| x.name() == y.name() && x.dtype() == y.dtype())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn lines(from: i64, to: i64) -> DataFrame {
        df!("ligne" => (from..to).collect::<Vec<_>>()).unwrap()
    }

    fn column(frame: &DataFrame, name: &str) -> Vec<String> {
        let column = frame.column(name).unwrap();
        (0..frame.height())
            .map(|i| {
                column
                    .get(i)
                    .unwrap()
                    .to_string()
                    .trim_matches('"')
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_csv_months_ranges_make_one_run_and_other_rows_their_own() {
        let shared = Arc::new(lines(1, 6));
        let added = BTreeMap::from([
            ("a".to_string(), Rows::range(shared.clone(), 0, 2)),
            ("b".to_string(), Rows::range(shared.clone(), 2, 3)),
            ("c".to_string(), Rows::whole(lines(10, 11))),
            ("d".to_string(), Rows::range(shared, 0, 1)),
        ]);
        let runs: Vec<(usize, Vec<(&str, usize)>)> = runs(&added)
            .into_iter()
            .map(|(rows, manufactures)| (rows.height(), manufactures))
            .collect();
        assert_eq!(
            runs,
            [
                (5, vec![("a", 2), ("b", 3)]),
                (1, vec![("c", 1)]),
                (1, vec![("d", 1)]),
            ]
        );
    }

    #[test]
    fn a_new_month_is_written_in_manufacture_order_with_each_manufactures_rows() {
        let shared = Arc::new(lines(1, 4));
        let change = TableChange {
            dropped: BTreeSet::new(),
            added: BTreeMap::from([
                ("mp2".to_string(), Rows::whole(lines(7, 9))),
                ("mp1".to_string(), Rows::range(shared.clone(), 0, 1)),
                ("mp3".to_string(), Rows::range(shared, 1, 2)),
            ]),
        };
        let store = Store::read(std::path::Path::new("/nonexistent"));
        let frame = Content::Rows(change)
            .into_frame(&store, None, std::path::Path::new("t.parquet"))
            .unwrap();
        assert_eq!(
            column(&frame, MANUFACTURE_COLUMN),
            ["mp1", "mp2", "mp2", "mp3", "mp3"]
        );
        assert_eq!(column(&frame, "ligne"), ["1", "7", "8", "2", "3"]);
        assert_eq!(frame.first_col_n_chunks(), 1, "one row group");
    }
}
