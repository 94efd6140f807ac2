//! The synthesized exports of the scale bench (`target/bench/scale/export-*`), generated once
//! per size and growth and reused while their parameters (stamp file) are unchanged.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// How a series' export grows from one size to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Growth {
    /// `starvit synth --target-mb N`: more patients.
    People,
    /// `--patients P --target-mb N`: the same P people, more history each.
    History(u64),
}

impl Growth {
    pub fn name(self) -> &'static str {
        match self {
            Self::People => "people",
            Self::History(_) => "history",
        }
    }
}

/// A synthesized export on disk.
pub struct Export {
    /// The directory `starvit synth` wrote.
    pub dir: PathBuf,
    /// NDJSON bytes.
    pub bytes: u64,
    /// Patients in it.
    pub patients: u64,
}

/// The synthesized export of `mb` MB grown as `growth` says, generated once and reused. At the
/// smallest size both series use the people-grown export: it has P people, and P people grown by
/// history reach the same size in round 0, which is the same bytes (`starvit_synth::Growth`).
pub fn export_dir(out: &Path, mb: u64, growth: Growth) -> anyhow::Result<Export> {
    let (dir, params) = match growth {
        Growth::People => (out.join(format!("export-{mb}")), "seed=12".to_owned()),
        Growth::History(p) => (
            out.join(format!("export-{mb}-history-{p}")),
            format!("seed=12 growth=history patients={p}"),
        ),
    };
    let stamp = dir.join(".bench-params");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(params.as_str()) {
        let _ = std::fs::remove_dir_all(&dir);
        let mut synth = starvit_synth::SynthConfig::new(1, 12);
        synth.target_bytes = Some(mb * 1_000_000);
        synth.threads = 2;
        if let Growth::History(p) = growth {
            synth.patients = p;
            synth.growth = starvit_synth::Growth::History;
        }
        eprintln!("scale: synthesizing {mb} MB ({})", growth.name());
        starvit_synth::generate(&synth, &dir)?;
        std::fs::write(&stamp, params)?;
    }
    let bytes = starvit_deid::scan::ndjson_files(&dir)?
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()))
        .sum::<Result<u64, _>>()?;
    Ok(Export {
        patients: planted_patients(&dir)?,
        dir,
        bytes,
    })
}

/// The `patients` field at the head of `planted-identifiers.json` (the file is large).
fn planted_patients(dir: &Path) -> anyhow::Result<u64> {
    use std::io::Read as _;
    let mut head = [0u8; 128];
    let n = std::fs::File::open(dir.join("planted-identifiers.json"))?.read(&mut head)?;
    let head = String::from_utf8_lossy(&head[..n]);
    let digits: String = head
        .split_once("\"patients\":")
        .context("planted-identifiers.json: no patients")?
        .1
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Ok(digits.parse()?)
}
