//! Datasets for data landscapes: numeric columns read from a CSV file (refused with the line
//! and column of the first bad cell) or generated from a seed, and the seeded mini-batch
//! sampler that deals their rows out as a DataLoader with `shuffle=True` does.

use crate::core::escape::quote;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

pub mod builtin;

/// Most rows a CSV may have; larger files are refused while reading, not after.
pub const MAX_ROWS: usize = 1_000_000;
/// Longest line a CSV may have, in bytes: a file of one endless line (`/dev/zero`) is refused
/// once this much of it is read, never held whole.
pub const MAX_LINE: usize = 1 << 20;
/// Most columns a CSV may have.
pub const MAX_COLUMNS: usize = 1000;
/// Longest cell, in bytes (a number or a column's name never needs more).
pub const MAX_CELL: usize = 256;

/// Numeric columns of equal length, named by a header.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Where it came from: a built-in's name, or the file as given.
    pub name: String,
    pub columns: Vec<String>,
    /// Column-major: `values[c][row]`.
    values: Vec<Vec<f64>>,
}

/// Why a dataset was refused: the file, the 1-based line in it, the 1-based column (and its
/// name once the header is read), and the reason.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataError {
    pub file: Option<String>,
    pub line: Option<u64>,
    pub column: Option<(usize, Option<String>)>,
    pub reason: String,
}

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            write!(f, ": ")?;
        } else if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some((c, name)) = &self.column {
            match name {
                Some(n) => write!(f, "column {c} ({}): ", quote(n))?,
                None => write!(f, "column {c}: ")?,
            }
        }
        f.write_str(&self.reason)
    }
}

impl std::error::Error for DataError {}

impl DataError {
    fn new(reason: impl Into<String>) -> DataError {
        DataError {
            reason: reason.into(),
            ..DataError::default()
        }
    }

    fn at_line(mut self, line: Option<u64>) -> DataError {
        self.line = line;
        self
    }
}

impl Dataset {
    /// A dataset from named columns of equal length.
    pub fn new(name: &str, columns: Vec<(String, Vec<f64>)>) -> Dataset {
        let (columns, values) = columns.into_iter().unzip();
        Dataset {
            name: name.to_string(),
            columns,
            values,
        }
    }

    pub fn rows(&self) -> usize {
        self.values.first().map_or(0, Vec::len)
    }

    /// The values of a column by its header name.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        let i = self.columns.iter().position(|c| c == name)?;
        Some(&self.values[i])
    }

    /// The values of the `i`-th column.
    pub fn column_at(&self, i: usize) -> &[f64] {
        &self.values[i]
    }

    /// Reads a CSV file: a header row of names, then rows of numbers.
    pub fn read(path: &std::path::Path) -> Result<Dataset, DataError> {
        let file = std::fs::File::open(path).map_err(|e| DataError::new(e.to_string()));
        let shown = path.display().to_string();
        let dataset = file.and_then(|f| Dataset::from_reader(&shown, std::io::BufReader::new(f)));
        dataset.map_err(|e| DataError {
            file: Some(shown),
            ..e
        })
    }

    /// Reads CSV text from any reader, streaming, within bounds: lines of at most
    /// [`MAX_LINE`] bytes, cells of [`MAX_CELL`], [`MAX_COLUMNS`] columns and [`MAX_ROWS`]
    /// rows. Nothing is kept beyond the numbers and a line's worth of text.
    pub fn from_reader(name: &str, reader: impl std::io::Read) -> Result<Dataset, DataError> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(Bounded::new(reader));
        let header = csv.headers().map_err(csv_error)?.clone();
        let columns: Vec<String> = header.iter().map(str::to_string).collect();
        check_header(&columns)?;
        let mut values = vec![Vec::new(); columns.len()];
        let mut record = csv::StringRecord::new();
        while csv.read_record(&mut record).map_err(csv_error)? {
            let line = record.position().map(|p| p.line());
            if values[0].len() == MAX_ROWS {
                return Err(DataError::new(format!(
                    "more than {MAX_ROWS} rows; use a sample of the data"
                ))
                .at_line(line));
            }
            for (c, cell) in record.iter().enumerate() {
                let v = parse_cell(cell).map_err(|e| DataError {
                    column: Some((c + 1, Some(columns[c].clone()))),
                    ..e.at_line(line)
                })?;
                values[c].push(v);
            }
        }
        if values[0].is_empty() {
            return Err(DataError::new("no rows of data under the header").at_line(Some(1)));
        }
        Ok(Dataset::new(
            name,
            columns.into_iter().zip(values).collect(),
        ))
    }
}

/// Every column needs a distinct, usable name: the loss formula refers to columns by name.
fn check_header(columns: &[String]) -> Result<(), DataError> {
    let header = |c: usize, reason: String| DataError {
        column: Some((c + 1, None)),
        ..DataError::new(reason).at_line(Some(1))
    };
    if columns.iter().all(|c| c.is_empty()) {
        return Err(DataError::new(
            "the file is empty: it needs a header row of column names",
        ));
    }
    if columns.len() > MAX_COLUMNS {
        return Err(DataError::new(format!(
            "the header has {} columns; at most {MAX_COLUMNS}",
            columns.len()
        ))
        .at_line(Some(1)));
    }
    let mut seen = std::collections::HashSet::with_capacity(columns.len());
    for (i, name) in columns.iter().enumerate() {
        if name.len() > MAX_CELL {
            return Err(header(
                i,
                format!("the name {} is longer than {MAX_CELL} bytes", quote(name)),
            ));
        }
        let ok = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ok {
            return Err(header(
                i,
                format!(
                    "{} is not a column name a formula can use (letters, digits, _)",
                    quote(name)
                ),
            ));
        }
        if !seen.insert(name.as_str()) {
            return Err(header(i, format!("{} names two columns", quote(name))));
        }
    }
    Ok(())
}

/// A cell's number; the caller adds where the cell is.
fn parse_cell(cell: &str) -> Result<f64, DataError> {
    let refuse = |reason: String| Err(DataError::new(reason));
    if cell.len() > MAX_CELL {
        return refuse(format!(
            "the cell is longer than {MAX_CELL} bytes: {}",
            quote(cell)
        ));
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(v) => refuse(format!("{v} is not a finite number")),
        Err(_) if cell.is_empty() => refuse("the cell is empty".into()),
        Err(_) => refuse(format!("{} is not a number", quote(cell))),
    }
}

/// The csv crate's errors, with their line: ragged rows, text that is not UTF-8, and a line
/// past [`MAX_LINE`].
fn csv_error(e: csv::Error) -> DataError {
    let mut line = e.position().map(|p| p.line());
    let reason = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("this row has {len} cells; the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the text is not UTF-8".to_string(),
        csv::ErrorKind::Io(io) => match io.get_ref().and_then(|e| e.downcast_ref::<LongLine>()) {
            Some(long) => {
                line = Some(long.0);
                long.to_string()
            }
            None => io.to_string(),
        },
        _ => crate::core::escape::shown(&e.to_string()),
    };
    DataError::new(reason).at_line(line)
}

/// A line longer than [`MAX_LINE`], at this 1-based line.
#[derive(Debug)]
struct LongLine(u64);

impl std::fmt::Display for LongLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the line is longer than {MAX_LINE} bytes")
    }
}

impl std::error::Error for LongLine {}

/// A reader that fails once a line runs past [`MAX_LINE`] bytes, so the CSV parser never
/// buffers more than that of one line, however long the file's line is.
struct Bounded<R> {
    inner: R,
    /// Line breaks seen so far.
    lines: u64,
    /// Bytes since the last line break.
    run: usize,
}

impl<R> Bounded<R> {
    fn new(inner: R) -> Bounded<R> {
        Bounded {
            inner,
            lines: 0,
            run: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' || b == b'\r' {
                self.lines += u64::from(b == b'\n');
                self.run = 0;
            } else {
                self.run += 1;
            }
        }
        if self.run > MAX_LINE {
            let long = LongLine(self.lines + 1);
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, long));
        }
        Ok(n)
    }
}

/// Whether a batch of `size` rows (0: every row) out of `rows` is the full batch: then a
/// step takes the mean over every row in row order, as the full batch does.
pub fn is_full_batch(size: u64, rows: usize) -> bool {
    size == 0 || size >= rows as u64
}

/// Deals out rows in mini-batches: each epoch is a fresh seeded shuffle of every row, cut
/// into batches of `size` (the last one smaller when the rows do not divide evenly), as
/// `DataLoader(shuffle=True, drop_last=False)` does. The same seed deals the same batches.
#[derive(Debug, Clone)]
pub struct Batches {
    order: Vec<u32>,
    next: usize,
    rng: ChaCha8Rng,
    /// Epochs begun (the first batch begins epoch 1).
    pub epoch: u64,
    /// Rows handed out so far, counting repeats across epochs.
    pub seen: u64,
}

impl Batches {
    pub fn new(rows: usize, seed: u64) -> Batches {
        Batches {
            order: (0..rows as u32).collect(),
            next: rows,
            rng: ChaCha8Rng::seed_from_u64(seed),
            epoch: 0,
            seen: 0,
        }
    }

    /// Rows in the dataset being dealt.
    pub fn rows(&self) -> usize {
        self.order.len()
    }

    /// The next batch of at most `size` row indices (at least one).
    pub fn next_batch(&mut self, size: usize) -> &[u32] {
        if self.next >= self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.next = 0;
            self.epoch += 1;
        }
        let start = self.next;
        self.next = (start + size.max(1)).min(self.order.len());
        self.seen += (self.next - start) as u64;
        &self.order[start..self.next]
    }
}

/// A shared dataset: landscapes, racers and clones of a formula hold it without copying.
pub type Shared = Arc<Dataset>;

#[cfg(test)]
pub(crate) mod tests;
