//! Incident id → record position, without a second copy of every id: the map holds a keyed
//! 64-bit hash of the id and the position, and the id itself is read back from the index's id
//! arena to confirm a hit. Two ids with the same hash (vanishingly rare, and not something a
//! caller can arrange without the random key) fall back to a map of full strings.

use super::arena::Arena;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// A hasher for keys that already are hashes: it passes the 64 bits through.
#[derive(Debug, Default, Clone, Copy)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Id → position, confirmed against the id arena.
#[derive(Debug, Default, Clone)]
pub struct IdMap {
    key: RandomState,
    by_hash: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
    clashes: HashMap<Box<str>, u32>,
}

impl IdMap {
    fn hash(&self, id: &str) -> u64 {
        self.key.hash_one(id)
    }

    /// The position of `id`, if it was ever inserted.
    pub fn get(&self, id: &str, ids: &Arena) -> Option<u32> {
        match self.by_hash.get(&self.hash(id)) {
            Some(&pos) if ids.get(pos) == id.as_bytes() => Some(pos),
            _ => self.clashes.get(id).copied(),
        }
    }

    /// Records that `id` lives at `pos` (`ids` must already hold it there).
    pub fn insert(&mut self, id: &str, pos: u32, ids: &Arena) {
        self.insert_hashed(id, self.hash(id), pos, ids);
    }

    fn insert_hashed(&mut self, id: &str, hash: u64, pos: u32, ids: &Arena) {
        match self.by_hash.get(&hash) {
            Some(&other) if ids.get(other) != id.as_bytes() => {
                self.clashes.insert(id.into(), pos);
            }
            _ => {
                self.by_hash.insert(hash, pos);
            }
        }
    }

    /// Bytes held on the heap (approximately: the tables' slots and control bytes).
    pub fn heap_bytes(&self) -> usize {
        self.by_hash.capacity() * 13 + self.clashes.capacity() * 40
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_inserted_and_nothing_else() {
        let (mut ids, mut map) = (Arena::default(), IdMap::default());
        for (pos, id) in ["INC-1", "INC-2", "SYN-0000003"].iter().enumerate() {
            ids.set(pos as u32, id.as_bytes());
            map.insert(id, pos as u32, &ids);
        }
        assert_eq!(map.get("INC-2", &ids), Some(1));
        assert_eq!(map.get("SYN-0000003", &ids), Some(2));
        assert_eq!(map.get("INC-3", &ids), None);
    }

    #[test]
    fn a_hash_clash_still_finds_both() {
        let (mut ids, mut map) = (Arena::default(), IdMap::default());
        ids.set(0, b"first");
        ids.set(1, b"second");
        map.insert("first", 0, &ids);
        // Force the clash: file "second" under the hash of "first".
        map.insert_hashed("second", map.hash("first"), 1, &ids);
        assert_eq!(map.clashes.len(), 1);
        assert_eq!(map.get("first", &ids), Some(0));
        assert_eq!(map.get("second", &ids), Some(1));
    }
}
