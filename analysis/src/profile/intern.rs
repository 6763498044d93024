//! Per-column string interning over byte slices borrowed from the raw arena.
//!
//! An open-addressing table whose 16-byte slots hold the value's first 8 bytes, its
//! length, a 24-bit hash tag and the code. Values of up to 8 bytes (most labels and many
//! ids) are therefore matched without leaving the slot, and a probe never touches the
//! value list until tag, length and prefix agree. No `memcmp` call on the hot path.

use super::hash::{combine, mix, FastState};
use super::na::pack8;
use super::table::MISSING_CODE;

#[derive(Clone, Copy, Default)]
struct Slot {
    /// First 8 bytes, packed.
    prefix: u64,
    /// `tag << 40 | min(len, 255) << 32 | (code + 1)`; 0 = empty.
    meta: u64,
}

/// Distinct values, their first rows and the per-row codes of one column.
pub(crate) struct Interner<'a> {
    seed: u64,
    /// Rows of the column (an upper bound on distinct values).
    rows: usize,
    /// Power-of-two length, load factor at most 1/2.
    slots: Vec<Slot>,
    hashes: Vec<u64>,
    pub(crate) values: Vec<&'a [u8]>,
    pub(crate) first_row: Vec<usize>,
    pub(crate) codes: Vec<u32>,
}

const CODE_MASK: u64 = (1 << 32) - 1;

#[inline]
fn key(text: &[u8]) -> u64 {
    (text.len().min(255) as u64) << 32
}

impl<'a> Interner<'a> {
    pub(crate) fn new(rows: usize) -> Self {
        Interner {
            seed: FastState::new().seed(),
            rows,
            slots: vec![Slot::default(); 256],
            hashes: Vec::new(),
            values: Vec::new(),
            first_row: Vec::new(),
            codes: Vec::with_capacity(rows),
        }
    }

    /// Appends the code of `text` (found at `row`) to `codes`.
    #[inline]
    pub(crate) fn push(&mut self, text: &'a [u8], row: usize) {
        let prefix = pack8(text);
        let mut h = combine(combine(self.seed, text.len() as u64), prefix);
        for chunk in text.get(8..).unwrap_or_default().chunks(8) {
            h = combine(h, pack8(chunk));
        }
        let h = mix(h);
        let want = (h >> 40) << 40 | key(text);
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot.meta == 0 {
                break;
            }
            if slot.meta & !CODE_MASK == want && slot.prefix == prefix {
                let code = ((slot.meta & CODE_MASK) - 1) as usize;
                if text.len() <= 8 || self.values[code] == text {
                    self.codes.push(code as u32);
                    return;
                }
            }
            i = (i + 1) & mask;
        }
        let code = self.values.len() as u32;
        self.slots[i] = Slot {
            prefix,
            meta: want | u64::from(code + 1),
        };
        self.hashes.push(h);
        self.values.push(text);
        self.first_row.push(row);
        self.codes.push(code);
        if self.values.len() * 2 > self.slots.len() {
            // Mostly-distinct early on (an id column): size for every row at once rather
            // than rehashing a million entries step by step.
            let unique = self.values.len() >= 4096 && self.values.len() * 2 > self.codes.len();
            let target = if unique {
                (self.rows * 2).next_power_of_two()
            } else {
                0
            };
            let factor = if self.slots.len() < 1 << 20 { 4 } else { 2 };
            self.grow_to(target.max(self.slots.len() * factor));
        }
    }

    /// Rehashes into `size` slots (4x growth while small, 2x beyond a million).
    fn grow_to(&mut self, size: usize) {
        let mut slots = vec![Slot::default(); size];
        let mask = slots.len() - 1;
        for (code, &h) in self.hashes.iter().enumerate() {
            let mut i = h as usize & mask;
            while slots[i].meta != 0 {
                i = (i + 1) & mask;
            }
            let text = self.values[code];
            let meta = (h >> 40) << 40 | key(text) | (code as u64 + 1);
            slots[i] = Slot {
                prefix: pack8(text),
                meta,
            };
        }
        self.slots = slots;
    }

    /// Appends a missing row.
    #[inline]
    pub(crate) fn push_missing(&mut self) {
        self.codes.push(MISSING_CODE);
    }
}
