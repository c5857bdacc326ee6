//! Byte strings kept per record position in chunked arenas: the records of one chunk store their
//! text back to back in one allocation, so a scan reads memory in order and a million records
//! cost a few hundred allocations instead of millions. Replacing a record's text appends the new
//! bytes; a chunk is rewritten once more than half of it is stale.

/// Records per chunk (a power of two, so the chunk of a position is a shift).
pub const CHUNK: usize = 1 << CHUNK_SHIFT;
const CHUNK_SHIFT: u32 = 14;

/// One chunk: its bytes and, per record, where its text starts and how long it is.
#[derive(Debug, Default, Clone)]
struct Chunk {
    bytes: Vec<u8>,
    spans: Vec<(u32, u32)>,
    stale: usize,
}

impl Chunk {
    fn get(&self, slot: usize) -> &[u8] {
        let (start, len) = self.spans[slot];
        &self.bytes[start as usize..(start + len) as usize]
    }

    /// Rewrites the chunk without its stale bytes.
    fn rewrite(&mut self) {
        let mut bytes = Vec::with_capacity(self.bytes.len() - self.stale);
        for span in &mut self.spans {
            let (start, len) = *span;
            let at = bytes.len() as u32;
            bytes.extend_from_slice(&self.bytes[start as usize..(start + len) as usize]);
            *span = (at, len);
        }
        self.bytes = bytes;
        self.stale = 0;
    }
}

/// Byte strings indexed by record position (positions are handed out in order from 0).
#[derive(Debug, Default, Clone)]
pub struct Arena {
    chunks: Vec<Chunk>,
}

impl Arena {
    /// Sets the bytes of `pos`, which is either an existing position or the next one.
    pub fn set(&mut self, pos: u32, value: &[u8]) {
        let (c, slot) = split(pos);
        if c == self.chunks.len() {
            self.chunks.push(Chunk::default());
        }
        let chunk = &mut self.chunks[c];
        let span = (chunk.bytes.len() as u32, value.len() as u32);
        chunk.bytes.extend_from_slice(value);
        if slot == chunk.spans.len() {
            chunk.spans.push(span);
        } else {
            chunk.stale += chunk.spans[slot].1 as usize;
            chunk.spans[slot] = span;
            if chunk.stale * 2 > chunk.bytes.len() {
                chunk.rewrite();
            }
        }
    }

    /// The bytes of `pos` (empty for a position never set).
    #[inline]
    pub fn get(&self, pos: u32) -> &[u8] {
        let (c, slot) = split(pos);
        match self.chunks.get(c) {
            Some(chunk) if slot < chunk.spans.len() => chunk.get(slot),
            _ => &[],
        }
    }

    /// The text of `pos`, for arenas that only ever receive UTF-8.
    pub fn text(&self, pos: u32) -> &str {
        std::str::from_utf8(self.get(pos)).unwrap_or("")
    }

    /// Gives back spare capacity after a bulk load.
    pub fn shrink(&mut self) {
        for chunk in &mut self.chunks {
            if chunk.stale > 0 {
                chunk.rewrite();
            }
            chunk.bytes.shrink_to_fit();
            chunk.spans.shrink_to_fit();
        }
        self.chunks.shrink_to_fit();
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.chunks
            .iter()
            .map(|c| c.bytes.capacity() + c.spans.capacity() * 8 + std::mem::size_of::<Chunk>())
            .sum()
    }
}

fn split(pos: u32) -> (usize, usize) {
    ((pos >> CHUNK_SHIFT) as usize, pos as usize & (CHUNK - 1))
}

/// Appends `value` to `out` as a variable-length integer (7 bits a byte, low bits first).
pub fn put_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a variable-length integer at `*at`, moving `*at` past it.
#[inline]
pub fn get_varint(bytes: &[u8], at: &mut usize) -> u32 {
    let mut value = 0u32;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*at) {
        *at += 1;
        value |= u32::from(b & 0x7f) << shift;
        if b < 0x80 {
            break;
        }
        shift += 7;
    }
    value
}

/// The integers of a varint sequence.
pub fn varints(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || (at < bytes.len()).then(|| get_varint(bytes, &mut at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replace_and_rewrite() {
        let mut a = Arena::default();
        for p in 0..(CHUNK as u32 + 10) {
            a.set(p, format!("r{p}").as_bytes());
        }
        assert_eq!(a.get(3), b"r3");
        assert_eq!(
            a.get(CHUNK as u32 + 9),
            format!("r{}", CHUNK + 9).as_bytes()
        );
        assert_eq!(a.get(CHUNK as u32 + 10), b"");
        for round in 0..50 {
            a.set(5, format!("replaced {round}").as_bytes());
        }
        assert_eq!(a.text(5), "replaced 49");
        assert_eq!(a.get(4), b"r4");
        a.shrink();
        assert_eq!(a.text(5), "replaced 49");
        assert_eq!(a.get(6), b"r6");
    }

    #[test]
    fn varints_round_trip() {
        let values = [0, 1, 127, 128, 300, 16_383, 16_384, u32::MAX];
        let mut bytes = Vec::new();
        for v in values {
            put_varint(&mut bytes, v);
        }
        assert_eq!(varints(&bytes).collect::<Vec<_>>(), values);
    }
}
