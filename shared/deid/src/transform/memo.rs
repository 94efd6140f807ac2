//! Per-stream memo of keyed digests: the same patient, encounter and practitioner ids
//! recur on consecutive lines, and a pseudonym is a pure function of the id. Bounded
//! (fixed slots, overwritten on collision), so memory stays constant.

use std::cell::RefCell;

/// Slots of the pseudonym memo (direct-mapped; a power of two). 4096 slots of two short
/// strings: about 400 kB, enough for the patients and encounters a file refers to
/// between two lines of one patient.
const MEMO_SLOTS: usize = 4096;

#[derive(Debug, Default)]
struct Slots {
    ids: Vec<(String, String)>,
    shift: Option<(String, i64)>,
}

/// The memo (interior mutability: the walk borrows the transformer immutably).
#[derive(Debug, Default)]
pub(super) struct Memo(RefCell<Slots>);

fn slot_of(id: &str) -> usize {
    // The length and the first and last 8 bytes (ids are mostly UUIDs, which differ in
    // both), multiplied: no need for DoS resistance (a miss only costs a digest).
    let b = id.as_bytes();
    let word = |s: &[u8]| {
        let mut w = [0u8; 8];
        w[..s.len()].copy_from_slice(s);
        u64::from_le_bytes(w)
    };
    let (head, tail) = (&b[..b.len().min(8)], &b[b.len().saturating_sub(8)..]);
    let h = (word(head) ^ word(tail).rotate_left(29) ^ b.len() as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 40) as usize & (MEMO_SLOTS - 1)
}

impl Memo {
    /// Pseudonym of `id`, computed by `make` on a miss.
    pub fn id(&self, id: &str, make: impl FnOnce() -> String) -> String {
        let mut memo = self.0.borrow_mut();
        if memo.ids.is_empty() {
            memo.ids.resize_with(MEMO_SLOTS, Default::default);
        }
        let slot = &mut memo.ids[slot_of(id)];
        if slot.0 != id || slot.1.is_empty() {
            slot.1 = make();
            slot.0.clear();
            slot.0.push_str(id);
        }
        slot.1.clone()
    }

    /// Date shift of a patient key, memoised for the last key (lines of one patient are
    /// usually consecutive).
    pub fn shift(&self, key: &str, make: impl FnOnce() -> i64) -> i64 {
        let mut memo = self.0.borrow_mut();
        match &mut memo.shift {
            Some((k, days)) if k == key => *days,
            slot => {
                let days = make();
                *slot = Some((key.to_owned(), days));
                days
            }
        }
    }
}
