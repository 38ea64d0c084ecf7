//! Renderings of a check: for people (miette) and for machines (JSON).

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod spool;

use cadrage_engine::{Counts, FileReport};

/// What one file contributes to the output, rendered in the worker that
/// checked it so that its source text can be dropped at once.
#[derive(Default)]
pub struct Rendered {
    /// Human: the findings, rendered. JSON: the objects, each after a
    /// comma (as are `classifications` and `allowed`; the document drops
    /// each list's first), so that a file's part is one write.
    pub findings: String,
    pub classifications: String,
    pub allowed: String,
    pub counts: Counts,
    pub allowed_count: usize,
    pub scenarios: usize,
    /// JUnit: test cases written, and how many of them failed.
    pub cases: usize,
    pub failed_cases: usize,
}

impl Rendered {
    /// Empty output with the report's counts.
    pub fn of(report: &FileReport) -> Rendered {
        Rendered {
            counts: report.counts(),
            scenarios: report.scenarios,
            allowed_count: report.allowed.len(),
            ..Rendered::default()
        }
    }
}

pub trait Renderer: Sync {
    fn render(&self, report: &FileReport) -> Rendered;
}

/// Appends `value` as JSON to a comma-separated list.
pub fn push_json<T: serde::Serialize>(out: &mut String, value: &T) {
    if !out.is_empty() {
        out.push(',');
    }
    // Serializing plain structs and JSON values to a string cannot fail.
    if let Ok(s) = serde_json::to_string(value) {
        out.push_str(&s);
    }
}

/// How a command ends once its output is written: a reader that stopped
/// early (`| head`) is not an error; any other failure to write (a full
/// disk) is, exit 2 with `cannot write the output`: never a panic, never a
/// cut output passed off as a finished one. Every command ends this way.
pub fn written<T>(result: std::io::Result<T>) -> Result<(), cadrage_workspace::ToolError> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(cadrage_workspace::ToolError::Output(e.to_string()))
        }
        _ => Ok(()),
    }
}

/// Where a check writes its output: the first error is kept and nothing
/// more is written after it, so that the run goes on (its exit status still
/// says what the files hold) and the error is reported once, at the end,
/// by [`Output::finish`].
pub struct Output<W: std::io::Write> {
    inner: W,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> Output<W> {
    pub fn new(inner: W) -> Output<W> {
        Output { inner, error: None }
    }

    /// Flushes; the first error of any write, if there was one.
    pub fn finish(mut self) -> std::io::Result<W> {
        if self.error.is_none() {
            if let Err(e) = self.inner.flush() {
                self.error = Some(e);
            }
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.inner),
        }
    }
}

impl<W: std::io::Write> std::io::Write for Output<W> {
    /// Never fails: an error is kept for [`Output::finish`].
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.error.is_none() {
            if let Err(e) = self.inner.write_all(buf) {
                self.error = Some(e);
            }
        }
        Ok(buf.len())
    }

    /// The output is flushed once, by [`Output::finish`].
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    /// Accepts `room` bytes, then fails as a full disk does.
    struct Full {
        written: Vec<u8>,
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.written.len() + buf.len() > self.room {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_first_write_error_is_kept_and_nothing_is_written_after_it() {
        let mut out = super::Output::new(Full { written: Vec::new(), room: 4 });
        for part in ["ab", "cde", "f"] {
            assert!(out.write_all(part.as_bytes()).is_ok(), "writes never fail");
        }
        let err = out.finish().err().map(|e| e.raw_os_error());
        assert_eq!(err, Some(Some(28)));
        let mut out = super::Output::new(Full { written: Vec::new(), room: 4 });
        assert!(out.write_all(b"ab").is_ok());
        assert_eq!(out.finish().ok().map(|f| f.written), Some(b"ab".to_vec()));
    }
}
