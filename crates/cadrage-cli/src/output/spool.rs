//! A part of a one-document output that has to wait for the end of the
//! run (JSON's classifications, JUnit's test suites under totals): in
//! memory up to a limit, then in a temporary file, so that memory stays
//! bounded however large the corpus.

use std::io::Write;

/// What a spool holds in memory: 2 MiB. For the JSON output's lists,
/// 10,000 scenarios (~1.9 MB of classifications) stay in memory; at
/// 100,000 (~19 MB) the copy through a file costs a few milliseconds, and
/// memory stays flat for larger corpora: a larger limit only held more
/// pages, each faulted in once (docs/performance.md, "Memory").
pub const LIMIT: usize = 2 << 20;

/// Text kept in order, in memory up to a limit, then in a temporary file
/// (deleted when dropped).
pub struct Spool {
    limit: usize,
    parts: Vec<String>,
    bytes: usize,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl Spool {
    pub fn new(limit: usize) -> Spool {
        Spool { limit, parts: Vec::new(), bytes: 0, file: None }
    }

    /// Adds a part at the end.
    pub fn push(&mut self, part: String) -> std::io::Result<()> {
        if part.is_empty() {
            return Ok(());
        }
        if self.file.is_none() && self.bytes + part.len() > self.limit {
            // A file's part (~19 KB of JSON classifications at 100
            // scenarios per file) goes through the buffer: one write per
            // mebibyte.
            let mut file = std::io::BufWriter::with_capacity(1 << 20, tempfile::tempfile()?);
            for p in self.parts.drain(..) {
                file.write_all(p.as_bytes())?;
            }
            self.file = Some(file);
        }
        self.bytes += part.len();
        match &mut self.file {
            Some(file) => file.write_all(part.as_bytes())?,
            None => self.parts.push(part),
        }
        Ok(())
    }

    /// Writes everything pushed to `out`, without its first `skip` bytes
    /// (a list's first comma). The errors returned are the spool's: `out`
    /// is an [`super::Output`], which keeps its own.
    pub fn copy_to<W: Write>(self, out: &mut super::Output<W>, skip: usize) -> std::io::Result<()> {
        match self.file {
            Some(file) => {
                let mut file = file.into_inner().map_err(std::io::IntoInnerError::into_error)?;
                let from = u64::try_from(skip).unwrap_or(u64::MAX);
                std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(from))?;
                copy_in_blocks(&mut file, out)
            }
            None => {
                let mut skip = skip;
                for p in &self.parts {
                    let bytes = p.as_bytes();
                    let _ = out.write_all(bytes.get(skip.min(bytes.len())..).unwrap_or_default());
                    skip = skip.saturating_sub(bytes.len());
                }
                Ok(())
            }
        }
    }
}

/// Copies `from` to `out` a mebibyte at a time through memory. Not
/// `std::io::copy`, which hands two files to the kernel's `copy_file_range`:
/// on ext4 that was ~40 ms for the 77 MB of a 100,000-scenario run (when
/// all the lists were spooled) against ~31 ms this way, at the very end of
/// the run where nothing else overlaps it (docs/performance.md).
fn copy_in_blocks(from: &mut std::fs::File, out: &mut impl Write) -> std::io::Result<()> {
    let mut block = vec![0u8; 1 << 20];
    loop {
        match std::io::Read::read(from, &mut block) {
            Ok(0) => return Ok(()),
            Ok(n) => out.write_all(block.get(..n).unwrap_or_default())?,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spooled(limit: usize, parts: &[&str], skip: usize) -> String {
        let mut spool = Spool::new(limit);
        for p in parts {
            spool.push((*p).to_string()).unwrap_or_else(|e| panic!("{e}"));
        }
        let mut out = super::super::Output::new(Vec::new());
        spool.copy_to(&mut out, skip).unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8(out.finish().unwrap_or_default()).unwrap_or_default()
    }

    #[test]
    fn the_same_text_comes_back_from_memory_and_from_the_file() {
        let parts = [",{\"a\":1}", "", ",{\"é\":2}", ",3"];
        for limit in [0, 5, 9, 12, usize::MAX] {
            assert_eq!(spooled(limit, &parts, 1), "{\"a\":1},{\"é\":2},3", "limit {limit}");
            assert_eq!(spooled(limit, &parts, 0), ",{\"a\":1},{\"é\":2},3", "limit {limit}");
            // A skip longer than the first part goes on into the next.
            assert_eq!(spooled(limit, &["ab", "cd"], 3), "d", "limit {limit}");
            assert_eq!(spooled(limit, &[], 1), "", "limit {limit}");
        }
    }
}
