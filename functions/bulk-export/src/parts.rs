//! Bounded parts: one manifest file cut on line boundaries into parts of at most
//! `STARVIT_EXPORT_PART_BYTES`, each spooled to its own temp file and uploaded as its own object.
//!
//! A part holds whole lines only, so `deidentify` and `bq-load` handle each part on its own (one
//! delivery each, fanned out across instances). The cut depends only on the bytes and the limit,
//! so a retry of the same file writes the same parts under the same names (create-only: a part
//! that landed before is a 412). A single line longer than the limit is a part of its own (the
//! engine's line limit quarantines it downstream).
//!
//! A splitter can start where an earlier delivery's last landed part ended
//! ([`Splitter::starting_at`], [`crate::resume`]): the cut after a part boundary depends only on
//! the bytes after it, so a resumed file gets the same parts as one read from its start.
//!
//! Memory: one download chunk. Disk (memory on Cloud Run): the part being filled, at most the
//! limit plus the line that crosses it (that line's head is moved to the next part when the part
//! is sealed, through a bounded copy buffer).

use std::fs::File;
use std::io::{BufWriter, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A sealed part, ready to upload.
#[derive(Debug)]
pub struct Part {
    /// 0-based part index within its file.
    pub index: u32,
    /// 1-based number of its first line in the source file.
    pub first_line: u64,
    /// 1-based number of its last line.
    pub last_line: u64,
    /// 0-based offset of its first byte in the source file.
    pub first_byte: u64,
    /// Bytes.
    pub bytes: u64,
    /// Whether it is the file's last part ([`Splitter::finish`]).
    pub end_of_file: bool,
    /// The spool file (deleted on drop).
    pub spool: NamedTempFile,
}

/// The part being filled.
#[derive(Debug)]
struct Open {
    spool: NamedTempFile,
    out: BufWriter<File>,
    bytes: u64,
    /// Bytes up to and including the last newline.
    complete: u64,
    /// Newlines written.
    lines: u64,
}

/// Cuts one byte stream into parts.
#[derive(Debug)]
pub struct Splitter {
    limit: u64,
    spool_dir: Option<PathBuf>,
    open: Option<Open>,
    next_index: u32,
    /// 1-based number of the first line of the open part.
    next_line: u64,
    /// 0-based offset of the open part's first byte.
    next_byte: u64,
}

impl Splitter {
    /// A splitter for parts of at most `limit` bytes, spooled in `spool_dir` (or the temp dir).
    pub fn new(limit: u64, spool_dir: Option<&Path>) -> Self {
        Self {
            limit: limit.max(1),
            spool_dir: spool_dir.map(Path::to_path_buf),
            open: None,
            next_index: 0,
            next_line: 1,
            next_byte: 0,
        }
    }

    /// Start after the parts an earlier delivery landed: the next part has index `index`, its
    /// first line is line `line` of the file and its first byte is at `byte`.
    #[must_use]
    pub fn starting_at(mut self, index: u32, line: u64, byte: u64) -> Self {
        self.next_index = index;
        self.next_line = line;
        self.next_byte = byte;
        self
    }

    fn open(&self) -> std::io::Result<Open> {
        let spool = match &self.spool_dir {
            Some(dir) => NamedTempFile::new_in(dir),
            None => NamedTempFile::new(),
        }?;
        let out = BufWriter::with_capacity(256 << 10, spool.reopen()?);
        Ok(Open {
            spool,
            out,
            bytes: 0,
            complete: 0,
            lines: 0,
        })
    }

    /// Append a chunk of the stream; returns the parts it sealed (usually none, at most a few).
    ///
    /// # Errors
    /// Spool I/O.
    pub fn push(&mut self, mut chunk: &[u8]) -> std::io::Result<Vec<Part>> {
        let mut sealed = Vec::new();
        while !chunk.is_empty() {
            let end = chunk
                .iter()
                .position(|&b| b == b'\n')
                .map_or(chunk.len(), |i| i + 1);
            let (segment, rest) = chunk.split_at(end);
            chunk = rest;
            if self.open.is_none() {
                self.open = Some(self.open()?);
            }
            let full = self
                .open
                .as_ref()
                .is_some_and(|o| o.complete > 0 && o.bytes + segment.len() as u64 > self.limit);
            if full {
                sealed.push(self.seal_complete()?);
            }
            let open = self.open.as_mut().ok_or_else(closed)?;
            open.out.write_all(segment)?;
            open.bytes += segment.len() as u64;
            if segment.ends_with(b"\n") {
                open.complete = open.bytes;
                open.lines += 1;
            }
        }
        Ok(sealed)
    }

    /// Seal the open part at its last newline; the bytes after it (the head of the line being
    /// read) open the next part.
    fn seal_complete(&mut self) -> std::io::Result<Part> {
        let mut open = self.open.take().ok_or_else(closed)?;
        open.out.flush()?;
        let mut next = self.open()?;
        let tail = open.bytes - open.complete;
        if tail > 0 {
            let mut file = open.spool.reopen()?;
            file.seek(SeekFrom::Start(open.complete))?;
            std::io::copy(&mut std::io::Read::take(&mut file, tail), &mut next.out)?;
            next.bytes = tail;
            open.spool.as_file().set_len(open.complete)?;
        }
        let lines = open.lines;
        let part = self.part(open.spool, open.complete, lines, false);
        self.open = Some(next);
        Ok(part)
    }

    fn part(&mut self, spool: NamedTempFile, bytes: u64, lines: u64, end_of_file: bool) -> Part {
        let part = Part {
            index: self.next_index,
            first_line: self.next_line,
            last_line: self.next_line + lines.saturating_sub(1),
            first_byte: self.next_byte,
            bytes,
            end_of_file,
            spool,
        };
        self.next_index += 1;
        self.next_line += lines;
        self.next_byte += bytes;
        part
    }

    /// End of the stream: the last part (a final line without a newline counts as a line), or
    /// `None` when nothing is left.
    ///
    /// # Errors
    /// Spool I/O.
    pub fn finish(mut self) -> std::io::Result<Option<Part>> {
        let Some(mut open) = self.open.take() else {
            return Ok(None);
        };
        if open.bytes == 0 {
            return Ok(None);
        }
        open.out.flush()?;
        let lines = open.lines + u64::from(open.bytes > open.complete);
        Ok(Some(self.part(open.spool, open.bytes, lines, true)))
    }
}

fn closed() -> std::io::Error {
    std::io::Error::other("no open part")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &[u8], limit: u64, chunk: usize) -> Vec<(Part, Vec<u8>)> {
        let mut s = Splitter::new(limit, None);
        let mut parts = Vec::new();
        for c in input.chunks(chunk) {
            parts.extend(s.push(c).unwrap());
        }
        parts.extend(s.finish().unwrap());
        parts
            .into_iter()
            .map(|p| {
                let data = std::fs::read(p.spool.path()).unwrap();
                (p, data)
            })
            .collect()
    }

    #[test]
    fn parts_are_whole_lines_under_the_limit_and_do_not_depend_on_chunking() {
        let input: Vec<u8> = (0..200)
            .flat_map(|i| {
                format!("{{\"line\":{i},\"pad\":\"{}\"}}\n", "x".repeat(i % 37)).into_bytes()
            })
            .collect();
        let reference = split(&input, 300, input.len());
        assert!(reference.len() > 10);
        for chunk in [1, 7, 64, 4096] {
            let parts = split(&input, 300, chunk);
            assert_eq!(parts.len(), reference.len(), "chunk {chunk}");
            for ((p, d), (r, rd)) in parts.iter().zip(&reference) {
                assert_eq!(d, rd);
                assert_eq!(
                    (p.index, p.first_line, p.last_line),
                    (r.index, r.first_line, r.last_line)
                );
            }
        }
        let mut joined = Vec::new();
        let mut line = 1;
        for (i, (p, d)) in reference.iter().enumerate() {
            assert_eq!(p.index as usize, i);
            assert!(d.len() as u64 <= 300 && d.ends_with(b"\n"));
            assert_eq!(p.bytes, d.len() as u64);
            assert_eq!(p.first_byte, joined.len() as u64);
            assert_eq!(p.end_of_file, i + 1 == reference.len());
            assert_eq!(p.first_line, line);
            let n = d.iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(p.last_line, line + n - 1);
            line += n;
            joined.extend_from_slice(d);
        }
        assert_eq!(joined, input);
    }

    #[test]
    fn a_splitter_started_at_a_part_boundary_cuts_the_rest_as_a_full_read_does() {
        let input: Vec<u8> = (0..120)
            .flat_map(|i| format!("{{\"n\":{i},\"p\":\"{}\"}}\n", "y".repeat(i % 23)).into_bytes())
            .collect();
        let full = split(&input, 200, 4096);
        for k in [1, 3, full.len() - 1] {
            let at = &full[k].0;
            let mut s =
                Splitter::new(200, None).starting_at(at.index, at.first_line, at.first_byte);
            let mut rest: Vec<Part> = Vec::new();
            for c in input[at.first_byte as usize..].chunks(13) {
                rest.extend(s.push(c).unwrap());
            }
            rest.extend(s.finish().unwrap());
            assert_eq!(rest.len(), full.len() - k);
            for (p, (r, rd)) in rest.iter().zip(&full[k..]) {
                assert_eq!(&std::fs::read(p.spool.path()).unwrap(), rd);
                let key = |p: &Part| {
                    (
                        p.index,
                        p.first_line,
                        p.last_line,
                        p.first_byte,
                        p.end_of_file,
                    )
                };
                assert_eq!(key(p), key(r));
            }
        }
    }

    #[test]
    fn a_long_line_is_a_part_of_its_own_and_a_last_line_needs_no_newline() {
        let input = b"ab\ncdefghijkl\nmn\nop";
        let parts = split(input, 5, 3);
        let data: Vec<&[u8]> = parts.iter().map(|(_, d)| d.as_slice()).collect();
        assert_eq!(data, [&b"ab\n"[..], b"cdefghijkl\n", b"mn\nop"]);
        let last = &parts[2].0;
        assert_eq!((last.first_line, last.last_line), (3, 4));
        assert!(split(b"", 5, 3).is_empty());
    }
}
