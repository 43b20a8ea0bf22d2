//! A table's rows of one manufacture's month, as a submission carries them: a range of a frame
//! shared with other manufactures (a CSV file's month, every manufacture's rows in
//! manufacture order; a batch of workbooks, each sheet's rows file after file), or a frame of
//! their own. A network's export holds millions of manufacture-months: a range costs a
//! reference count, where a slice of a frame costs a few allocations per column, kept until
//! the month is stored.

use std::sync::Arc;

use polars::prelude::DataFrame;

/// A table's rows of one manufacture's month.
#[derive(Debug, Clone)]
pub struct Rows {
    frame: Arc<DataFrame>,
    offset: usize,
    len: usize,
}

impl Rows {
    /// Every row of a frame.
    pub fn whole(frame: DataFrame) -> Self {
        let len = frame.height();
        Rows {
            frame: Arc::new(frame),
            offset: 0,
            len,
        }
    }

    /// Rows `offset..offset + len` of a shared frame.
    pub fn range(frame: Arc<DataFrame>, offset: usize, len: usize) -> Self {
        debug_assert!(offset + len <= frame.height());
        Rows { frame, offset, len }
    }

    /// How many rows.
    pub fn height(&self) -> usize {
        self.len
    }

    /// The rows as a frame of their own (a slice of the shared frame: no copy of the values).
    pub fn frame(&self) -> DataFrame {
        if self.offset == 0 && self.len == self.frame.height() {
            (*self.frame).clone()
        } else {
            self.frame.slice(self.offset as i64, self.len)
        }
    }

    /// These rows followed by `next`'s, when both are one range of the same frame.
    pub(super) fn joined(&self, next: &Rows) -> Option<Rows> {
        (Arc::ptr_eq(&self.frame, &next.frame) && self.offset + self.len == next.offset).then(
            || Rows {
                frame: self.frame.clone(),
                offset: self.offset,
                len: self.len + next.len,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    fn numbers() -> Arc<DataFrame> {
        Arc::new(df!("n" => [1i64, 2, 3, 4, 5]).unwrap())
    }

    fn values(rows: &Rows) -> Vec<i64> {
        let frame = rows.frame();
        frame
            .column("n")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect()
    }

    #[test]
    fn a_range_reads_its_own_rows_only() {
        let rows = Rows::range(numbers(), 1, 3);
        assert_eq!(rows.height(), 3);
        assert_eq!(values(&rows), [2, 3, 4]);
        assert_eq!(values(&Rows::whole((*numbers()).clone())), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn ranges_join_only_when_they_follow_each_other_in_the_same_frame() {
        let frame = numbers();
        let (first, second) = (
            Rows::range(frame.clone(), 0, 2),
            Rows::range(frame.clone(), 2, 2),
        );
        let joined = first.joined(&second).expect("adjacent ranges of one frame");
        assert_eq!(values(&joined), [1, 2, 3, 4]);
        assert!(second.joined(&first).is_none(), "not in order");
        assert!(first.joined(&Rows::range(frame, 3, 1)).is_none(), "a gap");
        assert!(
            first.joined(&Rows::range(numbers(), 2, 2)).is_none(),
            "another frame"
        );
    }
}
