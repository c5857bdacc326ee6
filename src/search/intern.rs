//! Repeated strings stored once and named by a small id (sites, categories, owners, the tails
//! of short texts, the words of the vocabulary): the text lives in a chunked arena and the
//! lookup keeps only a hash of it, so each distinct string costs its bytes and a few more.

use super::arena::Arena;
use super::ids::IdMap;

/// Distinct strings, each with the id it was first given (0, 1, 2…).
#[derive(Debug, Default, Clone)]
pub struct Interner {
    texts: Arena,
    ids: IdMap,
    len: u32,
}

impl Interner {
    /// The id of `text`, adding it if new.
    pub fn intern(&mut self, text: &str) -> u32 {
        if let Some(id) = self.find(text) {
            return id;
        }
        let id = self.len;
        self.texts.set(id, text.as_bytes());
        self.ids.insert(text, id, &self.texts);
        self.len += 1;
        id
    }

    /// The id of `text`, if known.
    pub fn find(&self, text: &str) -> Option<u32> {
        self.ids.get(text, &self.texts)
    }

    /// The text of an id ("" if unknown).
    pub fn text(&self, id: u32) -> &str {
        self.texts.text(id)
    }

    /// The bytes of an id (empty if unknown), for comparisons that need no `str`.
    #[inline]
    pub fn bytes(&self, id: u32) -> &[u8] {
        self.texts.get(id)
    }

    /// Every text, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len).map(|id| self.text(id))
    }

    /// How many texts.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Gives back spare capacity after a bulk load.
    pub fn shrink(&mut self) {
        self.texts.shrink();
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.texts.heap_bytes() + self.ids.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_same_id() {
        let mut i = Interner::default();
        assert_eq!(i.intern("north"), 0);
        assert_eq!(i.intern(""), 1);
        assert_eq!(i.intern("south"), 2);
        assert_eq!(i.intern("north"), 0);
        assert_eq!(i.find(""), Some(1));
        assert_eq!(i.find("east"), None);
        assert_eq!(i.text(2), "south");
        assert_eq!(i.text(9), "");
        assert_eq!(i.iter().collect::<Vec<_>>(), vec!["north", "", "south"]);
    }
}
