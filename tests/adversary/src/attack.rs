//! One attack class end to end: generate the export, de-identify it with both profiles through
//! the real CLI, and collect every finding: planted values anywhere on the de-ID side
//! (contents, names, console), structure, line accounting, and (class 5) linkage.

use std::path::Path;

use chrono::Utc;

use crate::cli::{CliRun, RunPaths};
use crate::export::Suite;
use crate::plant::Attack;
use crate::scan::structure::Context;
use crate::scan::{self, Check, Finding, Scanner, linkage};

/// Types every profile keeps: none of their lines may be dropped by policy, so a green run
/// cannot come from an engine that drops everything.
const CORE_TYPES: [&str; 4] = ["Patient", "Encounter", "Observation", "Condition"];

/// The profiles every attack runs under.
pub const PROFILES: [&str; 2] = ["shifted", "safe-harbor"];

/// A fixed test key (hex, 32 bytes): the suite never needs the production key.
const TEST_KEY: &str = "5eedc0ffee5eedc0ffee5eedc0ffee5eedc0ffee5eedc0ffee5eedc0ffee5eed";

fn accounting(finding: &mut Vec<Finding>, what: &str, ok: bool) {
    if !ok {
        finding.push(Finding {
            check: Check::Accounting,
            class: None,
            place: what.to_owned(),
        });
    }
}

/// NDJSON lines written in a directory (none when it does not exist).
fn written(dir: &Path) -> std::io::Result<u64> {
    let mut n = 0;
    if !dir.is_dir() {
        return Ok(0);
    }
    for e in std::fs::read_dir(dir)? {
        let path = e?.path();
        if path.extension().is_none_or(|x| x != "ndjson") {
            continue;
        }
        let text = std::fs::read_to_string(path)?;
        n += text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
    }
    Ok(n)
}

/// The CLI ran to completion and accounted for every line of `suite`.
fn account(suite: &Suite, run: &CliRun, profile: &str) -> std::io::Result<Vec<Finding>> {
    let mut f = Vec::new();
    accounting(
        &mut f,
        &format!(
            "{profile}: exit code {:?} (a line may be lost, never a file)",
            run.code
        ),
        run.code == Some(0),
    );
    let Some([input, out, dropped, quarantined]) = run.row("TOTAL") else {
        accounting(
            &mut f,
            &format!("{profile}: no TOTAL row in the summary"),
            false,
        );
        return Ok(f);
    };
    accounting(
        &mut f,
        &format!("{profile}: read {input} of {} lines", suite.line_count()),
        input == suite.line_count() as u64,
    );
    let recorded = written(&run.quarantine)?;
    accounting(
        &mut f,
        &format!("{profile}: {quarantined} quarantined, {recorded} quarantine records"),
        recorded == quarantined,
    );
    accounting(
        &mut f,
        &format!("{profile}: written+dropped+quarantined != read"),
        out + dropped + quarantined == input,
    );
    accounting(
        &mut f,
        &format!("{profile}: summary says {out} written, files hold another number"),
        written(&run.output)? == out,
    );
    accounting(
        &mut f,
        &format!(
            "{profile}: {quarantined} quarantined, at most {} attack lines may be",
            suite.attack_lines
        ),
        quarantined <= suite.attack_lines as u64,
    );
    for t in CORE_TYPES.iter().filter(|t| suite.types.contains_key(**t)) {
        let kept = run.row(t).is_some_and(|r| r[2] == 0 && r[1] > 0);
        accounting(
            &mut f,
            &format!("{profile}: {t} dropped by policy (the test would be vacuous)"),
            kept,
        );
    }
    for (t, n) in &suite.types {
        let ok = run
            .row(t)
            .is_some_and(|r| r[0] == *n as u64 && r[1] + r[2] + r[3] == r[0]);
        let may = suite.quarantinable.get(t).copied().unwrap_or(0) as u64;
        let quarantined_ok = run.row(t).is_some_and(|r| r[3] <= may);
        accounting(
            &mut f,
            &format!("{profile}: {t} lines quarantined that hold no leak"),
            quarantined_ok,
        );
        accounting(
            &mut f,
            &format!("{profile}: {t} lines not all accounted for"),
            ok,
        );
    }
    Ok(f)
}

/// De-identifies `input` with `profile` into `work/deid-<profile>` (quarantine and key on the
/// PHI side in `work`) and scans the console and the output: the run and the findings.
///
/// # Errors
/// I/O errors (starting the CLI, reading the output).
pub fn deid_scanned(
    bin: &Path,
    work: &Path,
    input: &Path,
    profile: &str,
    scanner: &Scanner<'_>,
) -> std::io::Result<(CliRun, Vec<Finding>)> {
    let key_file = work.join("key.hex");
    std::fs::write(&key_file, TEST_KEY)?;
    let output = work.join(format!("deid-{profile}"));
    let quarantine = work.join(format!("phi-q-{profile}"));
    std::fs::create_dir_all(&output)?;
    let paths = RunPaths {
        bin,
        key_file: &key_file,
        input,
        output: &output,
        quarantine: &quarantine,
    };
    let run = CliRun::deid(paths, profile)?;
    let mut findings = scanner.console("stdout", &run.stdout);
    findings.extend(scanner.console("stderr", &run.stderr));
    findings.extend(scanner.dir(&output)?);
    Ok((run, findings))
}

/// Runs `attack` from `seed` in `work` (a fresh directory) with the CLI `bin`.
///
/// # Errors
/// I/O errors (writing the export, starting the CLI, reading outputs).
pub fn run(bin: &Path, work: &Path, attack: Attack, seed: u64) -> std::io::Result<Vec<Finding>> {
    let suite = Suite::generate(attack, seed, Utc::now());
    let input = work.join("phi-in");
    suite.write(&input)?;
    let ctx = Context::new(suite.export_time, &suite.known_instants);
    let mut findings = Vec::new();
    let names: Vec<String> = suite.files.iter().map(|f| f.name.clone()).collect();
    let types: Vec<&str> = suite.types.keys().map(String::as_str).collect();
    for profile in PROFILES {
        let scanner = Scanner::new(&suite.planted, ctx.clone().for_profile(profile));
        let (run, mut found) = deid_scanned(bin, work, &input, profile, &scanner)?;
        found.extend(scan::name_carryover(&names, &types, &run.output)?);
        findings.extend(found.into_iter().map(|mut x| {
            x.place = format!("{profile}: {}", x.place);
            x
        }));
        findings.extend(account(&suite, &run, profile)?);
    }
    if attack == Attack::ProfileLinkage {
        let (a, b) = (work.join("deid-shifted"), work.join("deid-safe-harbor"));
        findings.extend(linkage::shared(&a, &b)?);
    }
    Ok(findings)
}
