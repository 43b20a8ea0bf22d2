//! Typed rows into a polars frame, column by column, as they are read.

use polars::prelude::*;

use super::Value;
use super::cells::as_f64;
use crate::definitions::{ColumnType, LINE_COLUMN, Table};

/// A table's frame built row by row into typed columns (a few bytes a cell), rather than
/// kept as rows of values first: a national CSV file holds millions of rows. A batch of
/// workbooks, a few rows a sheet, fills one builder per table (`ingest::check_rules_of`).
pub struct FrameBuilder {
    lines: PrimitiveChunkedBuilder<Int64Type>,
    columns: Vec<ColumnBuilder>,
}

/// One column being built, by its declared type.
enum ColumnBuilder {
    Integer(PrimitiveChunkedBuilder<Int64Type>),
    Decimal(PrimitiveChunkedBuilder<Float64Type>),
    Text(StringChunkedBuilder),
    Boolean(BooleanChunkedBuilder),
    /// Days since 1970-01-01, cast to a date at the end.
    Date(PrimitiveChunkedBuilder<Int32Type>),
}

/// Rows a builder makes room for at first: most tables of a month have a few rows.
const FIRST_CAPACITY: usize = 16;

impl FrameBuilder {
    /// An empty frame of `table`'s columns.
    pub fn new(table: &Table) -> Self {
        Self::with_capacity(table, FIRST_CAPACITY)
    }

    /// An empty frame of `table`'s columns, with room for `rows` rows.
    pub fn with_capacity(table: &Table, rows: usize) -> Self {
        let capacity = rows.max(1);
        let columns = table
            .columns
            .iter()
            .map(|column| {
                let name: PlSmallStr = column.name.as_str().into();
                match column.kind {
                    ColumnType::Integer => {
                        ColumnBuilder::Integer(PrimitiveChunkedBuilder::new(name, capacity))
                    }
                    ColumnType::Decimal => {
                        ColumnBuilder::Decimal(PrimitiveChunkedBuilder::new(name, capacity))
                    }
                    ColumnType::Text | ColumnType::Category => {
                        ColumnBuilder::Text(StringChunkedBuilder::new(name, capacity))
                    }
                    ColumnType::Boolean => {
                        ColumnBuilder::Boolean(BooleanChunkedBuilder::new(name, capacity))
                    }
                    ColumnType::Date => {
                        ColumnBuilder::Date(PrimitiveChunkedBuilder::new(name, capacity))
                    }
                }
            })
            .collect();
        FrameBuilder {
            lines: PrimitiveChunkedBuilder::new(LINE_COLUMN.into(), capacity),
            columns,
        }
    }

    /// Appends a row: its line and a value (or none) per declared column, as read.
    pub fn push(&mut self, line: usize, values: &[Option<Value>]) {
        self.lines.append_value(line as i64);
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
        for (builder, value) in self.columns.iter_mut().zip(values) {
            match builder {
                ColumnBuilder::Integer(b) => b.append_option(match value {
                    Some(Value::Int(i)) => Some(*i),
                    Some(Value::Float(f)) => Some(*f as i64),
                    _ => None,
                }),
                ColumnBuilder::Decimal(b) => {
                    b.append_option(value.as_ref().and_then(|v| match v {
                        Value::Int(_) | Value::Float(_) => Some(as_f64(v)),
                        _ => None,
                    }));
                }
                ColumnBuilder::Text(b) => b.append_option(match value {
                    Some(Value::Text(t)) => Some(t.as_str()),
                    _ => None,
                }),
                ColumnBuilder::Boolean(b) => b.append_option(match value {
                    Some(Value::Bool(v)) => Some(*v),
                    _ => None,
                }),
                ColumnBuilder::Date(b) => b.append_option(match value {
                    Some(Value::Date(d)) => Some((*d - epoch).num_days() as i32),
                    _ => None,
                }),
            }
        }
    }

    /// The frame: `ligne`, then the declared columns.
    pub fn finish(self) -> PolarsResult<DataFrame> {
        let mut columns: Vec<Column_> = vec![self.lines.finish().into_series().into()];
        for builder in self.columns {
            let series = match builder {
                ColumnBuilder::Integer(b) => b.finish().into_series(),
                ColumnBuilder::Decimal(b) => b.finish().into_series(),
                ColumnBuilder::Text(b) => b.finish().into_series(),
                ColumnBuilder::Boolean(b) => b.finish().into_series(),
                ColumnBuilder::Date(b) => b.finish().into_series().cast(&DataType::Date)?,
            };
            columns.push(series.into());
        }
        DataFrame::new_infer_height(columns)
    }
}

type Column_ = Column;
