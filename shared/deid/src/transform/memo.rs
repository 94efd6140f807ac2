//! Per-stream memo of keyed digests: the same patient, encounter and practitioner ids
//! recur on consecutive lines, and a pseudonym is a pure function of the id. Bounded
//! (fixed slots, overwritten on collision), so memory stays constant.

use std::cell::RefCell;

/// Slots of the pseudonym memo (direct-mapped; a power of two). 4096 slots of an id and its
/// pseudonym held inline (no pointer to chase: one lookup touches one slot): about 400 kB,
/// enough for the patients and encounters a file refers to between two lines of one patient.
const MEMO_SLOTS: usize = 4096;

/// Longest id the memo holds (a FHIR id has at most 64 characters); longer ones are not
/// memoised.
const ID_MAX: usize = 64;

/// Length of a pseudonym (a UUID string); a pseudonym of another length is not memoised.
const PSEUDO_LEN: usize = 36;

/// One memo slot: an id (`len` bytes; 0 = empty) and its pseudonym, inline.
#[derive(Clone, Copy)]
struct Slot {
    len: u8,
    id: [u8; ID_MAX],
    pseudo: [u8; PSEUDO_LEN],
}

const EMPTY: Slot = Slot {
    len: 0,
    id: [0; ID_MAX],
    pseudo: [0; PSEUDO_LEN],
};

#[derive(Default)]
struct Slots {
    ids: Vec<Slot>,
    shift: Option<(String, i64)>,
}

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slots(<pseudonyms>)")
    }
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
        let mut out = String::with_capacity(PSEUDO_LEN);
        self.push_id(id, make, &mut out);
        out
    }

    /// Appends the pseudonym of `id` to `out`, computed by `make` on a miss.
    pub fn push_id(&self, id: &str, make: impl FnOnce() -> String, out: &mut String) {
        let len = id.len();
        if len == 0 || len > ID_MAX {
            return out.push_str(&make());
        }
        let mut memo = self.0.borrow_mut();
        if memo.ids.is_empty() {
            memo.ids = vec![EMPTY; MEMO_SLOTS];
        }
        let slot = &mut memo.ids[slot_of(id)];
        if usize::from(slot.len) == len && &slot.id[..len] == id.as_bytes() {
            // Only UTF-8 (a `String` of PSEUDO_LEN bytes) is ever stored.
            if let Ok(p) = std::str::from_utf8(&slot.pseudo) {
                return out.push_str(p);
            }
        }
        let made = make();
        out.push_str(&made);
        if made.len() == PSEUDO_LEN {
            slot.pseudo.copy_from_slice(made.as_bytes());
            slot.id[..len].copy_from_slice(id.as_bytes());
            slot.len = u8::try_from(len).unwrap_or(0);
        } else {
            slot.len = 0;
        }
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
