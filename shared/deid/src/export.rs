//! What the engine needs to know about a whole export: the identifying values of its people
//! (the leak gate's [`PeopleIndex`]), read from the export's people files.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::engine::DEFAULT_MAX_LINE_BYTES;
use crate::gate::{PEOPLE_TYPES, PeopleIndex};
use crate::linereader::{Line, read_bounded};

/// True when a bulk-export file name (`<Type>[.<n>].ndjson`) holds people.
#[must_use]
pub fn is_people_file(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let ty = name.split('.').next().unwrap_or_default();
    PEOPLE_TYPES.contains(&ty)
}

/// Builds the people index of an export from its files (only people files are read, line
/// by line with the engine's line limit; lines that do not parse are skipped: the engine
/// quarantines them when it de-identifies the file). Memory: the index, linear in the
/// number of identifying values (see [`PeopleIndex`]), plus one line.
///
/// # Errors
/// I/O errors reading a file.
pub fn people_index(files: &[PathBuf]) -> std::io::Result<PeopleIndex> {
    let mut builder = PeopleIndex::builder();
    let mut buf = Vec::new();
    for path in files.iter().filter(|p| is_people_file(p)) {
        let mut input = std::io::BufReader::new(std::fs::File::open(path)?);
        add_stream(&mut input, &mut builder, &mut buf)?;
    }
    Ok(builder.build())
}

/// Adds every resource of one NDJSON stream to `builder`.
///
/// # Errors
/// I/O errors.
pub fn add_stream<R: BufRead>(
    input: &mut R,
    builder: &mut crate::gate::PeopleIndexBuilder,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    each_resource(input, buf, |v| builder.add(v))
}

/// Calls `each` with every line of one NDJSON stream that parses (with the engine's line
/// limit; other lines are skipped: the engine quarantines them when it de-identifies).
///
/// # Errors
/// I/O errors.
pub fn each_resource<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    mut each: impl FnMut(&Value),
) -> std::io::Result<()> {
    loop {
        match read_bounded(input, buf, DEFAULT_MAX_LINE_BYTES)? {
            Line::Eof => return Ok(()),
            Line::TooLong => {}
            Line::Ok => {
                let bytes = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf);
                if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
                    each(&v);
                }
            }
        }
    }
}
