//! Compact posting lists: the sorted record positions holding one word. Most words are rare and
//! their positions are stored as gaps in variable-length integers (one byte for most gaps); a
//! word in a large share of records becomes a bit set, which is then smaller. Both stay
//! editable record by record, so the live index never has to be rebuilt.

use super::arena::{get_varint, put_varint};

/// The sorted positions of the records holding one word.
#[derive(Debug, Default, Clone)]
pub struct Postings {
    len: u32,
    last: u32,
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    /// Gaps between successive positions (the first one from 0), as varints.
    Gaps(Vec<u8>),
    /// One bit per position.
    Bits(Vec<u64>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Gaps(Vec::new())
    }
}

impl Postings {
    /// How many records hold the word.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether no record holds the word.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `pos` (nothing happens if it is there already).
    pub fn insert(&mut self, pos: u32) {
        match &mut self.repr {
            Repr::Bits(bits) => {
                let word = pos as usize / 64;
                if word >= bits.len() {
                    bits.resize(word + 1, 0);
                }
                if bits[word] & (1 << (pos % 64)) != 0 {
                    return;
                }
                bits[word] |= 1 << (pos % 64);
            }
            Repr::Gaps(gaps) if self.len == 0 || pos > self.last => {
                let from = if self.len == 0 { 0 } else { self.last };
                put_varint(gaps, pos - from);
            }
            Repr::Gaps(gaps) => {
                let Some((at, end, prev, value)) = seek(gaps, pos) else {
                    return;
                };
                if value == pos {
                    return;
                }
                let mut middle = Vec::with_capacity(10);
                put_varint(&mut middle, pos - prev);
                put_varint(&mut middle, value - pos);
                gaps.splice(at..end, middle);
            }
        }
        self.len += 1;
        self.last = self.last.max(pos);
        self.maybe_bits();
    }

    /// Removes `pos` if present.
    pub fn remove(&mut self, pos: u32) {
        match &mut self.repr {
            Repr::Bits(bits) => {
                let Some(word) = bits.get_mut(pos as usize / 64) else {
                    return;
                };
                if *word & (1 << (pos % 64)) == 0 {
                    return;
                }
                *word &= !(1 << (pos % 64));
                self.len -= 1;
                if self.len > 0 && pos == self.last {
                    self.last = self.iter().last().unwrap_or(0);
                }
            }
            Repr::Gaps(gaps) => {
                let Some((at, end, prev, value)) = seek(gaps, pos) else {
                    return;
                };
                if value != pos {
                    return;
                }
                if end == gaps.len() {
                    gaps.truncate(at);
                    self.last = prev;
                } else {
                    let mut next_end = end;
                    let next = get_varint(gaps, &mut next_end);
                    let mut merged = Vec::with_capacity(5);
                    put_varint(&mut merged, value - prev + next);
                    gaps.splice(at..next_end, merged);
                }
                self.len -= 1;
            }
        }
        if self.len == 0 {
            *self = Postings::default();
        }
    }

    /// The positions, ascending.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Gaps(gaps) => Iter::Gaps {
                gaps,
                at: 0,
                value: 0,
            },
            Repr::Bits(bits) => Iter::Bits {
                bits,
                word: 0,
                current: bits.first().copied().unwrap_or(0),
            },
        }
    }

    /// Sets the bit of every position in `out` (a bit set over positions).
    pub fn set_bits(&self, out: &mut [u64]) {
        match &self.repr {
            Repr::Bits(bits) => {
                for (o, b) in out.iter_mut().zip(bits) {
                    *o |= b;
                }
            }
            Repr::Gaps(_) => {
                for p in self.iter() {
                    if let Some(w) = out.get_mut(p as usize / 64) {
                        *w |= 1 << (p % 64);
                    }
                }
            }
        }
    }

    /// Gives back spare capacity (after a bulk load) and picks the smaller form.
    pub fn shrink(&mut self) {
        if let Repr::Bits(bits) = &self.repr
            && self.len as usize * 2 < bits.len() * 8
        {
            let mut gaps = Vec::new();
            let mut from = 0;
            for p in self.iter() {
                put_varint(&mut gaps, p - from);
                from = p;
            }
            self.repr = Repr::Gaps(gaps);
        }
        match &mut self.repr {
            Repr::Gaps(gaps) => gaps.shrink_to_fit(),
            Repr::Bits(bits) => bits.shrink_to_fit(),
        }
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Gaps(gaps) => gaps.capacity(),
            Repr::Bits(bits) => bits.capacity() * 8,
        }
    }

    /// Switches to a bit set once the gaps take more room than one would.
    fn maybe_bits(&mut self) {
        if let Repr::Gaps(gaps) = &self.repr
            && gaps.len() > 64
            && gaps.len() > (self.last as usize / 64 + 1) * 8
        {
            let mut bits = vec![0u64; self.last as usize / 64 + 1];
            self.set_bits(&mut bits);
            self.repr = Repr::Bits(bits);
        }
    }
}

/// Finds the first stored position ≥ `pos`: its byte range in `gaps`, the position before it
/// (0 for the first) and its value; `None` when every position is smaller.
fn seek(gaps: &[u8], pos: u32) -> Option<(usize, usize, u32, u32)> {
    let (mut at, mut prev) = (0, 0);
    while at < gaps.len() {
        let start = at;
        let value = prev + get_varint(gaps, &mut at);
        if value >= pos {
            return Some((start, at, prev, value));
        }
        prev = value;
    }
    None
}

/// The positions of a posting list, ascending.
pub enum Iter<'a> {
    /// Decoding gaps.
    Gaps {
        /// The encoded gaps.
        gaps: &'a [u8],
        /// The next byte to read.
        at: usize,
        /// The last position produced.
        value: u32,
    },
    /// Walking set bits.
    Bits {
        /// The bit set.
        bits: &'a [u64],
        /// The index of `current` in `bits`.
        word: usize,
        /// The bits of the current word not produced yet.
        current: u64,
    },
}

impl Iterator for Iter<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        match self {
            Iter::Gaps { gaps, at, value } => {
                if *at >= gaps.len() {
                    return None;
                }
                *value += get_varint(gaps, at);
                Some(*value)
            }
            Iter::Bits {
                bits,
                word,
                current,
            } => loop {
                if *current != 0 {
                    let bit = current.trailing_zeros();
                    *current &= *current - 1;
                    return Some((*word * 64) as u32 + bit);
                }
                *word += 1;
                *current = *bits.get(*word)?;
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Applies the same inserts and removals to a posting list and to a set; both must agree.
    fn check(ops: &[(bool, u32)]) {
        let mut p = Postings::default();
        let mut want = BTreeSet::new();
        for &(add, pos) in ops {
            if add {
                p.insert(pos);
                want.insert(pos);
            } else {
                p.remove(pos);
                want.remove(&pos);
            }
            assert_eq!(p.len(), want.len());
        }
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            want.iter().copied().collect::<Vec<_>>()
        );
        p.shrink();
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            want.iter().copied().collect::<Vec<_>>()
        );
        let mut bits = vec![0u64; 400];
        p.set_bits(&mut bits);
        let set: usize = bits.iter().map(|b| b.count_ones() as usize).sum();
        assert_eq!(set, want.len());
    }

    #[test]
    fn gaps_in_order_out_of_order_and_removed() {
        check(&[(true, 5), (true, 300), (true, 2), (true, 300), (true, 0)]);
        check(&[(true, 7), (true, 9), (false, 7), (false, 9), (true, 1)]);
        check(&[
            (true, 1),
            (true, 500),
            (true, 20_000),
            (false, 500),
            (true, 499),
        ]);
    }

    #[test]
    fn dense_lists_become_bits_and_stay_editable() {
        let mut ops: Vec<(bool, u32)> = (0..20_000).step_by(3).map(|p| (true, p)).collect();
        ops.extend([(false, 3), (true, 4), (false, 19_998), (true, 25_000)]);
        check(&ops);
        let mut p = Postings::default();
        for pos in 0..5_000 {
            p.insert(pos);
        }
        assert!(matches!(p.repr, Repr::Bits(_)));
        p.shrink();
        assert_eq!(p.heap_bytes(), 5_000usize.div_ceil(64) * 8);
    }

    #[test]
    fn sparse_again_after_most_are_removed() {
        let mut ops: Vec<(bool, u32)> = (0..4_000).map(|p| (true, p)).collect();
        ops.extend((10..4_000).map(|p| (false, p)));
        check(&ops);
    }
}
