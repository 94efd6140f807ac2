//! Bounded line reading: a line longer than the limit is skipped to its end without ever
//! being buffered whole, so memory stays constant whatever the input.

use std::io::{self, BufRead};

/// Outcome of one read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    /// `buf` holds the line (without `\n`).
    Ok,
    /// The line exceeded the limit; `buf` is empty and the line was consumed.
    TooLong,
    /// End of input.
    Eof,
}

/// Reads the next line into `buf` (cleared first), at most `max` bytes.
pub(crate) fn read_bounded<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(match (any, too_long) {
                (false, _) => Line::Eof,
                (true, true) => Line::TooLong,
                (true, false) => Line::Ok,
            });
        }
        any = true;
        let (chunk, used, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        if !too_long {
            if buf.len() + chunk.len() > max {
                too_long = true;
                buf.clear();
                buf.shrink_to(max.min(1 << 20));
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        r.consume(used);
        if done {
            return Ok(if too_long { Line::TooLong } else { Line::Ok });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded() {
        let data = b"abc\nxxxxxxxxxxxxxxxx\n\nlast";
        let mut r = io::BufReader::with_capacity(4, &data[..]);
        let mut buf = Vec::new();
        assert_eq!(read_bounded(&mut r, &mut buf, 8).unwrap(), Line::Ok);
        assert_eq!(buf, b"abc");
        assert_eq!(read_bounded(&mut r, &mut buf, 8).unwrap(), Line::TooLong);
        assert!(buf.capacity() <= 1 << 20);
        assert_eq!(read_bounded(&mut r, &mut buf, 8).unwrap(), Line::Ok);
        assert!(buf.is_empty());
        assert_eq!(read_bounded(&mut r, &mut buf, 8).unwrap(), Line::Ok);
        assert_eq!(buf, b"last");
        assert_eq!(read_bounded(&mut r, &mut buf, 8).unwrap(), Line::Eof);
    }
}
