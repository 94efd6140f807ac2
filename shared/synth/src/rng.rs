//! Portable, seeded randomness and the calendar arithmetic the generator needs.
//!
//! Every patient gets its own [`ChaCha8Rng`] seeded from `(seed, patient index)`, so a patient's
//! resources do not depend on how many patients came before it or on how work is split across
//! threads. Dates are plain seconds since the Unix epoch (UTC) formatted by hand: no wall clock.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// Seconds in an average Gregorian year.
pub const YEAR: i64 = 31_556_952;

/// SplitMix64 step: a well-mixed 64-bit function used to derive stream seeds.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The RNG of one stream: `stream` 0 is the shared pool (practitioners, organizations, locations),
/// `stream` `i + 1` is patient `i`.
pub fn stream_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    let mut state = splitmix(seed) ^ splitmix(stream.wrapping_add(0xA5A5_5A5A));
    for chunk in key.chunks_mut(8) {
        state = splitmix(state);
        chunk.copy_from_slice(&state.to_le_bytes());
    }
    ChaCha8Rng::from_seed(key)
}

/// The RNG of chapter `chapter` of patient `index`'s history: chapter 0 is the patient's own
/// stream (`stream_rng(seed, index + 1)`); each later chapter (fixed-population growth, see
/// [`crate::Growth::History`]) has a stream of its own, still a function of `(seed, index)` only.
pub fn chapter_rng(seed: u64, index: u64, chapter: u64) -> ChaCha8Rng {
    if chapter == 0 {
        return stream_rng(seed, index.wrapping_add(1));
    }
    let seed = splitmix(seed ^ splitmix(chapter.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    stream_rng(seed, index.wrapping_add(1))
}

/// Small helpers on top of [`Rng`] used throughout the generator.
pub trait RngExt: Rng {
    /// A uniformly chosen element of a non-empty slice.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.random_range(0..items.len())]
    }
    /// `true` with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.random_bool(p.clamp(0.0, 1.0))
    }
    /// A random version-4 UUID, lower-case hyphenated.
    fn uuid(&mut self) -> String {
        self.uuid_str().as_str().to_owned()
    }
    /// [`RngExt::uuid`] without allocating (same random draws, same text).
    fn uuid_str(&mut self) -> UuidStr {
        let bytes: [u8; 16] = self.random();
        let mut buf = [0u8; 36];
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .encode_lower(&mut buf);
        UuidStr(buf)
    }
    /// A string of `n` random decimal digits.
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.random_range(0..10u8)))
            .collect()
    }
}

impl<R: Rng + ?Sized> RngExt for R {}

/// A lower-case hyphenated UUID held inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UuidStr([u8; 36]);

impl UuidStr {
    /// The UUID text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a hyphenated uuid is ASCII")
    }
}

/// Days since 1970-01-01 to a (year, month, day) civil date (proleptic Gregorian).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let m = u32::try_from(m).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Seconds since the epoch of midnight UTC on the given civil date.
pub fn epoch_of(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * DAY
}

/// FHIR `date`: `YYYY-MM-DD`.
pub fn fmt_date(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// FHIR `dateTime`/`instant` in UTC with seconds: `YYYY-MM-DDThh:mm:ssZ`.
pub fn fmt_datetime(t: i64) -> String {
    let (y, mo, d) = civil_from_days(t.div_euclid(DAY));
    let s = t.rem_euclid(DAY);
    let (h, mi, se) = (s / 3600, (s % 3600) / 60, s % 60);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}Z")
}

/// The calendar year of an instant.
pub fn year_of(t: i64) -> i64 {
    civil_from_days(t.div_euclid(DAY)).0
}

/// A time of day during clinic hours (07:00-19:00) on the day of `t`.
pub fn clinic_time<R: Rng + ?Sized>(rng: &mut R, t: i64) -> i64 {
    t.div_euclid(DAY) * DAY + rng.random_range(7 * 3600..19 * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (1931, 12, 31), (2026, 3, 1)] {
            assert_eq!(civil_from_days(epoch_of(y, m, d) / DAY), (y, m, d));
        }
        assert_eq!(
            fmt_datetime(epoch_of(2024, 7, 4) + 3661),
            "2024-07-04T01:01:01Z"
        );
    }

    #[test]
    fn streams_are_independent_and_stable() {
        let a: u64 = stream_rng(7, 1).random();
        let b: u64 = stream_rng(7, 1).random();
        let c: u64 = stream_rng(7, 2).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let first: u64 = chapter_rng(7, 0, 0).random();
        assert_eq!(first, a, "chapter 0 is the patient's own stream");
        let chapters: Vec<u64> = (1..4).map(|k| chapter_rng(7, 0, k).random()).collect();
        assert!(chapters.iter().all(|x| *x != a && *x != c));
        assert!(chapters[0] != chapters[1] && chapters[1] != chapters[2]);
    }
}
