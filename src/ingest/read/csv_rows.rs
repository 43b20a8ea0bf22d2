//! CSV files read record by record: the separator found on the first line, a byte order
//! mark skipped, each field decoded as UTF-8 or Windows-1252, and every record numbered with
//! the line it starts on, even when the file streams by in chunks.

use std::cell::RefCell;
use std::io::{Cursor, Read};
use std::rc::Rc;

use super::{RawCell, RawSheet, ReadError};
use crate::text::detect_separator;

/// A CSV file's bytes as one sheet, each row at its line.
pub(super) fn read_csv(name: &str, bytes: &[u8]) -> Result<RawSheet, ReadError> {
    let mut sheet = RawSheet {
        name: name.to_string(),
        first_row: 0,
        first_col: 0,
        rows: Vec::new(),
    };
    for row in CsvRows::new(bytes) {
        let (line, cells) = row?;
        sheet.put_line(line, cells);
    }
    Ok(sheet)
}

/// A CSV file read record by record, so that a national file is never held as cells all at
/// once, nor as bytes if it comes from a file: the separator is found on the first line, a
/// UTF-8 byte order mark skipped, and each field decoded as UTF-8, or as Windows-1252 (Excel's
/// « CSV (séparateur : point-virgule) ») when it is not valid UTF-8.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<Counting<std::io::Chain<Cursor<Vec<u8>>, R>>>,
    record: csv::ByteRecord,
    breaks: Rc<RefCell<BreakLog>>,
}

impl<'a> CsvRows<&'a [u8]> {
    /// Rows of a CSV file's bytes.
    pub fn new(bytes: &'a [u8]) -> Self {
        CsvRows::from_reader(bytes).expect("reading bytes in memory does not fail")
    }
}

/// How much of a CSV file's start is read to find its first line (and so its separator).
const FIRST_LINE_MAX: usize = 64 * 1024;

impl<R: Read> CsvRows<R> {
    /// Rows of a CSV file read as it goes (a file, without loading it).
    pub fn from_reader(mut input: R) -> std::io::Result<Self> {
        // The first line, for the separator: read until its end (or 64 KB), then given back
        // to the CSV reader ahead of the rest.
        let mut head = Vec::new();
        let mut chunk = [0u8; 4096];
        while head.len() < FIRST_LINE_MAX && !head.contains(&b'\n') {
            let n = input.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&chunk[..n]);
        }
        if head.starts_with(b"\xEF\xBB\xBF") {
            head.drain(..3);
        }
        let first_line = head.split(|b| *b == b'\n').next().unwrap_or(b"");
        let separator = detect_separator(&String::from_utf8_lossy(first_line));
        let breaks = Rc::new(RefCell::new(BreakLog::default()));
        let counting = Counting {
            inner: Cursor::new(head).chain(input),
            breaks: Rc::clone(&breaks),
        };
        let reader = csv::ReaderBuilder::new()
            .delimiter(separator)
            .has_headers(false)
            .flexible(true)
            .from_reader(counting);
        Ok(CsvRows {
            reader,
            record: csv::ByteRecord::new(),
            breaks,
        })
    }

    /// The 1-based line where the record just read starts. The csv crate skips blank lines
    /// and places the next record at the blank line, so the line is counted here, from the
    /// record's first byte past any line break (`\n`, `\r\n`, or a lone `\r` of an old Mac).
    fn line_of_record(&mut self) -> usize {
        let start = self.record.position().map_or(0, |p| p.byte());
        self.breaks.borrow_mut().line_at(start)
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    /// A row's 1-based line in the file (where it starts, for a quoted field over several
    /// lines) and its cells.
    type Item = Result<(usize, Vec<RawCell>), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.line_of_record();
                Some(Ok((line, self.record.iter().map(csv_cell).collect())))
            }
            Err(error) => Some(Err(ReadError::Csv(csv_error(&error)))),
        }
    }
}

/// The line-break bytes (`\r`, `\n`) read but not yet counted, by their offset in the
/// stream: enough to number each record's line while the file streams by, keeping only what
/// lies between the last record counted and the reader's read-ahead.
#[derive(Debug, Default)]
struct BreakLog {
    /// `(offset, byte)` of each `\r` or `\n` not yet counted, in order.
    pending: std::collections::VecDeque<(u64, u8)>,
    /// Line breaks before the ones pending.
    counted: usize,
    /// Bytes read from the stream so far.
    read_so_far: u64,
}

impl BreakLog {
    fn is_break_byte(&self, offset: u64) -> Option<u8> {
        let at = self.pending.partition_point(|(o, _)| *o < offset);
        self.pending
            .get(at)
            .filter(|(o, _)| *o == offset)
            .map(|(_, b)| *b)
    }

    /// The line of a record whose reported start is `start`: past any blank lines there.
    fn line_at(&mut self, mut start: u64) -> usize {
        while self.is_break_byte(start).is_some() {
            start += 1;
        }
        while let Some(&(offset, byte)) = self.pending.front() {
            if offset >= start {
                break;
            }
            let ends_line = byte == b'\n' || self.is_break_byte(offset + 1) != Some(b'\n');
            self.counted += usize::from(ends_line);
            self.pending.pop_front();
        }
        self.counted + 1
    }
}

/// A reader that notes, in a shared [`BreakLog`], where each line-break byte passes.
struct Counting<R> {
    inner: R,
    breaks: Rc<RefCell<BreakLog>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut log = self.breaks.borrow_mut();
        let start = log.read_so_far;
        for (i, byte) in buf[..n].iter().enumerate() {
            if matches!(byte, b'\r' | b'\n') {
                log.pending.push_back((start + i as u64, *byte));
            }
        }
        log.read_so_far += n as u64;
        Ok(n)
    }
}

/// A CSV field as a cell: empty, or its text decoded.
fn csv_cell(field: &[u8]) -> RawCell {
    if field.is_empty() {
        return RawCell::Empty;
    }
    let text = match std::str::from_utf8(field) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(field)
            .0
            .into_owned(),
    };
    RawCell::Text(text)
}

fn csv_error(error: &csv::Error) -> String {
    match error.position() {
        Some(position) => format!("ligne {} mal formée", position.line()),
        None => "contenu mal formé".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_their_lines_across_blank_lines_and_line_endings() {
        let lines = |bytes: &[u8]| -> Vec<usize> {
            CsvRows::new(bytes).map(|row| row.unwrap().0).collect()
        };
        assert_eq!(lines(b"a;b\n1;2\n\n\n3;4\n"), [1, 2, 5]);
        assert_eq!(lines(b"a;b\r\n\r\n1;2\r\n3;4"), [1, 3, 4]);
        assert_eq!(lines(b"a;b\r\r1;2\r3;4\r"), [1, 3, 4], "an old Mac's CR");
        assert_eq!(lines(b"a;b\n\"deux\nlignes\";2\n3;4\n"), [1, 2, 4]);
        assert_eq!(
            lines(b"\xEF\xBB\xBF\na;b\n1;2\n"),
            [2, 3],
            "a BOM, then a blank line"
        );
    }

    /// A reader that gives one byte at a time: every chunk boundary falls somewhere.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.is_empty()) {
                (Some((first, rest)), false) => {
                    buf[0] = *first;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn streamed_rows_are_numbered_as_in_memory_whatever_the_chunks() {
        let mut text = b"\xEF\xBB\xBFa;b\r\n\r\n".to_vec();
        for i in 0..500 {
            let line: Vec<u8> = match i % 5 {
                0 => format!("{i};x\n").into_bytes(),
                1 => format!("{i};\"deux\nlignes\"\r\n").into_bytes(),
                2 => b"\n\n".to_vec(),
                // Windows-1252 « é », and an old Mac's line end.
                3 => [format!("{i};caf").into_bytes(), vec![0xE9, b'\r']].concat(),
                _ => format!("{i};y\r\n").into_bytes(),
            };
            text.extend_from_slice(&line);
        }
        let in_memory: Vec<(usize, Vec<RawCell>)> =
            CsvRows::new(&text).map(Result::unwrap).collect();
        let streamed: Vec<(usize, Vec<RawCell>)> =
            CsvRows::from_reader(std::io::BufReader::with_capacity(7, Trickle(&text)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
        assert_eq!(in_memory, streamed);
        assert_eq!(in_memory.len(), 401);
        assert_eq!(in_memory[0].0, 1);
        assert_eq!(in_memory[1].0, 3, "after a blank line");
        // Record i = 5 (« 5;x ») starts where the numbering of the pattern puts it.
        let five = in_memory
            .iter()
            .find(|(_, c)| c[0] == RawCell::Text("5".into()));
        assert_eq!(five.unwrap().0, 10);
    }
}
